"""Atlassian Document Format checks, as strict as Jira Cloud's v3 API on rich-text fields.

Jira v3 refuses a plain string where it expects a document (issue ``description``,
comment ``body``), and refuses documents whose nodes it does not know.
"""

from __future__ import annotations

from typing import Any

NOT_A_DOCUMENT = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
INVALID_DOCUMENT = "INVALID_INPUT"

_NODES = frozenset(
    {
        "blockCard",
        "blockquote",
        "bulletList",
        "codeBlock",
        "date",
        "decisionItem",
        "decisionList",
        "embedCard",
        "emoji",
        "expand",
        "hardBreak",
        "heading",
        "inlineCard",
        "listItem",
        "media",
        "mediaGroup",
        "mediaInline",
        "mediaSingle",
        "mention",
        "nestedExpand",
        "orderedList",
        "panel",
        "paragraph",
        "placeholder",
        "rule",
        "status",
        "table",
        "tableCell",
        "tableHeader",
        "tableRow",
        "taskItem",
        "taskList",
        "text",
    }
)
_MARKS = frozenset(
    {
        "alignment",
        "backgroundColor",
        "border",
        "code",
        "em",
        "indentation",
        "link",
        "strike",
        "strong",
        "subsup",
        "textColor",
        "underline",
    }
)


def document_error(value: Any) -> str | None:
    """Why ``value`` is not a document Jira would store, or ``None`` when it is one."""
    if not isinstance(value, dict) or value.get("type") != "doc":
        return NOT_A_DOCUMENT
    if value.get("version") != 1 or not isinstance(value.get("content"), list):
        return INVALID_DOCUMENT
    if not all(_node_is_valid(node) for node in value["content"]):
        return INVALID_DOCUMENT
    return None


def _node_is_valid(node: Any) -> bool:
    if not isinstance(node, dict) or node.get("type") not in _NODES:
        return False
    if node["type"] == "text":
        text = node.get("text")
        if not isinstance(text, str) or not text:
            return False
    if "attrs" in node and not isinstance(node["attrs"], dict):
        return False
    marks = node.get("marks", [])
    if not isinstance(marks, list) or not all(_mark_is_valid(mark) for mark in marks):
        return False
    content = node.get("content", [])
    return isinstance(content, list) and all(_node_is_valid(child) for child in content)


def _mark_is_valid(mark: Any) -> bool:
    return isinstance(mark, dict) and mark.get("type") in _MARKS
