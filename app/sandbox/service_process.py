"""``gatehouse serve`` as its own process, against the sandbox's fakes: killed for real by
the crash-recovery tests, run as several replicas by the load benchmark."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import httpx

from app.settings import ServiceSettings

GATEHOUSE = str(Path(sys.executable).parent / "gatehouse")
_OWN_PREFIXES = ("GITHUB_", "GATEHOUSE_", "JIRA_", "SLACK_")


def serve_environment(settings: ServiceSettings) -> dict[str, str]:
    """The environment that makes ``gatehouse serve`` use ``settings`` and nothing else."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OWN_PREFIXES)}
    assert settings.github_app_id is not None and settings.github_webhook_secret is not None
    env |= {
        "GITHUB_APP_ID": str(settings.github_app_id),
        "GITHUB_PRIVATE_KEY": settings.private_key_pem(),
        "GITHUB_WEBHOOK_SECRET": settings.github_webhook_secret.get_secret_value(),
        "GITHUB_API_URL": settings.github_api_url,
        "GATEHOUSE_RULES_DIR": str(settings.rules_dir),
        "GATEHOUSE_DATABASE_URL": settings.database_url,
        "GATEHOUSE_PUBLIC_URL": settings.public_url,
        "GATEHOUSE_WORKERS": str(settings.workers),
        "GATEHOUSE_FOLLOW_UP_WORKERS": str(settings.follow_up_workers),
        "SLACK_API_URL": settings.slack_api_url,
    }
    if settings.jira_api_token is not None:
        env |= {
            "JIRA_BASE_URL": settings.jira_base_url or "",
            "JIRA_EMAIL": settings.jira_email or "",
            "JIRA_API_TOKEN": settings.jira_api_token.get_secret_value(),
        }
    if settings.slack_bot_token is not None:
        env["SLACK_BOT_TOKEN"] = settings.slack_bot_token.get_secret_value()
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout}s")
        time.sleep(0.02)


class ServiceProcess:
    """One replica: started, killed with SIGKILL and started again on the same port."""

    def __init__(
        self,
        settings: ServiceSettings,
        workdir: Path,
        name: str = "gatehouse",
        *,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.env = serve_environment(settings) | (extra_env or {})
        self.workdir = workdir
        self.log_path = workdir / f"{name}.log"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def start(self, timeout: float = 30.0) -> float:
        """Start the process; returns the ``time.monotonic()`` at which it answered."""
        assert self._process is None, "already running"
        command = [GATEHOUSE, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [*command, "--log-level", "warning"],
                cwd=self.workdir,  # no .env of the checkout is read
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._answers, timeout, f"gatehouse serve on {self.url}\n{self.log()}")
        return time.monotonic()

    def _answers(self) -> bool:
        assert self._process is not None
        if self._process.poll() is not None:
            raise RuntimeError(f"gatehouse serve exited early:\n{self.log()}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, nothing is released."""
        if self._process is not None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(10)
            self._process = None

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
            self._process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> ServiceProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
