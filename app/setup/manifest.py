"""The App manifest ``gatehouse setup`` sends to GitHub: ``app.yml`` with the addresses of
this deployment filled in.

``app.yml`` in the working directory wins; otherwise the one gatehouse ships (inside the
package when installed from a wheel that carries it, else the repository's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import yaml

from app.settings import PACKAGE_DIR, REPO_ROOT

MANIFEST_NAME = "app.yml"
WEBHOOK_PATH = "/webhook"
SIGN_IN_CALLBACK_PATH = "/auth/callback"


class SetupError(Exception):
    """Why registering the App cannot go on; the message is for the person running it."""


def shipped_manifest() -> Path:
    packaged = PACKAGE_DIR / MANIFEST_NAME
    return packaged if packaged.is_file() else REPO_ROOT / MANIFEST_NAME


def find_manifest(explicit: Path | None) -> Path:
    """``explicit`` when given, else ``./app.yml``, else the shipped manifest."""
    if explicit is not None:
        if not explicit.is_file():
            raise SetupError(f"{explicit}: no such manifest file")
        return explicit
    local = Path(MANIFEST_NAME)
    if local.is_file():
        return local
    shipped = shipped_manifest()
    if not shipped.is_file():
        raise SetupError(f"no {MANIFEST_NAME} here and none shipped: pass --manifest PATH")
    return shipped


def load_manifest(path: Path) -> dict[str, Any]:
    """The manifest's YAML as a mapping that at least names the App."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SetupError(f"{path}: {exc}") from None
    if not isinstance(loaded, dict) or not isinstance(loaded.get("name"), str):
        raise SetupError(f"{path}: a GitHub App manifest is a mapping with a name")
    return loaded


def prepare_manifest(
    manifest: dict[str, Any], *, public_url: str, redirect_url: str
) -> dict[str, Any]:
    """The manifest to post: webhook at ``public_url/webhook``, sign-in returning to
    ``public_url/auth/callback``, GitHub's answer to ``redirect_url`` (this command's
    local server), and no sign-in prompt on installing; everything else as written."""
    hook = dict(manifest.get("hook_attributes") or {})
    hook["url"] = public_url + WEBHOOK_PATH
    return {
        **manifest,
        "hook_attributes": hook,
        "callback_urls": [public_url + SIGN_IN_CALLBACK_PATH],
        "redirect_url": redirect_url,
        "request_oauth_on_install": False,
    }


def registration_url(web_url: str, org: str | None, state: str) -> str:
    """Where the manifest is posted: the signed-in person's Apps, or the organisation's."""
    owner = f"/organizations/{quote(org, safe='')}" if org else ""
    return f"{web_url}{owner}/settings/apps/new?state={quote(state, safe='')}"


def unreachable_public_url(public_url: str) -> bool:
    """Whether GitHub could not deliver webhooks to ``public_url`` (a loopback address)."""
    host = (urlsplit(public_url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.") or host.endswith(".localhost")
