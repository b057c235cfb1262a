"""gitignore-style path patterns, the selector language of ``paths`` and ``exclude_paths``.

Semantics are git's (and so CODEOWNERS'): a pattern without a slash, or with only a
trailing one, matches a name at any depth; a leading or inner slash anchors it to the
repository root; a trailing slash matches directories only, which in a list of changed
files means the files below them; a pattern that matches a directory matches every file
under it. ``*``, ``?``, ``[a-z]``, ``[!x]``, ``**/``, ``/**``, ``a/**/b`` and ``\\``
escapes behave as in git. pathspec turns each pattern into its regular expression, so
gatehouse carries no glob translator of its own.

One deliberate difference from ``.gitignore`` files: in a list, the last matching pattern
wins for every path, so ``!docs/README.md`` after ``docs/`` deselects that file. git
cannot re-include a file below an excluded directory; a rule author always means the
former, and CODEOWNERS has the same last-match-wins reading.

Each :class:`PathPattern` also carries literal hints (fixed leading directories, a
literal name, an extension) that every matching path must show. They are necessary
conditions only, which lets :class:`app.policy.matcher.PathMatcher` skip the regular
expressions of patterns that cannot match a path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pathspec.patterns.gitignore import GitIgnorePatternError
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

_WILDCARDS = frozenset("*?[")


class PatternError(ValueError):
    """A ``paths`` or ``exclude_paths`` entry that is not a usable gitignore pattern."""


@dataclass(frozen=True, slots=True)
class PathPattern:
    """One compiled pattern.

    ``regex`` matches (with ``search``, as pathspec applies it) the paths the pattern
    selects, whether or not it is ``negated``. The hints are guarantees about every
    path ``regex`` matches:

    - ``prefix``: the path equals it or starts with it followed by ``/``;
    - ``name``: some component of the path (a directory or the file) equals it;
    - ``extension``: some component's text after its last ``.`` equals it.
    """

    source: str
    negated: bool
    regex: re.Pattern[str]
    anchored: bool
    directory_only: bool
    prefix: str | None = None
    name: str | None = None
    extension: str | None = None

    def matches(self, path: str) -> bool:
        """Whether the pattern (ignoring ``negated``) covers the repository path."""
        return self.regex.search(path) is not None


def compile_pattern(pattern: str) -> PathPattern:
    """Compile one gitignore pattern, or raise :class:`PatternError` saying what is wrong.

    Patterns git would silently ignore (blank lines, comments, a lone ``/``, an unclosed
    ``[``) are errors here: in a rule they are always a mistake that would quietly
    select nothing.
    """
    _reject_inert(pattern)
    try:
        regex_source, include = GitIgnoreSpecPattern.pattern_to_regex(pattern)
    except GitIgnorePatternError as exc:
        raise PatternError(_explain_pathspec_error(pattern)) from exc
    if regex_source is None or include is None:
        raise PatternError(
            f"{pattern!r} opens a character class with '[' that is never closed; "
            "write '\\[' to match a literal bracket"
        )
    body = _strip_like_git(pattern[1:] if pattern.startswith("!") else pattern)
    segments = body.split("/")
    directory_only = len(segments) > 1 and segments[-1] == ""
    if directory_only:
        segments.pop()
    anchored = len(segments) > 1
    if segments[0] == "":
        segments.pop(0)
    regex = re.compile(regex_source)
    prefix = _fixed_prefix(segments, regex) if anchored else None
    key = next((seg for seg in reversed(segments) if seg != "**"), None)
    name = _literal(key) if key is not None else None
    if name is not None and re.escape(name) not in regex_source:
        name = None
    return PathPattern(
        source=pattern,
        negated=not include,
        regex=regex,
        anchored=anchored,
        directory_only=directory_only,
        prefix=prefix,
        name=name,
        extension=_extension(key) if key is not None else None,
    )


def compile_patterns(patterns: Sequence[str]) -> tuple[PathPattern, ...]:
    """Compile a list of patterns, keeping its order (the last match wins)."""
    return tuple(compile_pattern(pattern) for pattern in patterns)


def selects(patterns: Sequence[PathPattern], path: str) -> bool:
    """Whether a pattern list selects ``path``: the last pattern matching it decides."""
    for pattern in reversed(patterns):
        if pattern.matches(path):
            return not pattern.negated
    return False


def _reject_inert(pattern: str) -> None:
    if "\n" in pattern or "\r" in pattern:
        raise PatternError(f"{pattern!r} spans several lines; write one pattern per entry")
    if "\0" in pattern:
        raise PatternError(f"{pattern!r} contains a NUL character, which no path can hold")
    if not pattern.strip():
        raise PatternError("an empty pattern selects nothing; remove it")
    if pattern.startswith("#"):
        raise PatternError(
            f"{pattern!r} starts with '#', which gitignore reads as a comment that selects "
            "nothing; write '\\#' to match a literal '#'"
        )
    body = pattern[1:] if pattern.startswith("!") else pattern
    if not body.strip():
        raise PatternError("'!' must be followed by the pattern it negates")
    if _strip_like_git(body) == "/":
        raise PatternError(f"{pattern!r} selects nothing; write '**' to select every file")
    if "//" in body:
        raise PatternError(f"{pattern!r} has an empty directory name ('//') and can never match")


def _strip_like_git(text: str) -> str:
    """Drop trailing whitespace unless the last space is escaped, as pathspec does."""
    return text if text.endswith("\\ ") else text.rstrip()


def _explain_pathspec_error(pattern: str) -> str:
    if pattern.endswith("\\") and not pattern.endswith("\\\\"):
        return f"{pattern!r} ends with a backslash that escapes nothing"
    return f"{pattern!r} is not a valid gitignore pattern"


def _literal(segment: str) -> str | None:
    """The text a wildcard-free segment matches, or None when it holds a wildcard."""
    out: list[str] = []
    chars = iter(segment)
    for char in chars:
        if char == "\\":
            escaped = next(chars, None)
            if escaped is None:
                return None
            out.append(escaped)
        elif char in _WILDCARDS:
            return None
        else:
            out.append(char)
    return "".join(out) or None


def _extension(segment: str) -> str | None:
    """The extension every name matching ``segment`` ends with, when the segment pins one.

    Only the literal tail after the segment's last wildcard counts; segments with escapes
    give no hint rather than risk a wrong one.
    """
    if "\\" in segment:
        return None
    last_special = max(segment.rfind(char) for char in "*?[]")
    tail = segment[last_special + 1 :]
    if "." not in tail:
        return None
    return tail.rpartition(".")[2]


def _fixed_prefix(segments: Sequence[str], regex: re.Pattern[str]) -> str | None:
    """The leading literal directories of an anchored pattern, checked against its regex."""
    literals: list[str] = []
    for segment in segments:
        literal = _literal(segment) if segment != "**" else None
        if literal is None:
            break
        literals.append(literal)
    if not literals:
        return None
    prefix = "/".join(literals)
    return prefix if regex.pattern.startswith("^" + re.escape(prefix)) else None
