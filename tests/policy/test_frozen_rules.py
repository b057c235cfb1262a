"""The frozen copy of a rule set decides and renders exactly as the pydantic one."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from app.policy import model
from app.policy.compiled import Compiled, compile_rules
from app.policy.detectors import DETECTORS
from app.policy.diff import split_unified_diff
from app.policy.evaluate import evaluate
from app.policy.frozen import FrozenGroup, FrozenMember, FrozenRule, freeze
from app.policy.loader import load_rules_dir
from app.policy.snapshot import ChangedFile, PullSnapshot
from app.render.cli_text import render_text
from app.render.data import evaluation_to_dict

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = load_rules_dir(ROOT / "rules")
DIFFS = sorted((ROOT / "fixtures" / "changes").glob("*.diff"))


@pytest.mark.parametrize(
    ("frozen", "validated"),
    [(FrozenRule, model.Rule), (FrozenGroup, model.Group), (FrozenMember, model.Member)],
    ids=["rule", "group", "member"],
)
def test_frozen_types_carry_every_field_of_the_model(frozen: type, validated: type) -> None:
    assert set(frozen._fields) == set(validated.model_fields)


@pytest.mark.parametrize("diff", DIFFS, ids=[d.stem for d in DIFFS])
def test_frozen_rules_give_the_same_evaluation_and_text(diff: Path) -> None:
    snapshot = PullSnapshot(files=split_unified_diff(diff.read_text(encoding="utf-8")))
    frozen = pickle.loads(pickle.dumps(Compiled(freeze(SHIPPED))))
    validated = compile_rules(SHIPPED)
    from_frozen = evaluate(frozen.ruleset, snapshot, frozen)
    from_validated = evaluate(SHIPPED, snapshot, validated)
    assert evaluation_to_dict(from_frozen) == evaluation_to_dict(from_validated)
    assert render_text(from_frozen, frozen.ruleset) == render_text(from_validated, SHIPPED)


def test_paths_without_patches_match_the_same_rules() -> None:
    paths = [".github/workflows/ci.yml", "go.mod", "charts/api/values-prod.yaml", "x/y.tf"]
    snapshot = PullSnapshot(files=tuple(ChangedFile(p, patch_unavailable=True) for p in paths))
    frozen = Compiled(freeze(SHIPPED))
    assert evaluation_to_dict(evaluate(frozen.ruleset, snapshot, frozen)) == evaluation_to_dict(
        evaluate(SHIPPED, snapshot)
    )


def test_every_detector_name_loads_the_detector_of_that_name() -> None:
    assert [DETECTORS[name].name for name in DETECTORS] == list(DETECTORS)
    with pytest.raises(KeyError):
        DETECTORS["no-such-detector"]
