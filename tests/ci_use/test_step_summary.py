"""ci/step_summary.py: gatehouse's JSON as a job summary that the change cannot forge."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.ci_use.composite import ROOT

SCRIPT = ROOT / "ci" / "step_summary.py"
GATEHOUSE = shutil.which("gatehouse", path=str(Path(sys.executable).parent)) or "gatehouse"


def summary(data: dict[str, Any]) -> str:
    done = subprocess.run(
        [sys.executable, str(SCRIPT)],
        input=json.dumps(data),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout


def rule(path: str, **found: Any) -> dict[str, Any]:
    return {
        "id": "ci-github-actions",
        "title": "CI/CD pipeline",
        "group": "platform-engineering",
        "advisory": False,
        "files": [{"path": path, "status": "modified", "reason": "path", **found}],
    }


GROUP = {
    "group": "platform-engineering",
    "name": "Platform Engineering",
    "rules": ["ci-github-actions"],
    "approvals_needed": 1,
}


def test_paths_and_lines_from_the_change_stay_code() -> None:
    hit = {"line": 3, "side": "added", "text": "echo `id` ``x``"}
    text = summary({"groups": [GROUP], "rules": [rule("a`b.yml", lines=[hit])]})
    assert "  - ``a`b.yml``" in text
    assert "line 3: ``` + echo `id` ``x`` ```" in text


def test_findings_and_notes_from_the_change_are_escaped_text() -> None:
    finding = {"message": "new module [x](https://evil.example) <img src=x>", "line": None}
    note = {"text": "go.mod: ![tracker](https://evil.example/t.png)"}
    text = summary(
        {"groups": [GROUP], "rules": [rule("go.mod", findings=[finding])], "notes": [note]}
    )
    assert r"new module \[x\]\(https://evil.example\) \<img src=x\>" in text
    assert r"\!\[tracker\]\(https://evil.example/t.png\)" in text


def test_long_lists_are_capped_and_say_how_much_was_left_out() -> None:
    files: list[dict[str, Any]] = [
        {"path": f"f{i}.yml", "status": "added", "reason": "lines", "lines": []} for i in range(25)
    ]
    hits = [{"line": i, "side": "removed", "text": "x"} for i in range(1, 9)]
    files[0]["lines"] = hits
    data = {"groups": [GROUP], "rules": [{**rule("x"), "files": files}]}
    text = summary(data)
    assert "… and 5 more files" in text
    assert "… and 3 more matching lines" in text
    assert "line 1: `- x`" in text


def test_no_requirement_names_the_files_considered_and_the_suggestions() -> None:
    advisory = {**rule("api.yaml"), "group": "architecture", "advisory": True}
    data = {
        "groups": [],
        "suggested": [{"group": "architecture", "name": "Architectural Team"}],
        "rules": [advisory],
        "files_considered": 2,
        "problems": [{"message": "a note", "fatal": False}],
    }
    text = summary(data)
    assert text.startswith("### gatehouse: no review required\n")
    assert "No rule matched the 2 changed files." in text
    assert "#### Architectural Team: suggested, not required" in text
    assert "`api.yaml`" in text
    assert "- note: a note" in text


def test_reads_what_gatehouse_check_prints() -> None:
    diff = next((ROOT / "fixtures" / "changes").glob("*security-group*.diff")).read_text()
    check = subprocess.run(
        [GATEHOUSE, "check", "--diff", "-", "--format", "json"],
        input=diff,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "GATEHOUSE_RULES_DIR": str(ROOT / "rules")},
        check=False,
    )
    assert check.returncode == 1, check.stderr
    text = summary(json.loads(check.stdout))
    assert "### gatehouse: Platform Engineering review required" in text
    assert "(`network-security`)" in text


def test_text_that_is_not_json_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], input="nope", capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "not gatehouse's JSON" in done.stderr
