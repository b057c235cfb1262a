"""Reading unified diffs: real ``git`` and GNU ``diff`` output, checked against unidiff."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from unidiff.patch import PatchSet

from app.policy.diff import DiffError, LineChange, changed_lines, split_unified_diff
from app.policy.snapshot import ChangedFile, FileStatus

_GIT_ENV = {
    **{key: value for key, value in os.environ.items() if not key.startswith("GIT_")},
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "Gate House",
    "GIT_AUTHOR_EMAIL": "gatehouse@example.com",
    "GIT_COMMITTER_NAME": "Gate House",
    "GIT_COMMITTER_EMAIL": "gatehouse@example.com",
    "GIT_AUTHOR_DATE": "2026-01-05T10:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-05T10:00:00Z",
}


class Repo:
    """A throwaway git repository driven by the real ``git`` binary."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=self.root, env=_GIT_ENV, capture_output=True, check=True
        )
        return done.stdout.decode("utf-8")

    def write(self, name: str, content: str | bytes) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        path.write_bytes(data)

    def remove(self, name: str) -> None:
        (self.root / name).unlink()

    def commit(self, message: str = "change") -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)

    def staged(self, *options: str) -> str:
        """``git diff`` of everything written since the last commit."""
        self.git("add", "-A")
        return self.git("diff", "--cached", "-M", *options)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    (tmp_path / "repo").mkdir()
    return Repo(tmp_path / "repo")


def numbered(count: int, start: int = 1) -> str:
    return "".join(f"line {n}\n" for n in range(start, start + count))


def lines_of(changed: ChangedFile) -> list[LineChange]:
    assert changed.patch is not None
    return list(changed_lines(changed.patch))


def test_modified_file_patch_is_the_hunk_text_github_shows(repo: Repo) -> None:
    repo.write("app/main.py", numbered(10))
    repo.commit()
    repo.write("app/main.py", numbered(10).replace("line 5\n", "line five\n"))

    (changed,) = split_unified_diff(repo.staged())

    patch = (
        "@@ -2,7 +2,7 @@ line 1\n line 2\n line 3\n line 4\n"
        "-line 5\n+line five\n line 6\n line 7\n line 8"
    )
    assert changed == ChangedFile("app/main.py", FileStatus.MODIFIED, None, patch, False)
    assert lines_of(changed) == [
        LineChange("removed", 5, "line 5"),
        LineChange("added", 5, "line five"),
    ]


def test_rename_without_edits_has_both_names_and_no_patch(repo: Repo) -> None:
    repo.write("old/name.tf", numbered(20))
    repo.commit()
    repo.remove("old/name.tf")
    repo.write("new/name.tf", numbered(20))

    assert split_unified_diff(repo.staged()) == (
        ChangedFile("new/name.tf", FileStatus.RENAMED, "old/name.tf", None, False),
    )


def test_rename_with_edits_keeps_both_names_and_the_hunks(repo: Repo) -> None:
    repo.write("deploy/values.yaml", numbered(20))
    repo.commit()
    repo.remove("deploy/values.yaml")
    repo.write("deploy/values-prod.yaml", numbered(20).replace("line 20\n", "replicas: 3\n"))

    (changed,) = split_unified_diff(repo.staged())

    assert (changed.path, changed.status, changed.previous_path) == (
        "deploy/values-prod.yaml",
        FileStatus.RENAMED,
        "deploy/values.yaml",
    )
    assert lines_of(changed) == [
        LineChange("removed", 20, "line 20"),
        LineChange("added", 20, "replicas: 3"),
    ]


def test_copy_is_reported_as_copied_from_its_source(repo: Repo) -> None:
    repo.write("ci/base.yml", numbered(30))
    repo.commit()
    repo.write("ci/copy.yml", numbered(30))

    files = split_unified_diff(repo.staged("-C", "--find-copies-harder"))

    assert files == (ChangedFile("ci/copy.yml", FileStatus.COPIED, "ci/base.yml", None, False),)


def test_deleted_file_reports_every_line_as_removed(repo: Repo) -> None:
    repo.write("Jenkinsfile", numbered(3))
    repo.commit()
    repo.remove("Jenkinsfile")

    (changed,) = split_unified_diff(repo.staged())

    assert (changed.path, changed.status, changed.patch) == (
        "Jenkinsfile",
        FileStatus.REMOVED,
        "@@ -1,3 +0,0 @@\n-line 1\n-line 2\n-line 3",
    )
    assert [change.line for change in lines_of(changed)] == [1, 2, 3]


def test_new_empty_file_is_added_without_a_patch(repo: Repo) -> None:
    repo.commit()
    repo.write("CODEOWNERS", "")

    assert split_unified_diff(repo.staged()) == (
        ChangedFile("CODEOWNERS", FileStatus.ADDED, None, None, False),
    )


@pytest.mark.parametrize(
    "options", [(), ("--binary",)], ids=["binary-files-differ", "git-binary-patch"]
)
def test_binary_files_are_flagged_and_have_no_patch(repo: Repo, options: tuple[str, ...]) -> None:
    repo.write("logo.png", b"\x89PNG\x00\x01\x02")
    repo.write("notes.txt", numbered(2))
    repo.commit()
    repo.write("logo.png", b"\x89PNG\x00\x03\x04" * 50)
    repo.write("icon.png", b"\x00\xff" * 10)
    repo.write("notes.txt", numbered(3))

    files = split_unified_diff(repo.staged(*options))

    assert [(f.path, f.status, f.binary, f.patch is None) for f in files] == [
        ("icon.png", FileStatus.ADDED, True, True),
        ("logo.png", FileStatus.MODIFIED, True, True),
        ("notes.txt", FileStatus.MODIFIED, False, False),
    ]


def test_mode_change_alone_is_modified_without_patch_and_not_binary(repo: Repo) -> None:
    repo.write("scripts/deploy.sh", "#!/bin/sh\n")
    repo.commit()
    (repo.root / "scripts/deploy.sh").chmod(0o755)

    assert split_unified_diff(repo.staged()) == (
        ChangedFile("scripts/deploy.sh", FileStatus.MODIFIED, None, None, False),
    )


def test_missing_newline_marker_stays_in_patch_but_is_not_a_line(repo: Repo) -> None:
    repo.write("VERSION", "1.0\n")
    repo.commit()
    repo.write("VERSION", "1.1")

    (changed,) = split_unified_diff(repo.staged())

    assert changed.patch == "@@ -1 +1 @@\n-1.0\n+1.1\n\\ No newline at end of file"
    assert lines_of(changed) == [LineChange("removed", 1, "1.0"), LineChange("added", 1, "1.1")]


def test_crlf_file_keeps_carriage_returns_in_patch_but_not_in_lines(repo: Repo) -> None:
    repo.write("win.ini", "a\r\nb\r\n")
    repo.commit()
    repo.write("win.ini", "a\r\nc\r\n")

    (changed,) = split_unified_diff(repo.staged())

    assert changed.patch == "@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r"
    assert lines_of(changed) == [LineChange("removed", 2, "b"), LineChange("added", 2, "c")]


def test_diff_saved_with_crlf_line_endings_reads_the_same(repo: Repo) -> None:
    repo.write("a.txt", numbered(5))
    repo.write("b c.txt", numbered(5))
    repo.commit()
    repo.write("a.txt", numbered(6))
    repo.remove("b c.txt")
    text = repo.staged()

    plain = split_unified_diff(text)
    windows = split_unified_diff(text.replace("\n", "\r\n"))

    assert [(f.path, f.status) for f in windows] == [(f.path, f.status) for f in plain]
    assert [lines_of(f) for f in windows] == [lines_of(f) for f in plain]


def test_paths_with_spaces_and_non_ascii_are_decoded(repo: Repo) -> None:
    repo.write("docs/read me.md", numbered(3))
    repo.write("caf\u00e9/na\u00efve.txt", numbered(3))
    repo.write("old dir/x y.tf", numbered(3))
    repo.commit()
    repo.write("docs/read me.md", numbered(4))
    repo.write("caf\u00e9/na\u00efve.txt", numbered(4))
    repo.write('say "hi".txt', "hi\n")
    repo.remove("old dir/x y.tf")
    repo.write("new dir/x y.tf", numbered(3))
    (repo.root / "docs/read me.md").chmod(0o755)

    files = split_unified_diff(repo.staged())

    assert [(f.path, f.status, f.previous_path) for f in files] == [
        ("caf\u00e9/na\u00efve.txt", FileStatus.MODIFIED, None),
        ("docs/read me.md", FileStatus.MODIFIED, None),
        ("new dir/x y.tf", FileStatus.RENAMED, "old dir/x y.tf"),
        ('say "hi".txt', FileStatus.ADDED, None),
    ]
    assert lines_of(files[1]) == [LineChange("added", 4, "line 4")]


def test_no_prefix_output_keeps_names_as_they_are(repo: Repo) -> None:
    repo.write("a/b.txt", numbered(3))
    repo.write("b/moved.txt", numbered(10))
    repo.write("plain.txt", numbered(3))
    repo.commit()
    repo.write("a/b.txt", numbered(4))
    repo.remove("b/moved.txt")
    repo.write("a/moved.txt", numbered(11))
    repo.write("a/b c.txt", "new\n")
    (repo.root / "plain.txt").chmod(0o755)

    files = split_unified_diff(repo.staged("--no-prefix"))

    assert [(f.path, f.status, f.previous_path) for f in files] == [
        ("a/b c.txt", FileStatus.ADDED, None),
        ("a/b.txt", FileStatus.MODIFIED, None),
        ("a/moved.txt", FileStatus.RENAMED, "b/moved.txt"),
        ("plain.txt", FileStatus.MODIFIED, None),
    ]


def test_format_patch_series_keeps_each_occurrence_of_a_path(repo: Repo) -> None:
    repo.write("main.tf", numbered(5))
    repo.commit("base")
    repo.write("main.tf", numbered(6))
    repo.commit("first\n\nA body line.\n\n-- \nnot a signature")
    repo.write("main.tf", numbered(7))
    repo.write("mode.sh", "echo\n")
    repo.commit("second")
    (repo.root / "mode.sh").chmod(0o755)
    repo.commit("third")
    text = repo.git("format-patch", "--stdout", "HEAD~3")

    files = split_unified_diff(text)

    assert [(f.path, f.status) for f in files] == [
        ("main.tf", FileStatus.MODIFIED),
        ("main.tf", FileStatus.MODIFIED),
        ("mode.sh", FileStatus.ADDED),
        ("mode.sh", FileStatus.MODIFIED),
    ]
    assert files[0].patch == "@@ -3,3 +3,4 @@ line 2\n line 3\n line 4\n line 5\n+line 6"
    assert lines_of(files[1]) == [LineChange("added", 7, "line 7")]
    assert files[3].patch is None


def test_git_show_commit_header_is_not_part_of_any_file(repo: Repo) -> None:
    repo.write("go.mod", "module x\n")
    repo.commit()
    repo.write("go.mod", "module x\n\nrequire y v1.0.0\n")
    repo.commit("diff --git is only quoted here\n\n@@ neither is this a hunk")

    (changed,) = split_unified_diff(repo.git("show", "HEAD"))

    assert lines_of(changed) == [
        LineChange("added", 2, ""),
        LineChange("added", 3, "require y v1.0.0"),
    ]


def test_hunk_lines_that_look_like_headers_stay_in_their_file(repo: Repo) -> None:
    before = numbered(20).replace("line 5\n", "-- v1\n").replace("line 15\n", "-- w1\n")
    repo.write("schema.sql", before)
    repo.commit()
    repo.write("schema.sql", before.replace("-- v1", "++ v2").replace("-- w1", "++ w2"))
    git_text = repo.staged("-U0")
    plain_text = git_text.split("\n", 2)[2]  # without "diff --git" and "index": GNU style

    for text in (git_text, plain_text):
        (changed,) = split_unified_diff(text)
        assert lines_of(changed) == [
            LineChange("removed", 5, "-- v1"),
            LineChange("added", 5, "++ v2"),
            LineChange("removed", 15, "-- w1"),
            LineChange("added", 15, "++ w2"),
        ]


def test_gnu_recursive_diff_reads_new_binary_and_quoted_files(tmp_path: Path) -> None:
    if shutil.which("diff") is None:
        pytest.skip("GNU diff is not installed")
    for side, text in (("a", "one\n"), ("b", "two\n")):
        (tmp_path / side / "src").mkdir(parents=True)
        (tmp_path / side / "src" / "app.py").write_text(text)
        (tmp_path / side / "caf\u00e9 menu.txt").write_text(text)
        (tmp_path / side / "logo.bin").write_bytes(b"\x00" + text.encode())
    (tmp_path / "b" / "new.tf").write_text("resource {}\n")
    (tmp_path / "a" / "gone.txt").write_text("bye\n")
    done = subprocess.run(
        ["diff", "-ruN", "a", "b"],
        cwd=tmp_path,
        capture_output=True,
        env={**os.environ, "LC_ALL": "C"},
    )

    files = split_unified_diff(done.stdout.decode())

    assert sorted((f.path, f.status, f.binary) for f in files) == [
        ("caf\u00e9 menu.txt", FileStatus.MODIFIED, False),
        ("gone.txt", FileStatus.REMOVED, False),
        ("logo.bin", FileStatus.MODIFIED, True),
        ("new.tf", FileStatus.ADDED, False),
        ("src/app.py", FileStatus.MODIFIED, False),
    ]


def _random_lines(rng: random.Random, count: int) -> list[str]:
    tricky = ["", "-- sql comment", "++ counter", "@@ not a hunk", "\\ backslash", "--- x"]
    return [
        rng.choice(tricky) if rng.random() < 0.1 else f"value_{rng.randrange(1000)} = {n}"
        for n in range(count)
    ]


def _random_history(repo: Repo, rng: random.Random) -> str:
    names = [f"src/module_{n}.py" for n in range(10)] + ["infra/main.tf", "package.json"]
    contents = {name: _random_lines(rng, rng.randint(3, 60)) for name in names}
    for name, lines in contents.items():
        repo.write(name, "\n".join(lines) + "\n")
    repo.commit()
    for name, lines in contents.items():
        roll = rng.random()
        if roll < 0.1:
            repo.remove(name)
            continue
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(lines))
            action = rng.choice(["replace", "insert", "delete"])
            if action == "delete" and len(lines) > 2:
                del lines[at]
            else:
                lines[at : at + (action == "replace")] = _random_lines(rng, rng.randint(1, 3))
        end = "" if rng.random() < 0.15 else "\n"
        if roll < 0.25:
            repo.remove(name)
            name = name.replace("src/", "lib/")
        repo.write(name, "\n".join(lines) + end)
    repo.write("src/added.py", "\n".join(_random_lines(rng, 8)) + "\n")
    return repo.staged()


FileView = tuple[str, str, list[tuple[str, int | None, str]]]


def _unidiff_view(text: str) -> list[FileView]:
    """Path, status and changed lines as unidiff reads them (the oracle)."""
    view: list[FileView] = []
    for patched in PatchSet(text):
        if patched.is_added_file:
            status = "added"
        elif patched.is_removed_file:
            status = "removed"
        else:
            status = "renamed" if patched.is_rename else "modified"
        lines: list[tuple[str, int | None, str]] = []
        for hunk in patched:
            for line in hunk:
                if line.is_added:
                    lines.append(("added", line.target_line_no, line.value.rstrip("\n")))
                elif line.is_removed:
                    lines.append(("removed", line.source_line_no, line.value.rstrip("\n")))
        view.append((patched.path, status, lines))
    return view


def _our_view(text: str) -> list[FileView]:
    return [
        (
            changed.path,
            str(changed.status),
            [(c.side, c.line, c.text) for c in changed_lines(changed.patch or "")],
        )
        for changed in split_unified_diff(text)
    ]


@pytest.mark.parametrize("seed", range(6), ids=lambda seed: f"seed-{seed}")
def test_files_statuses_and_lines_agree_with_unidiff(repo: Repo, seed: int) -> None:
    text = _random_history(repo, random.Random(seed))

    assert _our_view(text) == _unidiff_view(text)


@pytest.mark.parametrize("seed", range(3), ids=lambda seed: f"seed-{seed}")
def test_gnu_diff_files_and_lines_agree_with_unidiff(repo: Repo, tmp_path: Path, seed: int) -> None:
    if shutil.which("diff") is None:
        pytest.skip("GNU diff is not installed")
    _random_history(repo, random.Random(seed))
    (tmp_path / "a").mkdir()
    repo.git("--work-tree", str(tmp_path / "a"), "checkout", "HEAD", "--", ".")
    shutil.copytree(repo.root, tmp_path / "b", ignore=shutil.ignore_patterns(".git"))
    done = subprocess.run(["diff", "-ruN", "a", "b"], cwd=tmp_path, capture_output=True)
    text = done.stdout.decode()

    assert _our_view(text) == _unidiff_view(text)


def test_format_patch_series_agrees_with_unidiff(repo: Repo) -> None:
    rng = random.Random(99)
    _random_history(repo, rng)
    repo.commit("one")
    _random_history(repo, rng)
    repo.commit("two")
    text = repo.git("format-patch", "--stdout", "HEAD~3")

    assert _our_view(text) == _unidiff_view(text)


def test_changed_lines_numbers_follow_each_hunk_header() -> None:
    patch = (
        "@@ -1 +1,2 @@ def f():\n-a\n+b\n+c\n"
        "@@ -10,2 +11 @@\n x\r\n-y\r\n\\ No newline at end of file"
    )

    assert list(changed_lines(patch)) == [
        LineChange("removed", 1, "a"),
        LineChange("added", 1, "b"),
        LineChange("added", 2, "c"),
        LineChange("removed", 11, "y"),
    ]


def test_changed_lines_keep_form_feeds_and_line_separators_inside_a_line() -> None:
    patch = "@@ -1,2 +1,2 @@\n-\x0cpage\u2028break\n+new\n same"

    assert list(changed_lines(patch)) == [
        LineChange("removed", 1, "\x0cpage\u2028break"),
        LineChange("added", 1, "new"),
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "   \n"], ids=["empty", "newlines", "blank"])
def test_blank_input_has_no_files(text: str) -> None:
    assert split_unified_diff(text) == ()


GIT_HEAD = "diff --git a/x b/x\nindex 1111111..2222222 100644\n--- a/x\n+++ b/x\n"

BROKEN_DIFFS = [
    pytest.param("hello\nworld\n", 1, "not a unified diff", id="prose"),
    pytest.param("\n\n  just text\n", 3, "not a unified diff", id="prose-after-blank-lines"),
    pytest.param("@@ -1 +1 @@\n-a\n+b\n", 1, "not a unified diff", id="hunk-without-file"),
    pytest.param(GIT_HEAD + "@@ -1 +x @@\n-a\n", 5, "malformed hunk header", id="bad-numbers"),
    pytest.param(GIT_HEAD + "@@ -1,2 +1,2 @@\n-a\n+b\n", 5, "shorter", id="hunk-too-short"),
    pytest.param(GIT_HEAD + "@@ -1 +1 @@\n-a\n-b\n+c\n", 5, "longer", id="hunk-too-long"),
    pytest.param(
        GIT_HEAD + "@@ -1 +1 @@\n-a\n+b\njunk\n@@ -5 +5 @@\n-c\n+d\n",
        8,
        "between two hunks",
        id="text-between-hunks",
    ),
    pytest.param(
        "--- a/x\n+++ b/x\n@@ -1,3 +1 @@\n-a\n+b\n", 3, "shorter", id="plain-hunk-too-short"
    ),
    pytest.param(
        "diff --git a/x b/x\nsimilarity: 90\n@@ -1 +1 @@\n-a\n+b\n",
        2,
        "unexpected line in a file header",
        id="unknown-header-line",
    ),
    pytest.param(
        "diff --cc x\nindex 1,2..3\n@@@ -1,1 -1,1 +1,1 @@@\n", 1, "combined", id="merge-diff"
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), BROKEN_DIFFS)
def test_broken_diffs_are_rejected_with_their_line(text: str, line: int, message: str) -> None:
    with pytest.raises(DiffError, match=message) as caught:
        split_unified_diff(text)

    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}: ")


BROKEN_PATCHES = [
    pytest.param("-a\n+b", 1, "must start with a hunk header", id="no-header"),
    pytest.param("@@ -1 +1 @@\n-a\n@@ -x +2 @@\n+b", 3, "malformed", id="bad-second-header"),
    pytest.param(
        "@@ -1 +1 @@\n-a\n+b\ndiff --git a/x b/x", 4, "unexpected line", id="header-inside"
    ),
]


@pytest.mark.parametrize(("patch", "line", "message"), BROKEN_PATCHES)
def test_broken_patches_are_rejected_with_their_line(patch: str, line: int, message: str) -> None:
    with pytest.raises(DiffError, match=message) as caught:
        list(changed_lines(patch))

    assert caught.value.line == line
