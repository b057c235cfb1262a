"""The rules directory as the chart mounts it, a ConfigMap volume, is read by gatehouse, and
an edited ConfigMap reaches the running service without a restart."""

from __future__ import annotations

import os
from pathlib import Path

from app.pulls.rules_provider import RulesProvider
from app.settings import REPO_ROOT


def kubelet_writes(directory: Path, generation: str, files: dict[str, str]) -> None:
    """Lay the files out as the kubelet does for a ConfigMap volume: the data in a hidden
    per-update folder, ``..data`` swapped atomically to point at it, and each key a
    symlink through ``..data``."""
    payload = directory / f"..{generation}"
    payload.mkdir()
    for name, text in files.items():
        (payload / name).write_text(text, encoding="utf-8")
    swap = directory / "..data_tmp"
    swap.symlink_to(payload.name)
    os.replace(swap, directory / "..data")
    for name in files:
        link = directory / name
        if not link.is_symlink():
            link.symlink_to(f"..data/{name}")


def shipped_rules() -> dict[str, str]:
    return {
        path.name: path.read_text(encoding="utf-8") for path in (REPO_ROOT / "rules").glob("*.yml")
    }


def check_name(provider: RulesProvider) -> str:
    compiled = provider.organisation().compiled
    assert compiled is not None, provider.organisation().error
    return compiled.ruleset.settings.check_name


def test_a_configmap_volume_is_a_rules_directory_and_its_edits_are_picked_up(
    tmp_path: Path,
) -> None:
    files = shipped_rules()
    kubelet_writes(tmp_path, "2026_12_01_09_00_00.1", files)
    provider = RulesProvider(tmp_path)
    assert check_name(provider) == "gatehouse"

    edited = files["settings.yml"].replace("check_name: gatehouse", "check_name: gatehouse-edited")
    assert edited != files["settings.yml"]
    kubelet_writes(tmp_path, "2026_12_01_09_05_00.2", {**files, "settings.yml": edited})

    assert check_name(provider) == "gatehouse-edited"
