"""The Slack messages of the handbook: a ticket for review, in ``settings.slack.channel``."""

from __future__ import annotations

from app.policy.model import Group, Member
from app.slack import escape, link


def mention(member: Member | None, fallback: str) -> str:
    if member is None:
        return escape(fallback)
    if member.slack_user_id:
        return f"<@{member.slack_user_id}>"
    return escape(member.display)


def ticket_message(
    *,
    assignee: Member | None,
    group: Group,
    key: str,
    browse_url: str,
    created: bool,
    repo: str,
    number: int,
    title: str,
    pr_url: str,
    rules: list[str],
) -> str:
    """E.g. "<@U0…> I've created ticket <…|LFXV2-302> for <pr|acme/api#12: title> …"."""
    who = mention(assignee, group.name)
    ticket = link(browse_url, key)
    pull = link(pr_url, f"{repo}#{number}: {title}")
    context = escape(", ".join(rules))
    if created:
        return (
            f"{who} I've created ticket {ticket} for {pull}. "
            f"It needs {escape(group.name)} review: {context}."
        )
    return (
        f"{who} {pull} is tracked in {ticket} and needs your {escape(group.name)} review: "
        f"{context}."
    )
