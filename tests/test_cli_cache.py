"""``gatehouse check`` keeps its compiled rules between runs, as a user runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli_check import shipped_rules_dir
from app.settings import SHIPPED_RULES

ROOT = Path(__file__).resolve().parents[1]
GATEHOUSE = shutil.which("gatehouse", path=str(Path(sys.executable).parent)) or "gatehouse"
DIFF = next((ROOT / "fixtures" / "changes").glob("*workflow*.diff"))


def check(
    *args: str, cache: Path | None, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.lower().endswith("rules_dir") and key != "GATEHOUSE_CACHE_DIR"
    }
    if cache is not None:
        environment["GATEHOUSE_CACHE_DIR"] = str(cache)
    return subprocess.run(
        [GATEHOUSE, "check", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**environment, **env},
        timeout=60,
    )


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, directory)
    return directory


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("rules-*.pickle"))


def test_second_run_reads_the_entry_the_first_wrote(rules: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = check("--diff", str(DIFF), "--rules", str(rules), cache=cache)
    [entry] = entries(cache)
    written = entry.stat().st_ino
    second = check("--diff", str(DIFF), "--rules", str(rules), cache=cache)
    assert (
        (first.returncode, first.stdout) == (second.returncode, second.stdout) == (1, first.stdout)
    )
    assert entries(cache) == [entry] and entry.stat().st_ino == written, "not rewritten: a hit"


def test_members_away_days_come_back_from_the_cache(rules: Path, tmp_path: Path) -> None:
    groups = rules / "groups.yml"
    groups.write_text(
        groups.read_text().replace(
            "        slack_user_id: U0PLATF001\n",
            "        slack_user_id: U0PLATF001\n        away: [{from: 2026-12-21, to: 2027-01-04}]\n",
            1,
        )
    )
    cache = tmp_path / "cache"
    check("--diff", str(DIFF), "--rules", str(rules), cache=cache)
    [entry] = entries(cache)
    written = entry.stat().st_ino
    again = check("--diff", str(DIFF), "--rules", str(rules), cache=cache)
    assert again.returncode == 1, again.stderr
    assert entry.stat().st_ino == written, "the entry with dates in it was read, not rebuilt"


def test_a_warm_check_imports_neither_pydantic_nor_the_yaml_loader(
    rules: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    command = [sys.executable, "-X", "importtime", "-m", "app.cli", "check", "--format", "json"]
    command += ["--paths", "README.md", "--rules", str(rules)]
    env = {**os.environ, "GATEHOUSE_CACHE_DIR": str(cache)}
    cold = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    warm = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert cold.stdout == warm.stdout

    def imported(done: subprocess.CompletedProcess[str]) -> set[str]:
        return {line.rpartition("|")[2].strip() for line in done.stderr.splitlines()}

    assert {"pydantic", "app.policy.loader"} <= imported(cold)
    assert not {"pydantic", "pydantic_settings", "app.policy.loader"} & imported(warm)


def test_a_corrupt_entry_gives_the_same_answer_and_is_replaced(rules: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = check("--diff", str(DIFF), "--rules", str(rules), "--format", "json", cache=cache)
    [entry] = entries(cache)
    entry.write_bytes(b"\x80\x05garbage")
    again = check("--diff", str(DIFF), "--rules", str(rules), "--format", "json", cache=cache)
    assert (again.returncode, again.stdout, again.stderr) == (1, first.stdout, "")
    assert entry.read_bytes() != b"\x80\x05garbage"


def test_editing_the_rules_changes_the_answer_on_a_warm_cache(rules: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert check("--paths", "notes/todo.txt", "--rules", str(rules), cache=cache).returncode == 0
    (rules / "notes.yml").write_text(
        "rules:\n  - {id: notes, title: Notes, group: architecture, paths: ['notes/']}\n"
    )
    done = check("--paths", "notes/todo.txt", "--rules", str(rules), cache=cache)
    assert done.returncode == 1 and "notes: Notes" in done.stdout
    assert len(entries(cache)) == 2


def test_broken_rules_on_a_warm_cache_exit_2_with_file_and_line(
    rules: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    assert check("--paths", "x", "--rules", str(rules), cache=cache).returncode == 0
    broken = rules / "platform-engineering.yml"
    text = broken.read_text().replace("title:", "titel:", 1)
    broken.write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "titel:" in row)
    for _ in range(2):
        done = check("--paths", "x", "--rules", str(rules), cache=cache)
        assert done.returncode == 2
        assert f"platform-engineering.yml:{line}: unknown key 'titel'" in done.stderr
    assert len(entries(cache)) == 1


def test_an_unusable_cache_directory_still_checks(rules: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    expected = check("--diff", str(DIFF), "--rules", str(rules), cache=None)
    for cache in (blocker, blocker / "cache"):
        done = check("--diff", str(DIFF), "--rules", str(rules), cache=cache)
        assert (done.returncode, done.stdout, done.stderr) == (1, expected.stdout, "")


def test_the_cache_follows_xdg_cache_home(rules: Path, tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    done = check("--paths", "x", "--rules", str(rules), cache=None, XDG_CACHE_HOME=str(xdg))
    assert done.returncode == 0
    assert len(entries(xdg / "gatehouse")) == 1


def test_rules_dir_comes_from_the_environment_or_a_dot_env_file(
    rules: Path, tmp_path: Path
) -> None:
    (rules / "notes.yml").write_text(
        "rules:\n  - {id: notes, title: Notes, group: architecture, paths: ['notes/']}\n"
    )
    cache = tmp_path / "cache"
    from_env = check(
        "--paths", "notes/a", cache=cache, cwd=tmp_path, GATEHOUSE_RULES_DIR=str(rules)
    )
    assert from_env.returncode == 1 and "notes: Notes" in from_env.stdout
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ".env").write_text(f"GATEHOUSE_RULES_DIR={rules}\n")
    from_dot_env = check("--paths", "notes/a", cache=cache, cwd=elsewhere)
    assert from_dot_env.returncode == 1 and "notes: Notes" in from_dot_env.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    shipped = check("--paths", "notes/a", cache=cache, cwd=empty)
    assert "notes: Notes" not in shipped.stdout, "no ./rules there: the shipped rules"


def test_shipped_rules_are_found_without_the_settings() -> None:
    assert shipped_rules_dir() == SHIPPED_RULES
