"""action.yml is a well-formed composite action whose scripts take no expression."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.ci_use.composite import EXPRESSION, ROOT, load_action


def expressions(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [e for key, value in node.items() for e in expressions(key) + expressions(value)]
    if isinstance(node, list):
        return [e for item in node for e in expressions(item)]
    return EXPRESSION.findall(node) if isinstance(node, str) else []


def test_action_is_a_composite_action_with_a_name_and_description() -> None:
    action = load_action()
    assert action["runs"]["using"] == "composite"
    assert action["name"] and action["description"]
    for name, spec in {**action["inputs"], **action["outputs"]}.items():
        assert spec.get("description"), f"{name} has no description"


def test_every_input_used_is_declared_and_every_input_declared_is_used() -> None:
    action = load_action()
    used = {
        e.removeprefix("inputs.") for e in expressions(action["runs"]) if e.startswith("inputs.")
    }
    assert used == set(action["inputs"])


def test_the_documented_inputs_and_outputs_exist_with_safe_defaults() -> None:
    action = load_action()
    inputs = action["inputs"]
    assert {"rules", "base", "head", "version", "fail-on-required", "python-version"} <= set(inputs)
    assert inputs["fail-on-required"]["default"] == "false"
    assert inputs["head"]["default"] == "HEAD"
    assert inputs["version"]["default"] == "", "the PyPI name gatehouse is another project"
    assert {"conclusion", "required-groups"} <= set(action["outputs"])


@pytest.mark.parametrize("index", range(len(load_action()["runs"]["steps"])))
def test_no_script_interpolates_an_expression(index: int) -> None:
    """Script injection: a `${{ }}` inside `run:` becomes shell source; values travel
    through `env:` instead."""
    step = load_action()["runs"]["steps"][index]
    if "run" in step:
        assert not EXPRESSION.search(step["run"]), step["run"]
        assert step.get("shell") == "bash"


def test_step_outputs_the_action_reads_come_from_steps_it_has() -> None:
    action = load_action()
    ids = [step.get("id") for step in action["runs"]["steps"]]
    for e in expressions(action):
        found = re.fullmatch(r"steps\.([\w-]+)\.outputs\.[\w-]+", e)
        if found:
            assert found.group(1) in ids, e
        else:
            assert e.startswith("inputs."), f"unexpected expression {e}"


def test_setup_python_leaves_the_jobs_python_alone() -> None:
    steps = load_action()["runs"]["steps"]
    setup = next(s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python@"))
    assert setup["with"]["update-environment"] is False


def test_scripts_the_action_runs_exist() -> None:
    for step in load_action()["runs"]["steps"]:
        for script in re.findall(r"\$GITHUB_ACTION_PATH/([\w./-]+)", step.get("run", "")):
            assert (ROOT / script).is_file(), script
