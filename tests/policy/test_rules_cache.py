"""The compiled-rules cache: hit when nothing changed, never a different answer."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

from app.policy import rules_cache
from app.policy.evaluate import evaluate
from app.policy.issues import RulesError
from app.policy.rules_cache import FORMAT, LoadedRules, load_check_rules
from app.policy.snapshot import ChangedFile, PullSnapshot

SHIPPED = Path(__file__).resolve().parents[2] / "rules"
PATHS = (".github/workflows/ci.yml", "go.mod", "infra/sg.tf", "docs/readme.md")


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    shutil.copytree(SHIPPED, directory)
    return directory


def answer(loaded: LoadedRules) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Which rules match which paths: what a check decides."""
    snapshot = PullSnapshot(files=tuple(ChangedFile(p, patch_unavailable=True) for p in PATHS))
    evaluation = evaluate(loaded.compiled.ruleset, snapshot, loaded.compiled)
    return tuple((m.rule_id, tuple(f.path for f in m.files)) for m in evaluation.matches)


def test_second_load_comes_from_the_cache_with_the_same_answer(rules: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load_check_rules(rules, cache)
    second = load_check_rules(rules, cache)
    assert (first.from_cache, second.from_cache) == (False, True)
    assert first.entry == second.entry and first.entry is not None and first.entry.is_file()
    assert answer(second) == answer(first) != ()


def test_editing_a_rules_file_misses_the_cache(rules: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    before = load_check_rules(rules, cache)
    text = (rules / "platform-engineering.yml").read_text()
    (rules / "platform-engineering.yml").write_text(text.replace("  - id: ", "  - id: x-", 1))
    after = load_check_rules(rules, cache)
    assert not after.from_cache and after.entry != before.entry
    assert answer(after) != answer(before)


def test_a_new_rules_file_misses_the_cache(rules: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_check_rules(rules, cache)
    (rules / "extra.yaml").write_text(
        "rules:\n  - {id: docs, title: Docs, group: architecture, paths: ['docs/**']}\n"
    )
    loaded = load_check_rules(rules, cache)
    assert not loaded.from_cache
    assert ("docs", ("docs/readme.md",)) in answer(loaded)


def test_invalid_rules_raise_with_file_and_line_and_are_never_cached(
    rules: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    load_check_rules(rules, cache)
    broken = rules / "platform-engineering.yml"
    text = broken.read_text().replace("title:", "titel:", 1)
    broken.write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "titel:" in row)
    for _ in range(2):
        with pytest.raises(RulesError) as raised:
            load_check_rules(rules, cache)
        assert f"platform-engineering.yml:{line}: unknown key 'titel'" in str(raised.value)
    assert len(list(cache.glob("rules-*.pickle"))) == 1


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data[:-40] + b"\x00" * 40, id="corrupt-tail"),
        pytest.param(lambda data: b"not a cache entry at all", id="foreign-file"),
        pytest.param(lambda data: FORMAT + b"\x00" * 32 + data[len(FORMAT) + 32 :], id="other-key"),
    ],
)
def test_a_damaged_entry_is_ignored_and_rewritten(
    rules: Path, tmp_path: Path, damage: object
) -> None:
    cache = tmp_path / "cache"
    good = load_check_rules(rules, cache)
    assert good.entry is not None
    good.entry.write_bytes(damage(good.entry.read_bytes()))  # type: ignore[operator]
    reloaded = load_check_rules(rules, cache)
    assert not reloaded.from_cache and answer(reloaded) == answer(good)
    assert load_check_rules(rules, cache).from_cache


class _RunsCode:
    """Unpickling this would create a directory: code a cache entry must never run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.marker),))


def test_an_entry_naming_other_code_is_refused_without_running_it(
    rules: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "code-ran"
    cache = tmp_path / "cache"
    good = load_check_rules(rules, cache)
    assert good.entry is not None
    header = good.entry.read_bytes()[: len(FORMAT) + 32]
    good.entry.write_bytes(header + pickle.dumps(_RunsCode(marker)))
    assert not load_check_rules(rules, cache).from_cache
    assert not marker.exists()


def test_a_change_to_gatehouse_itself_misses_the_cache(
    rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    load_check_rules(rules, cache)
    fingerprint = rules_cache._code_fingerprint()
    monkeypatch.setattr(rules_cache, "_code_fingerprint", lambda: [*fingerprint, "edited\n"])
    assert not load_check_rules(rules, cache).from_cache


def _global(module: str, name: str) -> bytes:
    """A pickle that only looks ``module.name`` up (protocol 4's STACK_GLOBAL)."""
    parts = [part.encode() for part in (module, name)]
    return b"\x80\x04" + b"".join(b"\x8c" + bytes([len(p)]) + p for p in parts) + b"\x93."


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("app.policy.compiled", "Compiled.__init__.__globals__"),
        ("app.policy.compiled", "re"),
        ("app.policy.frozen", "freeze"),
        ("builtins", "getattr"),
    ],
)
def test_an_entry_reaching_beyond_the_engine_classes_is_refused(
    rules: Path, tmp_path: Path, module: str, name: str
) -> None:
    cache = tmp_path / "cache"
    good = load_check_rules(rules, cache)
    assert good.entry is not None
    header = good.entry.read_bytes()[: len(FORMAT) + 32]
    good.entry.write_bytes(header + _global(module, name))
    assert not load_check_rules(rules, cache).from_cache


def test_an_entry_others_could_write_is_ignored(rules: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    good = load_check_rules(rules, cache)
    assert good.entry is not None
    good.entry.chmod(0o666)
    assert not load_check_rules(rules, cache).from_cache
    assert load_check_rules(rules, cache).from_cache


def test_an_unusable_cache_directory_only_costs_the_speed_up(rules: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    for cache in (blocker, blocker / "cache", None):
        loaded = load_check_rules(rules, cache)
        assert (loaded.from_cache, loaded.entry) == (False, None)
        assert answer(loaded) == answer(load_check_rules(rules, None))


def test_missing_rules_directory_is_a_rules_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="does not exist"):
        load_check_rules(tmp_path / "nope", tmp_path / "cache")
