"""The files of a rules directory, read once as bytes (SPEC section 3).

Every ``*.yml``/``*.yaml`` file is read, in name order. The loader parses these bytes
and ``gatehouse check``'s cache hashes the same bytes, so a cache entry always describes
exactly the text that was validated.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from app.policy.issues import RulesError, RulesIssue

SUFFIXES = frozenset({".yml", ".yaml"})


class RulesSource(NamedTuple):
    """One rules file: its bytes, or why it could not be read."""

    path: Path
    data: bytes | None
    error: str | None = None

    @property
    def name(self) -> str:
        return str(self.path)


def read_rules_dir(directory: Path) -> tuple[RulesSource, ...]:
    """Every rules file of ``directory``; raises :class:`RulesError` when there are none."""
    directory = Path(directory)
    if not directory.is_dir():
        raise RulesError([RulesIssue(str(directory), 1, "the rules directory does not exist")])
    paths = sorted(p for p in directory.iterdir() if p.suffix in SUFFIXES and p.is_file())
    if not paths:
        raise RulesError([RulesIssue(str(directory), 1, "no *.yml or *.yaml rules files found")])
    return tuple(_read(path) for path in paths)


def _read(path: Path) -> RulesSource:
    try:
        return RulesSource(path, path.read_bytes())
    except OSError as exc:
        return RulesSource(path, None, str(exc))


def decode(source: RulesSource) -> str:
    """The file's text as ``Path.read_text`` gives it (UTF-8, universal newlines);
    raises ``OSError`` or ``UnicodeDecodeError`` when it cannot be read."""
    if source.data is None:
        raise OSError(source.error)
    return source.data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
