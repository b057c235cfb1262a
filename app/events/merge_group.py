"""Merge queues: the check on a merge-group commit, decided from the pull requests in it.

Each pull request of the group is evaluated as it stands (its own files and reviews); the
group's commit passes only when every one of them may merge, so a required ``gatehouse``
check never stalls the queue and never lets an unapproved change through it.
"""

from __future__ import annotations

from typing import Any

from app.github.client import InstallationClient
from app.github.snapshot import build_snapshot
from app.policy.evaluate import evaluate
from app.policy.result import Conclusion
from app.pulls.reconcile import Reconciler, _call_decisions, _overrides
from app.render.check_run import RERUN_ACTION
from app.store import RecordStore


def check_merge_group(
    client: InstallationClient,
    reconciler: Reconciler,
    records: RecordStore,
    check_name: str,
    payload: dict[str, Any],
    numbers: tuple[int, ...],
) -> None:
    repo = payload["repository"]["full_name"]
    group = payload["merge_group"]
    head_sha = group["head_sha"]
    default_branch = str(payload["repository"].get("default_branch") or "main")
    verdicts: list[tuple[int, Conclusion, str]] = []
    repo_file = reconciler.repo_rules.read(client, repo, default_branch)
    loaded = reconciler.rules.for_repository(repo_file)
    for number in numbers:
        if loaded.compiled is None:
            verdicts.append((number, Conclusion.FAILURE, loaded.error or "rules invalid"))
            continue
        pull = client.get_pull(repo, number)
        doc = records.load(repo, number)
        snapshot = build_snapshot(
            client,
            loaded.compiled.ruleset,
            repo,
            pull,
            overrides=_overrides(doc),
            call_decisions=_call_decisions(doc),
        )
        result = evaluate(loaded.compiled.ruleset, snapshot, loaded.compiled)
        waiting = [r.name for r in result.requirements if not r.satisfied]
        note = (
            "may merge"
            if result.conclusion is Conclusion.SUCCESS
            else "waiting on " + ", ".join(waiting)
        )
        verdicts.append((number, result.conclusion, note))
    if not numbers:
        verdicts.append(
            (0, Conclusion.FAILURE, "no pull request could be found for this merge group")
        )
    passed = all(v[1] is Conclusion.SUCCESS for v in verdicts)
    lines = [f"- #{n}: {note}" if n else f"- {note}" for n, _, note in verdicts]
    client.create_check_run(
        repo,
        {
            "name": check_name,
            "head_sha": head_sha,
            "status": "completed",
            "conclusion": "success" if passed else "failure",
            "actions": [RERUN_ACTION],
            "output": {
                "title": "Every pull request in the merge group may merge"
                if passed
                else "A pull request in the merge group is not approved",
                "summary": "\n".join(lines),
            },
        },
    )
