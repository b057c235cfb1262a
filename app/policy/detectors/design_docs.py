"""Design records: architecture decision records, design documents and RFCs.

A new decision record is where a significant change or a new pattern is written down for
the team; editing or renaming an existing one is usually bookkeeping.
"""

from __future__ import annotations

import re

from app.policy.detectors.base import Detector, FileView, Finding
from app.policy.snapshot import FileStatus

KINDS = {
    "record-added": "a new architecture decision record or design document",
    "record-changed": "an existing decision record or design document edited",
    "record-removed": "a decision record or design document deleted",
}
_RECORD = re.compile(
    r"(^|/)(adr|adrs|rfcs|docs/decisions|docs/architecture|docs/design)/|(^|/)ARCHITECTURE\.md$"
)


def handles(path: str) -> bool:
    return bool(_RECORD.search(path))


def detect(view: FileView) -> list[Finding]:
    first = next(iter(view.lines), None)
    if view.status is FileStatus.ADDED:
        return [view.finding("design.record-added", f"new design record {view.path}", first)]
    if view.status is FileStatus.REMOVED:
        return [view.finding("design.record-removed", f"design record {view.path} deleted")]
    if not view.lines:
        return []
    return [view.finding("design.record-changed", f"design record {view.path} edited", first)]


def summarize(path: str, findings: list[Finding]) -> str:
    return f"{path}: " + (findings[0].message if findings else "renamed only")


DETECTOR = Detector(
    name="design",
    title="a design record",
    kinds=KINDS,
    handles=handles,
    detect=detect,
    summarize=summarize,
)
