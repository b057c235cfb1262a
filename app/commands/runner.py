"""Handle ``issue_comment.created`` on pull requests: run the command it holds.

Bots (gatehouse included) never trigger commands; a comment's command runs once however
often the event is delivered (an effect key per comment); the caller's rights are checked
against GitHub before any effect; accepted commands get a +1 reaction; refusals and
malformed commands get a short reply saying who may, or how.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from app.commands import arch_decision, disagreement, expedite, simple
from app.commands.authority import Authority
from app.commands.context import CommandCall
from app.commands.parse import Command, Malformed, parse_command
from app.commands.services import CommandServices
from app.github.client import InstallationClient
from app.pulls.rules_provider import RulesProvider
from app.tracking.once import once
from app.verification import commands as verification

log = logging.getLogger("gatehouse.commands")
Handler = Callable[[CommandCall, CommandServices], bool]
HANDLERS: dict[str, Handler] = {
    "recheck": simple.recheck,
    "arch-review": simple.arch_review,
    "expedite": expedite.expedite,
    "disagree": disagreement.disagree,
    "decision": disagreement.decision,
    "arch-decision": arch_decision.arch_decision,
    "verified": verification.verified,
    "verification-failed": verification.verification_failed,
}
AFTER_MERGE = frozenset({"arch-review", "verified", "verification-failed"})


def is_bot(user: dict[str, Any]) -> bool:
    return user.get("type") == "Bot" or str(user.get("login", "")).endswith("[bot]")


class CommandRunner:
    def __init__(self, rules: RulesProvider, services: CommandServices) -> None:
        self.rules = rules
        self.services = services

    def handle(self, client: InstallationClient, payload: dict[str, Any]) -> None:
        comment = payload.get("comment") or {}
        user = comment.get("user") or {}
        if is_bot(user) or is_bot(payload.get("sender") or {}):
            return
        repo = payload["repository"]["full_name"]
        number = int(payload["issue"]["number"])
        login = str(user.get("login", ""))
        parsed = parse_command(str(comment.get("body") or ""))
        if parsed is None:
            if disagreement.record_reviewer_rationale(
                self.services.records, repo, number, login, comment.get("body") or ""
            ):
                self.services.audit.append(
                    "rationale",
                    repository=repo,
                    number=number,
                    actor=login,
                    summary=f"@{login} documented their rationale",
                    detail={"rationale": comment.get("body", "")[:4000]},
                )
            return
        comment_id = int(comment["id"])

        def run() -> dict[str, Any]:
            return self._run(client, payload, repo, number, login, comment_id, parsed)

        outcome = once(self.services.effects, f"command:{repo}:{comment_id}", run)
        if outcome.error is not None:
            raise outcome.error

    def _run(
        self,
        client: InstallationClient,
        payload: dict[str, Any],
        repo: str,
        number: int,
        login: str,
        comment_id: int,
        parsed: Command | Malformed,
    ) -> dict[str, Any]:
        if isinstance(parsed, Malformed):
            client.create_comment(repo, number, f"@{login} {parsed.problem} {parsed.usage}")
            return {"outcome": "malformed"}
        pull = client.get_pull(repo, number)
        default_branch = str(payload["repository"].get("default_branch") or "main")
        loaded = self.rules.for_repository(
            self.services.reconciler.repo_rules.read(client, repo, default_branch)
        )
        if loaded.compiled is None:
            client.create_comment(
                repo, number, f"@{login} gatehouse cannot run commands here: {loaded.error}"
            )
            return {"outcome": "rules-invalid"}
        ruleset = loaded.compiled.ruleset
        replies: list[str] = []
        call = CommandCall(
            client=client,
            ruleset=ruleset,
            repo=repo,
            number=number,
            pull=pull,
            payload=payload,
            command=parsed,
            actor=login,
            comment_id=comment_id,
            authority=Authority(client, ruleset, repo, pull["user"]["login"]),
            replies=replies,
        )
        if call.closed and parsed.name not in AFTER_MERGE:
            state = "merged" if call.merged else "closed"
            client.create_comment(
                repo,
                number,
                f"@{login} this pull request is {state}: `/{parsed.name}` no longer applies.",
            )
            return {"outcome": "closed"}
        accepted = HANDLERS[parsed.name](call, self.services)
        if accepted:
            client.add_reaction(repo, comment_id, "+1")
            self.services.audit.append(
                "command",
                repository=repo,
                number=number,
                actor=login,
                summary=f"/{parsed.name} accepted",
                detail={"argument": parsed.argument[:2000]},
            )
        else:
            self.services.audit.append(
                "command-refused",
                repository=repo,
                number=number,
                actor=login,
                summary=f"/{parsed.name} refused",
                detail={"replies": replies},
            )
        if replies:
            client.create_comment(repo, number, f"@{login} " + "\n\n".join(replies))
        return {"outcome": "accepted" if accepted else "refused"}
