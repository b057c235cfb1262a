"""Atlassian Document Format: the rich text Jira v3 takes for descriptions and comments."""

from __future__ import annotations

from typing import Any

Node = dict[str, Any]


def text(value: str, href: str | None = None, strong: bool = False) -> Node:
    node: Node = {"type": "text", "text": value or " "}
    marks = []
    if href:
        marks.append({"type": "link", "attrs": {"href": href}})
    if strong:
        marks.append({"type": "strong"})
    if marks:
        node["marks"] = marks
    return node


def paragraph(*parts: Node | str) -> Node:
    return {"type": "paragraph", "content": [p if isinstance(p, dict) else text(p) for p in parts]}


def bullets(items: list[list[Node | str]]) -> Node:
    return {
        "type": "bulletList",
        "content": [{"type": "listItem", "content": [paragraph(*item)]} for item in items],
    }


def heading(value: str, level: int = 3) -> Node:
    return {"type": "heading", "attrs": {"level": level}, "content": [text(value)]}


def doc(*blocks: Node) -> Node:
    return {"type": "doc", "version": 1, "content": list(blocks)}
