"""Dependencies: which direct dependencies a manifest change adds, removes or re-versions.

A version bump is routine upkeep; a new direct dependency is new technology (the
handbook's Architectural Team item). Each manifest is read by its own grammar: whole
documents (JSON, TOML, YAML, XML) when the texts are known, its dependency lines
otherwise. Lock files are never read: they follow their manifests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from app.policy.detectors import manifests
from app.policy.detectors.base import (
    Detector,
    FileView,
    Finding,
    basename,
    count_phrase,
)
from app.policy.detectors.manifests import Dep, Deps

KINDS = {
    "added": "a new direct dependency",
    "removed": "a direct dependency removed",
    "major": "a dependency moved to a new major version",
    "bump": "a minor or patch version bump of a dependency",
    "toolchain": "the language runtime or toolchain version changed",
    "indirect": "an indirect (transitive) dependency changed",
}


@dataclass(frozen=True)
class _Ecosystem:
    label: str
    noun: str
    whole: Callable[[str], Deps] | None
    line: Callable[[str], Dep | None]


_ECOSYSTEMS: dict[str, _Ecosystem] = {
    "go.mod": _Ecosystem("Go", "Go module", manifests.go_mod_whole, manifests.go_mod_line),
    "package.json": _Ecosystem(
        "npm", "npm package", manifests.package_json_whole, manifests.package_json_line
    ),
    "pyproject.toml": _Ecosystem(
        "Python", "Python package", manifests.pyproject_whole, manifests.python_line
    ),
    "Pipfile": _Ecosystem("Python", "Python package", manifests.pipfile_whole, manifests.toml_line),
    "Cargo.toml": _Ecosystem("Rust", "crate", manifests.cargo_whole, manifests.toml_line),
    "pom.xml": _Ecosystem("Maven", "Maven artifact", manifests.pom_whole, manifests.pom_line),
    "Gemfile": _Ecosystem("Ruby", "gem", None, manifests.gemfile_line),
    "composer.json": _Ecosystem(
        "PHP", "Composer package", manifests.composer_whole, manifests.composer_line
    ),
    "packages.config": _Ecosystem("NuGet", "NuGet package", None, manifests.nuget_line),
    "Directory.Packages.props": _Ecosystem("NuGet", "NuGet package", None, manifests.nuget_line),
    "Chart.yaml": _Ecosystem(
        "Helm", "chart dependency", manifests.chart_whole, manifests.chart_line
    ),
}
_GRADLE = _Ecosystem("Gradle", "Gradle dependency", None, manifests.gradle_line)
_NUGET = _Ecosystem("NuGet", "NuGet package", None, manifests.nuget_line)
_REQUIREMENTS = _Ecosystem(
    "Python", "Python package", manifests.requirements_whole, manifests.requirements_line
)
_REQUIREMENTS_NAME = re.compile(r"^requirements([-_.][\w.-]*)?\.(txt|in)$")


def _ecosystem(path: str) -> _Ecosystem | None:
    name = basename(path)
    found = _ECOSYSTEMS.get(name)
    if found is not None:
        return found
    if name in ("build.gradle", "build.gradle.kts"):
        return _GRADLE
    if name.endswith((".csproj", ".fsproj", ".vbproj")):
        return _NUGET
    if _REQUIREMENTS_NAME.match(name) or (
        "/requirements/" in f"/{path}" and name.endswith((".txt", ".in"))
    ):
        return _REQUIREMENTS
    return None


def handles(path: str) -> bool:
    return _ecosystem(path) is not None


def detect(view: FileView) -> list[Finding]:
    eco = _ecosystem(view.path)
    if eco is None:
        return []
    before_text, after_text = view.texts
    if eco.whole is not None and before_text is not None and after_text is not None:
        before, after = eco.whole(before_text), eco.whole(after_text)
        return _compare(view, eco, before, after, _line_of(view))
    return _compare_lines(view, eco)


def _line_of(view: FileView) -> Callable[[str, str], tuple[int | None, str | None]]:
    """Where a dependency's name shows on a changed line, for the evidence."""
    lines = view.lines

    def find(name: str, side: str) -> tuple[int | None, str | None]:
        for change in lines:
            if change.side == side and name in change.text:
                return change.line, change.side
        for change in lines:
            if name in change.text:
                return change.line, change.side
        return None, None

    return find


def _compare_lines(view: FileView, eco: _Ecosystem) -> list[Finding]:
    before: Deps = {}
    after: Deps = {}
    where: dict[tuple[str, str], int] = {}
    for change in view.lines:
        dep = eco.line(change.text)
        if dep is None:
            continue
        target = after if change.side == "added" else before
        target[dep.name] = dep
        where[(dep.name, change.side)] = change.line

    def find(name: str, side: str) -> tuple[int | None, str | None]:
        if (name, side) in where:
            return where[(name, side)], side
        other = "removed" if side == "added" else "added"
        return where.get((name, other)), other if (name, other) in where else None

    return _compare(view, eco, before, after, find)


def _compare(
    view: FileView,
    eco: _Ecosystem,
    before: Deps,
    after: Deps,
    locate: Callable[[str, str], tuple[int | None, str | None]],
) -> list[Finding]:
    findings: list[Finding] = []
    renamed = manifests.major_renames(before, after)

    def add(kind: str, name: str, side: str, message: str) -> None:
        line, found_side = locate(name, side)
        findings.append(
            Finding(f"dependency.{kind}", view.path, message, line, found_side)  # type: ignore[arg-type]
        )

    for name, dep in after.items():
        old = before.get(name)
        if old is None:
            if name in renamed.values():
                continue
            if dep.toolchain:
                add("toolchain", name, "added", f"{dep.name} {dep.version} required")
            elif dep.indirect:
                add("indirect", name, "added", f"new indirect {eco.noun} {name}")
            else:
                add("added", name, "added", f"new {eco.noun} {name}{_at(dep.version)}")
        elif old.version != dep.version or old.indirect != dep.indirect:
            kind = _change_kind(old, dep)
            what = "toolchain" if dep.toolchain else eco.noun
            add(kind, name, "added", f"{what} {name}: {old.version or '?'} -> {dep.version or '?'}")
    for name, dep in before.items():
        if name in after:
            continue
        if name in renamed:
            new = after[renamed[name]]
            add(
                "indirect" if dep.indirect and new.indirect else "major",
                renamed[name],
                "added",
                f"{eco.noun} {name} {dep.version} -> {new.name} {new.version} (new major version)",
            )
        elif dep.toolchain:
            add("toolchain", name, "removed", f"{dep.name} requirement removed")
        else:
            kind = "indirect" if dep.indirect else "removed"
            add(kind, name, "removed", f"{eco.noun} {name} removed")
    return findings


def _change_kind(old: Dep, new: Dep) -> str:
    if new.toolchain:
        return "toolchain"
    if old.indirect and new.indirect:
        return "indirect"
    if old.indirect and not new.indirect:
        return "indirect"  # already in the build: now required directly, nothing new
    if not old.indirect and new.indirect:
        return "removed"  # no longer required directly
    return "major" if manifests.major_changed(old.version, new.version) else "bump"


def _at(version: str | None) -> str:
    return f" {version}" if version else ""


def summarize(path: str, findings: list[Finding]) -> str:
    counts: dict[str, int] = {}
    for found in findings:
        what = found.kind.partition(".")[2]
        counts[what] = counts.get(what, 0) + 1
    eco = _ecosystem(path)
    noun = eco.noun if eco else "dependency"
    parts = []
    if counts.get("bump"):
        parts.append(count_phrase(counts["bump"], "version bump"))
    if counts.get("major"):
        parts.append(count_phrase(counts["major"], "major version change"))
    if counts.get("indirect"):
        parts.append(count_phrase(counts["indirect"], "indirect dependency change"))
    if counts.get("toolchain"):
        parts.append("toolchain version changed")
    if counts.get("removed"):
        parts.append(count_phrase(counts["removed"], f"{noun} removed", f"{noun}s removed"))
    parts.append(
        count_phrase(counts.get("added", 0), f"new {noun}", f"new {noun}s")
        if counts.get("added")
        else f"no new {noun}"
    )
    return f"{path}: " + ", ".join(parts)


DETECTOR = Detector(
    name="dependency",
    title="a dependency manifest",
    kinds=KINDS,
    handles=handles,
    detect=detect,
    summarize=summarize,
)
