"""``gatehouse setup``: one round trip through GitHub's manifest flow.

A small server on 127.0.0.1 shows a page whose form posts the manifest to GitHub (with a
random ``state``); GitHub registers the App once the person confirms, and sends the
browser back to ``/callback`` with a code. The code, and only with the ``state`` this run
made, is exchanged for the App's id, key and secrets, which go to the env file. A forged
or stale callback writes nothing and the run keeps waiting for the real one.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from app import __version__
from app.settings import ServiceSettings
from app.setup import pages
from app.setup.env_file import write_env
from app.setup.manifest import (
    SetupError,
    find_manifest,
    load_manifest,
    prepare_manifest,
    registration_url,
)

LOCAL_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_TIMEOUT = 600.0
EXCHANGE_TIMEOUT = 30.0
_ANSWER_KEYS = ("id", "name", "html_url", "pem", "client_id", "client_secret")


class SetupTimeout(SetupError):
    """Nobody completed the registration in time."""


@dataclass(frozen=True)
class SetupOptions:
    env_file: Path = Path(".env")
    manifest: Path | None = None
    org: str | None = None
    port: int = DEFAULT_PORT
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class Registered:
    """The App GitHub registered, and what was written about it."""

    app_id: int
    name: str
    owner: str
    html_url: str
    env_file: Path
    written: tuple[str, ...]

    @property
    def install_url(self) -> str:
        return f"{self.html_url}/installations/new"


def exchange_code(api_url: str, code: str) -> dict[str, Any]:
    """The new App, with its key and secrets, for the manifest flow's code."""
    url = f"{api_url}/app-manifests/{quote(code, safe='')}/conversions"
    headers = {
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": f"gatehouse/{__version__}",
    }
    try:
        answer = httpx.post(url, headers=headers, timeout=EXCHANGE_TIMEOUT)
        body = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SetupError(f"exchanging the code at {url} failed: {exc}") from None
    if answer.status_code != 201 or not isinstance(body, dict):
        message = body.get("message") if isinstance(body, dict) else None
        raise SetupError(f"GitHub answered {answer.status_code} to the code: {message or body}")
    missing = [key for key in _ANSWER_KEYS if not body.get(key)]
    if missing:
        raise SetupError(f"GitHub's answer lacks {', '.join(missing)}")
    return body


def credentials(app: dict[str, Any]) -> dict[str, str]:
    """The settings gatehouse reads, from the App GitHub returned."""
    values = {
        "GITHUB_APP_ID": str(app["id"]),
        "GITHUB_PRIVATE_KEY": str(app["pem"]),
        "GITHUB_WEBHOOK_SECRET": str(app.get("webhook_secret") or ""),
        "GITHUB_CLIENT_ID": str(app["client_id"]),
        "GITHUB_CLIENT_SECRET": str(app["client_secret"]),
    }
    return {key: value for key, value in values.items() if value}


class Registration:
    """One run's registration: its ``state``, its manifest, and how it ended."""

    def __init__(
        self, settings: ServiceSettings, options: SetupOptions, raw: dict[str, Any], base: str
    ) -> None:
        self.settings, self.options = settings, options
        self.state = secrets.token_urlsafe(32)
        self.manifest = prepare_manifest(
            raw, public_url=settings.public_url, redirect_url=f"{base}/callback"
        )
        self.finished = threading.Event()
        self.result: Registered | None = None
        self.failure: SetupError | None = None
        self._done_page = ""
        self._lock = threading.Lock()

    def start(self) -> tuple[int, str]:
        action = registration_url(self.settings.github_web_url, self.options.org, self.state)
        owner = f"the organisation {self.options.org}" if self.options.org else "your account"
        return 200, pages.start_page(self.manifest, action, owner, self.options.env_file)

    def callback(self, query: str) -> tuple[int, str]:
        """Exchange the code when ``state`` is this run's; anything else changes nothing."""
        fields = {key: values[-1] for key, values in parse_qs(query).items()}
        if not secrets.compare_digest(fields.get("state", "").encode(), self.state.encode()):
            message = "The state sent back is not this run's: the answer is stale or forged."
            return 400, pages.problem_page("Not this registration", message)
        with self._lock:
            if self.result is not None:
                return 200, self._done_page
            if not fields.get("code"):
                return 400, pages.problem_page("No code", "GitHub sent no code back.")
            try:
                app = exchange_code(self.settings.github_api_url, fields["code"])
            except SetupError as exc:
                return 502, pages.problem_page("GitHub refused the code", str(exc))
            return self._write(app)

    def _write(self, app: dict[str, Any]) -> tuple[int, str]:
        env_file = self.options.env_file
        try:
            written = write_env(env_file, credentials(app))
        except OSError as exc:
            self.failure = SetupError(
                f"GitHub registered the App {app['name']} (id {app['id']}), but writing "
                f"{env_file} failed ({exc}); generate a new private key in its settings on GitHub"
            )
            return 500, pages.problem_page("Writing the credentials failed", str(self.failure))
        owner = (app.get("owner") or {}).get("login", "")
        self.result = Registered(
            int(app["id"]), str(app["name"]), owner, str(app["html_url"]), env_file, written
        )
        self._done_page = pages.done_page(
            self.result.name, self.result.app_id, env_file, written, self.result.install_url
        )
        return 200, self._done_page

    def conclude(self) -> None:
        """Let the run end once it has an outcome (called after the page is sent)."""
        if self.result is not None or self.failure is not None:
            self.finished.set()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    registration: Registration


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        server = cast(_Server, self.server)
        port = server.server_address[1]
        parts = urlsplit(self.path)
        if self.headers.get("Host") not in (f"{LOCAL_HOST}:{port}", f"localhost:{port}"):
            status, html = 400, pages.problem_page("Wrong address", "Use the address printed.")
        elif parts.path == "/":
            status, html = server.registration.start()
        elif parts.path == "/callback":
            status, html = server.registration.callback(parts.query)
        else:
            status, html = 404, pages.problem_page("Not found", "Nothing here.")
        payload = html.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()
        server.registration.conclude()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the command prints what matters itself."""


def run_setup(
    settings: ServiceSettings,
    options: SetupOptions,
    on_ready: Callable[[str], None] | None = None,
) -> Registered:
    """Serve the registration until it completes (or ``options.timeout`` passes); calls
    ``on_ready`` with the local page's URL once it is listening."""
    raw = load_manifest(find_manifest(options.manifest))
    try:
        server = _Server((LOCAL_HOST, options.port), _Handler)
    except OSError as exc:
        raise SetupError(
            f"cannot listen on {LOCAL_HOST}:{options.port} ({exc.strerror}); choose --port"
        ) from None
    base = f"http://{LOCAL_HOST}:{server.server_address[1]}"
    server.registration = Registration(settings, options, raw, base)
    thread = threading.Thread(target=server.serve_forever, name="gatehouse-setup", daemon=True)
    thread.start()
    try:
        if on_ready is not None:
            on_ready(base + "/")
        if not server.registration.finished.wait(options.timeout):
            raise SetupTimeout(f"no App was registered within {options.timeout:g} seconds")
        if server.registration.failure is not None:
            raise server.registration.failure
        assert server.registration.result is not None
        return server.registration.result
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
