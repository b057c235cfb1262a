"""Post the ``gatehouse`` check run: once per head commit, then updated in place.

The run's id is remembered per head sha in the pull request's record, so redeliveries
edit the same run. Annotations go out 50 per request, as GitHub requires.
"""

from __future__ import annotations

from typing import Any

from app.github.client import InstallationClient
from app.render.check_run import ANNOTATIONS_PER_REQUEST, RERUN_ACTION, CheckOutput
from app.store import RecordStore


class CheckPublisher:
    def __init__(self, records: RecordStore, check_name: str) -> None:
        self.records = records
        self.check_name = check_name

    def known_run(self, repo: str, number: int | None, head_sha: str) -> int | None:
        if number is None:
            return None
        runs = self.records.load(repo, number).get("check_runs", {})
        value = runs.get(head_sha)
        return int(value) if value else None

    def _remember(self, repo: str, number: int | None, head_sha: str, run_id: int) -> None:
        if number is None:
            return

        def put(doc: dict[str, Any]) -> None:
            runs = doc.setdefault("check_runs", {})
            runs[head_sha] = run_id
            if len(runs) > 20:
                for old in list(runs)[:-20]:
                    runs.pop(old)

        self.records.update(repo, number, put)

    def start(
        self,
        client: InstallationClient,
        repo: str,
        number: int | None,
        head_sha: str,
        details_url: str,
        *,
        look_up: bool,
    ) -> int:
        """The run for ``head_sha``, created ``in_progress`` if it does not exist yet.

        ``look_up`` asks GitHub for an existing run when the record has none (a record
        lost or a run created by another path); new pull requests skip that call.
        """
        run_id = self.known_run(repo, number, head_sha)
        if run_id is None and look_up:
            existing = client.find_check_runs(repo, head_sha, self.check_name)
            if existing:
                run_id = int(existing[0]["id"])
        if run_id is None:
            created = client.create_check_run(
                repo,
                {
                    "name": self.check_name,
                    "head_sha": head_sha,
                    "status": "in_progress",
                    "details_url": details_url,
                    "external_id": f"{repo}#{number}" if number else head_sha,
                    "output": {
                        "title": "Evaluating the change-approval rules",
                        "summary": "gatehouse is reading the changes of this pull request.",
                    },
                },
            )
            run_id = int(created["id"])
        self._remember(repo, number, head_sha, run_id)
        return run_id

    def finish(
        self,
        client: InstallationClient,
        repo: str,
        run_id: int,
        output: CheckOutput,
        details_url: str,
        number: int | None = None,
    ) -> None:
        """Complete the run. GitHub appends annotations on every update, so only the ones
        this run has not shown yet are sent (remembered in the pull request's record)."""
        fresh = self._unsent(repo, number, run_id, output.annotations)
        batches = [
            list(fresh[i : i + ANNOTATIONS_PER_REQUEST])
            for i in range(0, len(fresh), ANNOTATIONS_PER_REQUEST)
        ] or [[]]
        for index, batch in enumerate(batches):
            body: dict[str, Any] = {
                "output": {"title": output.title, "summary": output.summary},
            }
            if batch:
                body["output"]["annotations"] = batch
            if index == 0:
                body.update(
                    status="completed",
                    conclusion=output.conclusion,
                    details_url=details_url,
                    actions=[RERUN_ACTION],
                )
            client.update_check_run(repo, run_id, body)
        if fresh and number is not None:
            keys = [_annotation_key(a) for a in fresh]

            def put(doc: dict[str, Any]) -> None:
                shown = doc.setdefault("annotated", {})
                shown[str(run_id)] = [*shown.get(str(run_id), []), *keys]
                for old in list(shown)[:-5]:
                    shown.pop(old)

            self.records.update(repo, number, put)

    def _unsent(
        self, repo: str, number: int | None, run_id: int, annotations: tuple[dict[str, Any], ...]
    ) -> list[dict[str, Any]]:
        if number is None:
            return list(annotations)
        shown = set(self.records.load(repo, number).get("annotated", {}).get(str(run_id), []))
        return [a for a in annotations if _annotation_key(a) not in shown]

    def fail(
        self, client: InstallationClient, repo: str, run_id: int, reason: str, details_url: str
    ) -> None:
        """Leave the run failed with the reason: never successful when undecided."""
        client.update_check_run(
            repo,
            run_id,
            {
                "status": "completed",
                "conclusion": "failure",
                "details_url": details_url,
                "actions": [RERUN_ACTION],
                "output": {
                    "title": "gatehouse could not evaluate this pull request",
                    "summary": f"{reason}\n\nThe check stays failed until an evaluation "
                    "succeeds. Use **Re-run** or comment `/recheck` to try again.",
                },
            },
        )


def _annotation_key(annotation: dict[str, Any]) -> str:
    return f"{annotation['path']}:{annotation['start_line']}:{annotation['title']}"
