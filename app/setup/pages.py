"""The pages ``gatehouse setup`` shows in the browser: what will be registered, what was
written, and what went wrong. Self-contained HTML, every value escaped; no secret is ever
shown."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

_STYLE = "body{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem}"


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )


def start_page(manifest: dict[str, Any], action: str, owner: str, env_file: Path) -> str:
    """The form that posts the manifest to GitHub, after saying what it asks for."""
    permissions = "".join(
        f"<li><code>{escape(name)}</code>: {escape(str(level))}</li>"
        for name, level in sorted((manifest.get("default_permissions") or {}).items())
    )
    events = ", ".join(escape(str(event)) for event in manifest.get("default_events") or [])
    hook = (manifest.get("hook_attributes") or {}).get("url", "")
    body = (
        f"<p>This registers the GitHub App <strong>{escape(manifest['name'])}</strong> for "
        f"{escape(owner)}. GitHub asks you to confirm, then sends you back here, and the "
        f"App's credentials are written to <code>{escape(str(env_file))}</code>.</p>"
        f"<p>Permissions:</p><ul>{permissions}</ul>"
        f"<p>Events: {events or 'none'}</p>"
        f"<p>Webhook: <code>{escape(hook)}</code><br>Sign-in callback: "
        f"<code>{escape(', '.join(manifest.get('callback_urls', [])))}</code></p>"
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="manifest" value="{escape(json.dumps(manifest))}">'
        '<button type="submit">Start</button></form>'
    )
    return _page("Register gatehouse with GitHub", body)


def done_page(name: str, app_id: int, env_file: Path, keys: tuple[str, ...], install: str) -> str:
    written = "".join(f"<li><code>{escape(key)}</code></li>" for key in keys)
    body = (
        f"<p>GitHub App <strong>{escape(name)}</strong> (id {app_id}) is registered.</p>"
        f"<p>Written to <code>{escape(str(env_file))}</code>, readable by you only:</p>"
        f"<ul>{written}</ul>"
        "<p>Next:</p><ol>"
        f'<li><a href="{escape(install)}">Install the App</a> on the organisation\'s '
        "repositories.</li>"
        "<li>Start gatehouse with that file: <code>gatehouse serve</code>.</li></ol>"
        "<p>You can close this tab.</p>"
    )
    return _page("gatehouse is registered", body)


def problem_page(title: str, message: str) -> str:
    return _page(title, f"<p>{escape(message)}</p><p>Nothing was written.</p>")
