"""gitignore conformance of rule path patterns, proven against git itself.

Every row of ``CASES`` says whether a pattern list selects a path. The same rows run
through ``git check-ignore``; rows marked ``GIT_DIFFERS`` are the one documented place
where gatehouse parts from ``.gitignore`` files: the last matching pattern wins even for
a file below a directory an earlier pattern selected.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.policy.matcher import NaivePathMatcher, PathMatcher, RuleSelector
from app.policy.patterns import PatternError, compile_pattern, compile_patterns, selects

GIT_DIFFERS = True


def case(
    case_id: str,
    patterns: str | tuple[str, ...],
    path: str,
    selected: bool,
    git_differs: bool = False,
) -> object:
    lines = (patterns,) if isinstance(patterns, str) else patterns
    return pytest.param(lines, path, selected, git_differs, id=case_id)


CASES = [
    # A name without a slash matches at any depth, as a file or as a directory.
    case("name-at-root", "Jenkinsfile", "Jenkinsfile", True),
    case("name-at-any-depth", "Jenkinsfile", "ci/jenkins/Jenkinsfile", True),
    case("name-is-not-a-prefix", "Jenkinsfile", "Jenkinsfile.bak", False),
    case("name-is-case-sensitive", "Makefile", "makefile", False),
    case("name-of-directory-selects-files-below", "node_modules", "web/node_modules/x/a.js", True),
    case("extension-at-any-depth", "*.tf", "infra/prod/main.tf", True),
    case("extension-at-root", "*.tf", "main.tf", True),
    case("extension-must-end-the-name", "*.tf", "prod.tfvars", False),
    case("extension-on-a-directory-selects-files-below", "*.tf", "modules.tf/readme.md", True),
    case("multi-dot-extension", "*.tar.gz", "dist/app.tar.gz", True),
    case("other-extension-not-selected", "*.yaml", "k8s/app.yml", False),
    case("unicode-name", "*.md", "docs/résumé.md", True),
    case("space-in-pattern", "My Docs/*.txt", "My Docs/notes.txt", True),
    # A leading or inner slash anchors to the repository root.
    case("leading-slash-anchors-at-root", "/Makefile", "Makefile", True),
    case("leading-slash-not-deeper", "/Makefile", "tools/Makefile", False),
    case("inner-slash-anchors", "docs/index.md", "docs/index.md", True),
    case("inner-slash-not-deeper", "docs/index.md", "site/docs/index.md", False),
    case(
        "anchored-directory-selects-files-below",
        ".github/workflows",
        ".github/workflows/a.yml",
        True,
    ),
    case("star-in-anchored-pattern", ".github/workflows/*.yml", ".github/workflows/ci.yml", True),
    case(
        "star-does-not-cross-slash", ".github/workflows/*.yml", ".github/workflows/x/ci.yml", False
    ),
    case("dir-star-selects-files-in-subdirectories", "charts/*", "charts/api/values.yaml", True),
    case("dir-star-selects-direct-children", "charts/*", "charts/README.md", True),
    case("dir-star-not-the-directory-itself", "charts/*", "charts", False),
    # A trailing slash matches directories only: the files below them.
    case("trailing-slash-selects-files-below", "build/", "build/out.o", True),
    case("trailing-slash-at-any-depth", "build/", "web/build/app.js", True),
    case("trailing-slash-not-a-file-of-that-name", "build/", "build", False),
    case("trailing-and-inner-slash-anchors", "deploy/prod/", "deploy/prod/app.yaml", True),
    case("trailing-and-inner-slash-not-deeper", "deploy/prod/", "x/deploy/prod/app.yaml", False),
    # Wildcards, ranges and escapes.
    case("question-mark-one-character", "v?.txt", "v1.txt", True),
    case("question-mark-not-zero-characters", "v?.txt", "v.txt", False),
    case("question-mark-not-a-slash", "a?b", "a/b", False),
    case("range-inside", "env-[a-c].yaml", "env-b.yaml", True),
    case("range-outside", "env-[a-c].yaml", "env-d.yaml", False),
    case("bang-negated-range-excludes", "[!_]*.py", "lib/_private.py", False),
    case("bang-negated-range-includes", "[!_]*.py", "lib/public.py", True),
    case("caret-negated-range", "[^_]*.py", "lib/_private.py", False),
    case("escaped-star-is-literal", "\\*.md", "*.md", True),
    case("escaped-star-not-a-wildcard", "\\*.md", "a.md", False),
    case("escaped-question-mark-not-a-wildcard", "what\\?", "whatx", False),
    case("escaped-brackets-are-literal", "\\[id\\].tsx", "pages/[id].tsx", True),
    case("escaped-bang-is-literal", "\\!important.txt", "!important.txt", True),
    case("escaped-hash-is-literal", "\\#notes", "#notes", True),
    case("trailing-spaces-are-trimmed", "Makefile   ", "Makefile", True),
    # Double stars.
    case("leading-double-star-any-depth", "**/Dockerfile", "svc/api/Dockerfile", True),
    case("leading-double-star-includes-root", "**/Dockerfile", "Dockerfile", True),
    case(
        "trailing-double-star-everything-inside", "terraform/**", "terraform/modules/vpc/a.tf", True
    ),
    case("trailing-double-star-not-the-directory", "terraform/**", "terraform", False),
    case("trailing-double-star-anchored", "terraform/**", "live/terraform/main.tf", False),
    case("inner-double-star-zero-directories", "k8s/**/ingress.yaml", "k8s/ingress.yaml", True),
    case("inner-double-star-many-directories", "k8s/**/ingress.yaml", "k8s/a/b/ingress.yaml", True),
    case("inner-double-star-still-anchored", "k8s/**/ingress.yaml", "x/k8s/ingress.yaml", False),
    case("glued-double-star-acts-as-star", "foo**", "foobar/x.txt", True),
    case("glued-double-star-does-not-cross-slash", "a**b", "a/x/b", False),
    case("double-star-alone-selects-everything", "**", "any/where/file.txt", True),
    case("star-alone-selects-everything", "*", "a/b/c", True),
    case("double-star-slash-selects-files-in-directories", "**/", "x/y", True),
    case("double-star-slash-not-root-files", "**/", "y", False),
    # Lists: the last matching pattern wins.
    case("negation-deselects", ("*.md", "!README.md"), "README.md", False),
    case("negation-leaves-others", ("*.md", "!README.md"), "docs/guide.md", True),
    case("later-pattern-reselects", ("!README.md", "*.md"), "README.md", True),
    case("negation-alone-selects-nothing", "!README.md", "README.md", False),
    case("negated-child-of-dir-star", ("charts/*", "!charts/README.md"), "charts/README.md", False),
    case(
        "negation-reselects-below-selected-directory",
        ("docs/", "!docs/README.md"),
        "docs/README.md",
        False,
        GIT_DIFFERS,
    ),
    case(
        "negated-subtree-of-double-star",
        ("docs/**", "!docs/img/**"),
        "docs/img/logo.png",
        False,
        GIT_DIFFERS,
    ),
    case("negated-extension-under-star", ("*", "!*.md"), "docs/a.md", False, GIT_DIFFERS),
]


@pytest.mark.parametrize(("patterns", "path", "selected", "git_differs"), CASES)
def test_pattern_list_selects_like_gitignore(
    patterns: tuple[str, ...], path: str, selected: bool, git_differs: bool
) -> None:
    assert selects(compile_patterns(patterns), path) is selected
    rule = [RuleSelector("rule", patterns)]
    expected = ("rule",) if selected else ()
    assert PathMatcher(rule).match(path) == expected
    assert NaivePathMatcher(rule).match(path) == expected


@pytest.fixture(scope="module")
def git_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed, so the table cannot be compared with git")
    repo = tmp_path_factory.mktemp("gitignore-conformance")
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=_git_env(repo))
    yield repo


def _git_env(repo: Path) -> dict[str, str]:
    """Keep the user's and the system's git configuration (global excludes) out of it."""
    return {
        **os.environ,
        "HOME": str(repo),
        "XDG_CONFIG_HOME": str(repo),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }


@pytest.mark.parametrize(("patterns", "path", "selected", "git_differs"), CASES)
def test_git_check_ignore_agrees_with_the_table(
    git_repo: Path, patterns: tuple[str, ...], path: str, selected: bool, git_differs: bool
) -> None:
    (git_repo / ".gitignore").write_text("".join(f"{line}\n" for line in patterns))
    done = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", "--", path],
        cwd=git_repo,
        env=_git_env(git_repo),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    git_selects = done.returncode == 0
    assert git_selects is (selected != git_differs)


INVALID = [
    pytest.param("", "empty", id="empty"),
    pytest.param("   ", "empty", id="only-spaces"),
    pytest.param("!", "must be followed", id="only-bang"),
    pytest.param("!  ", "must be followed", id="bang-and-spaces"),
    pytest.param("# infra", "comment", id="comment"),
    pytest.param("/", "selects nothing", id="lone-slash"),
    pytest.param("!/", "selects nothing", id="negated-lone-slash"),
    pytest.param("a//b", "empty directory name", id="double-slash"),
    pytest.param("src/[abc", "never closed", id="unclosed-bracket"),
    pytest.param("*.tf\\", "backslash", id="trailing-backslash"),
    pytest.param("a\nb", "one pattern per entry", id="newline"),
]


@pytest.mark.parametrize(("pattern", "reason"), INVALID)
def test_invalid_pattern_is_rejected_with_a_reason(pattern: str, reason: str) -> None:
    with pytest.raises(PatternError, match=reason):
        compile_pattern(pattern)


def test_invalid_pattern_is_rejected_by_both_matchers() -> None:
    rule = [RuleSelector("tf", ("*.tf",), ("src/[abc",))]
    with pytest.raises(PatternError):
        PathMatcher(rule)
    with pytest.raises(PatternError):
        NaivePathMatcher(rule)


def test_pattern_error_is_a_value_error() -> None:
    assert issubclass(PatternError, ValueError)


HINTS = [
    pytest.param("*.tf", None, None, "tf", id="extension"),
    pytest.param("Jenkinsfile", None, "Jenkinsfile", None, id="basename"),
    pytest.param("values-prod.yaml", None, "values-prod.yaml", "yaml", id="basename-and-extension"),
    pytest.param(
        ".github/workflows/*.yml", ".github/workflows", None, "yml", id="fixed-directories"
    ),
    pytest.param("/Makefile", "Makefile", "Makefile", None, id="anchored-name"),
    pytest.param("docs/", None, "docs", None, id="directory-name"),
    pytest.param("src/**/*.py", "src", None, "py", id="prefix-before-double-star"),
    pytest.param("**/migrations/**", None, "migrations", None, id="name-between-double-stars"),
    pytest.param("\\!x", None, "!x", None, id="escaped-name"),
    pytest.param("*prod*", None, None, None, id="nothing-pinned"),
    pytest.param("!*.md", None, None, "md", id="negated-keeps-hints"),
]


@pytest.mark.parametrize(("pattern", "prefix", "name", "extension"), HINTS)
def test_pattern_exposes_the_literals_it_pins(
    pattern: str, prefix: str | None, name: str | None, extension: str | None
) -> None:
    compiled = compile_pattern(pattern)
    assert (compiled.prefix, compiled.name, compiled.extension) == (prefix, name, extension)


@pytest.mark.parametrize(
    ("pattern", "negated", "anchored", "directory_only"),
    [
        pytest.param("*.tf", False, False, False, id="plain"),
        pytest.param("!*.tf", True, False, False, id="negated"),
        pytest.param("/build/", False, True, True, id="anchored-directory"),
        pytest.param("build/", False, False, True, id="directory-any-depth"),
        pytest.param("a/b", False, True, False, id="inner-slash"),
    ],
)
def test_pattern_records_how_it_was_written(
    pattern: str, negated: bool, anchored: bool, directory_only: bool
) -> None:
    compiled = compile_pattern(pattern)
    assert compiled.source == pattern
    assert (compiled.negated, compiled.anchored, compiled.directory_only) == (
        negated,
        anchored,
        directory_only,
    )


_SEGMENTS = st.sampled_from(
    ["src", "docs", "a", "b.c", "x.tf", "*", "**", "?", "*.tf", "*.c", "[ab]*", "a*",
     "*b.c", "\\*", "[!x].tf", "foo**", "*.b.c"]
)  # fmt: skip
_COMPONENTS = st.sampled_from(
    ["src", "docs", "a", "b", "b.c", "a.b.c", "x.tf", "y.tf", ".tf", "*", "foo", "foox", "tf"]
)


@settings(max_examples=400, deadline=None)
@given(
    anchor=st.sampled_from(["", "/", "!", "!/"]),
    segments=st.lists(_SEGMENTS, min_size=1, max_size=4),
    trailing=st.booleans(),
    components=st.lists(_COMPONENTS, min_size=1, max_size=5),
)
def test_literal_hints_hold_for_every_path_a_pattern_matches(
    anchor: str, segments: list[str], trailing: bool, components: list[str]
) -> None:
    pattern = compile_pattern(anchor + "/".join(segments) + ("/" if trailing else ""))
    path = "/".join(components)
    if not pattern.matches(path):
        return
    if pattern.prefix is not None:
        assert path == pattern.prefix or path.startswith(pattern.prefix + "/")
    if pattern.name is not None:
        assert pattern.name in components
    if pattern.extension is not None:
        assert any(c.rpartition(".")[2] == pattern.extension for c in components if "." in c)
