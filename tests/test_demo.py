"""``gatehouse demo`` (the Quickstart's first command) runs the real service through every
step and finds nothing the fakes' API descriptions forbid."""

from __future__ import annotations

from app.sandbox.demo import run_demo


def test_the_demo_goes_through_every_step_with_no_violation() -> None:
    lines: list[str] = []
    assert run_demo(lines.append) == 0
    text = "\n".join(lines)
    for step in range(1, 12):
        assert f"\n{step}. " in text, f"step {step} is missing"
    assert "LFXV2-1 is In Verification" in text and "LFXV2-1 is Done" in text
    assert "[CI/CD change]" in text
    assert "waiting: Waiting for Platform Engineering" in text
    assert "| acme/web#4 | approved | @example-architect-one |" in text
    assert "outside GitHub's, Jira's or Slack's API descriptions: 0" in text
