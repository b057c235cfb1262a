"""Compiled rules kept between runs of ``gatehouse check``, keyed by what they came from.

Loading rules from source means composing YAML with positions and validating every part
with pydantic: most of a check's time. The compiled, validated result is pickled once per
content, under a key hashing every rules file's name and bytes, gatehouse's version, the
engine's own source files (their sizes and modification times) and those of the
libraries that shape the result (pydantic, PyYAML, pathspec). Editing a rules file, or
gatehouse, therefore misses the cache, and the rules are read and validated again.

Guarantees:

- only rules that passed validation are written; invalid rules raise
  :class:`app.policy.issues.RulesError` with their file and line, cached or not;
- an entry is written to a temporary file and renamed into place, so a reader sees a
  whole entry or none;
- an entry that is missing, truncated, corrupt, written by another user, group- or
  world-writable, stored under another key, or referring to anything but the engine's
  own classes is ignored and the rules are loaded from source: the cache can make a
  check faster, never change its answer;
- an unusable cache directory (absent and not creatable, not a directory, read-only)
  only costs the speed-up.

The directory is the caller's choice (the CLI's edge reads the environment); this module
reads and writes files but reads no clock and no environment.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import sys
from datetime import date
from importlib.util import find_spec
from pathlib import Path
from typing import NamedTuple

from app import __version__
from app.policy.compiled import Compiled
from app.policy.frozen import FrozenRuleSet
from app.policy.rules_files import RulesSource, read_rules_dir

FORMAT = b"gatehouse-rules-cache/1\n"
KEEP_ENTRIES = 16
_LIBRARIES = ("pydantic", "pydantic_core", "yaml", "pathspec")
_ENGINE = Path(__file__).resolve().parent
_PICKLED_MODULES = frozenset(
    {"app.policy.compiled", "app.policy.frozen", "app.policy.matcher", "app.policy.path_index"}
)

CheckRules = Compiled[FrozenRuleSet]


class LoadedRules(NamedTuple):
    """The compiled rules, and whether they came from the cache."""

    compiled: CheckRules
    from_cache: bool
    entry: Path | None
    """The cache entry read or written, ``None`` when the cache could not be used."""


def load_check_rules(directory: Path, cache_dir: Path | None) -> LoadedRules:
    """The compiled rules of ``directory``, from ``cache_dir`` when they are there.

    Raises :class:`app.policy.issues.RulesError` for rules that do not validate.
    """
    sources = read_rules_dir(directory)
    key = cache_key(sources)
    entry = cache_dir / f"rules-{key.hex()}.pickle" if cache_dir is not None else None
    if entry is not None:
        cached = _read_entry(entry, key)
        if cached is not None:
            return LoadedRules(cached, True, entry)
    compiled = _compile_from_source(directory, sources)
    if entry is not None and not _write_entry(entry, key, compiled):
        entry = None
    return LoadedRules(compiled, False, entry)


def cache_key(sources: tuple[RulesSource, ...]) -> bytes:
    """The digest of everything the compiled rules depend on."""
    digest = hashlib.sha256(FORMAT)
    digest.update(f"{__version__}\0{sys.hexversion}\0{pickle.HIGHEST_PROTOCOL}\0".encode())
    for line in _code_fingerprint():
        digest.update(line.encode("utf-8", "surrogateescape"))
    for source in sources:
        data = source.data if source.data is not None else b""
        header = f"{source.path.name}\0{source.data is None}\0{len(data)}\0"
        digest.update(header.encode("utf-8", "surrogateescape"))
        digest.update(data)
    return digest.digest()


def _code_fingerprint() -> list[str]:
    """Size and modification time of every engine source file and of the libraries'
    entry points: an upgrade or a local edit changes them."""
    lines: list[str] = []
    pending = [str(_ENGINE)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for item in sorted(entries, key=lambda e: e.name):
                if item.is_dir() and item.name != "__pycache__":
                    pending.append(item.path)
                elif item.name.endswith(".py"):
                    stat = item.stat()
                    lines.append(f"{item.path}\0{stat.st_size}\0{stat.st_mtime_ns}\n")
    for name in _LIBRARIES:
        spec = find_spec(name)
        origin = spec.origin if spec is not None else None
        if origin is None:
            lines.append(f"{name}\0missing\n")
            continue
        try:
            stat = os.stat(origin)
        except OSError:
            lines.append(f"{name}\0unreadable\n")
            continue
        lines.append(f"{origin}\0{stat.st_size}\0{stat.st_mtime_ns}\n")
    return lines


def _compile_from_source(directory: Path, sources: tuple[RulesSource, ...]) -> CheckRules:
    from app.policy.frozen import freeze
    from app.policy.loader import load_rules_sources

    return Compiled(freeze(load_rules_sources(directory, sources)))


class _EngineUnpickler(pickle.Unpickler):
    """Resolves the classes the engine's own modules define and nothing else (no
    function, no module, no dotted path through attributes): a foreign pickle cannot
    run code through this loader."""

    def find_class(self, module: str, name: str) -> type:
        if (module, name) == ("datetime", "date"):  # members' away days
            return date
        if module in _PICKLED_MODULES and name.isidentifier() and not name.startswith("__"):
            found = super().find_class(module, name)
            if isinstance(found, type) and found.__module__ == module:
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a rules cache")


def _read_entry(entry: Path, key: bytes) -> CheckRules | None:
    try:
        with open(entry, "rb") as handle:
            stat = os.fstat(handle.fileno())
            if not _trusted(stat):
                return None
            data = handle.read()
    except OSError:
        return None
    header = FORMAT + key
    if not data.startswith(header):
        return None
    try:
        loaded = _EngineUnpickler(io.BytesIO(data[len(header) :])).load()
    except Exception:  # a corrupt entry is a miss, whatever the unpickler raises
        return None
    if not isinstance(loaded, Compiled) or not isinstance(loaded.ruleset, FrozenRuleSet):
        return None
    rules: CheckRules = loaded
    return rules


def _trusted(stat: os.stat_result) -> bool:
    """Written by this user and writable by nobody else."""
    getuid = getattr(os, "getuid", None)
    if getuid is not None and stat.st_uid != getuid():
        return False
    return not stat.st_mode & 0o022


def _write_entry(entry: Path, key: bytes, compiled: CheckRules) -> bool:
    """Write atomically; ``False`` when the cache directory cannot be used."""
    try:
        payload = FORMAT + key + pickle.dumps(compiled, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return False
    temporary = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()  # left by a killed run with this process id
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(descriptor, "wb") as handle:
            handle.write(payload)
        os.replace(temporary, entry)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        return False
    _prune(entry.parent, keep=entry)
    return True


def _prune(directory: Path, keep: Path) -> None:
    """Keep the newest :data:`KEEP_ENTRIES` entries; other rules directories and older
    versions of the rules leave entries behind."""
    try:
        entries = [(p.stat().st_mtime_ns, p) for p in directory.glob("rules-*.pickle")]
        entries.sort(reverse=True)
        for _, path in entries[KEEP_ENTRIES:]:
            if path != keep:
                path.unlink(missing_ok=True)
    except OSError:
        return
