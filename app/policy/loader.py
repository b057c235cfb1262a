"""Load, validate and merge a rules directory (SPEC section 3).

Every problem is reported with the file and line it comes from, and all of them at once,
so one run of ``gatehouse rules validate`` shows everything to fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.policy import model
from app.policy.model import RepoRulesFile, Rule, RuleSet, RulesFile, Settings
from app.policy.rules_files import RulesSource, decode, read_rules_dir
from app.policy.validation import (
    RulesError,
    RulesIssue,
    check_patterns,
    validate_file,
)
from app.policy.yamlsource import SourceDocument, SourceError, parse_yaml

REPO_RULES_PATH = ".github/gatehouse.yml"
__all__ = [
    "REPO_RULES_PATH",
    "RulesError",
    "RulesIssue",
    "apply_repo_rules",
    "load_rules_dir",
    "load_rules_sources",
    "rules_json_schema",
]


@dataclass
class _Parsed:
    name: str
    doc: SourceDocument
    content: RulesFile


def _read(sources: Iterable[RulesSource]) -> tuple[list[_Parsed], list[RulesIssue]]:
    parsed: list[_Parsed] = []
    issues: list[RulesIssue] = []
    for source in sources:
        name = source.name
        try:
            doc = parse_yaml(decode(source))
        except SourceError as exc:
            issues.append(RulesIssue(name, exc.line, exc.message))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            issues.append(RulesIssue(name, 1, f"cannot be read: {exc}"))
            continue
        content, problems = validate_file(doc, name)
        issues += problems
        if isinstance(content, RulesFile):
            parsed.append(_Parsed(name, doc, content))
    return parsed, issues


def load_rules_dir(directory: Path) -> RuleSet:
    """Read every ``*.yml``/``*.yaml`` file of ``directory`` and merge them strictly."""
    return load_rules_sources(directory, read_rules_dir(directory))


def load_rules_sources(directory: Path, sources: Sequence[RulesSource]) -> RuleSet:
    """Validate and merge the files :func:`read_rules_dir` read from ``directory``."""
    parsed, issues = _read(sources)
    settings: Settings | None = None
    groups: dict[str, model.Group] | None = None
    owner: dict[str, str] = {}
    rules: list[Rule] = []
    rule_origin: dict[str, str] = {}
    for item in parsed:
        for key in ("settings", "groups"):
            if getattr(item.content, key) is None:
                continue
            if key in owner:
                line = item.doc.line_of((key,), key=True)
                issues.append(
                    RulesIssue(item.name, line, f"{key!r} is already defined in {owner[key]}")
                )
                continue
            owner[key] = item.name
        if item.content.settings is not None and owner.get("settings") == item.name:
            settings = item.content.settings
        if item.content.groups is not None and owner.get("groups") == item.name:
            groups = item.content.groups
        for index, rule in enumerate(item.content.rules or []):
            if rule is None:
                continue
            line = item.doc.line_of(("rules", index))
            if rule.id in rule_origin:
                issues.append(
                    RulesIssue(
                        item.name,
                        line,
                        f"rule id {rule.id!r} is already used in {rule_origin[rule.id]}",
                    )
                )
                continue
            rule_origin[rule.id] = f"{item.name}:{line}"
            issues += check_patterns(rule, index, item.doc, item.name)
            rules.append(rule)
    known = groups or {}
    for item in parsed:
        for index, rule in enumerate(item.content.rules or []):
            if rule is not None and rule.group not in known and groups is not None:
                issues.append(_unknown_group(item, index, rule, known))
    if groups is None and rules:
        issues.append(
            RulesIssue(
                str(directory), 1, "no file defines 'groups', so no rule can name a reviewing group"
            )
        )
    if issues:
        raise RulesError(sorted(issues, key=lambda i: (i.file, i.line)))
    return RuleSet(settings=settings or Settings(), groups=known, rules=tuple(rules))


def _unknown_group(item: _Parsed, index: int, rule: Rule, known: dict[str, Any]) -> RulesIssue:
    hint = difflib.get_close_matches(rule.group, list(known), n=1)
    if hint:
        suffix = f" (did you mean {hint[0]!r}?)"
    elif known:
        suffix = f" (known: {', '.join(sorted(known))})"
    else:
        suffix = " (no valid group is defined)"
    line = item.doc.line_of(("rules", index, "group"))
    return RulesIssue(item.name, line, f"rule {rule.id!r}: unknown group {rule.group!r}{suffix}")


def apply_repo_rules(base: RuleSet, text: str, name: str = REPO_RULES_PATH) -> RuleSet:
    """Merge a repository's ``.github/gatehouse.yml`` into the organisation's rules.

    The repository may add rules and override the Jira project; it can never remove,
    replace or weaken an organisation rule, nor turn ``require_key`` off.
    """
    try:
        doc = parse_yaml(text)
    except SourceError as exc:
        raise RulesError([RulesIssue(name, exc.line, exc.message)]) from None
    content, issues = validate_file(doc, name, repository=True)
    if not isinstance(content, RepoRulesFile):
        raise RulesError(issues)
    settings = base.settings
    jira_override = content.settings.jira if content.settings else None
    if jira_override is not None:
        changes = jira_override.model_dump(exclude_none=True)
        if base.settings.jira.require_key and changes.get("require_key") is False:
            line = doc.line_of(("settings", "jira", "require_key"))
            issues.append(
                RulesIssue(
                    name, line, "require_key cannot be turned off: the organisation requires it"
                )
            )
        jira = base.settings.jira.model_copy(update=changes)
        settings = base.settings.model_copy(update={"jira": jira})
    existing = {rule.id for rule in base.rules}
    added: list[Rule] = []
    for index, rule in enumerate(content.rules or []):
        if rule is None:
            continue
        line = doc.line_of(("rules", index))
        if rule.id in existing:
            issues.append(
                RulesIssue(
                    name,
                    line,
                    f"rule id {rule.id!r} is an organisation rule and cannot be redefined",
                )
            )
            continue
        existing.add(rule.id)
        if rule.group not in base.groups:
            issues.append(_unknown_group(_Parsed(name, doc, RulesFile()), index, rule, base.groups))
        issues += check_patterns(rule, index, doc, name)
        added.append(rule)
    if issues:
        raise RulesError(sorted(issues, key=lambda i: i.line))
    return RuleSet(settings=settings, groups=base.groups, rules=(*base.rules, *added))


def rules_json_schema() -> dict[str, Any]:
    """JSON Schema of one rules file, for editors (``gatehouse rules schema``)."""
    from app.policy.detectors import all_kinds

    schema = RulesFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "gatehouse rules file"
    detect = schema["$defs"]["Rule"]["properties"]["detect"]
    detect["items"] = {
        "type": "string",
        "pattern": r"^[a-z*?\[\]-]+\.[a-z*?\[\]-]+$",
        "examples": all_kinds(),
    }
    return schema
