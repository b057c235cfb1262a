"""``gatehouse setup``: register the GitHub App from ``app.yml`` through GitHub's manifest
flow and write its credentials to ``.env`` (mode 0600)."""

from __future__ import annotations

import argparse
import sys
import webbrowser
from pathlib import Path

from app.settings import load_settings


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, not {port}")
    return port


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError("the timeout must be positive")
    return seconds


def add_setup_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    setup = sub.add_parser(
        "setup",
        help="register the GitHub App from app.yml and write its credentials to .env",
        description=(
            "Register gatehouse as a GitHub App through GitHub's manifest flow, in the browser, "
            "and write GITHUB_APP_ID, GITHUB_PRIVATE_KEY, GITHUB_WEBHOOK_SECRET, "
            "GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET (and GATEHOUSE_SESSION_SECRET when absent) "
            "to the env file, readable by you only. GATEHOUSE_PUBLIC_URL gives the webhook "
            "and sign-in addresses; GITHUB_WEB_URL and GITHUB_API_URL name GitHub Enterprise "
            "Server."
        ),
    )
    setup.add_argument("--org", metavar="ORG", help="register the App for this organisation")
    setup.add_argument(
        "--port", type=_port, default=8765, help="local port GitHub sends the browser back to"
    )
    setup.add_argument(
        "--manifest",
        type=Path,
        metavar="PATH",
        help="the manifest (default: ./app.yml or the shipped one)",
    )
    setup.add_argument(
        "--env-file", type=Path, default=Path(".env"), metavar="PATH", help="default: .env"
    )
    setup.add_argument("--no-browser", action="store_true", help="only print the address to open")
    setup.add_argument(
        "--timeout", type=_seconds, default=600.0, metavar="SECONDS", help="default: 600"
    )
    setup.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from app.setup import SetupError, SetupOptions, SetupTimeout, run_setup
    from app.setup.manifest import unreachable_public_url

    env_file: Path = args.env_file
    # The settings come from the environment and the env file being written, if any.
    settings = load_settings(_env_file=env_file if env_file.is_file() else None)
    if unreachable_public_url(settings.public_url):
        print(
            f"gatehouse setup: GATEHOUSE_PUBLIC_URL is {settings.public_url}, which GitHub "
            "cannot reach: set it to this service's public address, or change the App's "
            "webhook URL later",
            file=sys.stderr,
        )
    options = SetupOptions(
        env_file=env_file,
        manifest=args.manifest,
        org=args.org,
        port=args.port,
        timeout=args.timeout,
    )

    def ready(url: str) -> None:
        print(f"Open {url} to register the App on {settings.github_web_url}", flush=True)
        if not args.no_browser:
            webbrowser.open(url)

    try:
        registered = run_setup(settings, options, on_ready=ready)
    except SetupTimeout as exc:
        print(f"gatehouse setup: {exc}; nothing written", file=sys.stderr)
        return 1
    except SetupError as exc:
        print(f"gatehouse setup: {exc}", file=sys.stderr)
        return 2
    print(f"Registered GitHub App {registered.name} (id {registered.app_id}).")
    print(f"Wrote {', '.join(registered.written)} to {registered.env_file} (mode 0600).")
    print(f"Next: install the App at {registered.install_url}, then run gatehouse serve.")
    return 0
