"""Repository and organisation endpoints: file contents, comparisons, collaborator
permissions, team members."""

from __future__ import annotations

from app.sandbox.fake_github import history
from app.sandbox.fake_github.records import Repo, Team
from app.sandbox.fake_github.web import Call, GitHubError, Reply, not_found, route

_ROLES = {"admin": "admin", "write": "write", "read": "read", "none": "none"}


@route("GET", "/repos/{owner}/{repo}/contents/{path}", "repos/get-content")
def get_content(call: Call) -> Reply:
    """A file at ``ref`` (default branch when absent); 404 for a missing file."""
    repo = call.repo()
    ref = call.arg("ref") or repo.default_branch
    if call.state.resolve(repo, ref) is None and ref not in repo.contents:
        raise GitHubError(404, f"No commit found for the ref {ref}")
    path = call.params["path"].strip("/")
    files = repo.contents.get(ref, {})
    text = files.get(path, repo.contents.get(repo.default_branch, {}).get(path))
    if text is None:
        raise not_found()
    return Reply(200, call.shapes.content_file(repo, path, text, ref))


@route("GET", "/repos/{owner}/{repo}/compare/{basehead}", "repos/compare-commits-with-basehead")
def compare(call: Call) -> Reply:
    """``base...head`` between two commits (or branches) of the repository's history."""
    repo = call.repo()
    base_ref, dots, head_ref = call.params["basehead"].partition("...")
    base, head = call.state.resolve(repo, base_ref), call.state.resolve(repo, head_ref)
    if not dots or base is None or head is None:
        raise not_found()
    with call.state.lock:
        result = history.compare(repo, base, head)
    shapes = call.shapes
    commits = [shapes.commit(repo, commit) for commit in result.commits]
    page = call.page([shapes.diff_entry(repo, head, change) for change in result.files])
    url = f"{shapes.repo_url(repo)}/compare/{base_ref}...{head_ref}"
    html = f"{shapes.html}/{repo.full_name}/compare/{base_ref}...{head_ref}"
    page.body = {
        "url": url,
        "html_url": html,
        "permalink_url": f"{shapes.html}/{repo.full_name}/compare/{base}...{head}",
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "base_commit": shapes.commit(repo, repo.commits[base]),
        "merge_base_commit": shapes.commit(repo, repo.commits[result.merge_base]),
        "status": result.status,
        "ahead_by": result.ahead_by,
        "behind_by": result.behind_by,
        "total_commits": result.ahead_by,
        "commits": commits,
        "files": page.body,
    }
    return page


@route(
    "GET",
    "/repos/{owner}/{repo}/collaborators/{username}/permission",
    "repos/get-collaborator-permission-level",
)
def collaborator_permission(call: Call) -> Reply:
    """``admin``, ``write``, ``read`` or ``none``; 404 for a login nobody registered."""
    repo: Repo = call.repo()
    login = call.params["username"]
    if login.lower() not in call.state.users:
        raise not_found()
    permission = call.state.permission(repo, login)
    user = {**call.shapes.user(login), "role_name": _ROLES[permission]}
    body = {"permission": permission, "role_name": _ROLES[permission], "user": user}
    return Reply(200, body)


def _team(call: Call) -> Team:
    """The team, seen only by tokens of an installation on its organisation."""
    org = call.params["org"]
    if call.token is not None:
        account = call.state.installations[call.token.installation_id].account
        if account.lower() != org.lower():
            raise GitHubError(404, "Not Found", violation=True)
    team = call.state.teams.get((org, call.params["team_slug"]))
    if team is None:
        raise not_found()
    return team


@route("GET", "/orgs/{org}/teams/{team_slug}/members", "teams/list-members-in-org")
def team_members(call: Call) -> Reply:
    team = _team(call)
    return call.page([call.shapes.user(login) for login in team.members])


@route(
    "GET",
    "/orgs/{org}/teams/{team_slug}/memberships/{username}",
    "teams/get-membership-for-user-in-org",
)
def team_membership(call: Call) -> Reply:
    """An active membership, or 404 when the user is not on the team."""
    team = _team(call)
    login = call.params["username"]
    if login.lower() not in (member.lower() for member in team.members):
        raise not_found()
    url = f"{call.base_url}/organizations/{team.org}/team/{team.id}/memberships/{login}"
    return Reply(200, {"url": url, "role": "member", "state": "active"})
