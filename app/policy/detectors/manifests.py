"""Readers of dependency manifests: whole documents, and single changed lines.

Every reader returns ``{name: Dep}`` for the direct dependencies it finds. Whole-document
readers use the format's own parser (``json``, ``tomllib``, YAML, ``xml.etree``,
``packaging``'s requirement grammar); line readers recognise one dependency declaration per
line, for patches whose hunks do not show the whole file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Dep:
    name: str
    version: str | None = None
    indirect: bool = False
    toolchain: bool = False


Deps = dict[str, Dep]


def _deps(found: list[Dep]) -> Deps:
    return {dep.name: dep for dep in found}


# --- versions ---------------------------------------------------------------------------

_NUMBER = re.compile(r"(\d+)")


def _leading_number(version: str | None) -> int | None:
    if not version:
        return None
    found = _NUMBER.search(version)
    return int(found.group(1)) if found else None


def major_changed(old: str | None, new: str | None) -> bool:
    """True when the leading version number differs (``1.9.0`` -> ``2.0.0``)."""
    a, b = _leading_number(old), _leading_number(new)
    return a is not None and b is not None and a != b


_GO_MAJOR = re.compile(r"^(?P<base>.+?)/v(?P<n>\d+)$")


def _go_base(name: str) -> str:
    match = _GO_MAJOR.match(name)
    return match.group("base") if match else name


def major_renames(before: Deps, after: Deps) -> dict[str, str]:
    """Go modules whose import path changed major suffix (``/v4`` -> ``/v5``): old -> new."""
    gone = {_go_base(n): n for n in before if n not in after}
    renames: dict[str, str] = {}
    for name in after:
        if name in before:
            continue
        old = gone.get(_go_base(name))
        if old is not None and old != name:
            renames[old] = name
    return renames


# --- Go ---------------------------------------------------------------------------------

_GO_REQUIRE = re.compile(
    r"^\s*(?:require\s+)?(?P<mod>[A-Za-z0-9][\w.~-]*(?:\.[\w-]+)+(?:/[\w.~+-]+)*)\s+"
    r"(?P<ver>v\d[\w.+-]*)\s*(?P<rest>//.*)?$"
)
_GO_REPLACE = re.compile(r"^\s*(?:replace\s+)?(?P<mod>\S+)(?:\s+v\S+)?\s+=>\s+(?P<to>\S+)")
_GO_DIRECTIVE = re.compile(r"^\s*(?P<what>go|toolchain)\s+(?P<ver>\S+)\s*$")


def go_mod_line(text: str) -> Dep | None:
    directive = _GO_DIRECTIVE.match(text)
    if directive:
        return Dep(directive["what"], directive["ver"], toolchain=True)
    replace = _GO_REPLACE.match(text)
    if replace:
        return Dep(f"{replace['mod']} => {replace['to']}", None)
    match = _GO_REQUIRE.match(text)
    if match is None:
        return None
    indirect = bool(match["rest"] and re.search(r"//\s*indirect\b", match["rest"]))
    return Dep(match["mod"], match["ver"], indirect=indirect)


def go_mod_whole(text: str) -> Deps:
    found: list[Dep] = []
    block: str | None = None
    for raw in text.split("\n"):
        line = raw.strip()
        if block:
            if line.startswith(")"):
                block = None
                continue
            if block in ("require", "replace"):
                prefix = "replace " if block == "replace" else ""
                dep = go_mod_line(prefix + line)
                if dep is not None:
                    found.append(dep)
            continue
        opened = re.match(r"^(require|replace|exclude|retract)\s*\($", line)
        if opened:
            block = opened.group(1)
            continue
        if line.startswith(("require ", "replace ", "go ", "toolchain ")):
            dep = go_mod_line(line)
            if dep is not None:
                found.append(dep)
    return _deps(found)


# --- npm --------------------------------------------------------------------------------

_NPM_SECTIONS = (
    "dependencies",
    "devDependencies",
    "peerDependencies",
    "optionalDependencies",
    "bundledDependencies",
    "overrides",
    "resolutions",
)
_NPM_META = {
    "name", "version", "description", "homepage", "url", "main", "module", "types",
    "typings", "license", "author", "repository", "type", "private", "packageManager",
}  # fmt: skip
_NPM_LINE = re.compile(
    r'^\s*"(?P<name>(@[\w.-]+/)?[\w.-]+)"\s*:\s*"(?P<ver>(npm:|workspace:|catalog:|file:|'
    r'link:|git(\+\w+)?:|github:|https?:|[\^~<>=*]|\d|latest\b|next\b)[^"]*)"\s*,?\s*$'
)


def package_json_line(text: str) -> Dep | None:
    match = _NPM_LINE.match(text)
    if match is None or match["name"] in _NPM_META:
        return None
    if match["name"] == "node":
        return Dep("node", match["ver"], toolchain=True)
    return Dep(match["name"], match["ver"])


def package_json_whole(text: str) -> Deps:
    document = json.loads(text) if text.strip() else {}
    if not isinstance(document, dict):
        raise ValueError("package.json is not a JSON object")
    found: list[Dep] = []
    for section in _NPM_SECTIONS:
        entries = document.get(section) or {}
        if isinstance(entries, dict):
            found += [
                Dep(n, v if isinstance(v, str) else json.dumps(v)) for n, v in entries.items()
            ]
        elif isinstance(entries, list):
            found += [Dep(str(n)) for n in entries]
    engines = document.get("engines") or {}
    if isinstance(engines, dict):
        found += [Dep(n, str(v), toolchain=True) for n, v in engines.items()]
    return _deps(found)


# --- Python -----------------------------------------------------------------------------


def _requirement(text: str) -> Dep | None:
    from packaging.requirements import InvalidRequirement, Requirement  # costly: load on use

    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    return Dep(_canonical(req.name), str(req.specifier) or req.url or None)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements_line(text: str) -> Dep | None:
    line = text.split(" #", 1)[0].strip()
    if not line or line.startswith(("#", "-", "--")) or (line.endswith("\\") and " " not in line):
        return None
    line = line.rstrip("\\").strip()
    line = re.split(r"\s+--hash", line, maxsplit=1)[0]
    return _requirement(line)


def requirements_whole(text: str) -> Deps:
    found = [requirements_line(line) for line in text.split("\n")]
    return _deps([dep for dep in found if dep is not None])


_QUOTED = re.compile(r"""["']([A-Za-z0-9][^"']*)["']""")
_TOML_DEP = re.compile(
    r"""^\s*(?P<name>[A-Za-z0-9_][\w.-]*)\s*=\s*(?:["'](?P<ver>[\^~<>=!*\d][^"']*)["']|"""
    r"""\{(?P<table>.*(version|git|path|url|workspace)\s*=.*)\})"""
)
_TOML_NOT_DEPS = {"name", "version", "edition", "resolver", "python", "requires-python",
                  "minversion", "description", "readme", "license"}  # fmt: skip


def toml_line(text: str) -> Dep | None:
    match = _TOML_DEP.match(text)
    if match is None or match["name"] in _TOML_NOT_DEPS or match["name"].endswith("version"):
        if match is not None and match["name"] == "python":
            return Dep("python", match["ver"], toolchain=True)
        return None
    version = match["ver"]
    if version is None and match["table"]:
        inner = re.search(r"""version\s*=\s*["']([^"']+)["']""", match["table"])
        version = inner.group(1) if inner else match["table"].strip()
    return Dep(_canonical(match["name"]), version)


def python_line(text: str) -> Dep | None:
    stripped = text.strip().rstrip(",")
    if re.match(r"""^\s*requires-python\s*=""", text):
        found = _QUOTED.search(text)
        return Dep("python", found.group(1) if found else None, toolchain=True)
    if stripped[:1] in ('"', "'") and stripped[-1:] == stripped[:1]:
        dep = _requirement(stripped[1:-1])
        if dep is not None and (dep.version or re.search(r"[\[;@]", stripped)):
            return dep
        return dep if dep is not None and "=" not in stripped else None
    return toml_line(text)


def pyproject_whole(text: str) -> Deps:
    import tomllib  # loaded when a TOML manifest is read, not for every check

    document = tomllib.loads(text)
    found: list[Dep] = []
    project = document.get("project", {})
    for entry in project.get("dependencies", []):
        found += [d for d in [_requirement(entry)] if d]
    for entries in project.get("optional-dependencies", {}).values():
        found += [d for d in map(_requirement, entries) if d]
    for entries in document.get("dependency-groups", {}).values():
        found += [d for d in map(_requirement, [e for e in entries if isinstance(e, str)]) if d]
    if "requires-python" in project:
        found.append(Dep("python", project["requires-python"], toolchain=True))
    poetry = document.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    tables += [g.get("dependencies", {}) for g in poetry.get("group", {}).values()]
    for table in tables:
        for name, spec in table.items():
            if name == "python":
                found.append(Dep("python", str(spec), toolchain=True))
            else:
                found.append(Dep(_canonical(name), _spec_version(spec)))
    for entry in document.get("build-system", {}).get("requires", []):
        found += [d for d in [_requirement(entry)] if d]
    return _deps(found)


def pipfile_whole(text: str) -> Deps:
    import tomllib  # loaded when a TOML manifest is read, not for every check

    document = tomllib.loads(text)
    found = [
        Dep(_canonical(name), _spec_version(spec))
        for section in ("packages", "dev-packages")
        for name, spec in document.get(section, {}).items()
    ]
    python = document.get("requires", {}).get("python_version")
    if python:
        found.append(Dep("python", str(python), toolchain=True))
    return _deps(found)


def _spec_version(spec: Any) -> str | None:
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict):
        for key in ("version", "git", "path", "url", "tag", "rev", "branch"):
            if key in spec:
                return str(spec[key])
        if spec.get("workspace"):
            return "workspace"
    return None


# --- Rust -------------------------------------------------------------------------------


def cargo_whole(text: str) -> Deps:
    import tomllib  # loaded when a TOML manifest is read, not for every check

    document = tomllib.loads(text)
    found: list[Dep] = []

    def tables(node: dict[str, Any]) -> list[dict[str, Any]]:
        return [node.get(k, {}) for k in ("dependencies", "dev-dependencies", "build-dependencies")]

    sources = tables(document)
    sources += [t for target in document.get("target", {}).values() for t in tables(target)]
    sources.append(document.get("workspace", {}).get("dependencies", {}))
    for table in sources:
        for name, spec in table.items():
            found.append(Dep(_canonical(name), _spec_version(spec)))
    rust = document.get("package", {}).get("rust-version")
    if rust:
        found.append(Dep("rust", str(rust), toolchain=True))
    return _deps(found)


# --- JVM --------------------------------------------------------------------------------

_POM_ARTIFACT = re.compile(r"<artifactId>\s*([^<\s]+)\s*</artifactId>")


def pom_line(text: str) -> Dep | None:
    match = _POM_ARTIFACT.search(text)
    return Dep(match.group(1)) if match else None


def pom_whole(text: str) -> Deps:
    from xml.etree import ElementTree  # loaded when a pom.xml is read

    root = ElementTree.fromstring(text)  # ParseError is a SyntaxError: see below
    found: list[Dep] = []
    for element in root.iter():
        if not element.tag.endswith("}dependency") and element.tag != "dependency":
            continue
        fields = {child.tag.rpartition("}")[2]: (child.text or "").strip() for child in element}
        if "artifactId" in fields:
            name = f"{fields.get('groupId', '')}:{fields['artifactId']}".lstrip(":")
            found.append(Dep(name, fields.get("version")))
    return _deps(found)


_GRADLE_LINE = re.compile(
    r"""^\s*(implementation|api|compileOnly|runtimeOnly|testImplementation|testRuntimeOnly|"""
    r"""testCompileOnly|annotationProcessor|kapt|ksp|classpath|developmentOnly)\b\s*\(?\s*"""
    r"""["'](?P<coord>[\w.-]+:[\w.-]+)(:(?P<ver>[^"']+))?["']"""
)


def gradle_line(text: str) -> Dep | None:
    match = _GRADLE_LINE.match(text)
    return Dep(match["coord"], match["ver"]) if match else None


# --- PHP, .NET --------------------------------------------------------------------------

_COMPOSER_LINE = re.compile(
    r'^\s*"(?P<name>[\w.-]+/[\w.-]+|php|ext-[\w-]+)"\s*:\s*"(?P<ver>[^"]+)"'
)


def composer_line(text: str) -> Dep | None:
    match = _COMPOSER_LINE.match(text)
    if match is None:
        return None
    return Dep(match["name"], match["ver"], toolchain=match["name"] == "php")


def composer_whole(text: str) -> Deps:
    document = json.loads(text) if text.strip() else {}
    found: list[Dep] = []
    for section in ("require", "require-dev"):
        for name, version in (document.get(section) or {}).items():
            found.append(Dep(name, str(version), toolchain=name == "php"))
    return _deps(found)


_NUGET_LINE = re.compile(
    r'<(PackageReference|PackageVersion|package)\s+(Include|id)="(?P<name>[^"]+)"'
    r'(?:[^>]*?\s(Version|version)="(?P<ver>[^"]*)")?'
)
_TARGET_FRAMEWORK = re.compile(r"<TargetFrameworks?>(?P<ver>[^<]+)</TargetFrameworks?>")


def nuget_line(text: str) -> Dep | None:
    framework = _TARGET_FRAMEWORK.search(text)
    if framework:
        return Dep("target framework", framework["ver"], toolchain=True)
    match = _NUGET_LINE.search(text)
    return Dep(match["name"], match["ver"]) if match else None


# --- Ruby -------------------------------------------------------------------------------

_GEM_LINE = re.compile(r"""^\s*gem\s+["'](?P<name>[\w.-]+)["'](\s*,\s*["'](?P<ver>[^"']+)["'])?""")


def gemfile_line(text: str) -> Dep | None:
    match = _GEM_LINE.match(text)
    return Dep(match["name"], match["ver"]) if match else None


# --- Helm -------------------------------------------------------------------------------


def chart_whole(text: str) -> Deps:
    import yaml  # loaded when a Chart.yaml is read

    document = yaml.safe_load(text) if text.strip() else {}
    if not isinstance(document, dict):
        raise ValueError("Chart.yaml is not a mapping")
    found = []
    for entry in document.get("dependencies") or []:
        if isinstance(entry, dict) and "name" in entry:
            found.append(Dep(str(entry.get("alias") or entry["name"]), str(entry.get("version"))))
    return _deps(found)


_CHART_DEP_NAME = re.compile(r"^\s*-\s*name\s*:\s*['\"]?(?P<name>[\w.-]+)")


def chart_line(text: str) -> Dep | None:
    match = _CHART_DEP_NAME.match(text)
    return Dep(match["name"]) if match else None
