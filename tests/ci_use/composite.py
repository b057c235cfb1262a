"""Runs ``action.yml``'s steps on this machine the way the GitHub runner runs them.

The runner's side of a composite action, as far as gatehouse's action uses it: inputs
with their defaults, ``${{ }}`` expressions in ``env``, ``with`` and
``working-directory`` (never in a script: the definition test forbids that), each
``run`` step as ``bash --noprofile --norc -eo pipefail FILE`` in the workspace, a
``GITHUB_OUTPUT`` file per step, one ``GITHUB_STEP_SUMMARY`` for the job, and the
action's outputs from its steps' outputs. ``uses:`` steps are not run: their outputs
are given, and so may be those of any run step the test stands in for.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]


def load_action() -> dict[str, Any]:
    loaded = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@dataclass
class ActionRun:
    exit_code: int
    failed_step: str | None
    log: str
    summary: str
    outputs: dict[str, str]
    step_outputs: dict[str, dict[str, str]] = field(default_factory=dict)


def run_action(
    workspace: Path,
    runner_dir: Path,
    *,
    event_name: str,
    event: dict[str, Any],
    inputs: dict[str, str] | None = None,
    given: dict[str, dict[str, str]] | None = None,
    env: dict[str, str] | None = None,
) -> ActionRun:
    """Run the action in ``workspace``; ``runner_dir`` holds the runner's files."""
    action = load_action()
    declared = action.get("inputs") or {}
    unknown = set(inputs or {}) - set(declared)
    assert not unknown, f"inputs the action does not declare: {sorted(unknown)}"
    values = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    values.update(inputs or {})
    outputs: dict[str, dict[str, str]] = {k: dict(v) for k, v in (given or {}).items()}

    temp = runner_dir / "temp"
    temp.mkdir(parents=True, exist_ok=True)
    event_path = runner_dir / "event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    summary = runner_dir / "step_summary.md"
    summary.touch()
    context = {"inputs": values, "steps": outputs, "github.action_path": str(ROOT)}
    base_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))},
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(temp),
        **(env or {}),
    }
    log: list[str] = []
    for index, step in enumerate(action["runs"]["steps"]):
        step_id = step.get("id", f"step{index}")
        if step_id in (given or {}):
            continue
        assert "run" in step, f"step {step_id} uses {step.get('uses')}: give its outputs"
        output_file = runner_dir / f"output-{step_id}"
        output_file.write_text("", encoding="utf-8")
        script = runner_dir / f"script-{step_id}.sh"
        script.write_text(step["run"], encoding="utf-8")
        step_env = {
            **base_env,
            "GITHUB_OUTPUT": str(output_file),
            **{k: evaluate(str(v), context) for k, v in (step.get("env") or {}).items()},
        }
        cwd = workspace / evaluate(str(step.get("working-directory", ".")), context)
        done = subprocess.run(
            [*BASH, str(script)],
            cwd=cwd,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        log.append(done.stdout + done.stderr)
        outputs[step_id] = read_output_file(output_file)
        if done.returncode != 0:
            return _result(action, context, done.returncode, step_id, log, summary, outputs)
    return _result(action, context, 0, None, log, summary, outputs)


def _result(
    action: dict[str, Any],
    context: dict[str, Any],
    code: int,
    failed: str | None,
    log: list[str],
    summary: Path,
    outputs: dict[str, dict[str, str]],
) -> ActionRun:
    action_outputs = {
        name: evaluate(str(spec["value"]), context)
        for name, spec in (action.get("outputs") or {}).items()
    }
    return ActionRun(
        exit_code=code,
        failed_step=failed,
        log="".join(log),
        summary=summary.read_text(encoding="utf-8"),
        outputs=action_outputs,
        step_outputs=outputs,
    )


def evaluate(text: str, context: dict[str, Any]) -> str:
    """``text`` with each ``${{ }}`` replaced; only the names the action may use."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "github.action_path":
            return str(context["github.action_path"])
        if name.startswith("inputs."):
            return str(context["inputs"][name.removeprefix("inputs.")])
        found = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", name)
        if found:
            return str(context["steps"].get(found.group(1), {}).get(found.group(2), ""))
        raise ValueError(f"expression the local runner does not know: {name}")

    return EXPRESSION.sub(value, text)


def read_output_file(path: Path) -> dict[str, str]:
    """``name=value`` lines and ``name<<DELIMITER`` blocks, as the runner reads them."""
    values: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body: list[str] = []
            for body_line in lines:
                if body_line == delimiter:
                    break
                body.append(body_line)
            else:
                raise AssertionError(f"{path.name}: {name} has no closing {delimiter}")
            values[name] = "\n".join(body)
        elif line:
            name, _, text = line.partition("=")
            values[name] = text
    return values
