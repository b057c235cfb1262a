"""People and organisations: the signed-in user, organisation membership, and turning a
manifest flow's code into the new App's credentials."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from app.sandbox.fake_github.records import iso
from app.sandbox.fake_github.web import Call, GitHubError, Reply, not_found, route

NOT_A_MEMBER = "User does not exist or is not a member of the organization"


def private_user(call: Call, login: str) -> dict[str, Any]:
    """A ``private-user``: what ``GET /user`` shows its own user."""
    record = call.state.user_record(login)
    created = iso(record.created_at)
    return {
        **call.shapes.user(login),
        "user_view_type": "private",
        "name": record.name,
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "notification_email": None,
        "hireable": None,
        "bio": None,
        "twitter_username": None,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": created,
        "updated_at": created,
        "private_gists": 0,
        "total_private_repos": 0,
        "owned_private_repos": 0,
        "disk_usage": 0,
        "collaborators": 0,
        "two_factor_authentication": True,
    }


def organization(call: Call, login: str) -> dict[str, Any]:
    """An ``organization-simple``."""
    return call.shapes.organization(login)


@route("POST", "/app-manifests/{code}/conversions", "apps/create-from-manifest", auth="any")
def create_from_manifest(call: Call) -> Reply:
    """The App a manifest registered, with its secrets and private key; the code works
    once, within an hour of the registration."""
    converted = call.state.convert_manifest(call.params["code"])
    if converted is None:
        raise not_found()
    app, private_pem = converted
    secrets = {
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "webhook_secret": app.webhook_secret,
        "pem": private_pem,
    }
    return Reply(201, {**call.shapes.integration(app), **secrets})


@route("GET", "/user", "users/get-authenticated", auth="user")
def get_authenticated_user(call: Call) -> Reply:
    assert call.user is not None
    return Reply(200, private_user(call, call.user.login))


def _readable_org(call: Call) -> str:
    """The organisation of the path, when the caller may read its members: an installation
    on it, or a member of it signed in."""
    org = call.params["org"]
    if not call.state.is_organization(org):
        raise not_found()
    if call.token is not None:
        account = call.state.installations[call.token.installation_id].account
        if account.lower() != org.lower():
            raise GitHubError(404, "Not Found", violation=True)
    elif call.user is not None and call.state.org_role(org, call.user.login) is None:
        raise not_found()
    return call.state.user_record(org).login


@route("GET", "/orgs/{org}/members/{username}", "orgs/check-membership-for-user", auth="member")
def check_membership(call: Call) -> Reply:
    """204 for a member, 404 for anyone else."""
    org = _readable_org(call)
    if call.state.org_role(org, call.params["username"]) is None:
        raise GitHubError(404, NOT_A_MEMBER)
    return Reply(204)


@route("GET", "/orgs/{org}/memberships/{username}", "orgs/get-membership-for-user", auth="member")
def get_membership(call: Call) -> Reply:
    """The active membership and its role, or 404 for someone outside the organisation."""
    org = _readable_org(call)
    login = call.params["username"]
    role = call.state.org_role(org, login)
    if role is None:
        raise not_found()
    api = call.shapes.api
    body = {
        "url": f"{api}/orgs/{quote(org)}/memberships/{quote(login)}",
        "state": "active",
        "role": role,
        "organization_url": f"{api}/orgs/{quote(org)}",
        "organization": organization(call, org),
        "user": call.shapes.user(login),
    }
    return Reply(200, body)
