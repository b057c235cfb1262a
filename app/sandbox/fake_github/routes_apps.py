"""App endpoints (JWT): the App itself, its installations, installation tokens; and the
rate-limit status."""

from __future__ import annotations

from app.sandbox.fake_github.records import iso
from app.sandbox.fake_github.web import Call, Reply, not_found, rate_status, route


@route("GET", "/app", "apps/get-authenticated", auth="jwt")
def get_app(call: Call) -> Reply:
    assert call.app is not None
    return Reply(200, call.shapes.integration(call.app))


@route("GET", "/repos/{owner}/{repo}/installation", "apps/get-repo-installation", auth="jwt")
def get_repo_installation(call: Call) -> Reply:
    assert call.app is not None
    repo = call.state.find_repo(call.params["owner"], call.params["repo"])
    if repo is None:
        raise not_found()
    installation = call.state.installations[repo.installation_id]
    return Reply(200, call.shapes.installation(installation, call.app))


@route(
    "POST",
    "/app/installations/{installation_id}/access_tokens",
    "apps/create-installation-access-token",
    auth="jwt",
)
def create_token(call: Call) -> Reply:
    """A one-hour installation token; ``expires_at`` in ISO 8601 with ``Z``."""
    assert call.app is not None
    installation_id = call.int_param("installation_id")
    if installation_id not in call.state.installations:
        raise not_found()
    token = call.state.new_token(installation_id, call.app.id)
    permissions = dict(call.shapes.integration(call.app)["permissions"])
    body = {
        "token": token.value,
        "expires_at": iso(token.expires_at),
        "permissions": permissions,
        "repository_selection": "selected",
    }
    return Reply(201, body)


@route("GET", "/rate_limit", "rate-limit/get", auth="any")
def get_rate_limit(call: Call) -> Reply:
    """The caller's budget; this call itself is free, as on GitHub."""
    limit, remaining, used, reset = rate_status(call.state, call.bucket)
    core = {"limit": limit, "remaining": remaining, "reset": reset, "used": used}
    search = {"limit": 30, "remaining": 30, "reset": reset, "used": 0}
    graphql = {"limit": limit, "remaining": limit, "reset": reset, "used": 0}
    resources = {"core": core, "search": search, "graphql": graphql}
    return Reply(200, {"resources": resources, "rate": core})
