"""What gatehouse says about a deployment: the Slack message asking Platform Engineering,
and the comments that go with its reviews on GitHub. Pure text from stored data."""

from __future__ import annotations

from typing import Any

from app.slack import escape, link

MAX_LISTED = 15
MAX_COMMENT = 1000  # characters of a review comment (the run's page shows it)


def unapproved_lines(verdict: dict[str, Any], *, slack: bool) -> list[str]:
    """One line per unapproved item: direct pushes by sha and author, pull requests by
    number and title, unreadable history by its reason."""
    lines = []
    for item in verdict.get("unapproved") or []:
        pull = item.get("pull")
        commits = item.get("commits") or []
        why = str(item.get("why") or "")
        if item.get("kind") == "direct-push" and commits:
            commit = commits[0]
            message = str(commit.get("message") or "")
            text = f"direct push `{str(commit['sha'])[:7]}` by {commit.get('author')}"
            lines.append(_clean(f"{text}: {message}" if message else text, slack))
        elif pull:
            label = f"#{pull['number']} {pull.get('title') or ''}".strip()
            shown = link(pull["html_url"], label) if slack and pull.get("html_url") else None
            rest = f" — {why} ({len(commits)} commit{'s' if len(commits) != 1 else ''})"
            lines.append((shown + _clean(rest, slack)) if shown else _clean(label + rest, slack))
        else:
            lines.append(_clean(why, slack))
    return lines


def _clean(text: str, slack: bool) -> str:
    return escape(text) if slack else text


def slack_text(
    *,
    repository: str,
    environment: str,
    sha: str,
    creator: str,
    verdict: dict[str, Any],
    mentions: str,
    page_url: str,
    number: int,
) -> str:
    """The one message to Platform Engineering's channel about a waiting deployment."""
    by = f", started by {escape(creator)}" if creator else ""
    opening = (
        f"A deployment of {escape(repository)} to *{escape(environment)}* (`{sha[:7]}`{by}) "
        "waits for Platform Engineering: it brings changes without an approved pull request."
    )
    lines = [f"{mentions} {opening}" if mentions else opening]
    items = unapproved_lines(verdict, slack=True)
    lines += [f"• {line}" for line in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        lines.append(f"• and {len(items) - MAX_LISTED} more")
    lines.append(f"Approve or reject it: {link(page_url, f'deployment {number}')}")
    return "\n".join(lines)


def waiting_comment(verdict: dict[str, Any], page_url: str) -> str:
    """The status shown on the workflow run while Platform Engineering decides."""
    count = len(verdict.get("unapproved") or [])
    things = "change comes" if count == 1 else "changes come"
    return _cut(
        f"Waiting for Platform Engineering: {count} {things} without an approved pull "
        f"request. Approve or reject at {page_url}"
    )


def decision_comment(state: str, actor: str, rationale: str, page_url: str) -> str:
    if actor == "gatehouse":
        return _cut(f"gatehouse {state} this deployment: {rationale}.")
    return _cut(f"{state.capitalize()} by @{actor} in gatehouse ({page_url}): {rationale}")


def _cut(text: str) -> str:
    return text if len(text) <= MAX_COMMENT else text[: MAX_COMMENT - 1] + "…"
