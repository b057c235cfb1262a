"""The organisation's rules, loaded once, reloaded when the files change, and merged with
a repository's ``.github/gatehouse.yml``.

A broken rules directory or repository file never crashes the service and never passes a
check: the error is kept and every evaluation fails with it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from app.policy.compiled import CompiledRules, compile_rules
from app.policy.loader import RulesError, apply_repo_rules, load_rules_dir
from app.policy.model import RuleSet

log = logging.getLogger("gatehouse.rules")
REPO_CACHE_SIZE = 256


@dataclass(frozen=True)
class LoadedRules:
    compiled: CompiledRules | None
    error: str | None


class RulesProvider:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[str, float, int], ...] | None = None
        self._org = LoadedRules(None, "rules not loaded yet")
        self._repo_cache: OrderedDict[tuple[int, str], LoadedRules] = OrderedDict()
        self.reload()

    def _files_stamp(self) -> tuple[tuple[str, float, int], ...]:
        try:
            files = sorted(self.directory.glob("*.y*ml"))
            return tuple((str(p), p.stat().st_mtime, p.stat().st_size) for p in files)
        except OSError:
            return ()

    def reload(self) -> LoadedRules:
        stamp = self._files_stamp()
        with self._lock:
            if stamp == self._stamp:
                return self._org
            try:
                self._org = LoadedRules(compile_rules(load_rules_dir(self.directory)), None)
                log.info("rules loaded from %s", self.directory)
            except RulesError as exc:
                self._org = LoadedRules(None, f"the organisation's rules are invalid:\n{exc}")
                log.error("rules in %s are invalid: %s", self.directory, exc)
            self._stamp = stamp
            self._repo_cache.clear()
            return self._org

    @property
    def ready(self) -> bool:
        return self.reload().compiled is not None

    def organisation(self) -> LoadedRules:
        return self.reload()

    def ruleset(self) -> RuleSet:
        """The organisation's rules for timers and follow-ups, which cannot act on invalid
        rules: they raise, and their work is retried once the rules are fixed."""
        compiled = self.reload().compiled
        if compiled is None:
            raise RuntimeError("the organisation's rules are invalid; this waits for a fix")
        return compiled.ruleset

    def for_repository(self, repo_file: str | None) -> LoadedRules:
        """The organisation's rules merged with a repository file's text (if any)."""
        org = self.reload()
        if org.compiled is None or repo_file is None:
            return org
        key = (id(org.compiled), hashlib.sha256(repo_file.encode()).hexdigest())
        with self._lock:
            cached = self._repo_cache.get(key)
            if cached is not None:
                self._repo_cache.move_to_end(key)
                return cached
        try:
            merged = apply_repo_rules(org.compiled.ruleset, repo_file)
            loaded = LoadedRules(compile_rules(merged), None)
        except RulesError as exc:
            loaded = LoadedRules(None, f"the repository's rules file is invalid:\n{exc}")
        with self._lock:
            self._repo_cache[key] = loaded
            while len(self._repo_cache) > REPO_CACHE_SIZE:
                self._repo_cache.popitem(last=False)
        return loaded
