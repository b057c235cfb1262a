"""Rules directories: strict validation with every error at its file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.policy.loader import RulesError, apply_repo_rules, load_rules_dir, rules_json_schema

GROUPS = """groups:
  platform-engineering:
    name: Platform Engineering
    members:
      - {github: alan-sherman, name: Alan Sherman}
"""
RULE = """rules:
  - id: ci-cd
    title: CI/CD
    group: platform-engineering
    paths: [".github/workflows/**"]
"""


def write(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def errors(directory: Path) -> list[str]:
    with pytest.raises(RulesError) as caught:
        load_rules_dir(directory)
    return [str(issue) for issue in caught.value.issues]


def test_valid_directory_merges_files(tmp_path: Path) -> None:
    ruleset = load_rules_dir(write(tmp_path, **{"groups.yml": GROUPS, "ci.yml": RULE}))
    assert [r.id for r in ruleset.rules] == ["ci-cd"]
    assert ruleset.settings.check_name == "gatehouse"


@pytest.mark.parametrize(
    ("rules_text", "line", "fragment"),
    [
        pytest.param(
            RULE.replace("title:", "titel:"),
            3,
            "unknown key 'titel' (did you mean 'title'?)",
            id="unknown-key-with-suggestion",
        ),
        pytest.param(
            RULE.replace("group: platform-engineering", "group: platform"),
            4,
            "unknown group 'platform'",
            id="unknown-group",
        ),
        pytest.param(
            RULE.replace('".github/workflows/**"', '"[abc"'), 5, "paths", id="invalid-glob"
        ),
        pytest.param(
            RULE + '    changed_lines: ["(oops"]\n',
            6,
            "invalid regular expression",
            id="invalid-regex",
        ),
        pytest.param(
            RULE.replace('    paths: [".github/workflows/**"]\n', ""),
            2,
            "needs paths, changed_lines or detect",
            id="missing-paths-and-lines",
        ),
        pytest.param(
            RULE.replace("    title: CI/CD\n", ""), 2, "'title' is required", id="missing-title"
        ),
        pytest.param(RULE.replace("id: ci-cd", "id: CI CD"), 2, "lower-case slugs", id="bad-id"),
        pytest.param("rules:\n  - id: x\n    id: y\n", 3, "appears twice", id="duplicate-yaml-key"),
        pytest.param("rules: [\n", 2, "not valid YAML", id="broken-yaml"),
        pytest.param(
            "rulez: []\n", 1, "unknown key 'rulez' (did you mean 'rules'?)", id="unknown-top-level"
        ),
    ],
)
def test_errors_name_file_and_line(
    tmp_path: Path, rules_text: str, line: int, fragment: str
) -> None:
    directory = write(tmp_path, **{"groups.yml": GROUPS, "ci.yml": rules_text})
    found = errors(directory)
    assert any(e.startswith(f"{directory / 'ci.yml'}:{line}:") and fragment in e for e in found), (
        found
    )


def test_duplicate_rule_ids_across_files(tmp_path: Path) -> None:
    directory = write(tmp_path, **{"groups.yml": GROUPS, "a.yml": RULE, "b.yml": RULE})
    assert any("b.yml:2: rule id 'ci-cd' is already used in" in e for e in errors(directory))


def test_settings_in_two_files_is_an_error(tmp_path: Path) -> None:
    directory = write(
        tmp_path, **{"groups.yml": GROUPS, "a.yml": "settings: {}\n", "b.yml": "settings: {}\n"}
    )
    assert any("'settings' is already defined in" in e for e in errors(directory))


def test_every_error_is_reported_at_once(tmp_path: Path) -> None:
    bad = (
        RULE.replace("title:", "titel:")
        + "  - id: two\n    title: T\n    group: nobody\n    paths: [x]\n"
    )
    found = errors(write(tmp_path, **{"groups.yml": GROUPS, "ci.yml": bad}))
    assert [e.split(": ", 1)[1] for e in found] == [
        "rule 'ci-cd': 'title' is required",
        "unknown key 'titel' (did you mean 'title'?)",
        "rule 'two': unknown group 'nobody' (known: platform-engineering)",
    ]


def test_missing_directory(tmp_path: Path) -> None:
    assert "does not exist" in errors(tmp_path / "nope")[0]


class TestRepositoryFile:
    @pytest.fixture
    def base(self, tmp_path: Path):  # type: ignore[no-untyped-def]
        return load_rules_dir(write(tmp_path, **{"groups.yml": GROUPS, "ci.yml": RULE}))

    def test_adds_rules_and_overrides_jira_project(self, base) -> None:  # type: ignore[no-untyped-def]
        text = "settings:\n  jira: {project: OTHER}\n" + RULE.replace("ci-cd", "extra").replace(
            ".github/workflows/**", "deploy/**"
        )
        merged = apply_repo_rules(base, text)
        assert [r.id for r in merged.rules] == ["ci-cd", "extra"]
        assert merged.settings.jira.project == "OTHER"

    @pytest.mark.parametrize(
        ("text", "fragment"),
        [
            pytest.param(RULE, "organisation rule and cannot be redefined", id="cannot-redefine"),
            pytest.param("groups: {}\n", "unknown key 'groups'", id="cannot-define-groups"),
            pytest.param(
                "settings:\n  slack: {channel: x}\n", "unknown key 'slack'", id="only-jira-settings"
            ),
        ],
    )
    def test_cannot_weaken(self, base, text: str, fragment: str) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(RulesError) as caught:
            apply_repo_rules(base, text)
        assert fragment in str(caught.value)
        assert str(caught.value).startswith(".github/gatehouse.yml:")


def test_json_schema_describes_rules() -> None:
    schema = rules_json_schema()
    json.dumps(schema)
    assert "rules" in schema["properties"]
    assert schema["$defs"]["Rule"]["additionalProperties"] is False
