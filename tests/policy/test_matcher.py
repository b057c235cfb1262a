"""The indexed rule matcher gives exactly the naive per-rule pathspec answers, only faster."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.policy.matcher import NaivePathMatcher, PathMatcher, RuleSelector
from app.policy.patterns import PatternError, compile_pattern

RULES = [
    RuleSelector("ci-cd", (".github/workflows/**", "Jenkinsfile", "Makefile")),
    RuleSelector("terraform", ("*.tf", "*.tfvars", "!**/examples/**"), ("**/test/**",)),
    RuleSelector("deploy", ("charts/", "k8s/**/*.yaml")),
    RuleSelector("docs", ("docs/**", "!docs/img/**"), ("docs/drafts/", "!docs/drafts/keep.md")),
    RuleSelector("dependencies", ("package.json", "requirements*.txt", "go.mod")),
    RuleSelector("lines-only", ()),
    RuleSelector("lines-outside-docs", (), ("docs/",)),
]

# Every path also meets the two rules without paths; "lines-outside-docs" skips docs/.
ALWAYS = ("lines-only", "lines-outside-docs")
IN_DOCS = ("lines-only",)

TABLE = [
    pytest.param(".github/workflows/ci.yml", ("ci-cd", *ALWAYS), id="workflow-file"),
    pytest.param("services/api/Jenkinsfile", ("ci-cd", *ALWAYS), id="basename-at-depth"),
    pytest.param("infra/prod/main.tf", ("terraform", *ALWAYS), id="extension-at-depth"),
    pytest.param("modules/vpc/examples/main.tf", ALWAYS, id="negated-pattern-deselects"),
    pytest.param("modules/vpc/test/main.tf", ALWAYS, id="exclude-paths-removes"),
    pytest.param("charts/api/templates/hpa.yaml", ("deploy", *ALWAYS), id="directory-pattern"),
    pytest.param("k8s/prod/eu/ingress.yaml", ("deploy", *ALWAYS), id="inner-double-star"),
    pytest.param("docs/guide.md", ("docs", *IN_DOCS), id="docs-selected"),
    pytest.param("docs/img/logo.png", IN_DOCS, id="negated-subtree"),
    pytest.param("docs/drafts/idea.md", IN_DOCS, id="excluded-subtree"),
    pytest.param("docs/drafts/keep.md", ("docs", *IN_DOCS), id="negation-inside-exclude-paths"),
    pytest.param("web/package.json", ("dependencies", *ALWAYS), id="manifest-at-depth"),
    pytest.param("requirements-dev.txt", ("dependencies", *ALWAYS), id="manifest-wildcard"),
    pytest.param("src/app/main.py", ALWAYS, id="unpinned-path-meets-only-rules-without-paths"),
    pytest.param("./Makefile", ("ci-cd", *ALWAYS), id="leading-dot-slash-is-ignored"),
    pytest.param("/infra/main.tf", ("terraform", *ALWAYS), id="leading-slash-is-ignored"),
]


@pytest.mark.parametrize(("path", "expected"), TABLE)
def test_rules_selecting_a_path_come_in_rule_order(path: str, expected: tuple[str, ...]) -> None:
    assert PathMatcher(RULES).match(path) == expected
    assert NaivePathMatcher(RULES).match(path) == expected


def test_rule_without_paths_selects_every_path_but_its_excludes() -> None:
    matcher = PathMatcher([RuleSelector("lines", (), ("vendor/**",))])
    assert matcher.match("src/a.py") == ("lines",)
    assert matcher.match("vendor/lib/a.py") == ()


def test_only_negated_paths_select_nothing() -> None:
    assert PathMatcher([RuleSelector("odd", ("!*.md",))]).match("README.md") == ()


def test_renamed_file_is_judged_by_both_its_old_and_new_path() -> None:
    matcher = PathMatcher(RULES[:3])
    found = matcher.match_many(["modules/vpc/main.tf", "services/vpc/main.py"])
    assert found == {"modules/vpc/main.tf": ("terraform",)}
    moved_out = matcher.match_many(["infra/old name.tf", "archive/old name.txt"])
    assert moved_out == {"infra/old name.tf": ("terraform",)}


def test_match_many_lists_only_selected_paths_once() -> None:
    matcher = PathMatcher(RULES[:5])
    paths = ["Makefile", "src/a.py", "Makefile", "docs/a.md"]
    assert matcher.match_many(paths) == {"Makefile": ("ci-cd",), "docs/a.md": ("docs",)}


def test_one_pattern_shared_by_rules_in_different_roles() -> None:
    rules = [
        RuleSelector("include", ("*.yaml",)),
        RuleSelector("exclude", ("**",), ("*.yaml",)),
        RuleSelector("negate", ("**", "!*.yaml")),
    ]
    matcher = PathMatcher(rules)
    assert matcher.match("k8s/app.yaml") == ("include",)
    assert matcher.match("k8s/app.json") == ("exclude", "negate")


def test_results_survive_cache_eviction() -> None:
    matcher = PathMatcher(RULES)
    matcher.CACHE_LIMIT = 2
    paths = [f"dir{i}/sub/{name}" for i in range(20) for name in ("a.tf", "go.mod", "x.py")]
    assert matcher.match_many(paths) == NaivePathMatcher(RULES).match_many(paths)


def test_invalid_pattern_in_exclude_paths_fails_construction() -> None:
    with pytest.raises(PatternError, match="never closed"):
        PathMatcher([RuleSelector("bad", ("*.tf",), ("[oops",))])


def test_generic_patterns_are_the_ones_pinning_nothing() -> None:
    matcher = PathMatcher([RuleSelector("r", ("*.tf", "*prod*", "Dockerfile*", "/ci/**"))])
    assert matcher.generic_patterns == ("*prod*", "Dockerfile*")
    assert matcher.rule_ids == ("r",)


_NAMES = ["src", "docs", "a", "b", "main.py", "x.tf", "y.tf", "values-prod.yaml", "Jenkinsfile",
          ".github", "workflows", "ci.yml", "README.md", "a.b.c", "[x]", "!x", "#y", "sp ace",
          "é.md", "foo", "foox", "tf", ".tf", "test"]  # fmt: skip
_SEGMENTS = [*_NAMES, "*", "**", "?", "*.py", "*.tf", "*.yml", "[ab]", "[!a]*", "a*", "*.b.c",
             "\\[x]", "\\!x", "*prod*", "x.*", "foo**", "?.tf", "*.c", "[xy].tf"]  # fmt: skip


@st.composite
def patterns(draw: st.DrawFn) -> str:
    body = "/".join(draw(st.lists(st.sampled_from(_SEGMENTS), min_size=1, max_size=4)))
    lead = draw(st.sampled_from(["", "", "/", "**/"]))
    tail = draw(st.sampled_from(["", "", "/", "/**"]))
    bang = draw(st.sampled_from(["", "", "", "!"]))
    pattern = f"{bang}{lead}{body}{tail}"
    try:
        compile_pattern(pattern)
    except PatternError:
        return "*.tf"
    return pattern


_selectors = st.lists(
    st.builds(
        RuleSelector,
        rule_id=st.text("abcdefgh", min_size=1, max_size=6),
        paths=st.lists(patterns(), max_size=4).map(tuple),
        exclude_paths=st.lists(patterns(), max_size=2).map(tuple),
    ),
    min_size=1,
    max_size=8,
)
_paths = st.lists(
    st.lists(st.sampled_from(_NAMES), min_size=1, max_size=5).map("/".join), max_size=30
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(selectors=_selectors, paths=_paths)
def test_indexed_matcher_equals_naive_pathspec_per_rule(
    selectors: list[RuleSelector], paths: list[str]
) -> None:
    indexed, naive = PathMatcher(selectors), NaivePathMatcher(selectors)
    assert indexed.match_many(paths) == naive.match_many(paths)
    for path in paths:
        assert indexed.match(path) == naive.match(path)
