"""Writing the App's credentials into a ``.env`` file that only its owner can read.

The file is rewritten through a new file opened with mode 0600 and renamed over the old
one, so no moment exists where the secrets sit in a file others can read, and a crash
leaves either the old file or the new one. Every line that is not one of the written keys
stays as it was; the written keys take the place of their first old assignment.
Values are double-quoted, so a PEM key spans lines and is read back byte for byte by
python-dotenv (and so by gatehouse's settings).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path

from dotenv import dotenv_values

SESSION_SECRET = "GATEHOUSE_SESSION_SECRET"
FILE_MODE = 0o600
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$")


def quoted(value: str) -> str:
    """``value`` as a double-quoted dotenv value (newlines kept as they are)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _closes(text: str, quote: str) -> bool:
    """Whether ``text`` holds the unescaped ``quote`` that ends a quoted value."""
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == quote:
            return True
    return False


def _statements(lines: list[str]) -> Iterator[tuple[str | None, list[str]]]:
    """The file's lines grouped by statement: an assignment (with the further lines of a
    quoted multi-line value) under its key, anything else alone under ``None``."""
    index = 0
    while index < len(lines):
        found = _ASSIGNMENT.match(lines[index].rstrip("\r\n"))
        group = [lines[index]]
        index += 1
        if found is None:
            yield None, group
            continue
        rest = found.group(2)
        quote = rest[:1]
        if quote in ("'", '"') and not _closes(rest[1:], quote):
            while index < len(lines):
                group.append(lines[index])
                index += 1
                if _closes(group[-1], quote):
                    break
        yield found.group(1), group


def _merged(old: str, values: Mapping[str, str]) -> str:
    lines = old.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    written: set[str] = set()
    out: list[str] = []
    for key, group in _statements(lines):
        if key is None or key not in values:
            out += group
        elif key not in written:
            out.append(f"{key}={quoted(values[key])}\n")
            written.add(key)
    out += [f"{key}={quoted(value)}\n" for key, value in values.items() if key not in written]
    return "".join(out)


def _replace(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.chmod(path, FILE_MODE)


def write_env(path: Path, values: Mapping[str, str]) -> tuple[str, ...]:
    """Set ``values`` in the env file at ``path`` (created when absent), plus a new
    ``GATEHOUSE_SESSION_SECRET`` when the file has none; the keys written, in order."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    chosen = dict(values)
    if not (dotenv_values(path) if old else {}).get(SESSION_SECRET):
        chosen[SESSION_SECRET] = secrets.token_urlsafe(48)
    _replace(path, _merged(old, chosen))
    return tuple(chosen)
