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

from pydantic import BaseModel, ValidationError

from app.policy import model
from app.policy.model import Group, RepoRulesFile, RepoSettings, Rule, RuleSet, RulesFile, Settings
from app.policy.patterns import PatternError, compile_pattern
from app.policy.yamlsource import Location, SourceDocument, SourceError, parse_yaml

REPO_RULES_PATH = ".github/gatehouse.yml"


@dataclass(frozen=True, slots=True)
class RulesIssue:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class RulesError(ValueError):
    """The rules cannot be used; ``issues`` lists every problem found."""

    def __init__(self, issues: Sequence[RulesIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


def _vocabulary() -> list[str]:
    names: set[str] = set()
    for value in vars(model).values():
        if isinstance(value, type) and issubclass(value, BaseModel):
            names.update(value.model_fields)
    return sorted(names)


_VOCABULARY = _vocabulary()


def _explain(error: Any) -> tuple[Location, str, bool]:
    """Turn one pydantic error into (location, plain sentence, is-about-a-key)."""
    loc: Location = tuple(error["loc"])
    kind = error["type"]
    field = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(str(field), _VOCABULARY, n=1)
        suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
        return loc, f"unknown key {field!r}{suffix}", True
    if kind == "missing":
        where = ".".join(str(part) for part in loc[:-1])
        text = f"{field!r} is required"
        return loc[:-1], f"{where}: {text}" if where else text, False
    message = str(error["msg"]).removeprefix("Value error, ")
    where = ".".join(str(part) for part in loc)
    return loc, f"{where}: {message}" if where else message, False


def _validate(
    schema: type[BaseModel], data: Any, doc: SourceDocument, name: str, prefix: Location = ()
) -> tuple[BaseModel | None, list[RulesIssue]]:
    try:
        return schema.model_validate(data), []
    except ValidationError as exc:
        issues = []
        for error in exc.errors():
            error = {**error, "loc": (*prefix, *error["loc"])}
            loc, message, is_key = _explain(error)
            issues.append(RulesIssue(name, doc.line_of(loc, key=is_key), _friendly(message, doc)))
        return None, issues


def _friendly(message: str, doc: SourceDocument) -> str:
    """``rules.2.paths: ...`` reads better as ``rule 'ci-cd': paths: ...``."""
    head, sep, rest = message.partition(": ")
    parts = head.split(".")
    if sep and len(parts) >= 2 and parts[0] == "rules" and parts[1].isdigit():
        rules = doc.data.get("rules") if isinstance(doc.data, dict) else None
        index = int(parts[1])
        rule = rules[index] if isinstance(rules, list) and index < len(rules) else None
        label = (
            f"rule {rule['id']!r}"
            if isinstance(rule, dict) and "id" in rule
            else f"rule #{index + 1}"
        )
        field = ".".join(parts[2:])
        return f"{label}: {field}: {rest}" if field else f"{label}: {rest}"
    return message


def _validate_file(
    doc: SourceDocument, name: str, *, repository: bool = False
) -> tuple[RulesFile | RepoRulesFile | None, list[RulesIssue]]:
    """Validate part by part, so one bad rule does not hide problems in the others."""
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        return None, [RulesIssue(name, doc.line_of(()), "the file must be a mapping of keys")]
    allowed = ("settings", "rules") if repository else ("settings", "groups", "rules")
    issues: list[RulesIssue] = []
    for key in data:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            suffix = (
                f" (did you mean {hint[0]!r}?)" if hint else f" (allowed: {', '.join(allowed)})"
            )
            issues.append(
                RulesIssue(name, doc.line_of((key,), key=True), f"unknown key {key!r}{suffix}")
            )
    parts: dict[str, Any] = {}
    if data.get("settings") is not None:
        schema = RepoSettings if repository else Settings
        value, problems = _validate(schema, data["settings"], doc, name, ("settings",))
        issues += problems
        if value is not None:
            parts["settings"] = value
    if not repository and data.get("groups") is not None:
        groups = data["groups"]
        if not isinstance(groups, dict):
            issues.append(
                RulesIssue(name, doc.line_of(("groups",)), "groups must be a mapping of group ids")
            )
        else:
            valid = {}
            for group_id, body in groups.items():
                value, problems = _validate(Group, body, doc, name, ("groups", group_id))
                issues += problems
                if value is not None:
                    valid[group_id] = value
            parts["groups"] = valid
    if data.get("rules") is not None:
        rules = data["rules"]
        if not isinstance(rules, list):
            issues.append(RulesIssue(name, doc.line_of(("rules",)), "rules must be a list"))
        else:
            valid_rules = []
            for index, body in enumerate(rules):
                value, problems = _validate(Rule, body, doc, name, ("rules", index))
                issues += problems
                valid_rules.append(value)
            parts["rules"] = valid_rules
    model_type = RepoRulesFile if repository else RulesFile
    return model_type.model_construct(**parts), issues


def _check_patterns(rule: Rule, index: int, doc: SourceDocument, name: str) -> list[RulesIssue]:
    issues = []
    for key in ("paths", "exclude_paths"):
        for position, pattern in enumerate(getattr(rule, key)):
            try:
                compile_pattern(pattern)
            except PatternError as exc:
                line = doc.line_of(("rules", index, key, position))
                issues.append(RulesIssue(name, line, f"rule {rule.id!r}: {key}: {exc}"))
    return issues


@dataclass
class _Parsed:
    name: str
    doc: SourceDocument
    content: RulesFile


def _read(paths: Iterable[Path], root: Path) -> tuple[list[_Parsed], list[RulesIssue]]:
    parsed: list[_Parsed] = []
    issues: list[RulesIssue] = []
    for path in paths:
        name = str(path)
        try:
            doc = parse_yaml(path.read_text(encoding="utf-8"))
        except SourceError as exc:
            issues.append(RulesIssue(name, exc.line, exc.message))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            issues.append(RulesIssue(name, 1, f"cannot be read: {exc}"))
            continue
        content, problems = _validate_file(doc, name)
        issues += problems
        if isinstance(content, RulesFile):
            parsed.append(_Parsed(name, doc, content))
    return parsed, issues


def load_rules_dir(directory: Path) -> RuleSet:
    """Read every ``*.yml``/``*.yaml`` file of ``directory`` and merge them strictly."""
    directory = Path(directory)
    if not directory.is_dir():
        raise RulesError([RulesIssue(str(directory), 1, "the rules directory does not exist")])
    files = sorted(p for p in directory.iterdir() if p.suffix in {".yml", ".yaml"} and p.is_file())
    if not files:
        raise RulesError([RulesIssue(str(directory), 1, "no *.yml or *.yaml rules files found")])
    parsed, issues = _read(files, directory)
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
            issues += _check_patterns(rule, index, item.doc, item.name)
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
    content, issues = _validate_file(doc, name, repository=True)
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
        issues += _check_patterns(rule, index, doc, name)
        added.append(rule)
    if issues:
        raise RulesError(sorted(issues, key=lambda i: i.line))
    return RuleSet(settings=settings, groups=base.groups, rules=(*base.rules, *added))


def rules_json_schema() -> dict[str, Any]:
    """JSON Schema of one rules file, for editors (``gatehouse rules schema``)."""
    schema = RulesFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "gatehouse rules file"
    return schema
