"""``/verified [NOTE]`` and ``/verification-failed NOTE``: Platform Engineering's answer
once a merged change is deployed.

Any Platform Engineering member other than the author may answer. ``/verified`` closes the
verification: the audit log records it, the ticket takes
``settings.jira.verification.done_transition`` (when Jira offers it), the clock stops and
the sticky comment says so. ``/verification-failed`` records the failure and tells the
author on the pull request and on Slack; the verification stays open and its clock runs on.
"""

from __future__ import annotations

from typing import Any

from app.commands.context import CommandCall
from app.commands.services import CommandServices
from app.slack import escape, link
from app.tracking import adf
from app.verification import flow, plan


def verified(call: CommandCall, services: CommandServices) -> bool:
    if not _may_answer(call, "verified"):
        return False
    record = _open_record(call, services)
    if record is None:
        return False
    note = call.command.argument
    at = services.now().isoformat()
    closed_now = False

    def put(document: dict[str, Any]) -> None:
        nonlocal closed_now
        current = document.get("verification") or {}
        closed_now = current.get("state") == plan.OPEN
        if closed_now:
            current.update(state=plan.VERIFIED, verified_by=call.actor, verified_at=at, note=note)

    services.records.update(call.repo, call.number, put)
    if not closed_now:
        call.reply("This change is already verified.")
        return False
    flow.stop_clock(services, call.repo, call.number)
    services.audit.append(
        "verification",
        repository=call.repo,
        number=call.number,
        actor=call.actor,
        summary=f"verified by @{call.actor}" + (f": {note}" if note else ""),
        detail={"outcome": "verified", "note": note, "ticket": record.get("ticket")},
    )
    done = flow.transition(
        services,
        call.repo,
        call.number,
        record.get("ticket"),
        call.ruleset.settings.jira.verification.done_transition,
        "verify-done",
    )
    if done is not None:
        services.records.update(
            call.repo, call.number, lambda d: d["verification"].update(done=done)
        )
    services.jira_comment_once(
        f"jira-verified:{call.repo}#{call.number}",
        record.get("ticket"),
        adf.doc(
            adf.paragraph(
                f"Verified by {call.actor}: the change meets its approved specification."
                + (f" {note}" if note else "")
            )
        ),
    )
    flow.show(services, call.ruleset, call.client, call.repo, call.number)
    return True


def verification_failed(call: CommandCall, services: CommandServices) -> bool:
    if not _may_answer(call, "verification-failed"):
        return False
    record = _open_record(call, services)
    if record is None:
        return False
    note = call.command.argument
    failure = {"by": call.actor, "note": note, "at": services.now().isoformat()}

    def put(document: dict[str, Any]) -> None:
        document["verification"].setdefault("failures", []).append(failure)

    services.records.update(call.repo, call.number, put)
    author = str(call.pull["user"]["login"])
    services.audit.append(
        "verification",
        repository=call.repo,
        number=call.number,
        actor=call.actor,
        summary=f"verification failed (@{call.actor}): {note}",
        detail={"outcome": "failed", "note": note, "ticket": record.get("ticket")},
    )
    due = flow.show_due(services, call.ruleset, record)
    call.reply(
        f"@{author}, the verification of this change failed: it does not meet its approved "
        "specification yet.\n\n> "
        + note.replace("\n", "\n> ")
        + f"\n\nThe verification stays open, due {due}. Once a fix is deployed, Platform "
        "Engineering closes it with `/verified`."
    )
    pull = link(call.pr_url, f"{call.repo}#{call.number}: {call.title}")
    services.slack_once(
        f"slack-verify-failed:{call.repo}#{call.number}:{call.comment_id}",
        call.ruleset.settings.slack.channel,
        f"{plan.slack_name(call.ruleset, author)} the verification of {pull} failed "
        f"({escape(call.actor)}): {escape(note)}. It stays open until Platform Engineering "
        "verifies the fix.",
    )
    services.jira_comment_once(
        f"jira-verify-failed:{call.repo}#{call.number}:{call.comment_id}",
        record.get("ticket"),
        adf.doc(adf.paragraph(f"Verification failed ({call.actor}): {note}")),
    )
    flow.show(services, call.ruleset, call.client, call.repo, call.number)
    return True


def _may_answer(call: CommandCall, name: str) -> bool:
    """Platform Engineering members, the author excepted (nobody verifies their own change)."""
    who = call.actor
    if not call.authority.is_author(who) and call.authority.is_member(
        plan.PLATFORM_ENGINEERING, who
    ):
        return True
    members = call.authority.describe_group(plan.PLATFORM_ENGINEERING)
    call.reply(f"Only Platform Engineering ({members}), other than the author, may run `/{name}`.")
    return False


def _open_record(call: CommandCall, services: CommandServices) -> dict[str, Any] | None:
    """The open verification, or None with a reply saying why there is none."""
    if not call.merged:
        call.reply(
            "This pull request was closed without merging: there is nothing to verify."
            if call.closed
            else "Nothing to verify yet: Platform Engineering verifies a change once it has "
            "merged and is deployed."
        )
        return None
    record = services.records.load(call.repo, call.number).get("verification")
    if not record:
        call.reply("No verification is pending: this change did not need Platform Engineering.")
        return None
    if record.get("state") != plan.OPEN:
        call.reply(f"This change is already verified (by @{record.get('verified_by')}).")
        return None
    dict_record: dict[str, Any] = record
    return dict_record
