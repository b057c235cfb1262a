"""File names in diff headers: C-style quoting, ``a/``/``b/`` prefixes, ambiguous spaces.

Git and GNU diff quote a name that holds a double quote, a backslash, a control
character or (by default) a non-ASCII byte: ``"a/caf\\303\\251.txt"``, the octal escapes
being the UTF-8 bytes. Unquoted names may hold spaces, which makes the ``diff --git A B``
line ambiguous; it is read the way git reads it, by finding the split where both halves
name the same file.
"""

from __future__ import annotations

import re

DEV_NULL = "/dev/null"

_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
_SHORT_PREFIX = re.compile(r"[abciow12]/")


def unquote(name: str) -> str:
    """The file name a possibly C-quoted header field stands for.

    Octal escapes are bytes decoded as UTF-8; invalid sequences become U+FFFD rather than
    failing, since the name is only matched against path patterns and shown to people.
    """
    if len(name) < 2 or not (name.startswith('"') and name.endswith('"')):
        return name
    body = name[1:-1]
    if "\\" not in body:
        return body
    out = bytearray()
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\" or index + 1 == len(body):
            out += char.encode()
            index += 1
            continue
        code = body[index + 1]
        if code in "01234567":
            digits = body[index + 1 : index + 4]
            width = len(digits) - len(digits.lstrip("01234567"))
            out.append(int(body[index + 1 : index + 1 + width], 8) & 0xFF)
            index += 1 + width
        else:
            escaped = _ESCAPES.get(code)
            out += code.encode() if escaped is None else bytes((escaped,))
            index += 2
    return out.decode("utf-8", errors="replace")


def header_name(field: str) -> str:
    """The name in a ``---``/``+++`` line's field: quoted, or up to a tab (GNU diff puts
    a timestamp there; git adds a lone tab after a name holding a space)."""
    if field.startswith('"'):
        match = _QUOTED.match(field)
        if match is not None:
            return unquote(match.group(0))
    return field.split("\t", 1)[0]


def split_pair(text: str, separator: str) -> tuple[str, str] | None:
    """Two names joined by ``separator`` (``" "`` in ``diff --git``, ``" and "`` in
    ``Binary files``), quoted or not, or ``None`` when the split cannot be told.

    Unquoted names may contain the separator; then the split chosen is the one where both
    halves name the same file (identical, or identical after a one-segment prefix such
    as ``a/``/``b/``), which is how git itself reads its headers.
    """
    if text.startswith('"'):
        match = _QUOTED.match(text)
        if match is None or not text.startswith(separator, match.end()):
            return None
        return unquote(match.group(0)), unquote(text[match.end() + len(separator) :])
    quoted_second = text.find(separator + '"')
    if quoted_second >= 0 and text.endswith('"'):
        return text[:quoted_second], unquote(text[quoted_second + len(separator) :])
    candidates: list[tuple[str, str]] = []
    index = text.find(separator)
    while index >= 0:
        candidates.append((text[:index], text[index + len(separator) :]))
        index = text.find(separator, index + 1)
    if len(candidates) == 1:
        return candidates[0]
    for first, second in candidates:
        if first == second:
            return first, second
    for first, second in candidates:
        if "/" in first and "/" in second and _tail(first) == _tail(second):
            return first, second
    return None


def _tail(name: str) -> str:
    return name.partition("/")[2]


def common_prefixes(old: str, new: str) -> tuple[str, str] | None:
    """The source and destination prefixes of one file's two header names, when the names
    show them: ``("a/", "b/")`` for ``a/x b/x``, ``("", "")`` for ``--no-prefix`` output
    (``x x``), ``None`` when the names differ beyond a first segment."""
    if old == new:
        return "", ""
    if "/" in old and "/" in new and _tail(old) == _tail(new):
        return old[: old.index("/") + 1], new[: new.index("/") + 1]
    return None


def strip_prefix(name: str, prefix: str) -> str:
    """``name`` without ``prefix`` (a ``/dev/null`` or a name lacking it is unchanged)."""
    if prefix and name != DEV_NULL and name.startswith(prefix):
        return name[len(prefix) :]
    return name


def guess_prefixes(old: str, new: str) -> tuple[str, str]:
    """Prefixes for names whose header gave no hint: a first segment is dropped when the
    two names' first segments differ (``a/x`` and ``b/x``, ``old/x`` and ``new/x``: the
    ``patch -p1`` convention), or when the other side is ``/dev/null`` and the segment is
    one of git's one-letter prefixes; kept when both sides share it (``src/x``)."""
    if old == DEV_NULL or new == DEV_NULL:
        name = new if old == DEV_NULL else old
        prefix = name[:2] if _SHORT_PREFIX.match(name) else ""
        return (prefix, "") if new == DEV_NULL else ("", prefix)
    if "/" in old and "/" in new:
        old_head, new_head = old.partition("/")[0], new.partition("/")[0]
        if old_head != new_head:
            return old_head + "/", new_head + "/"
    return "", ""
