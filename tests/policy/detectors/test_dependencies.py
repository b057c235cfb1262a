"""The dependency detector tells a new dependency from a bump, in every manifest it reads."""

from __future__ import annotations

import pytest

from app.policy.detectors.dependencies import DETECTOR
from tests.policy.detectors.patches import view_of

GO_MOD = """module example.com/orders

go 1.23

require (
\tgithub.com/go-chi/chi/v5 v5.0.12
\tgithub.com/google/uuid v1.6.0
\tgo.opentelemetry.io/otel v1.28.0
\tgolang.org/x/sync v0.7.0 // indirect
)
"""


def kinds(path: str, before: str, after: str, context: int = 3) -> list[str]:
    return sorted(f.kind for f in DETECTOR.run(view_of(path, before, after, context)))


@pytest.mark.parametrize(
    ("case", "after", "expected"),
    [
        (
            "bumps_are_bumps",
            GO_MOD.replace("v5.0.12", "v5.1.0").replace("v1.28.0", "v1.29.0"),
            ["dependency.bump", "dependency.bump"],
        ),
        (
            "a_new_module_is_added",
            GO_MOD.replace(
                "\tgithub.com/google/uuid",
                "\tgithub.com/nats-io/nats.go v1.37.0\n\tgithub.com/google/uuid",
            ),
            ["dependency.added"],
        ),
        (
            "a_removed_module_is_removed",
            GO_MOD.replace("\tgithub.com/google/uuid v1.6.0\n", ""),
            ["dependency.removed"],
        ),
        (
            "a_new_major_import_path_is_a_major_change",
            GO_MOD.replace("github.com/go-chi/chi/v5 v5.0.12", "github.com/go-chi/chi/v6 v6.0.0"),
            ["dependency.major"],
        ),
        (
            "indirect_changes_are_bookkeeping",
            GO_MOD.replace("v0.7.0 // indirect", "v0.8.0 // indirect").replace(
                ")\n", "\tgolang.org/x/text v0.16.0 // indirect\n)\n"
            ),
            ["dependency.indirect", "dependency.indirect"],
        ),
        (
            "promoting_an_indirect_module_adds_nothing_new",
            GO_MOD.replace("v0.7.0 // indirect", "v0.7.0"),
            ["dependency.indirect"],
        ),
        (
            "the_go_directive_is_the_toolchain",
            GO_MOD.replace("go 1.23", "go 1.24"),
            ["dependency.toolchain"],
        ),
    ],
)
def test_go_mod(case: str, after: str, expected: list[str]) -> None:
    assert kinds("go.mod", GO_MOD, after) == expected


def test_go_mod_read_from_hunks_of_a_long_file() -> None:
    long_before = GO_MOD.replace(
        "require (", "require (\n" + "".join(f"\texample.com/m{i} v1.0.{i}\n" for i in range(30))
    )
    after = long_before.replace("example.com/m15 v1.0.15", "example.com/m15 v1.0.16")
    view = view_of("go.mod", long_before, after)
    assert view.texts == (None, None)  # the hunk does not show the whole file
    assert [f.kind for f in DETECTOR.run(view)] == ["dependency.bump"]
    message = DETECTOR.run(view)[0].message
    assert "example.com/m15" in message and "v1.0.15 -> v1.0.16" in message


PACKAGE_JSON = """{
  "name": "web",
  "version": "1.2.0",
  "scripts": {"build": "vite build"},
  "dependencies": {
    "react": "^18.2.0",
    "zod": "^3.22.0"
  },
  "devDependencies": {"vitest": "^1.6.0"}
}
"""


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (PACKAGE_JSON.replace('"version": "1.2.0"', '"version": "1.3.0"'), []),
        (PACKAGE_JSON.replace("^18.2.0", "^18.3.1"), ["dependency.bump"]),
        (PACKAGE_JSON.replace("^18.2.0", "^19.0.0"), ["dependency.major"]),
        (
            PACKAGE_JSON.replace('"zod": "^3.22.0"', '"zod": "^3.22.0",\n    "axios": "^1.7.0"'),
            ["dependency.added"],
        ),
        (PACKAGE_JSON.replace('"vite build"', '"vite build --mode prod"'), []),
    ],
    ids=["own_version", "bump", "major", "new_package", "script_change"],
)
def test_package_json(after: str, expected: list[str]) -> None:
    assert kinds("web/package.json", PACKAGE_JSON, after) == expected


@pytest.mark.parametrize(
    ("path", "before", "after", "expected"),
    [
        ("requirements.txt", "httpx==0.27.0\n", "httpx==0.28.1\n", ["dependency.bump"]),
        (
            "requirements-dev.txt",
            "pytest==8.0\n",
            "pytest==8.0\nhypothesis>=6\n",
            ["dependency.added"],
        ),
        (
            "pyproject.toml",
            '[project]\nname = "x"\nversion = "1"\ndependencies = ["httpx>=0.27"]\n',
            '[project]\nname = "x"\nversion = "2"\ndependencies = ["httpx>=0.27", "orjson>=3"]\n',
            ["dependency.added"],
        ),
        (
            "Cargo.toml",
            '[package]\nname = "x"\nversion = "0.1.0"\n\n[dependencies]\nserde = "1.0"\n',
            '[package]\nname = "x"\nversion = "0.2.0"\n\n[dependencies]\nserde = "1.0"\ntokio = { version = "1", features = ["full"] }\n',
            ["dependency.added"],
        ),
        (
            "Gemfile",
            "gem 'rails', '~> 7.1'\n",
            "gem 'rails', '~> 7.1'\ngem 'sidekiq'\n",
            ["dependency.added"],
        ),
        (
            "charts/api/Chart.yaml",
            "apiVersion: v2\nname: api\nversion: 0.1.0\n",
            "apiVersion: v2\nname: api\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: 19.0.0\n",
            ["dependency.added"],
        ),
        (
            "pom.xml",
            "<project><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId>"
            "<version>1.0</version></dependency></dependencies></project>\n",
            "<project><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId>"
            "<version>1.1</version></dependency></dependencies></project>\n",
            ["dependency.bump"],
        ),
    ],
    ids=[
        "requirements_bump",
        "requirements_new",
        "pyproject_new",
        "cargo_new",
        "gem_new",
        "chart_dep",
        "pom_bump",
    ],
)
def test_other_manifests(path: str, before: str, after: str, expected: list[str]) -> None:
    assert kinds(path, before, after) == expected


def test_a_manifest_that_does_not_parse_counts_fail_closed() -> None:
    found = DETECTOR.run(view_of("package.json", '{"dependencies": {}}\n', '{"dependencies": {\n'))
    assert [f.kind for f in found] == ["dependency.unreadable"]
    assert "counted as such a change" in found[0].message


def test_lock_files_are_not_read() -> None:
    assert not DETECTOR.handles("go.sum")
    assert not DETECTOR.handles("package-lock.json")
    assert not DETECTOR.handles("poetry.lock")


def test_summary_says_bumps_and_no_new_module() -> None:
    after = GO_MOD.replace("v5.0.12", "v5.1.0").replace("v1.28.0", "v1.29.0")
    findings = DETECTOR.run(view_of("go.mod", GO_MOD, after))
    assert DETECTOR.summarize("go.mod", findings) == "go.mod: 2 version bumps, no new Go module"
