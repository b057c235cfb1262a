"""Validation of rules files: every problem as a plain sentence at its file and line.

Files are validated part by part (settings, each group, each rule), so one bad rule does
not hide the problems of the others.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from app.policy import model
from app.policy.issues import RulesError, RulesIssue
from app.policy.model import Group, RepoRulesFile, RepoSettings, Rule, RulesFile, Settings
from app.policy.patterns import PatternError, compile_pattern
from app.policy.yamlsource import Location, SourceDocument

__all__ = ["RulesError", "RulesIssue", "check_patterns", "validate_file"]


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


def validate_file(
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


def check_patterns(rule: Rule, index: int, doc: SourceDocument, name: str) -> list[RulesIssue]:
    issues = []
    for key in ("paths", "exclude_paths"):
        for position, pattern in enumerate(getattr(rule, key)):
            try:
                compile_pattern(pattern)
            except PatternError as exc:
                line = doc.line_of(("rules", index, key, position))
                issues.append(RulesIssue(name, line, f"rule {rule.id!r}: {key}: {exc}"))
    return issues
