"""``gatehouse setup`` through the fake GitHub's manifest flow, as a browser walks it: the
local page, GitHub's confirmation, the redirect back; then the private ``.env`` that
gatehouse's settings read back. Also the env file's own guarantees."""

from __future__ import annotations

import os
import queue
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from app.cli import main
from app.sandbox.fake_github import GitHubState, serve_github
from app.settings import REPO_ROOT, ServiceSettings
from app.setup import (
    Registered,
    SetupError,
    SetupOptions,
    SetupTimeout,
    find_manifest,
    load_manifest,
    prepare_manifest,
    run_setup,
    write_env,
)
from tests.sandbox.browser import submit, the_form

PUBLIC = "https://gatehouse.example.com"


@dataclass
class Run:
    """``run_setup`` in a thread: its local URL once listening, then its outcome."""

    url: str
    thread: threading.Thread
    outcome: dict[str, Any] = field(default_factory=dict)

    def result(self) -> Registered:
        self.thread.join(30)
        assert not self.thread.is_alive()
        if "error" in self.outcome:
            raise self.outcome["error"]
        registered: Registered = self.outcome["result"]
        return registered


def start(settings: ServiceSettings, options: SetupOptions) -> Run:
    ready: queue.Queue[str] = queue.Queue()
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = run_setup(settings, options, on_ready=ready.put)
        except SetupError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return Run(ready.get(timeout=10), thread, outcome)


@pytest.fixture
def github() -> Iterator[tuple[GitHubState, str]]:
    state = GitHubState()
    with serve_github(state) as server:
        yield state, server.url
        assert state.violations == []


@pytest.fixture
def settings(github: tuple[GitHubState, str]) -> ServiceSettings:
    url = github[1]
    return ServiceSettings(
        _env_file=None, github_web_url=url, github_api_url=url, public_url=PUBLIC
    )


def options(tmp_path: Path, **changes: Any) -> SetupOptions:
    chosen: dict[str, Any] = {"env_file": tmp_path / ".env", "port": 0, "timeout": 30.0}
    return SetupOptions(**{**chosen, **changes})


def walk(run: Run) -> httpx.Response:
    """Open the local page, start, confirm on GitHub and follow GitHub back."""
    page = httpx.get(run.url, timeout=10.0)
    assert page.status_code == 200
    assert the_form(page).buttons == ["Start"]
    confirmation = submit(page)
    assert confirmation.status_code == 200, confirmation.text
    back = submit(confirmation)
    assert back.status_code == 302, back.text
    assert back.headers["location"].startswith(run.url + "callback?")
    return httpx.get(back.headers["location"], timeout=30.0)


def test_setup_registers_the_app_and_writes_a_private_env_file(
    github: tuple[GitHubState, str], settings: ServiceSettings, tmp_path: Path
) -> None:
    state, url = github
    run = start(settings, options(tmp_path))
    done = walk(run)
    assert done.status_code == 200
    registered = run.result()
    assert f"{registered.html_url}/installations/new" in done.text
    env_file = tmp_path / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    app = state.apps[registered.app_id]
    assert (app.slug, app.owner) == ("gatehouse", "octocat")
    assert app.callback_urls == [f"{PUBLIC}/auth/callback"]
    loaded = ServiceSettings(_env_file=env_file)
    assert loaded.github_app_id == app.id
    assert loaded.github_webhook_secret is not None
    assert loaded.github_webhook_secret.get_secret_value() == app.webhook_secret
    assert loaded.github_client_id == app.client_id
    assert loaded.github_client_secret is not None
    assert loaded.github_client_secret.get_secret_value() == app.client_secret
    assert loaded.sign_in_enabled
    loaded.require_service()
    moment = int(state.now().timestamp())
    claims = {"iat": moment - 30, "exp": moment + 300, "iss": str(app.id)}
    signed = jwt.encode(claims, loaded.private_key_pem(), algorithm="RS256")
    answer = httpx.get(f"{url}/app", headers={"Authorization": f"Bearer {signed}"})
    assert answer.json()["id"] == app.id, "the written key is the App's"


def test_a_callback_with_another_state_writes_nothing_and_the_run_goes_on(
    settings: ServiceSettings, tmp_path: Path
) -> None:
    run = start(settings, options(tmp_path))
    forged = httpx.get(f"{run.url}callback", params={"code": "abc", "state": "forged"})
    assert forged.status_code == 400
    assert "Nothing was written" in forged.text
    assert not (tmp_path / ".env").exists()
    assert walk(run).status_code == 200
    assert run.result().app_id


def test_an_organisation_owns_the_app_registered_for_it(
    github: tuple[GitHubState, str], settings: ServiceSettings, tmp_path: Path
) -> None:
    state = github[0]
    state.add_org_member("acme", state.web_login, role="admin")
    run = start(settings, options(tmp_path, org="acme"))
    assert walk(run).status_code == 200
    assert state.apps[run.result().app_id].owner == "acme"


def test_nobody_registering_in_time_ends_the_run_with_nothing_written(
    settings: ServiceSettings, tmp_path: Path
) -> None:
    run = start(settings, options(tmp_path, timeout=0.2))
    with pytest.raises(SetupTimeout, match="no App was registered"):
        run.result()
    assert not (tmp_path / ".env").exists()


def test_the_local_page_answers_only_on_its_own_address(
    settings: ServiceSettings, tmp_path: Path
) -> None:
    run = start(settings, options(tmp_path, timeout=1.0))
    assert httpx.get(run.url, headers={"Host": "evil.example.com"}).status_code == 400
    assert httpx.get(f"{run.url}elsewhere").status_code == 404
    with pytest.raises(SetupTimeout):
        run.result()


def test_the_manifest_gets_this_deployments_addresses() -> None:
    raw = load_manifest(REPO_ROOT / "app.yml")
    ready = prepare_manifest(raw, public_url=PUBLIC, redirect_url="http://127.0.0.1:1/callback")
    assert ready["hook_attributes"] == {"url": f"{PUBLIC}/webhook", "active": True}
    assert ready["callback_urls"] == [f"{PUBLIC}/auth/callback"]
    assert ready["redirect_url"] == "http://127.0.0.1:1/callback"
    assert ready["request_oauth_on_install"] is False
    assert ready["url"] == raw["url"]
    assert ready["default_permissions"] == raw["default_permissions"]


def test_the_manifest_is_the_local_one_else_the_shipped_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_manifest(None).resolve() == (REPO_ROOT / "app.yml").resolve()
    (tmp_path / "app.yml").write_text("name: ours\nurl: https://example.com\n")
    assert find_manifest(None) == Path("app.yml")
    with pytest.raises(SetupError, match="no such manifest"):
        find_manifest(tmp_path / "missing.yml")


PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAKCAQ+/=\n-----END RSA PRIVATE KEY-----\n"


def test_a_new_env_file_is_created_private_and_read_back_exactly(tmp_path: Path) -> None:
    previous = os.umask(0)  # even a permissive umask leaves the file private
    try:
        written = write_env(tmp_path / ".env", {"GITHUB_APP_ID": "7", "GITHUB_PRIVATE_KEY": PEM})
    finally:
        os.umask(previous)
    assert written == ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GATEHOUSE_SESSION_SECRET")
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600
    loaded = ServiceSettings(_env_file=tmp_path / ".env")
    assert loaded.private_key_pem() == PEM
    assert loaded.session_secret is not None
    assert len(loaded.session_secret.get_secret_value()) >= 48


def test_an_existing_env_file_keeps_its_other_lines_and_its_session_secret(
    tmp_path: Path,
) -> None:
    env_file = tmp_path / ".env"
    old_key = PEM.replace("MIIEow", "OLDKEY")
    env_file.write_text(
        "# deployment\nGATEHOUSE_PUBLIC_URL=https://gh.example.com\n"
        f'export GITHUB_PRIVATE_KEY="{old_key}"\nGITHUB_APP_ID=1\n'
        "GATEHOUSE_SESSION_SECRET=keep-this-secret-of-more-than-32-characters\n"
        "JIRA_EMAIL='bot@example.com'\nGITHUB_APP_ID=2"
    )
    env_file.chmod(0o644)
    written = write_env(env_file, {"GITHUB_APP_ID": "99", "GITHUB_PRIVATE_KEY": PEM})
    assert written == ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY")
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    text = env_file.read_text()
    assert text.startswith("# deployment\nGATEHOUSE_PUBLIC_URL=https://gh.example.com\n")
    assert "OLDKEY" not in text and text.count("GITHUB_APP_ID") == 1
    assert "JIRA_EMAIL='bot@example.com'\n" in text
    loaded = ServiceSettings(_env_file=env_file)
    assert (loaded.github_app_id, loaded.private_key_pem()) == (99, PEM)
    assert loaded.session_secret is not None
    assert loaded.session_secret.get_secret_value().startswith("keep-this-secret")
    assert list(tmp_path.iterdir()) == [env_file], "no temporary file is left behind"


def test_setup_help_works(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["setup", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in ("--org", "--port", "--manifest", "--env-file", "--no-browser", "--timeout"):
        assert option in out


def test_the_command_opens_the_browser_and_exits_0_once_registered(
    github: tuple[GitHubState, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = github[1]
    for name, value in [
        ("GITHUB_WEB_URL", url),
        ("GITHUB_API_URL", url),
        ("GATEHOUSE_PUBLIC_URL", PUBLIC),
    ]:
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    opened: queue.Queue[str] = queue.Queue()
    monkeypatch.setattr("webbrowser.open", opened.put)
    codes: list[int] = []
    command = threading.Thread(target=lambda: codes.append(main(["setup", "--port", "0"])))
    command.start()
    local = opened.get(timeout=10)
    assert walk(Run(local, command)).status_code == 200
    command.join(30)
    assert codes == [0]
    out = capsys.readouterr().out
    assert f"Open {local}" in out and "/installations/new" in out
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("arguments", "code", "says"),
    [
        pytest.param(["--timeout", "0.2"], 1, "no App was registered", id="timeout-exit-1"),
        pytest.param(["--manifest", "missing.yml"], 2, "no such manifest", id="no-manifest-exit-2"),
    ],
)
def test_the_command_fails_plainly(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    code: int,
    says: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["setup", "--no-browser", "--port", "0", *arguments]) == code
    assert says in capsys.readouterr().err
    assert not (tmp_path / ".env").exists()
