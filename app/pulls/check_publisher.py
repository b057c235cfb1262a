"""Post the ``gatehouse`` check run: once per head commit, then updated in place.

The run's id is remembered per head sha in the pull request's record, so redeliveries
edit the same run. Annotations go out 50 per request, as GitHub requires.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from app.github.budget import Priority
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

    def publish(
        self,
        client: InstallationClient,
        repo: str,
        number: int | None,
        head_sha: str,
        output: CheckOutput,
        details_url: str,
        *,
        look_up: bool,
        again: bool = False,
    ) -> int:
        """Show ``output`` as the completed run for ``head_sha``; the run's id.

        The decision is known before anything is posted, so a new run is created completed
        in one call (there is no ``in_progress`` run to follow it); a known run is updated.
        ``look_up`` asks GitHub for an existing run when the record has none (a record lost
        or a run created by another path); new pull requests skip that call.
        """
        run_id = self.known_run(repo, number, head_sha)
        if run_id is None and look_up:
            existing = client.find_check_runs(repo, head_sha, self.check_name)
            if existing:
                run_id = int(existing[0]["id"])
                self._remember(repo, number, head_sha, run_id)
        if run_id is not None:
            shown = self._shown_now(repo, number, run_id)
            if again or shown is None or shown[1] != output.conclusion:
                self.finish(client, repo, run_id, output, details_url, number, again=again)
            # Same conclusion: nothing a merge depends on changed. The text (a new due
            # time, a note) is brought up to date by the follow-up, as catch-up work.
            return run_id
        first = list(output.annotations[:ANNOTATIONS_PER_REQUEST])
        body = self._completed(output, details_url, first)
        body.update(
            name=self.check_name,
            head_sha=head_sha,
            external_id=f"{repo}#{number}" if number else head_sha,
        )
        run_id = int(client.create_check_run(repo, body)["id"])
        self._remember(repo, number, head_sha, run_id)
        self._shown(repo, number, run_id, first)
        if len(output.annotations) > len(first):
            self.finish(client, repo, run_id, output, details_url, number, again=True)
        else:
            self._digested(repo, number, run_id, output)
        return run_id

    def finish(
        self,
        client: InstallationClient,
        repo: str,
        run_id: int,
        output: CheckOutput,
        details_url: str,
        number: int | None = None,
        *,
        again: bool = False,
        priority: Priority | None = None,
    ) -> None:
        """Complete the run. GitHub appends annotations on every update, so only the ones
        this run has not shown yet are sent (remembered in the pull request's record).

        A run already showing exactly this output is not updated (an event that changes
        nothing costs no write), unless ``again``: someone asked for a re-run and expects
        to see the run touched."""
        digest = _digest(output)
        shown = self._shown_now(repo, number, run_id)
        if not again and shown is not None and shown[0] == digest:
            return
        fresh = self._unsent(repo, number, run_id, output.annotations)
        batches = [
            list(fresh[i : i + ANNOTATIONS_PER_REQUEST])
            for i in range(0, len(fresh), ANNOTATIONS_PER_REQUEST)
        ] or [[]]
        for index, batch in enumerate(batches):
            if index == 0:
                body = self._completed(output, details_url, batch)
            else:
                body = {"output": {"title": output.title, "summary": output.summary}}
                body["output"]["annotations"] = batch
            client.update_check_run(repo, run_id, body, priority=priority)
        self._shown(repo, number, run_id, fresh)
        self._digested(repo, number, run_id, output)

    def _shown_now(self, repo: str, number: int | None, run_id: int) -> tuple[str, str] | None:
        """What the run shows as far as gatehouse knows: (fingerprint, conclusion)."""
        if number is None:
            return None
        shown = self.records.load(repo, number).get("check_shown", {}).get(str(run_id))
        return (str(shown[0]), str(shown[1])) if shown else None

    def _digested(self, repo: str, number: int | None, run_id: int, output: CheckOutput) -> None:
        if number is None:
            return
        shown = [_digest(output), output.conclusion]

        def put(doc: dict[str, Any]) -> None:
            doc["check_shown"] = {str(run_id): shown}

        self.records.update(repo, number, put)

    @staticmethod
    def _completed(
        output: CheckOutput, details_url: str, annotations: list[dict[str, Any]]
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": "completed",
            "conclusion": output.conclusion,
            "details_url": details_url,
            "actions": [RERUN_ACTION],
            "output": {"title": output.title, "summary": output.summary},
        }
        if annotations:
            body["output"]["annotations"] = annotations
        return body

    def _shown(
        self, repo: str, number: int | None, run_id: int, annotations: list[dict[str, Any]]
    ) -> None:
        if not annotations or number is None:
            return
        keys = [_annotation_key(a) for a in annotations]

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
        self,
        client: InstallationClient,
        repo: str,
        number: int | None,
        head_sha: str,
        reason: str,
        details_url: str,
        *,
        look_up: bool,
    ) -> None:
        """Leave the run failed with the reason: never successful when undecided."""
        output = CheckOutput(
            conclusion="failure",
            title="gatehouse could not evaluate this pull request",
            summary=f"{reason}\n\nThe check stays failed until an evaluation succeeds. "
            "Use **Re-run** or comment `/recheck` to try again.",
            text="",
            annotations=(),
        )
        self.publish(
            client, repo, number, head_sha, output, details_url, look_up=look_up, again=True
        )


def _digest(output: CheckOutput) -> str:
    """What the run shows, as a short fingerprint."""
    shown = [output.conclusion, output.title, output.summary, list(output.annotations)]
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()[:32]


def _annotation_key(annotation: dict[str, Any]) -> str:
    return f"{annotation['path']}:{annotation['start_line']}:{annotation['title']}"
