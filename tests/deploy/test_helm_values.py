"""The chart's values explain themselves, follow gatehouse's version, and become an
environment that gatehouse's own settings accept."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.settings import REPO_ROOT, load_settings
from tests.deploy.rendering import CHART, render, require
from tests.deploy.scenarios import SCENARIOS, SEVERAL_REPLICAS, TRIAL

helm = require("helm_python", "the Helm renderer")

SETTINGS_PREFIXES = ("GITHUB_", "GATEHOUSE_", "JIRA_", "SLACK_")


@pytest.fixture(scope="module", autouse=True)
def _quiet_renderer() -> None:
    helm.disable_logging()


def test_app_version_is_gatehouse_version_and_the_default_image_tag() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text(encoding="utf-8"))
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    version = pyproject["project"]["version"]
    assert (chart["apiVersion"], chart["name"], chart["appVersion"]) == ("v2", "gatehouse", version)
    assert render(helm, {}).container["image"] == f"gatehouse:{version}"


def test_every_value_has_a_comment() -> None:
    undocumented = []
    previous = ""
    lines = (CHART / "values.yaml").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        is_key = re.match(r"^\s*(- )?[A-Za-z][\w.-]*:", line)
        commented = previous.lstrip().startswith(("#", "- #")) or "#" in line
        if is_key and not commented:
            undocumented.append(f"values.yaml:{number}: {line.strip()}")
        previous = line
    assert not undocumented, "\n".join(undocumented)


def test_every_environment_variable_is_one_gatehouse_documents() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", readme))
    names: set[str] = set()
    for values in SCENARIOS.values():
        names |= set(render(helm, values).env)
    assert names - documented == set()


@pytest.mark.parametrize(("values", "expected"), [(SEVERAL_REPLICAS, "26"), (TRIAL, "80")])
def test_github_write_pace_is_shared_by_the_replicas(values: dict[str, Any], expected: str) -> None:
    assert render(helm, values).plain_env()["GATEHOUSE_GITHUB_WRITES_PER_MINUTE"] == expected


@pytest.mark.parametrize(("pace", "expected"), [(0, "0"), (40, "40"), (26.5, "26.5")])
def test_an_explicit_write_pace_is_kept(pace: float, expected: str) -> None:
    values = {"throughput": {"githubWritesPerMinute": pace}}
    assert render(helm, values).plain_env()["GATEHOUSE_GITHUB_WRITES_PER_MINUTE"] == expected


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_rendered_environment_is_accepted_by_gatehouse_settings(
    scenario: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = render(helm, SCENARIOS[scenario])
    for name in os.environ:
        if name.startswith(SETTINGS_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env file
    key = tmp_path / "private-key.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\n", encoding="utf-8")
    from_secret = {
        "GITHUB_APP_ID": "1234567",
        "GATEHOUSE_DATABASE_URL": "postgresql+psycopg://gatehouse@db.example.com/gatehouse",
        "GATEHOUSE_SESSION_SECRET": "a-session-secret-of-at-least-32-characters",
    }
    for name, item in rendered.env.items():
        value = item["value"] if "value" in item else from_secret.get(name, f"secret {name}")
        monkeypatch.setenv(name, key.as_posix() if name == "GITHUB_PRIVATE_KEY_PATH" else value)

    settings = load_settings()
    settings.require_service()

    env = rendered.plain_env()
    assert settings.github_api_url == env["GITHUB_API_URL"].rstrip("/")
    assert settings.workers == int(env["GATEHOUSE_WORKERS"])
    assert settings.follow_up_workers == int(env["GATEHOUSE_FOLLOW_UP_WORKERS"])
    assert settings.installation_concurrency == int(env["GATEHOUSE_INSTALLATION_CONCURRENCY"])
    assert settings.jira_enabled is ("JIRA_API_TOKEN" in rendered.env)
    assert settings.slack_enabled is ("SLACK_BOT_TOKEN" in rendered.env)
    assert settings.sign_in_enabled is ("GITHUB_CLIENT_ID" in rendered.env)
    if "GATEHOUSE_RULES_DIR" in env:
        assert settings.rules_dir == Path("/srv/gatehouse/rules")
    if scenario == "sqlite-trial":
        assert settings.github_app_id == 1234567
        assert settings.public_url == "https://gatehouse.internal.example.com"


@pytest.mark.parametrize("scenario", ["default", "postgresql-3-replicas-ingress"])
def test_helm_lint_finds_no_warning(scenario: str) -> None:
    report = helm.lint(str(CHART), SCENARIOS[scenario], strict=True)
    problems = [message for message in report["messages"] if message["severity"] >= 2]
    assert (problems, report["errors"]) == ([], [])
