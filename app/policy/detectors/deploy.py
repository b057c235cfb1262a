"""Deploy artefacts: what builds and ships the running service.

Dockerfiles and Containerfiles, ko and buildpack configuration, and deploy or release
scripts are how code becomes what runs in production, so their changes are Platform
Engineering's. The detector reports what changed in them (a new base image, a changed
entrypoint) and ignores comment-only edits.
"""

from __future__ import annotations

import re

from app.policy.detectors.base import Detector, FileView, Finding, basename

KINDS = {
    "image": "a container build changed (Dockerfile/Containerfile instructions)",
    "base-image": "a container build starts from a different base image",
    "build-config": "ko, buildpack or image build configuration changed",
    "script": "a deploy or release script changed",
}
_FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(?P<image>\S+)", re.IGNORECASE)
_INSTRUCTION = re.compile(r"^\s*(?P<word>[A-Za-z]+)\b")
_BUILD_CONFIG = {".ko.yaml", "ko.yaml", ".ko.yml", "project.toml", "skaffold.yaml", "jib.yaml"}
_SCRIPT = re.compile(r"(^|/)(deploy|release|publish|rollout|promote)[\w.-]*\.(sh|bash|py|ps1)$")
_SCRIPT_DIR = re.compile(r"(^|/)(deploy|deployment|release)/[^/]+\.(sh|bash)$")


def _is_containerfile(name: str) -> bool:
    lowered = name.lower()
    return (
        lowered in ("dockerfile", "containerfile")
        or lowered.startswith(("dockerfile.", "containerfile."))
        or lowered.endswith((".dockerfile", ".containerfile"))
    )


def handles(path: str) -> bool:
    name = basename(path)
    return (
        _is_containerfile(name)
        or name in _BUILD_CONFIG
        or bool(_SCRIPT.search(path) or _SCRIPT_DIR.search(path))
    )


def detect(view: FileView) -> list[Finding]:
    name = basename(view.path)
    if _is_containerfile(name):
        return _containerfile(view)
    effective = [c for c in view.lines if _effective(c.text)]
    if not effective and view.changed.patch is not None:
        return []
    first = effective[0] if effective else None
    if name in _BUILD_CONFIG:
        what = "image build configuration" if name != "project.toml" else "buildpack configuration"
        return [view.finding("deploy.build-config", f"{what} changed ({name})", first)]
    return [view.finding("deploy.script", f"deploy script changed ({view.path})", first)]


def _effective(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not stripped.startswith(("#", "//"))


def _containerfile(view: FileView) -> list[Finding]:
    findings: list[Finding] = []
    bases = {"removed": [], "added": []}  # type: dict[str, list[str]]
    words: list[str] = []
    first = None
    for change in view.lines:
        if not _effective(change.text):
            continue
        first = first or change
        found = _FROM.match(change.text)
        if found:
            bases[change.side].append(found["image"])
        word = _INSTRUCTION.match(change.text)
        if word and word["word"].isupper() and word["word"] not in words:
            words.append(word["word"])
    old_repos = {_repository(image) for image in bases["removed"]}
    for image in bases["added"]:
        if image in bases["removed"]:
            continue
        line = next(c for c in view.added() if image in c.text)
        if _repository(image) in old_repos:
            was = next(i for i in bases["removed"] if _repository(i) == _repository(image))
            findings.append(view.finding("deploy.image", f"base image {was} -> {image}", line))
        else:
            findings.append(view.finding("deploy.base-image", f"new base image {image}", line))
    if first is not None and not findings:
        shown = ", ".join(words[:6]) or "build"
        findings.append(
            view.finding("deploy.image", f"container build changed ({shown} instructions)", first)
        )
    return findings


def _repository(image: str) -> str:
    """``golang:1.24-alpine`` -> ``golang``; digests and tags dropped."""
    name = image.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


def summarize(path: str, findings: list[Finding]) -> str:
    if not findings:
        return f"{path}: comments only"
    return f"{path}: " + "; ".join(f.message for f in findings[:3])


DETECTOR = Detector(
    name="deploy",
    title="a deploy artefact",
    kinds=KINDS,
    handles=handles,
    detect=detect,
    summarize=summarize,
)
