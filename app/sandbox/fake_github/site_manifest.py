"""Registering a GitHub App from a manifest, as github.com runs it: a form posts the
manifest (``POST /settings/apps/new`` for the signed-in person, or
``/organizations/ORG/settings/apps/new``), GitHub shows what the App will be, and once the
person confirms it registers the App and sends the browser to the manifest's
``redirect_url`` with a code (and the ``state`` it was given).

The person is ``state.web_login``; an organisation's App needs them to own it.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from fastapi import APIRouter, Request, Response

from app.sandbox.fake_github.manifests import manifest_problems
from app.sandbox.fake_github.site import form_fields, hidden, page, redirect
from app.sandbox.fake_github.state import GitHubState

PERSONAL_PATH = "/settings/apps/new"
ORGANIZATION_PATH = "/organizations/{org}/settings/apps/new"


def _owner(state: GitHubState, org: str | None) -> str | None:
    """Who the App will belong to; ``None`` for an organisation the person does not own."""
    if org is None:
        return state.user_record(state.web_login).login
    if not state.is_organization(org) or state.org_role(org, state.web_login) != "admin":
        return None
    return state.user_record(org).login


def _manifest(state: GitHubState, fields: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    try:
        manifest = json.loads(fields.get("manifest", ""))
    except ValueError:
        return {}, ["the manifest is not JSON"]
    problems = manifest_problems(manifest)
    if not problems and state.slug_taken(manifest["name"]):
        problems.append("Name has already been taken")
    return manifest, problems


def _review(manifest: dict[str, Any], owner: str, action: str, raw: str) -> str:
    permissions = "".join(
        f"<li>{escape(name)}: {escape(level)}</li>"
        for name, level in sorted(manifest.get("default_permissions", {}).items())
    )
    events = ", ".join(escape(event) for event in manifest.get("default_events", [])) or "none"
    return (
        f"<p>Permissions:</p><ul>{permissions}</ul><p>Events: {events}</p>"
        f'<form method="post" action="{escape(action)}">{hidden("manifest", raw)}'
        '<button type="submit">Create GitHub App</button></form>'
    )


def manifest_router(state: GitHubState) -> APIRouter:
    router = APIRouter()

    async def answer(request: Request, org: str | None, confirmed: bool) -> Response:
        owner = _owner(state, org)
        if owner is None:
            return page("Not Found", "<p>No organisation of that name that you own.</p>", 404)
        fields = await form_fields(request)
        manifest, problems = _manifest(state, fields)
        if problems:
            items = "".join(f"<li>{escape(problem)}</li>" for problem in problems)
            return page("Invalid GitHub App configuration", f"<ul>{items}</ul>", 422)
        if confirmed:
            code = state.register_from_manifest(owner, manifest)
            given = request.query_params.get("state")
            return redirect(manifest["redirect_url"], code=code.value, state=given)
        query = f"?{request.url.query}" if request.url.query else ""
        action = f"{request.url.path}/confirm{query}"
        title = f"Create GitHub App {manifest['name']} for {owner}"
        return page(title, _review(manifest, owner, action, fields["manifest"]))

    @router.post(PERSONAL_PATH)
    async def review_personal(request: Request) -> Response:
        return await answer(request, None, confirmed=False)

    @router.post(PERSONAL_PATH + "/confirm")
    async def create_personal(request: Request) -> Response:
        return await answer(request, None, confirmed=True)

    @router.post(ORGANIZATION_PATH)
    async def review_for_org(request: Request, org: str) -> Response:
        return await answer(request, org, confirmed=False)

    @router.post(ORGANIZATION_PATH + "/confirm")
    async def create_for_org(request: Request, org: str) -> Response:
        return await answer(request, org, confirmed=True)

    return router
