"""String tests answer exactly as pathspec's regular expressions for literal patterns."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.policy.literal_patterns import is_plain, part_tests, recognise, string_test
from app.policy.matcher import NaivePathMatcher, PathMatcher, RuleSelector
from app.policy.path_index import PatternIndex
from app.policy.patterns import PatternError, compile_pattern

SHAPES = [
    pytest.param("docs/**", "under", ("docs",), id="directory-tree"),
    pytest.param("/charts/api/", "under", ("charts/api",), id="anchored-directory"),
    pytest.param("/Makefile", "is-or-under", ("Makefile",), id="anchored-file"),
    pytest.param(".github/CODEOWNERS", "is-or-under", (".github/CODEOWNERS",), id="inner-slash"),
    pytest.param("Jenkinsfile", "component", ("Jenkinsfile",), id="name-at-any-depth"),
    pytest.param("**/db/schema.rb", "component", ("db/schema.rb",), id="two-names-any-depth"),
    pytest.param(".circleci/", "directory", (".circleci",), id="directory-at-any-depth"),
    pytest.param("**/migrations/**", "directory", ("migrations",), id="tree-at-any-depth"),
    pytest.param("*.tf", "name-ends", (".tf",), id="extension"),
    pytest.param("*_test.go", "name-ends", ("_test.go",), id="suffix"),
    pytest.param("Dockerfile*", "name-between", ("Dockerfile", ""), id="prefix"),
    pytest.param("requirements*.txt", "name-between", ("requirements", ".txt"), id="infix-star"),
    pytest.param("**/cache/*.go", "any-dir-name-ends", ("cache", ".go"), id="named-directory"),
    pytest.param("db/*.sql", "dir-name-ends", ("db", ".sql"), id="files-of-a-directory"),
    pytest.param("libs/**/*.java", "under-name-ends", ("libs", ".java"), id="files-below"),
    pytest.param("src/**/store/*.py", "under-dir-name-ends", ("src", "store", ".py"), id="nested"),
]


@pytest.mark.parametrize(("pattern", "shape", "parts"), SHAPES)
def test_literal_patterns_are_recognised(pattern: str, shape: str, parts: tuple[str, ...]) -> None:
    assert recognise(compile_pattern(pattern).regex.pattern) == (shape, parts)


@pytest.mark.parametrize("pattern", ["*prod*.yaml", "V[0-9]*.sql", "a?c", "**/x-[0-9]*.md"])
def test_patterns_with_other_wildcards_keep_their_regular_expression(pattern: str) -> None:
    assert recognise(compile_pattern(pattern).regex.pattern) is None


def test_paths_the_string_tests_do_not_hold_for() -> None:
    assert is_plain("a/b.tf")
    assert not is_plain("/a/b.tf")
    assert not is_plain("a//b.tf")
    assert not is_plain("a/b\n.tf")


_NAMES = ["a", "b", "db", "src", "store", "x.tf", "y.tf", ".tf", "tf", "a.tf.tf", "cache",
          "schema.rb", "Dockerfile", "Dockerfile.dev", "requirements.txt", "requirements",
          "x_test.go", "c.go", "go", "é", "a-b", "a b", "[x]", "#y", "!z", "docs", "t.java",
          "s.py", ".py", "migrations", ""]  # fmt: skip
_LITERALS = ["a", "db", "src", "store", "cache", "x.tf", "schema.rb", "docs", "migrations",
             "é", "a-b", "a b", "a.tf", "[x]", "#y", "!z"]  # fmt: skip
_SUFFIXES = [".tf", "_test.go", ".go", ".py", ".java", "tf", ".txt", "b", ".rb"]


@st.composite
def literal_patterns(draw: st.DrawFn) -> str:
    """Patterns in every literal shape, escaped where gitignore needs it."""

    def name() -> str:
        text = draw(st.sampled_from(_LITERALS))
        return re.sub(r"([\[\]#!*?\\])", r"\\\1", text) if text[0] in "[#!" else text

    head = "/".join(name() for _ in range(draw(st.integers(1, 3))))
    suffix = draw(st.sampled_from(_SUFFIXES))
    return draw(
        st.sampled_from(
            [
                f"{head}/**",
                f"/{head}/",
                f"/{head}",
                head,
                f"**/{head}",
                f"{head}/",
                f"**/{head}/**",
                f"*{suffix}",
                f"{name()}*{draw(st.sampled_from(['', *_SUFFIXES]))}",
                f"**/{name()}/*{suffix}",
                f"{head}/*{suffix}",
                f"{head}/**/*{suffix}",
                f"{head}/**/{name()}/*{suffix}",
            ]
        )
    )


_paths = st.lists(st.sampled_from(_NAMES), min_size=1, max_size=6).map("/".join)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=literal_patterns(), paths=st.lists(_paths, min_size=1, max_size=20))
def test_string_tests_equal_the_regular_expression_on_plain_paths(
    pattern: str, paths: list[str]
) -> None:
    try:
        compiled = compile_pattern(pattern)
    except PatternError:
        return
    shape = recognise(compiled.regex.pattern)
    if shape is None:
        return
    test = string_test(*shape)
    for path in filter(is_plain, paths):
        assert test(path) == (compiled.regex.search(path) is not None), path


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=literal_patterns(), paths=st.lists(_paths, min_size=1, max_size=20))
def test_directory_and_name_tests_equal_the_whole_path_test(pattern: str, paths: list[str]) -> None:
    try:
        compiled = compile_pattern(pattern)
    except PatternError:
        return
    shape = recognise(compiled.regex.pattern)
    if shape is None:
        return
    # The hint the index files the pattern under; an is-or-under literal is its own.
    hint = ("prefix", shape[1][0]) if shape[0] == "is-or-under" else ("generic", "")
    parts = part_tests(*shape, *hint)
    if parts is None:
        return
    whole = string_test(*shape)
    for path in filter(is_plain, paths):
        directory, _, name = path.rpartition("/")
        here = [
            parts.name_here and parts.name_here[0](directory) and parts.name_here[1](name),
            parts.directory_here
            and parts.directory_here[0](name)
            and parts.directory_here[1](directory),
        ]
        split = bool(
            parts.directory(directory) or (parts.name is not None and parts.name(name)) or any(here)
        )
        if shape[0] == "is-or-under":
            split = split or path == shape[1][0]
        assert split == whole(path), path


_odd_paths = st.lists(st.sampled_from([*_NAMES, "", "\n", "a\n", "/"]), min_size=1, max_size=6).map(
    "/".join
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    patterns=st.lists(literal_patterns(), min_size=1, max_size=6),
    paths=st.lists(st.one_of(_paths, _odd_paths), min_size=1, max_size=30),
)
def test_matcher_on_literal_patterns_equals_naive_pathspec(
    patterns: list[str], paths: list[str]
) -> None:
    valid = []
    for pattern in patterns:
        try:
            compile_pattern(pattern)
        except PatternError:
            continue
        valid.append(pattern)
    selectors = [RuleSelector(f"r{i}", (p,)) for i, p in enumerate(valid)]
    selectors.append(RuleSelector("all-but", ("**",), tuple(valid)))
    indexed, naive = PathMatcher(selectors), NaivePathMatcher(selectors)
    for path in paths:
        assert indexed.match(path) == naive.match(path), path


def test_answers_survive_eviction_of_the_directory_and_name_caches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(PatternIndex, "CACHE_LIMIT", 2)
    selectors = [
        RuleSelector("tree", ("src/**", "!src/**/*_test.go")),
        RuleSelector("go", ("*.go", "**/cache/*.go")),
        RuleSelector("nested", ("src/**/store/*.py", "Dockerfile*")),
    ]
    paths = [
        f"{top}/{middle}/{name}"
        for top in ("src", "lib", "src/a")
        for middle in ("cache", "store", "x")
        for name in ("a.go", "a_test.go", "s.py", "Dockerfile.dev")
    ]
    assert PathMatcher(selectors).match_many(paths) == NaivePathMatcher(selectors).match_many(paths)
