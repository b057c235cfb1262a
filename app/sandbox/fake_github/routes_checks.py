"""Check run endpoints, with the limits GitHub enforces on their content."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.sandbox.fake_github.records import CheckRun, Repo
from app.sandbox.fake_github.web import Call, GitHubError, Reply, invalid, not_found, route

MAX_ANNOTATIONS = 50
MAX_OUTPUT_TEXT = 65535
MAX_ACTIONS = 3
ACTION_LIMITS = {"label": 20, "description": 40, "identifier": 20}
LEVELS = ("notice", "warning", "failure")
STATUSES = ("queued", "in_progress", "completed")
CONCLUSIONS = (
    "action_required",
    "cancelled",
    "failure",
    "neutral",
    "success",
    "skipped",
    "timed_out",
)


def problems(body: dict[str, Any], existing: CheckRun | None) -> list[str]:
    """What GitHub would refuse in a create (``existing`` None) or update body."""
    found: list[str] = []
    if existing is None:
        found += [f"{key} is required" for key in ("name", "head_sha") if not body.get(key)]
    status, conclusion = body.get("status"), body.get("conclusion")
    if status is not None and status not in STATUSES:
        found.append(f"status {status!r} is not one of {list(STATUSES)}")
    if conclusion is not None and conclusion not in CONCLUSIONS:
        found.append(f"conclusion {conclusion!r} cannot be set (one of {list(CONCLUSIONS)})")
    had_conclusion = existing is not None and existing.conclusion is not None
    if status == "completed" and conclusion is None and not had_conclusion:
        found.append("conclusion is required when status is completed")
    output = body.get("output") or {}
    if not isinstance(output, dict):
        return [*found, "output must be an object"]
    actions = body.get("actions") or []
    return found + _output_problems(output) + _action_problems(actions)


def _output_problems(output: dict[str, Any]) -> list[str]:
    found = [
        f"output.{key} is longer than {MAX_OUTPUT_TEXT} characters"
        for key in ("summary", "text")
        if len(str(output.get(key) or "")) > MAX_OUTPUT_TEXT
    ]
    annotations = output.get("annotations") or []
    if len(annotations) > MAX_ANNOTATIONS:
        found.append(f"output.annotations has {len(annotations)} items, at most 50 per request")
    for index, note in enumerate(annotations):
        note = note if isinstance(note, dict) else {}
        missing = [k for k in ("path", "start_line", "end_line", "message") if k not in note]
        if missing:
            found.append(f"output.annotations[{index}] lacks {', '.join(missing)}")
        if note.get("annotation_level") not in LEVELS:
            found.append(f"output.annotations[{index}].annotation_level must be one of {LEVELS}")
    return found


def _action_problems(actions: list[Any]) -> list[str]:
    found = []
    if len(actions) > MAX_ACTIONS:
        found.append(f"actions has {len(actions)} items, at most {MAX_ACTIONS}")
    for index, action in enumerate(actions):
        action = action if isinstance(action, dict) else {}
        for key, limit in ACTION_LIMITS.items():
            if not isinstance(action.get(key), str) or len(action[key]) > limit:
                found.append(f"actions[{index}].{key} is required, at most {limit} characters")
    return found


def _stamp(raw: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return None


def _apply(run: CheckRun, body: dict[str, Any], now: datetime) -> None:
    for key in ("name", "details_url", "external_id"):
        if key in body:
            setattr(run, key, body[key])
    if "started_at" in body:
        run.started_at = _stamp(body["started_at"])
    if "status" in body:
        run.status = body["status"]
    if body.get("conclusion") is not None:
        run.status, run.conclusion = "completed", body["conclusion"]
    if run.status == "completed" and run.completed_at is None:
        run.completed_at = _stamp(body.get("completed_at")) or now
    output = body.get("output")
    if isinstance(output, dict):
        run.title = output.get("title", run.title)
        run.summary = output.get("summary", run.summary)
        run.text = output.get("text", run.text)
        run.annotations.extend(output.get("annotations") or [])
    if "actions" in body:
        run.actions = list(body["actions"] or [])


def _body(call: Call) -> dict[str, Any]:
    if not isinstance(call.body, dict):
        raise invalid("Invalid request.", "the body must be a JSON object")
    return call.body


@route("POST", "/repos/{owner}/{repo}/check-runs", "checks/create")
def create_check_run(call: Call) -> Reply:
    """A check run on a commit that exists in the repository, authored by the App."""
    repo, body = call.repo(), _body(call)
    issues = problems(body, None)
    if issues:
        raise invalid("Invalid request.", *issues)
    head_sha = str(body.get("head_sha", ""))
    if head_sha not in repo.commits:
        raise GitHubError(422, f"No commit found for SHA: {head_sha}", violation=True)
    if call.app is None:
        raise GitHubError(403, "Resource not accessible by integration", violation=True)
    with call.state.lock:
        now = call.state.now()
        run = CheckRun(
            call.state.next_id(), str(body["name"]), head_sha, call.app.id, started_at=now
        )
        _apply(run, body, now)
        repo.check_runs[run.id] = run
    return Reply(201, call.shapes.check_run(repo, run))


def _run(call: Call, repo: Repo) -> CheckRun:
    run = repo.check_runs.get(call.int_param("check_run_id"))
    if run is None:
        raise not_found()
    return run


@route("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", "checks/update")
def update_check_run(call: Call) -> Reply:
    """Update a check run; annotations add up across updates, as on GitHub."""
    repo, body = call.repo(), _body(call)
    run = _run(call, repo)
    issues = problems(body, run)
    if issues:
        raise invalid("Invalid request.", *issues)
    with call.state.lock:
        _apply(run, body, call.state.now())
    return Reply(200, call.shapes.check_run(repo, run))


@route("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", "checks/list-for-ref")
def list_check_runs(call: Call) -> Reply:
    """Check runs on a commit (sha or branch), newest first; ``filter=latest`` (default)
    keeps the newest run of each name."""
    repo = call.repo()
    sha = call.state.resolve(repo, call.params["ref"])
    if sha is None:
        raise GitHubError(422, f"No commit found for SHA: {call.params['ref']}")
    runs = sorted(
        (run for run in repo.check_runs.values() if run.head_sha == sha),
        key=lambda run: -run.id,
    )
    name, status, app_id = call.arg("check_name"), call.arg("status"), call.arg("app_id")
    runs = [run for run in runs if name in (None, run.name) and status in (None, run.status)]
    if app_id is not None:
        runs = [run for run in runs if str(run.app_id) == app_id]
    if (call.arg("filter") or "latest") == "latest":
        newest: dict[str, CheckRun] = {}
        for run in runs:
            newest.setdefault(run.name, run)
        runs = list(newest.values())
    reply = call.page([call.shapes.check_run(repo, run) for run in runs])
    reply.body = {"total_count": len(runs), "check_runs": reply.body}
    return reply
