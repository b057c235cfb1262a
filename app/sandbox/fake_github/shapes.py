"""GitHub's JSON objects for users, repositories, apps, labels, teams and contents.

Every builder returns the full documented object (all required fields of GitHub's REST
description, URLs absolute on the fake's API root and ``html_base``), so PyGithub and the
contract check read the fake's answers exactly as they read GitHub's.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from app.sandbox.fake_github.records import (
    App,
    Installation,
    Label,
    Repo,
    Team,
    blob_sha,
    iso,
)

if TYPE_CHECKING:
    from app.sandbox.fake_github.world import World

APP_PERMISSIONS = {
    "actions": "read",
    "checks": "write",
    "contents": "read",
    "deployments": "write",
    "issues": "write",
    "members": "read",
    "metadata": "read",
    "pull_requests": "write",
}
APP_EVENTS = [
    "check_run",
    "check_suite",
    "deployment_protection_rule",
    "issue_comment",
    "merge_group",
    "pull_request",
    "pull_request_review",
]
_REPO_LINKS = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


def node_id(kind: str, number: int) -> str:
    """A legacy-style global node id, stable for a given object."""
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode()


class Shapes:
    """Builds GitHub's JSON for the records of ``state``, with links on ``api`` and ``html``."""

    def __init__(self, state: World, api: str | None = None) -> None:
        self.state = state
        self.api = (api or state.api_url).rstrip("/")
        self.html = state.html_base.rstrip("/")

    def user(self, login: str) -> dict[str, Any]:
        """A ``simple-user``; logins never registered are users created on first sight."""
        record = self.state.user_record(login)
        url = f"{self.api}/users/{quote(login)}"
        return {
            "login": record.login,
            "id": record.id,
            "node_id": node_id("Bot" if record.type == "Bot" else "User", record.id),
            "avatar_url": f"{self.html}/avatars/u/{record.id}?v=4",
            "gravatar_id": "",
            "url": url,
            "html_url": f"{self.html}/{quote(login)}",
            "followers_url": f"{url}/followers",
            "following_url": f"{url}/following{{/other_user}}",
            "gists_url": f"{url}/gists{{/gist_id}}",
            "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{url}/subscriptions",
            "organizations_url": f"{url}/orgs",
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events{{/privacy}}",
            "received_events_url": f"{url}/received_events",
            "type": record.type,
            "site_admin": False,
        }

    def repo_url(self, repo: Repo) -> str:
        return f"{self.api}/repos/{repo.full_name}"

    def repo(self, repo: Repo) -> dict[str, Any]:
        """A full ``repository`` object."""
        url, html = self.repo_url(repo), f"{self.html}/{repo.full_name}"
        opened = sum(1 for pull in repo.pulls.values() if pull.state == "open")
        links = {key: url + suffix for key, suffix in _REPO_LINKS.items()}
        return {
            "id": repo.id,
            "node_id": node_id("Repository", repo.id),
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": self.user(repo.owner),
            "private": repo.private,
            "visibility": "private" if repo.private else "public",
            "html_url": html,
            "description": None,
            "fork": False,
            "url": url,
            **links,
            "git_url": f"git://{html.split('://', 1)[-1]}.git",
            "ssh_url": f"git@{html.split('://', 1)[-1].replace('/', ':', 1)}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "mirror_url": None,
            "homepage": None,
            "language": None,
            "license": None,
            "forks": 0,
            "forks_count": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "watchers": 0,
            "size": 1,
            "default_branch": repo.default_branch,
            "open_issues_count": opened,
            "open_issues": opened,
            "has_issues": True,
            "has_projects": False,
            "has_wiki": False,
            "has_pages": False,
            "has_downloads": False,
            "archived": False,
            "disabled": False,
            "pushed_at": iso(repo.created_at),
            "created_at": iso(repo.created_at),
            "updated_at": iso(repo.created_at),
        }

    def label(self, repo: Repo, label: Label) -> dict[str, Any]:
        return {
            "id": label.id,
            "node_id": node_id("Label", label.id),
            "url": f"{self.repo_url(repo)}/labels/{quote(label.name, safe='')}",
            "name": label.name,
            "description": label.description,
            "color": label.color,
            "default": False,
        }

    def team(self, team: Team) -> dict[str, Any]:
        url = f"{self.api}/organizations/{self.state.user_record(team.org).id}/team/{team.id}"
        return {
            "id": team.id,
            "node_id": node_id("Team", team.id),
            "url": url,
            "html_url": f"{self.html}/orgs/{team.org}/teams/{team.slug}",
            "name": team.slug,
            "slug": team.slug,
            "description": None,
            "privacy": "closed",
            "notification_setting": "notifications_enabled",
            "permission": "pull",
            "members_url": f"{url}/members{{/member}}",
            "repositories_url": f"{url}/repos",
            "parent": None,
            "type": "organization",
        }

    def integration(self, app: App) -> dict[str, Any]:
        """The ``integration`` object of a GitHub App."""
        return {
            "id": app.id,
            "slug": app.slug,
            "node_id": node_id("App", app.id),
            "client_id": app.client_id,
            "owner": self.user(app.owner),
            "name": app.name,
            "description": app.description,
            "external_url": app.external_url or f"{self.html}/apps/{app.slug}",
            "html_url": f"{self.html}/apps/{app.slug}",
            "created_at": iso(app.created_at),
            "updated_at": iso(app.created_at),
            "permissions": dict(app.permissions),
            "events": list(app.events),
            "installations_count": len(self.state.installations),
        }

    def installation(self, installation: Installation, app: App) -> dict[str, Any]:
        account = self.user(installation.account)
        return {
            "id": installation.id,
            "account": account,
            "repository_selection": "selected",
            "access_tokens_url": f"{self.api}/app/installations/{installation.id}/access_tokens",
            "repositories_url": f"{self.api}/installation/repositories",
            "html_url": f"{self.html}/organizations/{installation.account}/settings/installations/"
            f"{installation.id}",
            "app_id": app.id,
            "app_slug": app.slug,
            "target_id": account["id"],
            "target_type": account["type"],
            "permissions": dict(app.permissions),
            "events": list(app.events),
            "created_at": iso(installation.created_at),
            "updated_at": iso(installation.created_at),
            "single_file_name": None,
            "suspended_by": None,
            "suspended_at": None,
        }

    def content_file(self, repo: Repo, path: str, text: str, ref: str) -> dict[str, Any]:
        """A ``content-file``: base64 in 60-character lines, as GitHub sends it."""
        raw = base64.b64encode(text.encode()).decode()
        wrapped = "".join(raw[i : i + 60] + "\n" for i in range(0, len(raw), 60))
        sha = blob_sha(text)
        url = f"{self.repo_url(repo)}/contents/{quote(path)}?ref={quote(ref, safe='')}"
        html = f"{self.html}/{repo.full_name}/blob/{quote(ref)}/{quote(path)}"
        git = f"{self.repo_url(repo)}/git/blobs/{sha}"
        return {
            "type": "file",
            "encoding": "base64",
            "size": len(text.encode()),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "content": wrapped,
            "sha": sha,
            "url": url,
            "git_url": git,
            "html_url": html,
            "download_url": f"{self.html}/{repo.full_name}/raw/{quote(ref)}/{quote(path)}",
            "_links": {"self": url, "git": git, "html": html},
        }
