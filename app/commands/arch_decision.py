"""``/arch-decision approve|changes|reject RATIONALE``: the Architectural Team records the
outcome of the weekly architecture review call for a pull request.

The outcome is kept in the PR's record (``call_decisions``), where every evaluation reads
it (``app.policy.call_decisions``): ``approve`` counts as the member's approval,
``changes`` blocks as their requested change, ``reject`` fails the check. A later
outcome replaces the earlier one; a push keeps it. Each outcome is written to the PR (a
reply, and the check and sticky comment show it), the Jira ticket (a comment, once per
command) and the audit log (kind ``arch-decision``).
"""

from __future__ import annotations

from typing import Any

from app.commands.context import CommandCall
from app.commands.services import CommandServices
from app.tracking import adf

ARCHITECTURE = "architecture"
AUDIT_KIND = "arch-decision"
_SAID = {"approve": "approve", "changes": "changes requested", "reject": "reject"}


def arch_decision(call: CommandCall, services: CommandServices) -> bool:
    who = call.actor
    authority = call.authority
    if not authority.is_member(ARCHITECTURE, who):
        call.reply(
            f"Only the Architectural Team ({authority.describe_group(ARCHITECTURE)}) may run "
            "`/arch-decision`."
        )
        return False
    if authority.is_author(who):
        call.reply(
            "The author cannot record the architecture review's outcome on their own pull "
            "request; another Architectural Team member records it."
        )
        return False
    verdict = str(call.command.verdict)
    rationale = call.command.argument
    record = {
        "verdict": verdict,
        "rationale": rationale,
        "by": who,
        "at": services.now().isoformat(),
        "comment_id": call.comment_id,
    }
    earlier = (services.records.load(call.repo, call.number).get("call_decisions") or {}).get(
        ARCHITECTURE
    )

    def put(doc: dict[str, Any]) -> None:
        doc.setdefault("call_decisions", {})[ARCHITECTURE] = record
        if doc.get("agenda"):
            doc["agenda_done"] = True  # the call has decided: off the agenda

    services.records.update(call.repo, call.number, put)
    doc = services.records.load(call.repo, call.number)
    said = _SAID[verdict]
    services.jira_comment_once(
        f"jira-arch-decision:{call.repo}#{call.number}:{call.comment_id}",
        doc.get("jira_key"),
        adf.doc(
            adf.paragraph(
                f"Architecture review outcome recorded by {who} for {call.repo}#{call.number}: "
                f"{said}. Rationale: {rationale}"
            )
        ),
    )
    services.reconcile(call.client, call.repo, call.pull, trigger="/arch-decision")
    services.audit.append(
        AUDIT_KIND,
        repository=call.repo,
        number=call.number,
        actor=who,
        summary=f"architecture review outcome: {said}",
        detail={"decision": verdict, "rationale": rationale},
    )
    call.reply(_reply(who, verdict, rationale, earlier))
    return True


def _reply(who: str, verdict: str, rationale: str, earlier: dict[str, Any] | None) -> str:
    effect = {
        "approve": f"It counts as @{who}'s approval for the Architectural Team requirement",
        "changes": f"It blocks like a change requested by @{who} until they approve",
        "reject": "The gatehouse check fails",
    }[verdict]
    replaced = (
        f" It replaces the earlier outcome ({_SAID.get(str(earlier.get('verdict')), '?')} "
        f"by @{earlier.get('by')})."
        if earlier
        else ""
    )
    return (
        f"Architecture review outcome recorded: **{_SAID[verdict]}**. {effect}, and it stays "
        f"through new pushes until another `/arch-decision` replaces it.{replaced}\n\n"
        "Rationale:\n\n> " + rationale.replace("\n", "\n> ")
    )
