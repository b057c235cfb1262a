"""``/verified`` and ``/verification-failed`` as comments hold them."""

from __future__ import annotations

import pytest

from app.commands.parse import Command, Malformed, parse_command


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("/verified", Command("verified", ""), id="verified-without-a-note"),
        pytest.param(
            "/verified checked the release run\nand the alarms",
            Command("verified", "checked the release run\nand the alarms"),
            id="verified-with-a-note",
        ),
        pytest.param(
            "/Verification-Failed still deploys on push",
            Command("verification-failed", "still deploys on push"),
            id="failed-with-its-note",
        ),
    ],
)
def test_verification_commands(body: str, expected: Command) -> None:
    assert parse_command(body) == expected


def test_a_failed_verification_needs_its_note() -> None:
    parsed = parse_command("/verification-failed")
    assert isinstance(parsed, Malformed)
    assert parsed.problem == "the note is required."
    assert "/verification-failed NOTE" in parsed.usage
