"""What ``/arch-decision`` says: the verdict first, then the rationale."""

from __future__ import annotations

import pytest

from app.commands.parse import USAGE, Command, Malformed, parse_command


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "/arch-decision approve fits the stack",
            Command("arch-decision", "fits the stack", "approve"),
            id="approve",
        ),
        pytest.param(
            "/arch-decision changes use the shared client",
            Command("arch-decision", "use the shared client", "changes"),
            id="changes",
        ),
        pytest.param(
            "/Arch-Decision REJECT duplicates the billing service",
            Command("arch-decision", "duplicates the billing service", "reject"),
            id="case-insensitive",
        ),
        pytest.param(
            "/arch-decision approve\nDiscussed on the call:\n- fine",
            Command("arch-decision", "Discussed on the call:\n- fine", "approve"),
            id="rationale-on-the-next-lines",
        ),
        pytest.param(
            "/arch-decision reject\ttoo many moving parts",
            Command("arch-decision", "too many moving parts", "reject"),
            id="any-whitespace-after-the-verdict",
        ),
    ],
)
def test_arch_decisions(body: str, expected: Command) -> None:
    assert parse_command(body) == expected


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        pytest.param("/arch-decision", "`approve`, `changes` or `reject` first", id="empty"),
        pytest.param(
            "/arch-decision maybe next week", "`approve`, `changes` or `reject` first", id="verdict"
        ),
        pytest.param("/arch-decision approved ok", "`reject` first", id="past-tense-is-no-verdict"),
        pytest.param("/arch-decision approve", "rationale is required", id="no-rationale"),
        pytest.param(
            "/arch-decision changes   \n  ", "rationale is required", id="blank-rationale"
        ),
    ],
)
def test_malformed_arch_decisions_get_usage(body: str, fragment: str) -> None:
    result = parse_command(body)
    assert isinstance(result, Malformed)
    assert fragment in result.problem
    assert result.usage == f"Usage: `{USAGE['arch-decision']}`"
    assert result.usage.startswith("Usage: `/arch-decision approve|changes|reject RATIONALE")


def test_unknown_commands_list_arch_decision_among_the_commands() -> None:
    result = parse_command("/arch-decide approve ok")
    assert isinstance(result, Malformed)
    assert "`/arch-decision approve|changes|reject RATIONALE`" in result.usage
