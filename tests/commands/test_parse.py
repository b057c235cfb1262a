"""Which comments are commands, and what they say."""

from __future__ import annotations

import pytest

from app.commands.parse import Command, Malformed, parse_command


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("/recheck", Command("recheck", ""), id="recheck"),
        pytest.param("/ReCheck", Command("recheck", ""), id="command-word-case-insensitive"),
        pytest.param("/expedite prod is down", Command("expedite", "prod is down"), id="expedite"),
        pytest.param(
            "/expedite CVE-2026-1\nmore detail",
            Command("expedite", "CVE-2026-1\nmore detail"),
            id="argument-continues-on-next-lines",
        ),
        pytest.param(
            "/decision approve risk accepted",
            Command("decision", "risk accepted", "approve"),
            id="decision-approve",
        ),
        pytest.param(
            "/decision REJECT too risky",
            Command("decision", "too risky", "reject"),
            id="decision-reject",
        ),
        pytest.param("/arch-review", Command("arch-review", ""), id="arch-review"),
        pytest.param(
            "/disagree\nthe SG is scoped to the VPC",
            Command("disagree", "the SG is scoped to the VPC"),
            id="rationale-on-second-line",
        ),
    ],
)
def test_commands(body: str, expected: Command) -> None:
    assert parse_command(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("please /recheck", id="not-first-word"),
        pytest.param("> /expedite quoted", id="quote-never-triggers"),
        pytest.param("```\n/expedite in code\n```", id="code-fence-never-triggers"),
        pytest.param("    /recheck", id="indented-code-never-triggers"),
        pytest.param("looks good\n/recheck", id="only-first-line"),
        pytest.param("", id="empty"),
        pytest.param("/ not a command", id="slash-alone"),
    ],
)
def test_not_commands(body: str) -> None:
    assert parse_command(body) is None


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        pytest.param("/expedite", "reason is required", id="expedite-needs-reason"),
        pytest.param("/disagree   ", "rationale is required", id="disagree-needs-rationale"),
        pytest.param("/decision maybe later", "approve` or `reject", id="decision-needs-verdict"),
        pytest.param("/decision approve", "rationale is required", id="decision-needs-rationale"),
        pytest.param("/expidite now", "not a gatehouse command", id="typo-is-unknown"),
    ],
)
def test_malformed_commands_get_usage(body: str, fragment: str) -> None:
    result = parse_command(body)
    assert isinstance(result, Malformed)
    assert fragment in result.problem
    assert result.usage
