"""API contracts: new or removed operations and services, breaking or additive schema changes.

Reads OpenAPI/Swagger documents, protobuf files, GraphQL SDL and Goa design files. An
*operation* is an HTTP path and method, an RPC, a field of a GraphQL root type, or a Goa
method or HTTP route; a *service* is a protobuf or Goa service. Schema changes are
*breaking* (a field removed, renamed, retyped or made required, an enum value removed) or
*additive* (a new optional field, value or type).

Whole documents are compared when both texts are known: OpenAPI as parsed YAML/JSON,
GraphQL through graphql-core. Otherwise, and always for protobuf and Goa (no maintained
pure-Python parser reads either), the change is read line by line: each side of every
hunk (its context plus removed lines, its context plus added lines) is scanned into named
items, and an item seen on one side only is what changed. Context appears on both sides
and cancels out. These readers are heuristics; when they cannot tell, a removal counts as
breaking and an addition as additive. A document that does not parse raises, so the file
counts as unreadable (fail closed).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from app.policy.detectors.base import (
    Detector,
    FileView,
    Finding,
    Side,
    Unreadable,
    basename,
    count_phrase,
)
from app.policy.hunks import read_hunk_header

KINDS = {
    "operation-added": "a new operation: HTTP path and method, RPC, GraphQL root field, Goa method or route",
    "operation-removed": "an operation removed",
    "service-added": "a new protobuf or Goa service",
    "service-removed": "a protobuf or Goa service removed",
    "breaking": "a breaking change to an existing operation or schema (removed, renamed, retyped or newly required field, removed enum value, moved route)",
    "additive": "an additive change: a new optional field, enum value or type",
}

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _format(path: str) -> str | None:
    name = basename(path)
    lower = name.lower()
    stem, _, ext = lower.rpartition(".")
    if ext in ("yaml", "yml", "json") and (
        lower.startswith(("openapi", "swagger")) or stem.endswith((".openapi", ".swagger"))
    ):
        return "openapi"
    if ext == "proto":
        return "proto"
    if ext in ("graphql", "graphqls", "gql"):
        return "graphql"
    parent = path.rpartition("/")[0].rpartition("/")[2]
    if ext == "go" and parent == "design" and not lower.endswith("_test.go"):
        return "goa"
    return None


def handles(path: str) -> bool:
    return _format(path) is not None


def detect(view: FileView) -> list[Finding]:
    fmt = _format(view.path)
    if fmt is None:
        return []
    report = _Report(view)
    _READERS[fmt](view, report)
    return report.findings


_PHRASES = (
    ("service-added", "new service", "new services"),
    ("service-removed", "service removed", "services removed"),
    ("operation-added", "new operation", "new operations"),
    ("operation-removed", "operation removed", "operations removed"),
    ("breaking", "breaking change", "breaking changes"),
    ("additive", "additive change", "additive changes"),
)


def summarize(path: str, findings: list[Finding]) -> str:
    counts = Counter(found.kind.partition(".")[2] for found in findings)
    if counts["unreadable"]:
        return f"{path}: could not be read as an API contract, counted as a change"
    parts = [count_phrase(counts[kind], one, many) for kind, one, many in _PHRASES if counts[kind]]
    if not counts["operation-added"] and not counts["operation-removed"]:
        parts.append("no new or removed operation")
    return f"{path}: " + ", ".join(parts)


# --- shared: findings, the two sides of a change, named items -----------------------------


_EVIDENCE_KEY = re.compile(r"""^\s*(?:-\s+)?["']?([^"':]+?)["']?\s*:""")
_EVIDENCE_WORD = re.compile(r"""[^\s"'`:,\[\]()=;]+""")


class _Report:
    """Collects findings; ``near`` finds their evidence through an index of the changed
    lines built once per side, so that a large new document stays cheap to report."""

    def __init__(self, view: FileView) -> None:
        self.view = view
        self.findings: list[Finding] = []
        self._seen: set[Finding] = set()
        self._index: dict[Side, tuple[dict[str, int], dict[str, int]]] = {}

    def add(self, kind: str, message: str, line: int | None, side: Side) -> None:
        found = Finding(
            f"api.{kind}", self.view.path, message, line or None, side if line else None
        )
        if found not in self._seen:
            self._seen.add(found)
            self.findings.append(found)

    def item(self, kind: str, message: str, item: _Item, side: Side) -> None:
        self.add(kind, message, item.line, side)

    def near(self, kind: str, message: str, side: Side, *needles: str) -> None:
        """A finding whose evidence is the first changed line on ``side`` that has the
        first of ``needles`` found as a key, else as a word (none when no line has any)."""
        keys, words = self._indexed(side)
        for needle in needles:
            line = keys.get(needle) or words.get(needle)
            if line is not None:
                self.add(kind, message, line, side)
                return
        self.add(kind, message, None, side)

    def _indexed(self, side: Side) -> tuple[dict[str, int], dict[str, int]]:
        if side not in self._index:
            keys: dict[str, int] = {}
            words: dict[str, int] = {}
            for change in self.view.lines:
                if change.side == side:
                    if match := _EVIDENCE_KEY.match(change.text):
                        keys.setdefault(match.group(1).strip(), change.line)
                    for word in _EVIDENCE_WORD.findall(change.text):
                        words.setdefault(word, change.line)
            self._index[side] = (keys, words)
        return self._index[side]


class _Line(NamedTuple):
    number: int
    text: str


class _Part(NamedTuple):
    """One side of one hunk (or a whole text): its lines and the hunk header's context."""

    header: str
    lines: list[_Line]


def _sides(view: FileView) -> tuple[list[_Part], list[_Part]]:
    """The old and new sides: whole texts when known, else each hunk's two sides."""
    before, after = view.texts
    if before is not None and after is not None:
        return [_Part("", _numbered(before))], [_Part("", _numbered(after))]
    view.lines  # noqa: B018 - raises Unreadable for a malformed patch
    old: list[_Part] = []
    new: list[_Part] = []
    old_no = new_no = 0
    for text in (view.changed.patch or "").split("\n"):
        mark, body = text[:1], text[1:].rstrip("\r")
        if mark == "@":
            header = read_hunk_header(text)
            if header is not None:
                context = text.split("@@", 2)[2].strip() if text.count("@@") >= 2 else ""
                old.append(_Part(context, []))
                new.append(_Part(context, []))
                old_no, new_no = header.old_start, header.new_start
        elif mark in (" ", "", "\r") and old:
            old[-1].lines.append(_Line(old_no, body))
            new[-1].lines.append(_Line(new_no, body))
            old_no, new_no = old_no + 1, new_no + 1
        elif mark == "-" and old:
            old[-1].lines.append(_Line(old_no, body))
            old_no += 1
        elif mark == "+" and new:
            new[-1].lines.append(_Line(new_no, body))
            new_no += 1
    return old, new


def _numbered(text: str) -> list[_Line]:
    return [_Line(number, line) for number, line in enumerate(text.split("\n"), start=1)]


_Key = tuple[str, str, str]


@dataclass
class _Item:
    """Something named on one side: ``(what, owner, name)`` identifies it across sides.

    ``detail`` (a type, a signature) and ``label`` (a display name where the key uses a
    number) are compared when both sides have the item; ``parents`` are the keys of the
    definitions around it, so that the parts of a new definition are not reported again.
    A part whose owner lies outside its hunk is told apart by the hunk (``scope``), so
    that ``email`` removed in one hunk and added in another, far away, both count.
    """

    what: str
    owner: str
    name: str
    line: int
    detail: str = ""
    label: str = ""
    parents: tuple[_Key, ...] = ()
    order: tuple[int, int] = (-1, -1)
    default: bool = False
    scope: int = -1

    @property
    def key(self) -> _Key:
        return (self.what, self.owner or _scope(self.scope), self.name)


def _scope(part: int) -> str:
    return f"#{part}" if part >= 0 else ""


# Items that belong to an owner (a schema, a message, a method): scoped when it is unseen.
_OWNED = {"property", "required", "value", "parameter", "attr", "field", "input-field", "arg"}
_OWNED |= {"rpc", "route", "method", "body", "operation"}


_Items = dict[_Key, _Item]


@dataclass
class _Changes:
    old: _Items
    new: _Items

    def removed(self, what: str) -> list[_Item]:
        return [i for k, i in self.old.items() if k[0] == what and k not in self.new]

    def added(self, what: str) -> list[_Item]:
        return [i for k, i in self.new.items() if k[0] == what and k not in self.old]

    def changed(self, what: str) -> list[tuple[_Item, _Item]]:
        return [
            (i, self.new[k])
            for k, i in self.old.items()
            if k[0] == what
            and k in self.new
            and (i.detail, i.label) != (self.new[k].detail, self.new[k].label)
        ]

    def is_new(self, item: _Item) -> bool:
        """Whether a definition around ``item`` is itself new: its parts are not news."""
        return any(p in self.new and p not in self.old for p in item.parents)

    def is_gone(self, item: _Item) -> bool:
        """Whether a definition around ``item`` is itself removed."""
        return any(p in self.old and p not in self.new for p in item.parents)


def _of(owner: str, word: str = "of") -> str:
    return f" {word} {owner}" if owner else ""


# --- brace-nested languages: protobuf, GraphQL, Goa -----------------------------------------

_SEEDED = -(10**9)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`')


@dataclass
class _Block:
    kind: str
    name: str
    key: _Key | None = None
    opened_at: int = 0


class _Scanner:
    """Reads a side line by line, tracking the named blocks ``{ ... }`` around each line.

    A hunk starts mid-file, so the blocks around its first line are unknown, except the
    one the hunk header names (``message Order {``, ``var _ = Service("x", func() {``).
    A line starting in the first column closes every open block.
    """

    comment = "//"

    def __init__(self) -> None:
        self.items: _Items = {}
        self.blocks: list[_Block] = []
        self.depth = 0
        self.record = True
        self.part = 0

    def scan(self, parts: list[_Part]) -> _Items:
        for self.part, part in enumerate(parts):
            self.blocks, self.depth = [], 0
            self.start()
            if part.header:
                self.record = False
                self.feed(0, part.header)
                for block in self.blocks:
                    block.opened_at = _SEEDED
                self.depth, self.record = 0, True
            for line in part.lines:
                self.feed(line.number, line.text)
        return self.items

    def start(self) -> None:
        """Resets per-part state."""

    def feed(self, number: int, text: str) -> None:
        code = _without_comment(text, self.comment)
        if not code.strip():
            return
        if not code[:1].isspace():
            self.blocks = []
        opens = self.read(number, code)
        bare = _STRING.sub('""', code)
        net = bare.count("{") - bare.count("}")
        if opens is not None and net > 0:
            opens.opened_at = self.depth
            self.blocks.append(opens)
        self.depth += net
        while self.blocks and self.depth <= self.blocks[-1].opened_at:
            self.blocks.pop()

    def read(self, number: int, code: str) -> _Block | None:
        raise NotImplementedError

    def add(self, item: _Item) -> None:
        if self.record:
            if not item.owner and item.what in _OWNED:
                item.scope = self.part
            self.items.setdefault(item.key, item)

    def parents(self) -> tuple[_Key, ...]:
        return tuple(b.key for b in self.blocks if b.key is not None)

    def innermost(self, *kinds: str) -> _Block | None:
        return next((b for b in reversed(self.blocks) if b.kind in kinds), None)


def _without_comment(text: str, marker: str) -> str:
    quote = ""
    for index, char in enumerate(text):
        if quote:
            if char == quote and text[index - 1] != "\\":
                quote = ""
        elif char in '"`':
            quote = char
        elif text.startswith(marker, index):
            return text[:index]
    return text


# --- protobuf ---------------------------------------------------------------------------------

_PROTO_BLOCK = re.compile(r"^\s*(message|enum|service|oneof|extend)\s+([\w.]+)")
_PROTO_RPC = re.compile(
    r"^\s*rpc\s+(\w+)\s*\(\s*(stream\s+)?([\w.]+)\s*\)\s*returns\s*\(\s*(stream\s+)?([\w.]+)\s*\)"
)
_PROTO_FIELD = re.compile(
    r"^\s*(?:(optional|required|repeated)\s+)?(map\s*<[^>]*>|[\w.]+)\s+(\w+)\s*=\s*(\d+)"
)
_PROTO_VALUE = re.compile(r"^\s*(\w+)\s*=\s*(-?\w+)\s*[;\[]")
_PROTO_NOT_TYPES = {"option", "reserved", "extensions", "syntax", "package", "import", "rpc"}


class _ProtoScanner(_Scanner):
    def read(self, number: int, code: str) -> _Block | None:
        parents = self.parents()
        if match := _PROTO_BLOCK.match(code):
            kind, name = match.groups()
            if kind in ("message", "enum"):
                outer = self.innermost("message")
                full = f"{outer.name}.{name}" if outer else name
                item = _Item(kind, "", full, number, parents=parents)
                self.add(item)
                return _Block(kind, full, item.key)
            if kind == "service":
                self.add(_Item("service", "", name, number))
                return _Block("service", name, ("service", "", name))
            return _Block(kind, name)
        if match := _PROTO_RPC.match(code):
            name, stream_in, request, stream_out, response = match.groups()
            service = self.innermost("service")
            signature = f"({stream_in or ''}{request}) returns ({stream_out or ''}{response})"
            owner = service.name if service else ""
            self.add(_Item("rpc", owner, name, number, signature, parents=parents))
            return _Block("rpc", name)
        inner = self.innermost("message", "enum", "service", "rpc")
        if inner is None or inner.kind == "message":
            match = _PROTO_FIELD.match(code)
            if match and match.group(2) not in _PROTO_NOT_TYPES:
                label, kind, name, tag = match.groups()
                owner = inner.name if inner else ""
                detail = f"{label} {kind}" if label else kind
                self.add(_Item("field", owner, tag, number, detail, name, parents))
                return None
        if inner is not None and inner.kind == "enum" and (match := _PROTO_VALUE.match(code)):
            name, value = match.groups()
            if name not in _PROTO_NOT_TYPES:
                self.add(_Item("value", inner.name, name, number, value, parents=parents))
        return None


def _read_proto(view: FileView, report: _Report) -> None:
    old, new = _sides(view)
    changes = _Changes(_ProtoScanner().scan(old), _ProtoScanner().scan(new))
    _services(changes, report)
    for item in changes.removed("rpc"):
        report.item("operation-removed", f"RPC {_dotted(item)} removed", item, "removed")
    for item in changes.added("rpc"):
        report.item("operation-added", f"new RPC {_dotted(item)}", item, "added")
    for was, now in changes.changed("rpc"):
        report.item(
            "breaking",
            f"RPC {_dotted(now)} changed from {was.detail} to {now.detail}",
            now,
            "added",
        )
    for what in ("message", "enum"):
        for item in changes.removed(what):
            if not changes.is_gone(item):
                report.item("breaking", f"{what} {item.name} removed", item, "removed")
        for item in changes.added(what):
            if not changes.is_new(item):
                report.item("additive", f"new {what} {item.name}", item, "added")
    _proto_fields(changes, report)
    _enum_values(changes, report)


def _proto_fields(changes: _Changes, report: _Report) -> None:
    """Fields are keyed by number: the same number under another name is a rename, the
    same name under another number a renumbering; both break clients, as does a removal
    (reserving the number afterwards is good practice, not a finding)."""
    renumbered: set[_Key] = set()
    by_name = {(i.owner, i.label): i for i in changes.new.values() if i.what == "field"}
    for item in changes.removed("field"):
        if changes.is_gone(item):
            continue
        moved = by_name.get((item.owner, item.label))
        if moved is not None and moved.key not in changes.old:
            renumbered.add(moved.key)
            message = f"field `{item.label}`{_message(item, 'of')} renumbered from {item.name} to {moved.name}"
            report.item("breaking", message, moved, "added")
        else:
            message = f"field `{item.label}` = {item.name} removed{_message(item, 'from')}"
            report.item("breaking", message, item, "removed")
    for item in changes.added("field"):
        if item.key in renumbered or changes.is_new(item):
            continue
        required = item.detail.startswith("required ")
        message = f"new {'required' if required else 'optional'} field `{item.label}` = {item.name}{_message(item, 'in')}"
        report.item("breaking" if required else "additive", message, item, "added")
    for was, now in changes.changed("field"):
        if was.label != now.label:
            message = (
                f"field {now.name}{_message(now, 'of')} renamed from `{was.label}` to `{now.label}`"
            )
            report.item("breaking", message, now, "added")
        if was.detail != now.detail:
            message = f"field `{now.label}`{_message(now, 'of')} changed type from {was.detail} to {now.detail}"
            report.item("breaking", message, now, "added")


def _message(item: _Item, word: str) -> str:
    return _of(f"message {item.owner}" if item.owner else "", word)


def _services(changes: _Changes, report: _Report) -> None:
    for item in changes.removed("service"):
        report.item("service-removed", f"service {item.name} removed", item, "removed")
    for item in changes.added("service"):
        report.item("service-added", f"new service {item.name}", item, "added")


def _enum_values(changes: _Changes, report: _Report, breaking: bool = True) -> None:
    for item in changes.removed("value"):
        if breaking and not changes.is_gone(item):
            message = f"enum value `{item.name}` removed{_of(item.owner, 'from')}"
            report.item("breaking", message, item, "removed")
    for item in changes.added("value"):
        if not changes.is_new(item):
            report.item(
                "additive", f"new enum value `{item.name}`{_of(item.owner, 'in')}", item, "added"
            )
    for was, now in changes.changed("value") if breaking else ():
        message = (
            f"enum value `{now.name}`{_of(now.owner)} changed from {was.detail} to {now.detail}"
        )
        report.item("breaking", message, now, "added")


def _dotted(item: _Item) -> str:
    return f"{item.owner}.{item.name}" if item.owner else item.name


# --- GraphQL SDL ------------------------------------------------------------------------------

_ROOTS = {"Query": "query", "Mutation": "mutation", "Subscription": "subscription"}
_GQL_DEFINITION = re.compile(r"^\s*(extend\s+)?(type|input|interface|enum|union|scalar)\s+(\w+)")
_GQL_SCHEMA = re.compile(r"^\s*(extend\s+)?schema\b")
_GQL_ROOT = re.compile(r"^\s*(query|mutation|subscription)\s*:\s*(\w+)")
_GQL_FIELD = re.compile(r"^\s*(\w+)\s*(\([^)]*\))?\s*:\s*([\w\[\]!]+)\s*(=)?")
_GQL_OPEN_ARGS = re.compile(r"^\s*(\w+)\s*\(([^)]*)$")
_GQL_ARG = re.compile(r"(\w+)\s*:\s*([\w\[\]!]+)\s*(=)?")
_GQL_CLOSE_ARGS = re.compile(r"^([^)]*)\)\s*:\s*([\w\[\]!]+)")
_GQL_VALUE = re.compile(r"^\s*([A-Za-z_]\w*)\s*(@.*)?$")
_GQL_KINDS = {"object": "type", "input_object": "input"}  # AST kind prefixes -> SDL keywords
# Dangerous changes already reported from the definitions themselves.
_GQL_SEEN_DANGEROUS = {"VALUE_ADDED_TO_ENUM", "OPTIONAL_INPUT_FIELD_ADDED", "OPTIONAL_ARG_ADDED"}


class _GraphQLScanner(_Scanner):
    """SDL read line by line: definitions, fields (arguments on one line or several)
    and enum values. Descriptions in quotes are skipped."""

    comment = "#"

    def start(self) -> None:
        self.in_description = False
        self.pending: tuple[_Block, str, int] | None = None
        self.roots: dict[str, str] = {}

    def feed(self, number: int, text: str) -> None:
        if '"""' in text:
            if text.count('"""') % 2:
                self.in_description = not self.in_description
            return
        if not self.in_description and not text.lstrip().startswith('"'):
            super().feed(number, text)

    def read(self, number: int, code: str) -> _Block | None:
        if match := _GQL_DEFINITION.match(code):
            extend, kind, name = match.groups()
            key: _Key = ("type", "", name)
            if not extend:
                self.add(_Item("type", "", name, number, kind))
            self.pending = None
            return _Block(kind, name, key)
        if _GQL_SCHEMA.match(code):
            return _Block("schema", "")
        block = self.innermost("type", "input", "interface", "enum", "schema")
        if block is not None and block.kind == "schema":
            if match := _GQL_ROOT.match(code):
                self.roots[match.group(2)] = match.group(1)
            return None
        if self.pending is not None:
            self._continue_field(number, code)
        elif block is not None and block.kind == "enum":
            if match := _GQL_VALUE.match(code):
                self.add(_Item("value", block.name, match.group(1), number, parents=self.parents()))
        elif match := _GQL_FIELD.match(code):
            name, args, kind, default = match.groups()
            owner = block or _Block("", "")
            self._field(owner, name, number, kind, bool(default))
            self._arguments(owner, name, number, (args or "").strip("()"))
        elif match := _GQL_OPEN_ARGS.match(code):
            self.pending = (block or _Block("", ""), match.group(1), number)
            self._arguments(self.pending[0], match.group(1), number, match.group(2))
        elif block is None and (match := _GQL_VALUE.match(code)):
            self.add(_Item("value", "", match.group(1), number))
        return None

    def _continue_field(self, number: int, code: str) -> None:
        assert self.pending is not None
        owner, name, first = self.pending
        if match := _GQL_CLOSE_ARGS.match(code):
            self._arguments(owner, name, number, match.group(1))
            self._field(owner, name, first, match.group(2), False)
            self.pending = None
        else:
            self._arguments(owner, name, number, code)

    def _what(self, owner: _Block) -> str:
        return "input-field" if owner.kind == "input" else "field"

    def _field(self, owner: _Block, name: str, number: int, kind: str, default: bool) -> None:
        what = self._what(owner)
        self.add(
            _Item(what, owner.name, name, number, kind, parents=self.parents(), default=default)
        )

    def _arguments(self, owner: _Block, name: str, number: int, text: str) -> None:
        field_key: _Key = (self._what(owner), owner.name or _scope(self.part), name)
        for arg, kind, default in _GQL_ARG.findall(text):
            where = f"{owner.name}.{name}" if owner.name else name
            parents = (*self.parents(), field_key)
            self.add(_Item("arg", where, arg, number, kind, parents=parents, default=bool(default)))


def _graphql_definitions(text: str) -> tuple[_Items, dict[str, str]]:
    """The named items of a whole SDL document, and its root types (``{"Query": "query"}``).

    Raises graphql-core's ``GraphQLSyntaxError`` for a document that does not parse."""
    from graphql import parse, print_ast
    from graphql.language import ast

    items: _Items = {}
    roots: dict[str, str] = {}

    def add(item: _Item) -> None:
        items.setdefault(item.key, item)

    if not text.strip():
        return items, roots
    for node in parse(text).definitions:
        if isinstance(node, ast.SchemaDefinitionNode | ast.SchemaExtensionNode):
            for operation in node.operation_types:
                roots[operation.type.name.value] = operation.operation.value
            continue
        if not isinstance(node, ast.TypeDefinitionNode | ast.TypeExtensionNode):
            continue
        name = node.name.value
        type_key: _Key = ("type", "", name)
        kind = _GQL_KINDS.get(node.kind.rpartition("_type_")[0], "type")
        if isinstance(node, ast.TypeDefinitionNode):
            add(_Item("type", "", name, _line_of(node), kind))
        what = "input-field" if kind == "input" else "field"
        for found in getattr(node, "fields", None) or ():
            has_default = getattr(found, "default_value", None) is not None
            field_item = _Item(
                what,
                name,
                found.name.value,
                _line_of(found),
                print_ast(found.type),
                parents=(type_key,),
                default=has_default,
            )
            add(field_item)
            for arg in getattr(found, "arguments", None) or ():
                add(
                    _Item(
                        "arg",
                        f"{name}.{found.name.value}",
                        arg.name.value,
                        _line_of(arg),
                        print_ast(arg.type),
                        parents=(type_key, field_item.key),
                        default=arg.default_value is not None,
                    )
                )
        for value in getattr(node, "values", None) or ():
            add(_Item("value", name, value.name.value, _line_of(value), parents=(type_key,)))
    return items, roots


def _line_of(node: Any) -> int:
    return int(node.loc.start_token.line) if getattr(node, "loc", None) else 0


def _read_graphql(view: FileView, report: _Report) -> None:
    before, after = view.texts
    if before is not None and after is not None:
        old, old_roots = _graphql_definitions(before)
        new, new_roots = _graphql_definitions(after)
        roots = {**old_roots, **new_roots} or dict(_ROOTS)
        checked = bool(before.strip() and after.strip()) and _graphql_breaking(
            before, after, roots, report
        )
        _graphql_changes(_Changes(old, new), roots, report, breaking=not checked)
        return
    old_parts, new_parts = _sides(view)
    old_scan, new_scan = _GraphQLScanner(), _GraphQLScanner()
    changes = _Changes(old_scan.scan(old_parts), new_scan.scan(new_parts))
    roots = {**old_scan.roots, **new_scan.roots} or dict(_ROOTS)
    _graphql_changes(changes, roots, report, breaking=True)


def _graphql_breaking(before: str, after: str, roots: dict[str, str], report: _Report) -> bool:
    """Breaking and dangerous changes as graphql-core finds them, when both sides build
    into schemas (a schema split over several files does not): ``False`` otherwise."""
    from graphql import GraphQLError, build_schema, find_breaking_changes, find_dangerous_changes

    try:
        old, new = build_schema(before), build_schema(after)
    except (GraphQLError, TypeError, ValueError):
        return False
    for change in find_breaking_changes(old, new):
        text = change.description.rstrip(".")
        removed = re.match(r"(?:Field )?(\w+)(?:\.\w+)? was removed$", text)
        if text.startswith("Standard scalar") or (removed and removed[1] in roots):
            continue  # a root field's removal is reported as a removed operation
        side: Side = "removed" if text.endswith("removed") else "added"
        report.near("breaking", text, side, _needle(text))
    for danger in find_dangerous_changes(old, new):
        if danger.type.name not in _GQL_SEEN_DANGEROUS:
            text = danger.description.rstrip(".")
            report.near("additive", text, "added", _needle(text))
    return True


def _needle(description: str) -> str:
    match = re.search(r"\b\w+\.(\w+)(?:\((\w+):\))?", description)
    if match:
        return match.group(2) or match.group(1)
    return description.split(" ", 1)[0]


def _graphql_changes(
    changes: _Changes, roots: dict[str, str], report: _Report, *, breaking: bool
) -> None:
    for item in changes.removed("type"):
        if breaking and item.name not in roots:
            report.item("breaking", f"{item.detail} {item.name} removed", item, "removed")
    for item in changes.added("type"):
        if item.name not in roots:
            report.item("additive", f"new {item.detail} {item.name}", item, "added")
    for what in ("field", "input-field"):
        for item in changes.removed(what):
            if item.owner in roots:
                message = f"{roots[item.owner]} `{item.name}` removed"
                report.item("operation-removed", message, item, "removed")
            elif breaking and not changes.is_gone(item):
                report.item(
                    "breaking",
                    f"field `{item.name}` removed from {item.owner or 'a type'}",
                    item,
                    "removed",
                )
        for item in changes.added(what):
            if item.owner in roots:
                report.item(
                    "operation-added", f"new {roots[item.owner]} `{item.name}`", item, "added"
                )
            elif not changes.is_new(item):
                _new_input(report, item, "field", required=what == "input-field", breaking=breaking)
        for was, now in changes.changed(what) if breaking else ():
            noun = (
                f"{roots[now.owner]} `{now.name}`"
                if now.owner in roots
                else f"field `{now.name}`{_of(now.owner)}"
            )
            report.item(
                "breaking", f"{noun} changed type from {was.detail} to {now.detail}", now, "added"
            )
    for item in changes.removed("arg"):
        if breaking and not changes.is_gone(item):
            report.item(
                "breaking", f"argument `{item.name}` removed from {item.owner}", item, "removed"
            )
    for item in changes.added("arg"):
        if not changes.is_new(item):
            _new_input(report, item, "argument", required=True, breaking=breaking)
    for was, now in changes.changed("arg") if breaking else ():
        message = (
            f"argument `{now.name}` of {now.owner} changed type from {was.detail} to {now.detail}"
        )
        report.item("breaking", message, now, "added")
    _enum_values(changes, report, breaking)


def _new_input(report: _Report, item: _Item, noun: str, *, required: bool, breaking: bool) -> None:
    """A new field or argument: breaking when clients must now send it, else additive."""
    where = _of(item.owner, "in")
    if required and item.detail.endswith("!") and not item.default:
        if breaking:
            report.item("breaking", f"new required {noun} `{item.name}`{where}", item, "added")
    else:
        report.item("additive", f"new optional {noun} `{item.name}`{where}", item, "added")


# --- OpenAPI / Swagger: whole documents -------------------------------------------------------


def _read_openapi(view: FileView, report: _Report) -> None:
    before, after = view.texts
    if before is not None and after is not None:
        _compare_documents(_load(before), _load(after), report)
        return
    old, new = _sides(view)
    _openapi_hunks(_Changes(_YamlScanner().scan(old), _YamlScanner().scan(new)), report)


def _yaml_loader() -> Any:
    """libyaml's loader when PyYAML was built with it. PyYAML is imported here, when an
    API document is read, not by every ``gatehouse check``."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    document: Any
    try:
        document = json.loads(text)
    except ValueError:
        import yaml

        try:
            document = yaml.load(text, Loader=_yaml_loader())
        except yaml.YAMLError as exc:
            raise Unreadable(f"not valid YAML or JSON: {str(exc).splitlines()[0]}") from None
    if not isinstance(document, dict):
        raise Unreadable("not an OpenAPI or Swagger document (its top level is not a mapping)")
    return document


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """``{(path, METHOD): operation}``."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path, item in _mapping(document.get("paths")).items():
        for method in HTTP_METHODS:
            operation = _mapping(item).get(method)
            if isinstance(operation, dict):
                found[(str(path), method.upper())] = operation
    return found


def _schemas(document: dict[str, Any]) -> dict[str, Any]:
    components = _mapping(document.get("components"))
    return {**_mapping(document.get("definitions")), **_mapping(components.get("schemas"))}


def _compare_documents(old: dict[str, Any], new: dict[str, Any], report: _Report) -> None:
    """Operations by path and method (one that keeps its ``operationId`` under another path
    or method has moved: breaking); schemas by name; each kept operation's parameters,
    request body and response bodies."""
    old_ops, new_ops = _operations(old), _operations(new)
    came = [key for key in new_ops if key not in old_ops]
    by_id = {
        new_ops[key].get("operationId"): key for key in came if new_ops[key].get("operationId")
    }
    kept = [(key, key) for key in old_ops if key in new_ops]
    for key in (key for key in old_ops if key not in new_ops):
        op_id = old_ops[key].get("operationId")
        moved = by_id.pop(op_id, None) if op_id else None
        if moved is None:
            message = f"operation {key[1]} {key[0]} removed"
            report.near("operation-removed", message, "removed", key[0], key[1].lower())
            continue
        came.remove(moved)
        kept.append((key, moved))
        message = f"operation `{op_id}` moved from {key[1]} {key[0]} to {moved[1]} {moved[0]}"
        report.near("breaking", message, "added", moved[0], moved[1].lower())
    for path, method in came:
        report.near(
            "operation-added", f"new operation {method} {path}", "added", path, method.lower()
        )
    old_schemas, new_schemas = _schemas(old), _schemas(new)
    for name in old_schemas:
        if name not in new_schemas:
            report.near("breaking", f"schema {name} removed", "removed", name)
    for name, schema in new_schemas.items():
        if name not in old_schemas:
            report.near("additive", f"new schema {name}", "added", name)
        else:
            _compare_schema(report, f"schema {name}", "", old_schemas[name], schema)
    for was, now in kept:
        _compare_operation(report, f"{now[1]} {now[0]}", old_ops[was], new_ops[now])


def _parameters(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for parameter in operation.get("parameters") or ():
        if isinstance(parameter, dict) and parameter.get("in") != "body":
            name = parameter.get("name") or parameter.get("$ref") or "?"
            found[f"`{name}` ({parameter.get('in', 'ref')})"] = parameter
    return found


def _bodies(holder: Any, swagger_body: Any = None) -> dict[str, Any]:
    """``{media type: schema}`` of a request body or response (Swagger 2: ``schema``)."""
    holder = _mapping(holder)
    found = {
        media: _mapping(entry).get("schema")
        for media, entry in _mapping(holder.get("content")).items()
    }
    if "schema" in holder:
        found[""] = holder["schema"]
    if swagger_body is not None:
        found[""] = swagger_body
    return found


def _compare_operation(
    report: _Report, label: str, old: dict[str, Any], new: dict[str, Any]
) -> None:
    old_params, new_params = _parameters(old), _parameters(new)
    for name in old_params:
        if name not in new_params:
            report.near(
                "breaking", f"parameter {name} removed from {label}", "removed", _bare(name)
            )
    for name, param in new_params.items():
        before = old_params.get(name)
        if before is None:
            required = "required" if param.get("required") else "optional"
            kind = "breaking" if param.get("required") else "additive"
            report.near(kind, f"new {required} parameter {name} in {label}", "added", _bare(name))
        elif param.get("required") and not before.get("required"):
            report.near(
                "breaking", f"parameter {name} made required in {label}", "added", _bare(name)
            )
        elif _type_of(before) and _type_of(param) and _type_of(before) != _type_of(param):
            message = f"parameter {name} of {label} changed type from {_type_of(before)} to {_type_of(param)}"
            report.near("breaking", message, "added", _bare(name))
    old_body, new_body = _mapping(old.get("requestBody")), _mapping(new.get("requestBody"))
    if new_body.get("required") and not old_body.get("required"):
        report.near("breaking", f"request body of {label} made required", "added", "required")
    request = f"request body of {label}"
    _compare_bodies(
        report, request, _bodies(old_body, _body_param(old)), _bodies(new_body, _body_param(new))
    )
    old_responses, new_responses = _mapping(old.get("responses")), _mapping(new.get("responses"))
    for code, response in new_responses.items():
        if code in old_responses:
            where = f"response {code} of {label}"
            _compare_bodies(report, where, _bodies(old_responses[code]), _bodies(response))


def _body_param(operation: dict[str, Any]) -> Any:
    for parameter in operation.get("parameters") or ():
        if isinstance(parameter, dict) and parameter.get("in") == "body":
            return parameter.get("schema")
    return None


def _bare(name: str) -> str:
    return name.split("`")[1] if "`" in name else name


def _compare_bodies(report: _Report, label: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    for media, schema in new.items():
        if media in old:
            _compare_schema(report, label, "", old[media], schema)


def _type_of(schema: Any) -> str:
    schema = _mapping(schema)
    if "$ref" in schema:
        return str(schema["$ref"]).rpartition("/")[2]
    kind = schema.get("type", _mapping(schema.get("schema")).get("type"))
    return "/".join(map(str, kind)) if isinstance(kind, list) else str(kind or "")


def _compare_schema(
    report: _Report, label: str, prefix: str, old: Any, new: Any, depth: int = 0
) -> None:
    """Removed properties, changed types, newly required properties and removed enum
    values are breaking; new optional properties and enum values are additive. Nested
    ``properties`` and array ``items`` are compared too; ``$ref`` targets by name only."""
    if depth > 32 or not isinstance(old, dict) or not isinstance(new, dict):
        return
    here = f"`{prefix}` in {label}" if prefix else label
    needle = prefix.rpartition(".")[2]
    old_type, new_type = _type_of(old), _type_of(new)
    if old_type and new_type and old_type != new_type and ("$ref" in old) == ("$ref" in new):
        message = f"{here} changed type from {old_type} to {new_type}"
        report.near("breaking", message, "added", needle or new_type)
        return
    old_enum, new_enum = old.get("enum"), new.get("enum")
    if isinstance(old_enum, list) and isinstance(new_enum, list):
        for value in old_enum:
            if value not in new_enum:
                report.near(
                    "breaking", f"enum value `{value}` removed from {here}", "removed", str(value)
                )
        for value in new_enum:
            if value not in old_enum:
                report.near("additive", f"new enum value `{value}` in {here}", "added", str(value))
    old_props, new_props = _mapping(old.get("properties")), _mapping(new.get("properties"))
    old_required, new_required = _required(old), _required(new)
    for name in old_props:
        if name not in new_props:
            dotted = _join(prefix, name)
            report.near("breaking", f"property `{dotted}` removed from {label}", "removed", name)
    for name, schema in new_props.items():
        dotted = _join(prefix, name)
        if name in old_props:
            _compare_schema(report, label, dotted, old_props[name], schema, depth + 1)
        elif name in new_required:
            report.near("breaking", f"new required property `{dotted}` in {label}", "added", name)
        else:
            report.near("additive", f"new optional property `{dotted}` in {label}", "added", name)
    for name in new_required - old_required:
        if name in old_props or name not in new_props:
            report.near(
                "breaking", f"`{_join(prefix, name)}` made required in {label}", "added", name
            )
    for name in old_required - new_required:
        if name in new_props:
            report.near(
                "additive", f"`{_join(prefix, name)}` no longer required in {label}", "added", name
            )
    _compare_schema(report, label, prefix, old.get("items"), new.get("items"), depth + 1)


def _required(schema: dict[str, Any]) -> set[str]:
    required = schema.get("required")
    return {str(name) for name in required} if isinstance(required, list) else set()


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


# --- OpenAPI / Swagger: hunks ---------------------------------------------------------------

_YAML_KEY = re.compile(r"""^("(?:[^"\\]|\\.)*"|'[^']*'|[^\s"'#][^#]*?)\s*:(?:\s+(.*))?$""")
_SCHEMA_WORDS = {"type", "$ref", "format", "items", "properties", "enum", "allOf", "oneOf", "anyOf"}
_OPERATION_WORDS = {"operationId", "responses", "summary", "parameters", "requestBody", "tags"}
_NOT_PROPERTIES = {
    "schema",
    "items",
    "additionalProperties",
    "not",
    "requestBody",
    "content",
    "responses",
    "parameters",
    "headers",
    "properties",
    "allOf",
    "oneOf",
    "anyOf",
}


class _YamlLine(NamedTuple):
    dash: int | None  # the column of a list item's dash
    indent: int  # the column of the key or value
    key: str | None
    value: str


def _yaml_line(text: str) -> _YamlLine | None:
    """A YAML (or pretty-printed JSON) line as indentation, list dash, key and value."""
    stripped = text.strip()
    if (
        not stripped
        or stripped[0] == "#"
        or stripped in ("---", "...")
        or not stripped.strip("{}[], ")
    ):
        return None
    indent = len(text) - len(text.lstrip())
    dash = None
    if stripped == "-" or stripped.startswith("- "):
        rest = stripped[1:].lstrip()
        dash, indent = indent, indent + len(stripped) - len(rest)
        stripped = rest
    match = _YAML_KEY.match(stripped)
    if match is None:
        return _YamlLine(dash, indent, None, _scalar(stripped))
    return _YamlLine(dash, indent, _scalar(match.group(1)), _scalar(match.group(2) or ""))


def _scalar(text: str) -> str:
    text = text.strip().removesuffix(",").strip()
    if text in ("{", "["):
        return ""
    if text[:1] in ('"', "'") and text[-1:] == text[:1] and len(text) > 1:
        return text[1:-1]
    return text.split(" #", 1)[0].strip()


@dataclass
class _Node:
    indent: int
    key: str  # "-" for a list item
    line: int
    scalars: dict[str, str] = field(default_factory=dict)
    children: set[str] = field(default_factory=set)
    values: list[tuple[str, int]] = field(default_factory=list)


class _YamlScanner:
    """Reads each side of an OpenAPI document's hunks by indentation.

    Recognises, when the keys around them show it: path keys under ``paths`` (or any key
    starting with ``/`` whose parent is outside the hunk), method keys under a path (or
    with an unseen parent, when their children look like an operation's), schemas,
    properties under ``properties`` (or, with an unseen parent, keys whose children
    include ``type``/``$ref``), ``required`` and ``enum`` lists, and parameters.
    """

    def __init__(self) -> None:
        self.items: _Items = {}
        self.stack: list[_Node] = []
        self.literal: int | None = None
        self.part = 0

    def scan(self, parts: list[_Part]) -> _Items:
        for self.part, part in enumerate(parts):
            self.stack, self.literal = [], None
            for line in part.lines:
                self.feed(line)
            self._pop_while(lambda node: True)
        return self.items

    def _pop_while(self, test: Callable[[_Node], bool]) -> None:
        while self.stack and test(self.stack[-1]):
            self._close(self.stack.pop())

    def feed(self, line: _Line) -> None:
        parsed = _yaml_line(line.text)
        if parsed is None:
            return
        dash, indent, key, value = parsed
        if self.literal is not None and (dash if dash is not None else indent) > self.literal:
            return  # inside a block scalar (``description: |``)
        self.literal = None
        if dash is not None:
            self._pop_while(lambda n: n.indent > dash or (n.indent == dash and n.key == "-"))
            if key is None:
                if self.stack:
                    self.stack[-1].values.append((value, line.number))
                return
            self.stack.append(_Node(dash, "-", line.number))
        if key is None:
            return
        self._pop_while(lambda node: node.indent >= indent)
        if self.stack:
            self.stack[-1].children.add(key)
        if not value:
            self.stack.append(_Node(indent, key, line.number))
        elif value[0] in "|>":
            self.literal = indent
        elif self.stack:
            self.stack[-1].scalars[key] = value
            if key in ("required", "enum") and value.startswith("["):
                for name in value.strip("[]").split(","):
                    if name.strip():
                        self._listed(key, _scalar(name), line.number, self.stack)

    def _add(self, item: _Item) -> None:
        if not item.owner and item.what in _OWNED:
            item.scope = self.part
        self.items.setdefault(item.key, item)

    def _listed(self, key: str, value: str, number: int, ancestors: list[_Node]) -> None:
        label, prefix, parents = _where([node.key for node in ancestors])
        if key == "required":
            self._add(_Item("required", label, _join(prefix, value), number, parents=parents))
        else:
            owner = f"`{prefix}` in {label}" if prefix and label else prefix or label
            self._add(_Item("value", owner, value, number, parents=parents))

    def _close(self, node: _Node) -> None:
        keys = [ancestor.key for ancestor in self.stack]
        parent = keys[-1] if keys else None
        unseen = parent is None and node.indent > 0
        key = node.key
        if key == "-":
            if parent == "parameters" and "name" in node.scalars:
                label, _, parents = _where(keys[:-1])
                name = f"`{node.scalars['name']}` ({node.scalars.get('in', '?')})"
                required = "required" if node.scalars.get("required") == "true" else ""
                self._add(_Item("parameter", label, name, node.line, required, parents=parents))
            return
        if key in ("required", "enum"):
            for value, number in node.values:
                self._listed(key, value, number, self.stack)
        if key.startswith("/") and parent in (None, "paths"):
            self._add(_Item("path", "", key, node.line))
        elif key in HTTP_METHODS and (
            (parent or "").startswith("/")
            or (
                unseen
                and not node.children & _SCHEMA_WORDS
                and (not node.children or bool(node.children & _OPERATION_WORDS))
            )
        ):
            path = parent if parent and parent.startswith("/") else ""
            op_id = node.scalars.get("operationId", "")
            path_key: _Key = ("path", "", path)
            self._add(_Item("operation", path, key.upper(), node.line, op_id, parents=(path_key,)))
        elif parent in ("schemas", "definitions"):
            self._add(_Item("schema", "", key, node.line))
        elif parent == "properties" or (
            unseen
            and key not in _NOT_PROPERTIES
            and "/" not in key
            and node.children & _SCHEMA_WORDS
        ):
            label, prefix, parents = _where(keys)
            detail = node.scalars.get("$ref") or node.scalars.get("type") or ""
            self._add(
                _Item("property", label, _join(prefix, key), node.line, detail, parents=parents)
            )


def _where(keys: list[str]) -> tuple[str, str, tuple[_Key, ...]]:
    """Whose property a key path names: ``("schema Member", "address", parents)`` for
    ``components.schemas.Member.properties.address.properties``."""
    label, rest = "", keys
    parents: list[_Key] = []
    for index in range(len(keys) - 1, -1, -1):
        key, above = keys[index], keys[index - 1] if index else ""
        if key in ("schemas", "definitions") and index + 1 < len(keys):
            label, rest = f"schema {keys[index + 1]}", keys[index + 2 :]
            parents.append(("schema", "", keys[index + 1]))
            break
        if key in HTTP_METHODS and above.startswith("/"):
            label, rest = f"{key.upper()} {above}", keys[index + 1 :]
            parents.append(("operation", above, key.upper()))
            if "requestBody" in rest:
                label = f"request body of {label}"
            elif "responses" in rest[:-1]:
                label = f"response {rest[rest.index('responses') + 1]} of {label}"
            break
        if key.startswith("/"):
            label, rest = f"path {key}", keys[index + 1 :]
            break
    names = [rest[i + 1] for i in range(len(rest) - 1) if rest[i] == "properties"]
    parents += [("property", label, ".".join(names[: i + 1])) for i in range(len(names))]
    return label, ".".join(names), tuple(parents)


def _openapi_hunks(changes: _Changes, report: _Report) -> None:
    removed_ops, added_ops = changes.removed("operation"), changes.added("operation")
    for item in removed_ops:
        message = f"operation {_http_operation(item)} removed"
        report.item("operation-removed", message, item, "removed")
    for item in added_ops:
        report.item("operation-added", f"new operation {_http_operation(item)}", item, "added")
    for item in changes.removed("path"):
        if not any(op.owner == item.name for op in removed_ops):
            report.item("operation-removed", f"path {item.name} removed", item, "removed")
    for item in changes.added("path"):
        if not any(op.owner == item.name for op in added_ops):
            report.item("operation-added", f"new path {item.name}", item, "added")
    for item in changes.removed("schema"):
        report.item("breaking", f"schema {item.name} removed", item, "removed")
    for item in changes.added("schema"):
        report.item("additive", f"new schema {item.name}", item, "added")
    _fields(changes, report, "property", "property")
    _enum_values(changes, report)
    for item in changes.removed("parameter"):
        if not changes.is_gone(item):
            message = f"parameter {item.name} removed{_of(item.owner, 'from')}"
            report.item("breaking", message, item, "removed")
    for item in changes.added("parameter"):
        if not changes.is_new(item):
            kind = "breaking" if item.detail else "additive"
            message = (
                f"new {item.detail or 'optional'} parameter {item.name}{_of(item.owner, 'in')}"
            )
            report.item(kind, message, item, "added")
    for _, now in changes.changed("parameter"):
        state = "made required" if now.detail else "no longer required"
        kind = "breaking" if now.detail else "additive"
        report.item(kind, f"parameter {now.name} {state}{_of(now.owner, 'in')}", now, "added")


def _http_operation(item: _Item) -> str:
    """``POST /committees``; ``POST `add-member` (its path is outside the patch)``."""
    if item.owner:
        return f"{item.name} {item.owner}"
    op_id = f" `{item.detail}`" if item.detail else ""
    return f"{item.name}{op_id} (its path is outside the patch)"


def _fields(changes: _Changes, report: _Report, what: str, noun: str) -> None:
    """Properties or attributes and the ``required`` lists naming them: a removed one,
    one renamed in place (``order``) or retyped, or a newly required one is breaking; a
    new optional one, or one no longer required, is additive."""
    required = {i.key[1:]: i for i in changes.added("required") if not changes.is_new(i)}
    removed = [i for i in changes.removed(what) if not changes.is_gone(i)]
    added = [i for i in changes.added(what) if not changes.is_new(i)]
    by_place = {(i.key[1], i.order): i for i in added if i.order[0] >= 0}
    renamed = [
        (gone, by_place[(gone.key[1], gone.order)])
        for gone in removed
        if (gone.key[1], gone.order) in by_place
    ]
    for gone, came in renamed:
        message = f"{noun} `{gone.name}` renamed to `{came.name}`{_of(came.owner, 'in')}"
        report.item("breaking", message, came, "added")
    paired = {item.key for pair in renamed for item in pair}
    for item in removed:
        if item.key not in paired:
            message = f"{noun} `{item.name}` removed{_of(item.owner, 'from')}"
            report.item("breaking", message, item, "removed")
    for item in added:
        if item.key in paired:
            continue
        if required.pop(item.key[1:], None) is not None:
            message = f"new required {noun} `{item.name}`{_of(item.owner, 'in')}"
            report.item("breaking", message, item, "added")
        else:
            message = f"new optional {noun} `{item.name}`{_of(item.owner, 'in')}"
            report.item("additive", message, item, "added")
    for was, now in changes.changed(what):
        if was.detail and now.detail and was.detail != now.detail:
            message = f"{noun} `{now.name}`{_of(now.owner)} changed type from {was.detail} to {now.detail}"
            report.item("breaking", message, now, "added")
    for item in required.values():
        report.item(
            "breaking", f"`{item.name}` made required{_of(item.owner, 'in')}", item, "added"
        )
    for item in changes.removed("required"):
        if not changes.is_gone(item):
            message = f"`{item.name}` no longer required{_of(item.owner, 'in')}"
            report.item("additive", message, item, "removed")


# --- Goa design files ----------------------------------------------------------------------

_GOA_NAMED = re.compile(r'\b(Service|Method|Type|ResultType|Error|Attribute|API)\(\s*"([^"]*)"')
_GOA_FIELD = re.compile(r'\bField\(\s*(\w+)\s*,\s*"([^"]*)"')
_GOA_ROUTE = re.compile(r'^\s*(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE)\(\s*"([^"]*)"')
_GOA_REQUIRED = re.compile(r"\bRequired\(([^)]*)\)")
_GOA_BODY = re.compile(r"\b(Payload|Result|StreamingPayload|StreamingResult)\((.*)$")
_GOA_TRANSPORT = re.compile(r"\b(HTTP|GRPC|JSONRPC)\(")
_GOA_OWNERS = {"service", "method", "type", "attr", "error", "payload", "result"}
_GOA_OWNERS |= {"streamingpayload", "streamingresult"}


class _GoaScanner(_Scanner):
    """Calls of Goa's design language: ``Service``, ``Method``, HTTP routes, ``Type``,
    ``Payload``/``Result``, ``Attribute``/``Field`` and ``Required``. Attributes inside
    an ``HTTP``/``GRPC`` block map transport details and are not read."""

    def start(self) -> None:
        self.counts: Counter[str] = Counter()

    def read(self, number: int, code: str) -> _Block | None:
        if match := _GOA_ROUTE.match(code):
            self.add(
                _Item(
                    "route",
                    self._method(),
                    f"{match[1]} {match[2]}",
                    number,
                    parents=self.parents(),
                )
            )
            return None
        if _GOA_TRANSPORT.search(code):
            return _Block("transport", "")
        if self.innermost("transport") is not None:
            return None
        if match := _GOA_NAMED.search(code):
            return self._named(number, match[1], match[2], code[match.end() :])
        if match := _GOA_FIELD.search(code):
            return self._attribute(number, match[2], _type_argument(code[match.end() :]), match[1])
        if match := _GOA_REQUIRED.search(code):
            for name in re.findall(r'"([^"]*)"', match[1]):
                self.add(_Item("required", self._owner(), name, number, parents=self.parents()))
            return None
        if match := _GOA_BODY.search(code):
            kind = match[1].lower()
            detail = _type_argument(f", {match[2]}") or "an inline type"
            self.add(_Item("body", self._method(), kind, number, detail, parents=self.parents()))
            return _Block(kind, kind)
        return None

    def _named(self, number: int, call: str, name: str, rest: str) -> _Block | None:
        if call == "Attribute":
            return self._attribute(number, name, _type_argument(rest), "")
        item: _Item | None = None
        if call == "Service":
            item = _Item("service", "", name, number)
        elif call == "Method":
            item = _Item("method", self._method(), name, number, parents=self.parents())
        elif call in ("Type", "ResultType"):
            item = _Item("type", "", name, number)
        if item is None:
            return _Block(call.lower(), name)
        self.add(item)
        return _Block(item.what, name, item.key)

    def _attribute(self, number: int, name: str, kind: str, tag: str) -> _Block:
        owner = self._owner()
        self.counts[owner] += 1
        detail = f"{kind} (field {tag})" if tag else kind
        order = (self.part, self.counts[owner])
        item = _Item("attr", owner, name, number, detail, parents=self.parents(), order=order)
        self.add(item)
        return _Block("attr", name, item.key)

    def _owner(self) -> str:
        return ".".join(b.name for b in self.blocks if b.kind in _GOA_OWNERS)

    def _method(self) -> str:
        return ".".join(b.name for b in self.blocks if b.kind in ("service", "method"))


def _type_argument(rest: str) -> str:
    """The type given after a DSL call's name (``String``, ``ArrayOf(Member)``), or ``""``."""
    rest = rest.lstrip()
    if not rest.startswith(","):
        return ""
    depth, taken = 0, []
    for char in rest[1:]:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif char == "," and depth == 0:
            break
        taken.append(char)
    value = "".join(taken).strip()
    return "" if value.startswith(("func", '"', "`")) else value


def _read_goa(view: FileView, report: _Report) -> None:
    """Methods and routes, services, types and attributes. A route removed while another
    is added for the same method is a moved route (breaking). A ``Required`` that names
    more attributes is breaking unless a definition around it (its method, type or
    service) is itself new in this change."""
    old, new = _sides(view)
    changes = _Changes(_GoaScanner().scan(old), _GoaScanner().scan(new))
    _services(changes, report)

    def routes(items: _Items, method: _Item) -> str:
        found = [i.name for i in items.values() if i.what == "route" and i.owner == _dotted(method)]
        return f" ({', '.join(found)})" if found else ""

    for item in changes.removed("method"):
        message = f"operation {_dotted(item)}{routes(changes.old, item)} removed"
        report.item("operation-removed", message, item, "removed")
    for item in changes.added("method"):
        report.item(
            "operation-added",
            f"new operation {_dotted(item)}{routes(changes.new, item)}",
            item,
            "added",
        )
    _goa_routes(changes, report)
    for item in changes.removed("type"):
        report.item("breaking", f"type {item.name} removed", item, "removed")
    for item in changes.added("type"):
        report.item("additive", f"new type {item.name}", item, "added")
    for was, now in changes.changed("body"):
        message = (
            f"{now.name} of {now.owner or 'a method'} changed from {was.detail} to {now.detail}"
        )
        report.item("breaking", message, now, "added")
    for item in changes.removed("body"):
        if not changes.is_gone(item):
            report.item(
                "breaking", f"{item.name} of {item.owner or 'a method'} removed", item, "removed"
            )
    for item in changes.added("body"):
        if not changes.is_new(item):
            kind = "additive" if "result" in item.name else "breaking"
            report.item(kind, f"{item.name} added to {item.owner or 'a method'}", item, "added")
    _fields(changes, report, "attr", "attribute")


def _goa_routes(changes: _Changes, report: _Report) -> None:
    gone = [i for i in changes.removed("route") if not changes.is_gone(i)]
    came = [i for i in changes.added("route") if not changes.is_new(i)]
    for scope in dict.fromkeys(i.key[1] for i in [*gone, *came]):
        was = [i for i in gone if i.key[1] == scope]
        now = [i for i in came if i.key[1] == scope]
        owner = (was or now)[0].owner
        method = owner or "a method"
        for old, new in zip(was, now, strict=False):
            message = f"route {old.name}{_of(owner, 'of')} changed to {new.name}"
            report.item("breaking", message, new, "added")
        for item in was[len(now) :]:
            report.item(
                "operation-removed", f"route {item.name} of {method} removed", item, "removed"
            )
        for item in now[len(was) :]:
            report.item("operation-added", f"new route {item.name} for {method}", item, "added")


_READERS: dict[str, Callable[[FileView, _Report], None]] = {
    "openapi": _read_openapi,
    "proto": _read_proto,
    "graphql": _read_graphql,
    "goa": _read_goa,
}

DETECTOR = Detector(
    name="api",
    title="an API contract",
    kinds=KINDS,
    handles=handles,
    detect=detect,
    summarize=summarize,
)
