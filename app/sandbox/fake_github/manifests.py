"""GitHub App manifests as GitHub reads them in the manifest flow: which keys exist, which
are required, and what each may hold. Pure: a manifest in, its problems out."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

KNOWN_KEYS = frozenset(
    {
        "name",
        "url",
        "description",
        "public",
        "hook_attributes",
        "redirect_url",
        "callback_urls",
        "setup_url",
        "setup_on_update",
        "request_oauth_on_install",
        "default_permissions",
        "default_events",
    }
)
ACCESS_LEVELS = frozenset({"read", "write", "admin"})
MAX_CALLBACK_URLS = 10
MAX_NAME = 34


def slugify(name: str) -> str:
    """The App's slug: its name lower-cased, every run of other characters one dash."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _is_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _url_problems(manifest: dict[str, Any]) -> list[str]:
    problems = []
    for key in ("url", "redirect_url"):
        if not _is_url(manifest.get(key)):
            problems.append(f"{key} is required and must be an http(s) URL")
    setup_url = manifest.get("setup_url")
    if setup_url is not None and not _is_url(setup_url):
        problems.append("setup_url must be an http(s) URL")
    callbacks = manifest.get("callback_urls", [])
    if not isinstance(callbacks, list) or not all(_is_url(url) for url in callbacks):
        problems.append("callback_urls must be a list of http(s) URLs")
    elif len(callbacks) > MAX_CALLBACK_URLS:
        problems.append(f"callback_urls holds at most {MAX_CALLBACK_URLS} URLs")
    return problems


def _hook_problems(hook: Any) -> list[str]:
    if hook is None:
        return []
    if not isinstance(hook, dict) or set(hook) - {"url", "active"}:
        return ["hook_attributes takes url and active only"]
    if not isinstance(hook.get("active", True), bool):
        return ["hook_attributes.active must be true or false"]
    if hook.get("active", True) and not _is_url(hook.get("url")):
        return ["hook_attributes.url is required for an active webhook"]
    return []


def _grant_problems(manifest: dict[str, Any]) -> list[str]:
    problems = []
    permissions = manifest.get("default_permissions", {})
    if not isinstance(permissions, dict) or not all(
        isinstance(key, str) and value in ACCESS_LEVELS for key, value in permissions.items()
    ):
        problems.append("default_permissions maps permission names to read, write or admin")
    events = manifest.get("default_events", [])
    if not isinstance(events, list) or not all(isinstance(event, str) for event in events):
        problems.append("default_events must be a list of event names")
    return problems


def manifest_problems(manifest: Any) -> list[str]:
    """Everything GitHub would refuse in ``manifest``, one line each (empty: acceptable)."""
    if not isinstance(manifest, dict):
        return ["the manifest must be a JSON object"]
    problems = [f"unknown key {key!r}" for key in sorted(set(manifest) - KNOWN_KEYS)]
    name = manifest.get("name")
    if not isinstance(name, str) or not slugify(name):
        problems.append("name is required")
    elif len(name) > MAX_NAME:
        problems.append(f"name is too long (at most {MAX_NAME} characters)")
    problems += _url_problems(manifest)
    problems += _hook_problems(manifest.get("hook_attributes"))
    problems += _grant_problems(manifest)
    for key in ("public", "request_oauth_on_install", "setup_on_update"):
        if not isinstance(manifest.get(key, False), bool):
            problems.append(f"{key} must be true or false")
    description = manifest.get("description")
    if description is not None and not isinstance(description, str):
        problems.append("description must be text")
    return problems
