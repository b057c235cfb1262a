"""``/recheck`` and ``/arch-review``."""

from __future__ import annotations

from typing import Any

from app.commands.context import CommandCall
from app.commands.services import CommandServices
from app.sla.business_time import current_or_next_call
from app.sla.moments import show_moment


def recheck(call: CommandCall, services: CommandServices) -> bool:
    who = call.actor
    if not (
        call.authority.is_author(who)
        or call.authority.has_write(who)
        or call.authority.member_of_any(who)
    ):
        call.reply(
            "Only the author, people with write access and reviewing-group members may run `/recheck`."
        )
        return False
    services.reconcile(call.client, call.repo, call.pull, trigger="/recheck")
    return True


def arch_review(call: CommandCall, services: CommandServices) -> bool:
    who = call.actor
    allowed = (
        call.authority.is_author(who)
        or call.authority.has_write(who)
        or call.authority.is_member("architecture", who)
    )
    if not allowed:
        call.reply(
            "Only the author, people with write access and the Architectural Team may run `/arch-review`."
        )
        return False
    review = call.ruleset.settings.architecture_review
    start, _ = current_or_next_call(
        services.now(),
        review.weekday,
        review.time,
        review.duration_minutes,
        call.ruleset.settings.sla.timezone,
    )
    when = show_moment(start, call.ruleset.settings.sla.timezone)

    def put(doc: dict[str, Any]) -> None:
        doc.setdefault("agenda", {"by": who, "at": services.now().isoformat()})

    services.records.update(call.repo, call.number, put)
    services.audit.append(
        "arch-review",
        repository=call.repo,
        number=call.number,
        actor=who,
        summary=f"queued for the architecture review on {when}",
        detail={"call": start.isoformat()},
    )
    call.reply(f"Added to the agenda of the architecture review call on {when}.")
    return True
