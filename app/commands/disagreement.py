"""The handbook's disagreement procedure: ``/disagree``, the 24-hour joint review, the
escalation to engineering management, and ``/decision``.

Both sides' rationales and the decision are written to the PR, the Jira ticket and the
audit log. ``/decision approve`` satisfies the disputed requirement; ``reject`` keeps it
blocked.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.commands.context import CommandCall
from app.commands.services import CommandServices
from app.github.client import InstallationClient
from app.policy.model import RuleSet
from app.pulls.extension import ReconcileState
from app.sla.moments import show_moment
from app.slack import escape, link
from app.store import RecordStore, Timer
from app.tracking import adf

JOINT_REVIEW_KIND = "joint-review"
MANAGEMENT = "engineering-management"


def disagree(call: CommandCall, services: CommandServices) -> bool:
    if not call.authority.is_author(call.actor):
        call.reply(f"Only the author (@{call.pull['user']['login']}) may run `/disagree`.")
        return False
    doc = services.records.load(call.repo, call.number)
    blocked = [g for g in (doc.get("evaluation") or {}).get("groups", []) if g.get("blocked_by")]
    if not blocked:
        call.reply(
            "`/disagree` applies after a reviewing-group member requested changes; nobody has."
        )
        return False
    if (doc.get("disagreement") or {}).get("state") in ("open", "escalated"):
        call.reply("A disagreement is already open on this pull request.")
        return True
    group = blocked[0]
    reviewers = list(group["blocked_by"])
    now = services.now()
    due = now + timedelta(hours=call.ruleset.settings.sla.joint_review.hours)
    record = {
        "state": "open",
        "group": group["group"],
        "group_name": group["name"],
        "reviewers": reviewers,
        "author": call.actor,
        "author_rationale": call.command.argument,
        "reviewer_rationales": {},
        "opened_at": now.isoformat(),
        "due_at": due.isoformat(),
    }
    services.records.update(call.repo, call.number, lambda d: d.update(disagreement=record))
    services.timers.schedule(
        f"{JOINT_REVIEW_KIND}:{call.repo}#{call.number}",
        JOINT_REVIEW_KIND,
        due,
        {"repository": call.repo, "number": call.number},
    )
    services.audit.append(
        "disagreement",
        repository=call.repo,
        number=call.number,
        actor=call.actor,
        summary=f"author disagrees with {', '.join(reviewers)} ({group['name']})",
        detail={"rationale": call.command.argument, "group": group["group"]},
    )
    local_due = show_moment(due.isoformat(), call.ruleset.settings.sla.timezone)
    mentions = " ".join(f"@{r}" for r in reviewers)
    call.reply(
        f"{mentions}: @{call.actor} disagrees with the requested changes. Rationale:\n\n> "
        + call.command.argument.replace("\n", "\n> ")
        + f"\n\nPlease document your technical rationale in a comment here. A joint review is due by "
        f"{local_due}; if it is unresolved by then, engineering management decides "
        "(`/decision approve|reject RATIONALE`)."
    )
    slack_ids = _slack_mentions(call.ruleset, reviewers)
    pull = link(call.pr_url, f"{call.repo}#{call.number}")
    services.slack_once(
        f"slack-disagree:{call.repo}#{call.number}",
        call.ruleset.settings.slack.channel,
        f"{slack_ids} the author of {pull} disagrees with your requested changes. Please add your "
        f"rationale on the pull request; joint review due by {escape(local_due)}.",
    )
    services.jira_comment_once(
        f"jira-disagree:{call.repo}#{call.number}",
        doc.get("jira_key"),
        adf.doc(adf.paragraph(f"Disagreement opened by {call.actor}: {call.command.argument}")),
    )
    services.reconcile(call.client, call.repo, call.pull, trigger="/disagree")
    return True


def decision(call: CommandCall, services: CommandServices) -> bool:
    if not call.authority.is_member(MANAGEMENT, call.actor):
        call.reply(
            f"Only engineering management ({call.authority.describe_group(MANAGEMENT)}) may run `/decision`."
        )
        return False
    doc = services.records.load(call.repo, call.number)
    dispute = doc.get("disagreement") or {}
    if dispute.get("state") not in ("open", "escalated"):
        call.reply("`/decision` settles an open disagreement; there is none on this pull request.")
        return False
    approve = call.command.verdict == "approve"
    rationale = call.command.argument
    override = {
        "group": dispute["group"],
        "approve": approve,
        "decided_by": call.actor,
        "rationale": rationale,
    }

    def put(d: dict[str, Any]) -> None:
        d["overrides"] = [o for o in d.get("overrides", []) if o["group"] != dispute["group"]] + [
            override
        ]
        d["disagreement"] = {**dispute, "state": "decided", "decision": override}

    services.records.update(call.repo, call.number, put)
    services.timers.cancel(f"{JOINT_REVIEW_KIND}:{call.repo}#{call.number}")
    verdict = "approved" if approve else "rejected"
    services.audit.append(
        "decision",
        repository=call.repo,
        number=call.number,
        actor=call.actor,
        summary=f"final decision: {verdict} ({dispute['group_name']})",
        detail={
            "approve": approve,
            "rationale": rationale,
            "group": dispute["group"],
            "author_rationale": dispute.get("author_rationale"),
            "reviewer_rationales": dispute.get("reviewer_rationales", {}),
        },
    )
    services.jira_comment_once(
        f"jira-decision:{call.repo}#{call.number}",
        doc.get("jira_key"),
        adf.doc(
            adf.paragraph(f"Final decision by {call.actor}: {verdict}. Rationale: {rationale}"),
            adf.paragraph(f"Author's rationale: {dispute.get('author_rationale', '')}"),
            *[
                adf.paragraph(f"{who}'s rationale: {text}")
                for who, text in dispute.get("reviewer_rationales", {}).items()
            ],
        ),
    )
    effect = "satisfies" if approve else "keeps blocking"
    call.reply(
        f"Final decision recorded: **{verdict}**. It {effect} the {dispute['group_name']} requirement. "
        f"Rationale: {rationale}"
    )
    services.reconcile(call.client, call.repo, call.pull, trigger="/decision")
    return True


def record_reviewer_rationale(
    records: RecordStore, repo: str, number: int, login: str, body: str
) -> bool:
    """A comment by a disputing reviewer is their rationale; True when it was recorded."""
    doc = records.load(repo, number)
    dispute = doc.get("disagreement") or {}
    if dispute.get("state") not in ("open", "escalated"):
        return False
    if login.lower() not in {r.lower() for r in dispute.get("reviewers", [])}:
        return False

    def put(d: dict[str, Any]) -> None:
        d["disagreement"].setdefault("reviewer_rationales", {})[login] = body.strip()[:4000]

    records.update(repo, number, put)
    return True


def escalate(
    services: CommandServices, ruleset: RuleSet, client: InstallationClient, timer: Timer
) -> None:
    repo, number = str(timer.payload["repository"]), int(timer.payload["number"])
    doc = services.records.load(repo, number)
    dispute = doc.get("disagreement") or {}
    if dispute.get("state") != "open":
        return
    services.records.update(repo, number, lambda d: d["disagreement"].update(state="escalated"))
    url = doc.get("html_url", "")
    pull = link(url, f"{repo}#{number}")
    services.slack_once(
        f"slack-escalate:{repo}#{number}",
        ruleset.settings.slack.channel,
        f"{services.mentions(ruleset, [MANAGEMENT])} The disagreement on {pull} "
        f"({escape(dispute.get('group_name', ''))}) was not resolved in the joint review. Please decide with "
        "`/decision approve|reject RATIONALE` on the pull request.",
    )
    services.jira_comment_once(
        f"jira-escalate:{repo}#{number}",
        doc.get("jira_key"),
        adf.doc(
            adf.paragraph(
                "Disagreement escalated to engineering management after the joint review."
            )
        ),
    )
    services.audit.append(
        "escalation",
        repository=repo,
        number=number,
        actor="gatehouse",
        summary="disagreement escalated to engineering management",
        detail={"group": dispute.get("group")},
    )
    pull_json = client.get_pull(repo, number)
    services.reconcile(client, repo, pull_json, trigger="escalation")


class DisagreementView:
    """Reconcile extension: the sticky comment and check say where a dispute stands."""

    def __init__(self, records: RecordStore) -> None:
        self.records = records

    def decides(self, state: ReconcileState) -> bool:
        """Database only: runs before the check is published."""
        return True

    def contribute(self, state: ReconcileState) -> None:
        snap = state.snapshot
        assert snap.number is not None
        dispute = self.records.load(snap.repository, snap.number).get("disagreement") or {}
        status = dispute.get("state")
        if status == "open":
            state.disagreement = (
                f"Disagreement open with {', '.join('@' + r for r in dispute['reviewers'])}: reviewers "
                f"document their rationale; joint review due by {show_moment(dispute['due_at'], state.ruleset.settings.sla.timezone)}. "
                "Engineering management may decide with `/decision approve|reject RATIONALE`."
            )
        elif status == "escalated":
            state.disagreement = (
                "The disagreement is escalated to engineering management: "
                f"{_management(state.ruleset)} decides with `/decision approve|reject RATIONALE`."
            )


def _management(ruleset: RuleSet) -> str:
    group = ruleset.groups.get(MANAGEMENT)
    return ", ".join(f"@{m.github}" for m in group.members) if group else "engineering management"


def _slack_mentions(ruleset: RuleSet, logins: list[str]) -> str:
    wanted = {login.lower() for login in logins}
    found: dict[str, str] = {}
    for group in ruleset.groups.values():
        for member in group.members:
            if member.github.lower() in wanted and member.slack_user_id:
                found[member.github.lower()] = f"<@{member.slack_user_id}>"
    return " ".join(found.get(login.lower(), escape(login)) for login in logins)
