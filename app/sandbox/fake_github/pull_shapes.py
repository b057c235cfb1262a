"""GitHub's JSON objects for pull requests and what hangs off them: commits, files, reviews,
comments, reactions and check runs."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from app.sandbox.fake_github.records import (
    CheckRun,
    Comment,
    Commit,
    FileChange,
    Pull,
    Reaction,
    Repo,
    Review,
    blob_sha,
    iso,
)
from app.sandbox.fake_github.shapes import Shapes, node_id

_REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket")


class PullShapes(Shapes):
    """``Shapes`` plus the pull-request family of objects."""

    def pull_url(self, repo: Repo, pull: Pull) -> str:
        return f"{self.repo_url(repo)}/pulls/{pull.number}"

    def pull_html(self, repo: Repo, pull: Pull) -> str:
        return f"{self.html}/{repo.full_name}/pull/{pull.number}"

    def _association(self, repo: Repo, login: str) -> str:
        if login == repo.owner:
            return "OWNER"
        if repo.permissions.get(login.lower(), "none") != "none":
            return "COLLABORATOR"
        return "NONE"

    def _branch(self, repo: Repo, ref: str, sha: str) -> dict[str, Any]:
        return {
            "label": f"{repo.owner}:{ref}",
            "ref": ref,
            "sha": sha,
            "user": self.user(repo.owner),
            "repo": self.repo(repo),
        }

    def pull_simple(self, repo: Repo, pull: Pull) -> dict[str, Any]:
        """A ``pull-request-simple`` (what review requests answer with)."""
        url, issue = self.pull_url(repo, pull), f"{self.repo_url(repo)}/issues/{pull.number}"
        html = self.pull_html(repo, pull)
        statuses = f"{self.repo_url(repo)}/statuses/{pull.head_sha}"
        links = {
            "self": url,
            "html": html,
            "issue": issue,
            "comments": f"{issue}/comments",
            "review_comments": f"{url}/comments",
            "review_comment": f"{self.repo_url(repo)}/pulls/comments{{/number}}",
            "commits": f"{url}/commits",
            "statuses": statuses,
        }
        teams = [self.state.teams[(repo.owner, slug)] for slug in pull.requested_teams]
        return {
            "url": url,
            "id": pull.id,
            "node_id": node_id("PullRequest", pull.id),
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": issue,
            "commits_url": links["commits"],
            "review_comments_url": links["review_comments"],
            "review_comment_url": links["review_comment"],
            "comments_url": links["comments"],
            "statuses_url": statuses,
            "number": pull.number,
            "state": pull.state,
            "locked": False,
            "title": pull.title,
            "user": self.user(pull.author),
            "body": pull.body or None,
            "labels": [self.label(repo, repo.labels[name]) for name in pull.labels],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": iso(pull.created_at),
            "updated_at": iso(pull.updated_at),
            "closed_at": iso(pull.closed_at),
            "merged_at": iso(pull.merged_at),
            "merge_commit_sha": pull.merge_commit_sha,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [self.user(login) for login in pull.requested_reviewers],
            "requested_teams": [self.team(team) for team in teams],
            "head": self._branch(repo, pull.head_ref, pull.head_sha),
            "base": self._branch(repo, pull.base_ref, pull.base_sha),
            "_links": {key: {"href": href} for key, href in links.items()},
            "author_association": self._association(repo, pull.author),
            "auto_merge": None,
            "draft": pull.draft,
        }

    def pull(self, repo: Repo, pull: Pull) -> dict[str, Any]:
        """A full ``pull-request`` object."""
        files = list(pull.files.values())
        comments = sum(1 for comment in repo.comments.values() if comment.number == pull.number)
        return {
            **self.pull_simple(repo, pull),
            "merged": pull.merged,
            "mergeable": None if pull.state == "closed" else True,
            "rebaseable": None if pull.state == "closed" else True,
            "mergeable_state": "unknown" if pull.state == "closed" else "clean",
            "merged_by": self.user(pull.merged_by) if pull.merged_by else None,
            "comments": comments,
            "review_comments": 0,
            "maintainer_can_modify": False,
            "commits": len(pull.commits),
            "additions": sum(change.additions for change in files),
            "deletions": sum(change.deletions for change in files),
            "changed_files": len(files),
        }

    def pull_minimal(self, repo: Repo, pull: Pull) -> dict[str, Any]:
        """A ``pull-request-minimal``, as check runs and check suites list them."""
        short = {"id": repo.id, "url": self.repo_url(repo), "name": repo.name}
        return {
            "id": pull.id,
            "number": pull.number,
            "url": self.pull_url(repo, pull),
            "head": {"ref": pull.head_ref, "sha": pull.head_sha, "repo": short},
            "base": {"ref": pull.base_ref, "sha": pull.base_sha, "repo": short},
        }

    def review(self, repo: Repo, pull: Pull, review: Review) -> dict[str, Any]:
        """A ``pull-request-review``, state upper case as the REST API gives it."""
        html = f"{self.pull_html(repo, pull)}#pullrequestreview-{review.id}"
        return {
            "id": review.id,
            "node_id": node_id("PullRequestReview", review.id),
            "user": self.user(review.user),
            "body": review.body,
            "state": review.state,
            "html_url": html,
            "pull_request_url": self.pull_url(repo, pull),
            "_links": {
                "html": {"href": html},
                "pull_request": {"href": self.pull_url(repo, pull)},
            },
            "submitted_at": iso(review.submitted_at),
            "commit_id": review.commit_id,
            "author_association": self._association(repo, review.user),
        }

    def commit(self, repo: Repo, commit: Commit) -> dict[str, Any]:
        url = f"{self.repo_url(repo)}/commits/{commit.sha}"
        person = {
            "name": commit.author,
            "email": f"{commit.author}@users.noreply.github.localhost",
            "date": iso(commit.at),
        }
        tree = blob_sha(commit.sha)
        return {
            "url": url,
            "sha": commit.sha,
            "node_id": node_id("Commit", int(commit.sha[:8], 16)),
            "html_url": f"{self.html}/{repo.full_name}/commit/{commit.sha}",
            "comments_url": f"{url}/comments",
            "commit": {
                "url": f"{self.repo_url(repo)}/git/commits/{commit.sha}",
                "author": person,
                "committer": person,
                "message": commit.message,
                "comment_count": 0,
                "tree": {"sha": tree, "url": f"{self.repo_url(repo)}/git/trees/{tree}"},
            },
            "author": self.user(commit.author),
            "committer": self.user(commit.author),
            "parents": [
                {
                    "sha": parent,
                    "url": f"{self.repo_url(repo)}/commits/{parent}",
                    "html_url": f"{self.html}/{repo.full_name}/commit/{parent}",
                }
                for parent in commit.parents
            ],
        }

    def diff_entry(self, repo: Repo, ref: str, change: FileChange) -> dict[str, Any]:
        """A ``diff-entry`` of a pull request or comparison at commit ``ref``."""
        path = quote(change.path)
        entry: dict[str, Any] = {
            "sha": None if change.status == "removed" else blob_sha(f"{change.path}@{ref}"),
            "filename": change.path,
            "status": change.status,
            "additions": change.additions,
            "deletions": change.deletions,
            "changes": change.additions + change.deletions,
            "blob_url": f"{self.html}/{repo.full_name}/blob/{ref}/{path}",
            "raw_url": f"{self.html}/{repo.full_name}/raw/{ref}/{path}",
            "contents_url": f"{self.repo_url(repo)}/contents/{path}?ref={ref}",
        }
        if change.patch is not None:
            entry["patch"] = change.patch
        if change.previous_filename is not None:
            entry["previous_filename"] = change.previous_filename
        return entry

    def reaction_rollup(self, repo: Repo, comment: Comment) -> dict[str, Any]:
        counts = {content: 0 for content in _REACTIONS}
        for reaction in comment.reactions:
            counts[reaction.content] += 1
        url = f"{self.repo_url(repo)}/issues/comments/{comment.id}/reactions"
        return {"url": url, "total_count": len(comment.reactions), **counts}

    def comment(self, repo: Repo, comment: Comment) -> dict[str, Any]:
        """An ``issue-comment`` on a pull request."""
        issue = f"{self.repo_url(repo)}/issues/{comment.number}"
        app = self.state.apps.get(comment.app_id or -1)
        return {
            "id": comment.id,
            "node_id": node_id("IssueComment", comment.id),
            "url": f"{self.repo_url(repo)}/issues/comments/{comment.id}",
            "html_url": f"{self.html}/{repo.full_name}/pull/{comment.number}"
            f"#issuecomment-{comment.id}",
            "issue_url": issue,
            "body": comment.body,
            "user": self.user(comment.user),
            "created_at": iso(comment.created_at),
            "updated_at": iso(comment.updated_at),
            "author_association": self._association(repo, comment.user),
            "performed_via_github_app": self.integration(app) if app else None,
            "reactions": self.reaction_rollup(repo, comment),
        }

    def reaction(self, reaction: Reaction) -> dict[str, Any]:
        return {
            "id": reaction.id,
            "node_id": node_id("Reaction", reaction.id),
            "user": self.user(reaction.user),
            "content": reaction.content,
            "created_at": iso(reaction.created_at),
        }

    def check_run(self, repo: Repo, run: CheckRun) -> dict[str, Any]:
        """A ``check-run``, listing the open pull requests whose head it is on."""
        url = f"{self.repo_url(repo)}/check-runs/{run.id}"
        pulls = [
            self.pull_minimal(repo, pull)
            for pull in repo.pulls.values()
            if pull.head_sha == run.head_sha and pull.state == "open"
        ]
        app = self.state.apps.get(run.app_id)
        suite = self.state.check_suite_id(repo, run.app_id, run.head_sha)
        return {
            "id": run.id,
            "head_sha": run.head_sha,
            "node_id": node_id("CheckRun", run.id),
            "external_id": run.external_id,
            "url": url,
            "html_url": f"{self.html}/{repo.full_name}/runs/{run.id}",
            "details_url": run.details_url,
            "status": run.status,
            "conclusion": run.conclusion,
            "started_at": iso(run.started_at),
            "completed_at": iso(run.completed_at),
            "output": {
                "title": run.title,
                "summary": run.summary,
                "text": run.text,
                "annotations_count": len(run.annotations),
                "annotations_url": f"{url}/annotations",
            },
            "name": run.name,
            "check_suite": {"id": suite},
            "app": self.integration(app) if app else None,
            "pull_requests": pulls,
        }

    def organization(self, login: str) -> dict[str, Any]:
        """An ``organization-simple``: in webhooks and membership answers."""
        record = self.state.user_record(login)
        url = f"{self.api}/orgs/{quote(record.login)}"
        return {
            "login": record.login,
            "id": record.id,
            "node_id": node_id("Organization", record.id),
            "url": url,
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events",
            "hooks_url": f"{url}/hooks",
            "issues_url": f"{url}/issues",
            "members_url": f"{url}/members{{/member}}",
            "public_members_url": f"{url}/public_members{{/member}}",
            "avatar_url": f"{self.html}/avatars/u/{record.id}?v=4",
            "description": None,
        }
