"""Helm chart metadata: a ``Chart.yaml`` change limited to ``version``/``appVersion`` is
release metadata, not a deployment change.

Releases bump a chart's version on every merge; that bump alone changes nothing about how
the service is deployed. Anything else in ``Chart.yaml`` (dependencies, ``kubeVersion``,
the chart's type or name) is a chart change.
"""

from __future__ import annotations

import re
from typing import Any

from app.policy.detectors.base import Detector, FileView, Finding, basename

KINDS = {
    "release-metadata": "only the chart's version or appVersion changed",
    "chart": "the chart itself changed (dependencies, kubeVersion, type, ...)",
}
RELEASE_KEYS = frozenset({"version", "appVersion"})
_TOP_LEVEL_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:")


def handles(path: str) -> bool:
    return basename(path) == "Chart.yaml"


def detect(view: FileView) -> list[Finding]:
    before, after = view.texts
    if before is not None and after is not None and before and after:
        return _compare_documents(view, _mapping(before), _mapping(after))
    return _compare_lines(view)


def _mapping(text: str) -> dict[str, Any]:
    import yaml  # loaded when a Chart.yaml is read, not for every check

    document = yaml.safe_load(text) or {}
    if not isinstance(document, dict):
        raise ValueError("Chart.yaml is not a mapping")
    return document


def _compare_documents(
    view: FileView, before: dict[str, Any], after: dict[str, Any]
) -> list[Finding]:
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return _findings(view, changed, {k: (before.get(k), after.get(k)) for k in changed})


def _compare_lines(view: FileView) -> list[Finding]:
    keys: list[str] = []
    values: dict[str, tuple[Any, Any]] = {}
    for change in view.lines:
        text = change.text
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        match = _TOP_LEVEL_KEY.match(text)
        key = match["key"] if match else "(nested field)"
        if key not in keys:
            keys.append(key)
        if match:
            old, new = values.get(key, (None, None))
            value = text[match.end() :].strip()
            values[key] = (value, new) if change.side == "removed" else (old, value)
    return _findings(view, keys, values)


def _findings(view: FileView, keys: list[str], values: dict[str, tuple[Any, Any]]) -> list[Finding]:
    if not keys:
        return []
    line = next((c for c in view.lines if c.side == "added"), None)
    if all(key in RELEASE_KEYS for key in keys):
        shown = ", ".join(f"{k} {_show(*values.get(k, (None, None)))}" for k in keys)
        return [view.finding("helm.release-metadata", f"release metadata only: {shown}", line)]
    others = [key for key in keys if key not in RELEASE_KEYS]
    return [view.finding("helm.chart", f"chart changed: {', '.join(others)}", line)]


def _show(old: Any, new: Any) -> str:
    return f"{old if old is not None else '?'} -> {new if new is not None else '?'}"


def summarize(path: str, findings: list[Finding]) -> str:
    if not findings:
        return f"{path}: no effective change"
    return f"{path}: {findings[0].message}"


DETECTOR = Detector(
    name="helm",
    title="a Helm Chart.yaml",
    kinds=KINDS,
    handles=handles,
    detect=detect,
    summarize=summarize,
)
