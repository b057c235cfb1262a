"""String tests that answer exactly as pathspec's regular expressions for literal patterns.

Compiling a regular expression costs tens of microseconds, and a check of 3,000 paths
against a few hundred patterns compiles every one of them. Most rule patterns are
literal (``docs/**``, ``Jenkinsfile``, ``**/migrations/``, ``*.tf``), and for those
pathspec writes one of a few regular expressions whose meaning one or two string methods
state exactly. :func:`recognise` finds those shapes in a regular expression's source.

:func:`string_test` tests a whole path. :func:`part_tests` splits the same test into one
on the path's directory and one on its file name, so that a matcher can answer once per
directory and once per name rather than once per path; it does so only where the
matcher's index is sure to offer the pattern for the part that matches.

Every test holds for *plain* paths only (:func:`is_plain`): no newline (which ``.`` and
``$`` treat apart), no leading ``/`` and no empty directory name (``//``). The matcher
sends other paths to the regular expressions. ``tests/policy/test_literal_patterns.py``
checks every shape against the regular expression, and the matcher against pathspec.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Literal, NamedTuple

Shape = Literal[
    "under",
    "is-or-under",
    "component",
    "directory",
    "name-ends",
    "name-between",
    "any-dir-name-ends",
    "dir-name-ends",
    "under-name-ends",
    "under-dir-name-ends",
]
IndexKind = Literal["prefix", "name", "extension", "generic"]
StringTest = Callable[[str], bool]

_LITERAL = r"((?:\\[^0-9A-Za-z]|[^\\.^$*+?{}\[\]|()])+)"
_NAME = r"((?:\\[^0-9A-Za-z/]|[^\\.^$*+?{}\[\]|()/])+)"
_OPTIONAL_NAME = _NAME.replace(")+)", ")*)")
_FILE_OR_DIR = r"\(\?:\(\?P<ps_d>/\)\|\$\)"
_DIR = r"(?:/|\(\?P<ps_d>/\))"
_ANY_DEPTH = r"\^\(\?:\.\+/\)\?"
_ANY_NAME = r"\[\^/\]\*"
_DEEPER = r"\(\?:/\.\+\)\?"

# What pathspec writes for each literal shape, as a pattern over the regex source; the
# groups are the literal parts, in order.
_SHAPES: tuple[tuple[Shape, str], ...] = (
    ("under", rf"\^{_LITERAL}{_DIR}"),  # docs/**, /charts/api/
    ("is-or-under", rf"\^{_LITERAL}{_FILE_OR_DIR}"),  # /Makefile, .github/CODEOWNERS
    ("component", rf"{_ANY_DEPTH}{_LITERAL}{_FILE_OR_DIR}"),  # Jenkinsfile, **/db/schema.rb
    ("directory", rf"{_ANY_DEPTH}{_LITERAL}{_DIR}"),  # .circleci/, **/migrations/**
    ("name-ends", rf"{_ANY_DEPTH}{_ANY_NAME}{_NAME}{_FILE_OR_DIR}"),  # *.tf, *_test.go
    # Dockerfile*, requirements*.txt
    ("name-between", rf"{_ANY_DEPTH}{_NAME}{_ANY_NAME}{_OPTIONAL_NAME}{_FILE_OR_DIR}"),
    ("any-dir-name-ends", rf"{_ANY_DEPTH}{_NAME}/{_ANY_NAME}{_NAME}{_FILE_OR_DIR}"),  # **/x/*.go
    ("dir-name-ends", rf"\^{_LITERAL}/{_ANY_NAME}{_NAME}{_FILE_OR_DIR}"),  # db/*.sql
    ("under-name-ends", rf"\^{_LITERAL}{_DEEPER}/{_ANY_NAME}{_NAME}{_FILE_OR_DIR}"),  # x/**/*.go
    # src/**/store/*.py
    ("under-dir-name-ends", rf"\^{_LITERAL}{_DEEPER}/{_NAME}/{_ANY_NAME}{_NAME}{_FILE_OR_DIR}"),
)


class PartTests(NamedTuple):
    """A plain path ``directory/name`` (``directory`` is ``""`` at the root) matches when:

    - ``directory`` passes on its directory, whatever the name; or
    - ``name`` passes on its name, whatever the directory; or
    - ``name_here`` is ``(condition, test)``, the directory meets the condition and the
      name passes the test (the matcher asks the directory first); or
    - ``directory_here`` is ``(condition, test)``, the name meets the condition and the
      directory passes the test (the matcher asks the name first); or
    - for ``is-or-under`` only, the path equals the literal.
    """

    directory: StringTest
    name: StringTest | None = None
    name_here: tuple[StringTest, StringTest] | None = None
    directory_here: tuple[StringTest, StringTest] | None = None


@cache
def _compiled_shapes() -> tuple[tuple[Shape, re.Pattern[str]], ...]:
    return tuple((shape, re.compile(source)) for shape, source in _SHAPES)


def recognise(regex_source: str) -> tuple[Shape, tuple[str, ...]] | None:
    """The shape and literal parts of a regular expression pathspec wrote, if literal."""
    for shape, template in _compiled_shapes():
        found = template.fullmatch(regex_source)
        if found is not None:
            return shape, tuple(re.sub(r"\\(.)", r"\1", part) for part in found.groups())
    return None


def is_plain(path: str) -> bool:
    """Whether the string tests hold for ``path``: no newline, no leading slash and no
    empty directory name."""
    return "\n" not in path and not path.startswith("/") and "//" not in path


def string_test(shape: Shape, parts: tuple[str, ...]) -> StringTest:
    """A test equal to the shape's regular expression ``search`` on plain paths."""
    literal = parts[0]
    below = literal + "/"
    inner = "/" + below
    if shape == "under":
        return lambda path: path.startswith(below)
    if shape == "is-or-under":
        return lambda path: path == literal or path.startswith(below)
    if shape == "component":
        last = "/" + literal
        return lambda path: (
            path == literal or path.startswith(below) or path.endswith(last) or inner in path
        )
    if shape == "directory":
        return lambda path: path.startswith(below) or inner in path
    if shape == "name-ends":
        return lambda path: path.endswith(literal) or below in path
    if shape == "name-between":
        head, tail = parts
        shortest = len(head) + len(tail)
        return lambda path: any(
            len(name) >= shortest and name.startswith(head) and name.endswith(tail)
            for name in path.split("/")
        )
    if shape == "any-dir-name-ends":
        return _directory_then_name(parts[0], parts[1])
    if shape == "dir-name-ends":
        tail = parts[1]
        start = len(below)
        return lambda path: path.startswith(below) and path[start:].partition("/")[0].endswith(tail)
    if shape == "under-name-ends":
        tail = parts[1]
        start = len(below)
        return lambda path: (
            path.startswith(below) and any(name.endswith(tail) for name in path[start:].split("/"))
        )
    inside = _directory_then_name(parts[1], parts[2])
    start = len(below)
    return lambda path: path.startswith(below) and inside(path[start:])


def _directory_then_name(directory: str, tail: str) -> StringTest:
    """Some component equals ``directory`` and the next one ends with ``tail``."""

    def test(path: str) -> bool:
        names = path.split("/")
        return any(
            names[i] == directory and names[i + 1].endswith(tail) for i in range(len(names) - 1)
        )

    return test


def part_tests(shape: Shape, parts: tuple[str, ...], kind: IndexKind, key: str) -> PartTests | None:
    """The shape's test split over directory and name, or ``None`` when the shape does
    not split, or the split would need the matcher to offer the pattern where its index
    (``kind``, ``key``: the literal hint it files the pattern under) does not."""
    literal = parts[0]
    below = literal + "/"
    inner = "/" + below
    if shape in ("under", "is-or-under", "dir-name-ends", "under-name-ends", "under-dir-name-ends"):
        # Offered for every directory at or below the literal prefix when the hint is
        # that prefix or one of its leading parts; a path equal to an is-or-under literal
        # is offered whole (the index's exact-path lookup) when the hint is the literal.
        offered = kind == "generic" or (
            kind == "prefix" and (key == literal or below.startswith(key + "/"))
        )
        if not offered or (shape == "is-or-under" and key != literal):
            return None
        return _under_prefix(shape, parts)
    if shape == "component":
        if "/" in literal or not (kind == "generic" or (kind == "name" and key == literal)):
            return None
        return PartTests(lambda directory: inner in "/" + directory + "/", literal.__eq__)
    if shape == "directory":
        if not (kind == "generic" or (kind == "name" and key in literal.split("/"))):
            return None
        return PartTests(lambda directory: inner in "/" + directory + "/")
    if shape == "name-ends":
        if not (kind == "generic" or _extension_of(literal) == (kind, key)):
            return None
        return PartTests(lambda directory: below in directory + "/", _ends_with(literal))
    if shape == "name-between":
        head, tail = parts
        if not (kind == "generic" or _extension_of(tail) == (kind, key)):
            return None
        shortest = len(head) + len(tail)

        def between(name: str) -> bool:
            return len(name) >= shortest and name.startswith(head) and name.endswith(tail)

        return PartTests(lambda directory: any(map(between, directory.split("/"))), between)
    if shape == "any-dir-name-ends":
        named, tail = parts
        if not (kind == "generic" or _extension_of(tail) == (kind, key)):
            return None
        last = "/" + named
        return PartTests(
            _directory_then_name(named, tail),
            directory_here=(
                _ends_with(tail),
                lambda directory: directory == named or directory.endswith(last),
            ),
        )
    return None


def _under_prefix(shape: Shape, parts: tuple[str, ...]) -> PartTests:
    """Shapes anchored at a literal prefix: only directories at or below it can match."""
    prefix = parts[0]
    below = prefix + "/"
    start = len(below)

    def at_or_below(directory: str) -> bool:
        return directory == prefix or directory.startswith(below)

    if shape in ("under", "is-or-under"):
        return PartTests(at_or_below)
    tail = _ends_with(parts[-1])
    if shape == "dir-name-ends":
        return PartTests(
            lambda directory: (
                directory.startswith(below) and tail(directory[start:].partition("/")[0])
            ),
            name_here=(prefix.__eq__, tail),
        )
    if shape == "under-name-ends":
        return PartTests(
            lambda directory: (
                directory.startswith(below) and any(map(tail, directory[start:].split("/")))
            ),
            name_here=(at_or_below, tail),
        )
    named = parts[1]
    pairs = _directory_then_name(named, parts[2])
    return PartTests(
        lambda directory: directory.startswith(below) and pairs(directory[start:]),
        name_here=(
            lambda directory: directory.startswith(below) and directory.rpartition("/")[2] == named,
            tail,
        ),
    )


def _ends_with(tail: str) -> StringTest:
    return lambda name: name.endswith(tail)


def _extension_of(tail: str) -> tuple[IndexKind, str] | None:
    """The extension hint of names ending with ``tail``, when ``tail`` pins one."""
    return ("extension", tail.rpartition(".")[2]) if "." in tail else None
