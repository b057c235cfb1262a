"""The Helm chart rendered offline, as ``helm template`` would, and read back as objects.

The renderer is Helm's own Go SDK (helm-python-sdk); the Kubernetes JSON schemas come from
kubernetes-validate. ``scripts/install-deploy-tools.sh`` installs both; without them the
tests that need them skip, naming what is missing.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from app.settings import REPO_ROOT

CHART = REPO_ROOT / "deploy" / "helm" / "gatehouse"
INSTALL_HINT = "run scripts/install-deploy-tools.sh"


def require(module: str, what: str) -> ModuleType:
    """Import ``module``, or skip the calling test module saying which tool is absent."""
    try:
        return importlib.import_module(module)
    except Exception as exc:  # ImportError, or the native library failing to load
        pytest.skip(
            f"{what} ({module}) is not usable: {exc}; {INSTALL_HINT}", allow_module_level=True
        )


@dataclass(frozen=True)
class Rendered:
    """One rendering of the chart: its objects, and NOTES.txt."""

    objects: list[dict[str, Any]]
    notes: str

    def all(self, kind: str) -> list[dict[str, Any]]:
        return [item for item in self.objects if item["kind"] == kind]

    def one(self, kind: str) -> dict[str, Any]:
        [item] = self.all(kind)
        return item

    @property
    def pod(self) -> dict[str, Any]:
        spec: dict[str, Any] = self.one("Deployment")["spec"]["template"]["spec"]
        return spec

    @property
    def container(self) -> dict[str, Any]:
        [container] = self.pod["containers"]
        return dict(container)

    @property
    def env(self) -> dict[str, dict[str, Any]]:
        """The container's environment by name: each variable's EnvVar object."""
        return {item["name"]: item for item in self.container.get("env", [])}

    def plain_env(self) -> dict[str, str]:
        return {name: item["value"] for name, item in self.env.items() if "value" in item}

    def mount_of(self, volume_name: str) -> str:
        [path] = [
            mount["mountPath"]
            for mount in self.container["volumeMounts"]
            if mount["name"] == volume_name
        ]
        return str(path)

    def volume(self, name: str) -> dict[str, Any]:
        [volume] = [item for item in self.pod["volumes"] if item["name"] == name]
        return dict(volume)


def manifests(texts: dict[str, str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object of a rendering, with the template it came from."""
    for template, text in sorted(texts.items()):
        if template.endswith("NOTES.txt"):
            continue
        for document in yaml.safe_load_all(text):
            if document is not None:
                yield template, document


def render_texts(helm: ModuleType, values: dict[str, Any]) -> dict[str, str]:
    """``helm template gatehouse CHART --namespace platform`` with ``values``: each
    template's output by its path."""
    with helm.Chart.load(str(CHART)) as chart:
        texts: dict[str, str] = chart.render(values, name="gatehouse", namespace="platform")
    return texts


def render(helm: ModuleType, values: dict[str, Any]) -> Rendered:
    texts = render_texts(helm, values)
    notes = next((text for name, text in texts.items() if name.endswith("NOTES.txt")), "")
    return Rendered([item for _, item in manifests(texts)], notes)


def shipped_rules_inline() -> dict[str, str]:
    """The repository's rules files, as ``rules.inline`` carries them."""
    return {
        path.name: path.read_text(encoding="utf-8")
        for path in sorted(Path(REPO_ROOT / "rules").glob("*.yml"))
    }
