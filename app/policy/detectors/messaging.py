"""Messaging contracts: subjects, topics, queues, streams and key-value buckets.

A subject one service publishes and another consumes is a cross-service contract: adding,
removing or renaming one is an architecture question even when the code around it is
small. The detector finds messaging names where code and configuration declare them (a
constant or key whose name says subject, topic, queue, stream or bucket; a publish or
subscribe call with a literal name; a JetStream or Kafka resource) and compares what the
change removes with what it adds, so that a moved or reformatted declaration is not news.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from app.policy.detectors.base import Detector, FileView, Finding, basename, is_lock_file
from app.policy.hunks import LineChange

KINDS = {
    "added": "a new subject, topic, queue, stream or key-value bucket",
    "removed": "a subject, topic, queue, stream or bucket removed",
    "renamed": "a subject, topic, queue, stream or bucket renamed",
}
_CODE = (".go", ".py", ".ts", ".js", ".mjs", ".java", ".kt", ".rs", ".rb", ".cs", ".scala")
_CONFIG = (".yaml", ".yml", ".json", ".toml", ".env", ".properties", ".tpl")
_WORD = (
    r"(subject|topic|queue|stream|bucket|exchange|routing_?key|channel_?name|event_?type|"
    r"object_?type)"
)
_RELATION = re.compile(r"^(Relation[A-Z_]|RELATION_|relation_)")
_WORD_RE = re.compile(_WORD, re.IGNORECASE)


_BARE_FIELD = re.compile(r"^(object_?type|event_?type|type)$", re.IGNORECASE)


def _named(ident: str) -> bool:
    """Whether an identifier or key names a messaging contract.

    A bare ``ObjectType``/``EventType`` field filled in at a call site is a use, not a
    declaration: only constants (``ObjectTypeCommittee``) declare a name.
    """
    if _BARE_FIELD.match(ident.rpartition(".")[2]):
        return False
    return bool(_WORD_RE.search(ident) or _RELATION.match(ident))


# Name = "value", name: "value", NAME := "value", "name": "value" (identifier first)
_DECLARATION = re.compile(
    r"""^\s*(?:(?:const|var|let|final|static|public|private|export|val)\s+)*"""
    r"""["']?(?P<ident>[A-Za-z_][\w.-]*)["']?\s*(?:[A-Za-z_\[\]*.]+\s*)?(?::=|=|:)\s*"""
    r"""(?:\[\]string\{|\[)?\s*["'`](?P<value>[^"'`\s]+)["'`]"""
)
_CALL = re.compile(
    r"""\.(?P<call>Publish|PublishMsg|Subscribe|QueueSubscribe|ChanSubscribe|Request|"""
    r"""RequestMsg|KeyValue|CreateKeyValue|CreateOrUpdateKeyValue|DeleteKeyValue|"""
    r"""ObjectStore|CreateObjectStore|Stream|CreateStream|CreateOrUpdateStream|"""
    r"""send_message|publish|subscribe|produce|consume)\s*\("""
    r"""(?:[^"'`()]*,\s*)?["'`](?P<value>[^"'`\s]+)["'`]"""
)
_RESOURCE = re.compile(
    r"^\s*kind:\s*(?P<kind>KeyValue|Stream|ObjectStore|Consumer|KafkaTopic|Queue|Topic|"
    r"Subscription)\s*$"
)
_CONFIG_KEY = re.compile(
    r"^\s*(?P<ident>[\w-]*" + _WORD + r"[\w-]*)\s*:\s*(?P<value>\S.*)?$", re.IGNORECASE
)
_VALUE = re.compile(r"^[\w.*>${}\-/:]+$")


@dataclass(frozen=True, slots=True)
class _Name:
    what: str
    ident: str
    value: str


def handles(path: str) -> bool:
    name = basename(path)
    if is_lock_file(path):
        return False
    return name.endswith(_CODE) or name.endswith(_CONFIG)


def _what(ident: str) -> str:
    if _RELATION.match(ident):
        return "relation"
    found = _WORD_RE.search(ident)
    word = found.group(1).lower().replace("_", "") if found else "subject"
    return {
        "routingkey": "routing key",
        "channelname": "channel",
        "eventtype": "event type",
        "objecttype": "object type",
    }.get(word, "key-value bucket" if word == "bucket" else word)


def _names(text: str, config: bool) -> list[_Name]:
    stripped = text.strip()
    if not stripped or stripped.startswith(("//", "#", "*", "/*", "--")):
        return []
    found: list[_Name] = []
    resource = _RESOURCE.match(text)
    if resource:
        kind = resource["kind"]
        return [_Name(_what(kind) if _named(kind) else kind, kind, f"({kind} resource)")]
    declaration = _DECLARATION.match(text)
    if declaration and _named(declaration["ident"]) and _plausible(declaration["value"]):
        ident = declaration["ident"]
        found.append(_Name(_what(ident), ident, declaration["value"]))
    for call in _CALL.finditer(text):
        if _plausible(call["value"]):
            found.append(_Name(_what(call["call"]), call["call"], call["value"]))
    if config and not found:
        key = _CONFIG_KEY.match(text)
        if key and not key["ident"].lower().startswith(("max", "min", "num", "enable")):
            value = (key["value"] or "").strip().strip("\"'")
            sections_count = not re.search(r"subject|event_?type|object_?type", key["ident"], re.I)
            if (not value and sections_count) or (value and (_plausible(value) or "{{" in value)):
                found.append(_Name(_what(key["ident"]), key["ident"], value or "(section)"))
    return found


def _plausible(value: str) -> bool:
    """A messaging name: no spaces, not a bare format verb or a number or a boolean."""
    if len(value) < 2 or value.startswith("%") or value.lower() in ("true", "false", "null"):
        return False
    return bool(_VALUE.match(value)) and not value.replace(".", "").isdigit()


def detect(view: FileView) -> list[Finding]:
    config = basename(view.path).endswith(_CONFIG)
    removed: list[tuple[_Name, LineChange]] = []
    added: list[tuple[_Name, LineChange]] = []
    for change in view.lines:
        for name in _names(change.text, config):
            (added if change.side == "added" else removed).append((name, change))
    removed_count = Counter((n.ident, n.value) for n, _ in removed)
    added_count = Counter((n.ident, n.value) for n, _ in added)
    removed_values = Counter(n.value for n, _ in removed)
    added_values = Counter(n.value for n, _ in added)
    findings: list[Finding] = []
    renamed_idents: set[str] = set()
    gone = [
        (n, c)
        for n, c in removed
        if added_count[(n.ident, n.value)] < removed_count[(n.ident, n.value)]
    ]
    new = [
        (n, c)
        for n, c in added
        if removed_count[(n.ident, n.value)] < added_count[(n.ident, n.value)]
    ]
    gone_by_ident = {n.ident: n for n, _ in gone}
    for name, change in new:
        old = gone_by_ident.get(name.ident)
        if old is not None and old.value != name.value:
            renamed_idents.add(name.ident)
            findings.append(
                view.finding(
                    "messaging.renamed",
                    f"{name.what} {name.ident} renamed: `{old.value}` -> `{name.value}`",
                    change,
                )
            )
        elif removed_values[name.value] < added_values[name.value]:
            findings.append(
                view.finding("messaging.added", _describe("new", name), change, name.value)
            )
    for name, change in gone:
        if name.ident in renamed_idents:
            continue
        if added_values[name.value] < removed_values[name.value]:
            findings.append(
                view.finding("messaging.removed", _describe("removed", name), change, name.value)
            )
    return findings


def _describe(verb: str, name: _Name) -> str:
    shown = name.value if name.value.startswith("(") else f"`{name.value}`"
    if verb == "new":
        return f"new {name.what} {shown} ({name.ident})"
    return f"{name.what} {shown} removed ({name.ident})"


def summarize(path: str, findings: list[Finding]) -> str:
    if not findings:
        return f"{path}: no messaging name added, removed or renamed"
    return f"{path}: " + "; ".join(f.message for f in findings[:3])


DETECTOR = Detector(
    name="messaging",
    title="messaging configuration",
    kinds=KINDS,
    handles=handles,
    detect=detect,
    summarize=summarize,
)
