"""The fake GitHub's objects, read and written through PyGithub over real HTTP: pull
requests, check runs, reviews and review requests, comments, reactions, labels, comparisons,
contents, permissions and teams."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from github import GithubException, UnknownObjectException

from app.sandbox.fake_github import FileChange, shared_contract
from tests.sandbox.github_site import REPO, TEAM, KeyPair, Site, open_site

NOTE: dict[str, Any] = {
    "path": "README.md",
    "start_line": 2,
    "end_line": 2,
    "annotation_level": "warning",
    "message": "matched",
}
OUTPUT: dict[str, Any] = {
    "title": "Review required",
    "summary": "Platform Engineering must approve",
}


@pytest.fixture(scope="module")
def keys() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture
def site(keys: KeyPair) -> Iterator[Site]:
    with open_site(keys) as opened:
        yield opened
        opened.finish()


@pytest.fixture(params=["described", "undescribed"])
def any_site(request: pytest.FixtureRequest, keys: KeyPair) -> Iterator[Site]:
    """The fake with and without GitHub's description: its own rules hold either way."""
    with open_site(keys, checked=request.param == "described") as opened:
        yield opened
        opened.finish()


def test_a_pull_request_reads_like_githubs(site: Site) -> None:
    site.state.add_review(REPO, 1, "bob", "COMMENTED")
    site.state.add_comment(REPO, 1, "dave", "Looks fine")
    pull = site.client().get_repo(REPO).get_pull(1)
    head = site.state.pull(REPO, 1).head_sha
    assert (pull.number, pull.title, pull.body, pull.state) == (
        1,
        "Add CI",
        "Adds CI. WEB-12",
        "open",
    )
    assert (pull.user.login, pull.head.ref, pull.head.sha, pull.base.ref) == (
        "alice",
        "feature",
        head,
        "main",
    )
    assert pull.head.repo.full_name == REPO
    assert pull.html_url == f"{site.url}/{REPO}/pull/1"
    assert (pull.draft, pull.merged, pull.changed_files, pull.additions, pull.deletions) == (
        False,
        False,
        2,
        4,
        1,
    )
    assert pull.comments == 1


def test_links_for_people_follow_the_configured_html_base(keys: KeyPair) -> None:
    with open_site(keys, html_base="https://github.example.com") as site:
        pull = site.client().get_repo(REPO).get_pull(1)
        assert pull.html_url == "https://github.example.com/acme/web/pull/1"
        site.finish()


def test_a_merged_pull_request_says_so(site: Site) -> None:
    site.state.close_pull(REPO, 1, merged=True, merged_by="carol")
    pull = site.client().get_repo(REPO).get_pull(1)
    assert (pull.state, pull.merged, pull.merged_by.login) == ("closed", True, "carol")
    assert pull.merge_commit_sha is not None


def test_files_list_the_cumulative_change_of_every_push(site: Site) -> None:
    renamed = FileChange("docs/guide.md", "renamed", None, previous_filename="GUIDE.md")
    site.state.push(REPO, 1, [FileChange("README.md", "modified", "@@ -1 +1 @@\n-a\n+b"), renamed])
    files = {f.filename: f for f in site.client().get_repo(REPO).get_pull(1).get_files()}
    assert list(files) == [".github/workflows/ci.yml", "README.md", "docs/guide.md"]
    assert (files["README.md"].additions, files["README.md"].deletions) == (1, 1)
    assert files["README.md"].patch == "@@ -1 +1 @@\n-a\n+b"
    assert files["docs/guide.md"].previous_filename == "GUIDE.md"
    assert files["docs/guide.md"].patch is None
    assert files[".github/workflows/ci.yml"].changes == 3


def test_a_check_run_is_created_updated_and_listed(site: Site) -> None:
    repo = site.client().get_repo(REPO)
    head = site.state.pull(REPO, 1).head_sha
    run = repo.create_check_run(
        "gatehouse",
        head,
        status="in_progress",
        details_url="http://gatehouse.test/acme/web/pull/1",
        external_id="acme/web#1",
        output={**OUTPUT, "annotations": [NOTE] * 50},
        actions=[{"label": "Re-run", "description": "Evaluate again", "identifier": "rerun"}],
    )
    assert (run.status, run.app.slug) == ("in_progress", "gatehouse")
    assert run.raw_data["conclusion"] is None
    assert [pull.number for pull in run.pull_requests] == [1]
    run.edit(conclusion="action_required", output={**OUTPUT, "annotations": [NOTE] * 50})
    assert (run.status, run.conclusion) == ("completed", "action_required")
    assert run.output.annotations_count == 100
    repo.create_check_run("other-check", head, status="queued")
    repo.create_check_run("gatehouse", head, conclusion="success", output=OUTPUT)
    commit = repo.get_commit(head)
    latest = list(commit.get_check_runs(check_name="gatehouse"))
    assert [(r.name, r.conclusion) for r in latest] == [("gatehouse", "success")]
    every = list(commit.get_check_runs(check_name="gatehouse", filter="all"))
    assert [r.conclusion for r in every] == ["success", "action_required"]
    queued = list(commit.get_check_runs(status="queued"))
    assert [r.name for r in queued] == ["other-check"]
    (stored,) = [r for r in site.state.check_runs(REPO, head) if r.id == run.id]
    assert len(stored.annotations) == 100


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        pytest.param({"output": {**OUTPUT, "annotations": [NOTE] * 51}}, "51", id="51-annotations"),
        pytest.param(
            {"output": {**OUTPUT, "summary": "x" * 65536}}, "65535", id="summary-over-65535"
        ),
        pytest.param({"output": {**OUTPUT, "text": "x" * 65536}}, "65535", id="text-over-65535"),
        pytest.param(
            {"actions": [{"label": "a", "description": "b", "identifier": "c"}] * 4},
            "3",
            id="four-actions",
        ),
        pytest.param(
            {"actions": [{"label": "x" * 21, "description": "b", "identifier": "c"}]},
            "label",
            id="action-label-over-20",
        ),
        pytest.param(
            {"actions": [{"label": "a", "description": "x" * 41, "identifier": "c"}]},
            "description",
            id="action-description-over-40",
        ),
        pytest.param(
            {"actions": [{"label": "a", "description": "b", "identifier": "x" * 21}]},
            "identifier",
            id="action-identifier-over-20",
        ),
        pytest.param({"status": "completed"}, "conclusion", id="completed-without-conclusion"),
        pytest.param(
            {"output": {**OUTPUT, "annotations": [{**NOTE, "annotation_level": "error"}]}},
            "annotation_level",
            id="unknown-annotation-level",
        ),
        pytest.param(
            {"output": {**OUTPUT, "annotations": [{**NOTE, "start_line": None}]}},
            "start_line",
            id="annotation-without-start-line",
        ),
        pytest.param({"head_sha": "f" * 40}, "f" * 40, id="unknown-commit"),
    ],
)
def test_a_check_run_github_would_refuse_is_refused(
    any_site: Site, changes: dict[str, Any], problem: str
) -> None:
    body = {"name": "gatehouse", "head_sha": any_site.state.pull(REPO, 1).head_sha, **changes}
    body = {key: value for key, value in body.items() if value is not None}
    if "output" in body:
        for note in body["output"].get("annotations", []):
            for key in [k for k, v in note.items() if v is None]:
                del note[key]
    client = any_site.client()
    with pytest.raises(GithubException) as raised:
        client.requester.requestJsonAndCheck("POST", f"/repos/{REPO}/check-runs", input=body)
    assert raised.value.status == 422
    assert problem in str(raised.value.data)
    any_site.claim("POST /repos/{owner}/{repo}/check-runs")
    assert any_site.state.check_runs(REPO) == []


def test_an_update_is_held_to_the_same_limits(any_site: Site) -> None:
    repo = any_site.client().get_repo(REPO)
    run = repo.create_check_run("gatehouse", any_site.state.pull(REPO, 1).head_sha)
    with pytest.raises(GithubException) as raised:
        run.edit(output={**OUTPUT, "annotations": [NOTE] * 51})
    assert raised.value.status == 422
    any_site.claim("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}")
    assert any_site.state.check_runs(REPO)[0].annotations == []


def test_review_requests_follow_githubs_rules(site: Site) -> None:
    pull = site.client().get_repo(REPO).get_pull(1)
    with pytest.raises(GithubException) as author:
        pull.create_review_request(reviewers=["alice"])
    assert author.value.status == 422
    assert author.value.data["message"] == "Review cannot be requested from pull request author."
    site.claim("Review cannot be requested from pull request author.")
    with pytest.raises(GithubException) as stranger:
        pull.create_review_request(reviewers=["erin"])
    assert "not a collaborator" in stranger.value.data["message"]
    site.claim("not a collaborator")
    pull.create_review_request(reviewers=["bob", "dave"], team_reviewers=[TEAM])
    users, teams = pull.get_review_requests()
    assert ([u.login for u in users], [t.slug for t in teams]) == (["bob", "dave"], [TEAM])
    pull.delete_review_request(reviewers=["dave"], team_reviewers=[TEAM])
    assert site.state.requested_reviewers(REPO, 1) == ["bob"]
    assert site.state.requested_teams(REPO, 1) == []


def test_a_submitted_review_takes_the_reviewer_off_the_requested_list(site: Site) -> None:
    pull = site.client().get_repo(REPO).get_pull(1)
    pull.create_review_request(reviewers=["bob"])
    first_head = site.state.pull(REPO, 1).head_sha
    site.state.push(REPO, 1, [FileChange("app.py", "added", "@@ -0,0 +1 @@\n+x")])
    site.state.add_review(REPO, 1, "bob", "APPROVED", commit_sha=first_head)
    site.state.add_review(REPO, 1, "carol", "CHANGES_REQUESTED", body="Not yet")
    assert site.state.requested_reviewers(REPO, 1) == []
    reviews = list(pull.get_reviews())
    assert [(r.user.login, r.state, r.commit_id) for r in reviews] == [
        ("bob", "APPROVED", first_head),
        ("carol", "CHANGES_REQUESTED", site.state.pull(REPO, 1).head_sha),
    ]
    assert all(r.submitted_at is not None for r in reviews)
    dismissed = site.state.dismiss_review(REPO, 1, reviews[1].id)
    assert dismissed["state"] == "DISMISSED"


def test_commits_of_the_pull_request_are_listed_oldest_first(site: Site) -> None:
    second = site.state.push(REPO, 1, [FileChange("app.py", "added", "@@ -0,0 +1 @@\n+x")])
    commits = list(site.client().get_repo(REPO).get_pull(1).get_commits())
    assert [c.sha for c in commits] == [*site.state.pull(REPO, 1).commits[:1], second]
    assert commits[1].parents[0].sha == commits[0].sha


def test_comments_by_the_app_are_authored_by_its_bot(site: Site) -> None:
    pull = site.client().get_repo(REPO).get_pull(1)
    comment = pull.create_issue_comment("<!-- gatehouse -->\nNext steps")
    assert (comment.user.login, comment.user.type) == ("gatehouse[bot]", "Bot")
    comment.edit("<!-- gatehouse -->\nUpdated")
    listed = list(pull.get_issue_comments())
    assert [(c.id, c.body) for c in listed] == [(comment.id, "<!-- gatehouse -->\nUpdated")]
    (stored,) = site.state.comments(REPO, 1)
    assert (stored.user, stored.user_type) == ("gatehouse[bot]", "Bot")


def test_a_reaction_is_created_once_then_found_again(site: Site) -> None:
    comment = site.state.add_comment(REPO, 1, "alice", "/recheck")
    requester = site.client().requester
    url = f"/repos/{REPO}/issues/comments/{comment['id']}/reactions"
    first = requester.requestJson("POST", url, input={"content": "+1"})
    again = requester.requestJson("POST", url, input={"content": "+1"})
    assert (first[0], again[0]) == (201, 200)
    reactions = site.state.reactions(comment["id"])
    assert [(r.user, r.content) for r in reactions] == [("gatehouse[bot]", "+1")]


def test_labels_are_added_listed_and_removed(site: Site) -> None:
    pull = site.client().get_repo(REPO).get_pull(1)
    site.client().requester.requestJsonAndCheck(
        "POST", f"/repos/{REPO}/issues/1/labels", input={"labels": ["expedited", "infra"]}
    )
    assert [label.name for label in pull.get_labels()] == ["expedited", "infra"]
    pull.remove_from_labels("infra")
    assert site.state.labels(REPO, 1) == ["expedited"]
    with pytest.raises(GithubException) as absent:
        pull.remove_from_labels("infra")
    assert (absent.value.status, absent.value.data["message"]) == (404, "Label does not exist")


def test_labels_sent_as_a_bare_array_fall_outside_the_description(site: Site) -> None:
    if shared_contract() is None:
        pytest.skip("GitHub's API description is absent: request shapes are unchecked")
    with pytest.raises(GithubException) as raised:
        site.client().get_repo(REPO).get_pull(1).add_to_labels("expedited")
    assert raised.value.status == 422
    site.claim("POST /repos/{owner}/{repo}/issues/{issue_number}/labels: body:")


def test_compare_reports_the_files_between_two_commits(site: Site) -> None:
    repo = site.client().get_repo(REPO)
    pull = site.state.pull(REPO, 1)
    first = pull.head_sha
    second = site.state.push(REPO, 1, [FileChange("app.py", "added", "@@ -0,0 +1 @@\n+x")])
    since_review = repo.compare(first, second)
    assert (since_review.status, since_review.ahead_by, since_review.behind_by) == ("ahead", 1, 0)
    assert [f.filename for f in since_review.files] == ["app.py"]
    whole = repo.compare(pull.base_sha, second)
    assert [f.filename for f in whole.files] == [".github/workflows/ci.yml", "README.md", "app.py"]
    assert repo.compare(second, first).status == "behind"
    with pytest.raises(UnknownObjectException):
        _ = repo.compare("f" * 40, second).status


def test_file_contents_come_base64_encoded_and_missing_files_are_not_found(site: Site) -> None:
    repo = site.client().get_repo(REPO)
    config = repo.get_contents(".github/gatehouse.yml")
    assert not isinstance(config, list)
    assert (config.encoding, config.decoded_content) == (
        "base64",
        b"settings:\n  jira: {project: WEB}\n",
    )
    site.state.set_content(REPO, ".github/gatehouse.yml", "rules: []\n", ref="feature")
    on_branch = repo.get_contents(".github/gatehouse.yml", ref="feature")
    assert not isinstance(on_branch, list)
    assert on_branch.decoded_content == b"rules: []\n"
    with pytest.raises(UnknownObjectException):
        repo.get_contents(".github/missing.yml")
    with pytest.raises(GithubException) as unknown_ref:
        repo.get_contents(".github/gatehouse.yml", ref="no-such-branch")
    assert unknown_ref.value.status == 404


def test_permissions_and_team_membership_are_answered(site: Site) -> None:
    client = site.client()
    repo = client.get_repo(REPO)
    assert [repo.get_collaborator_permission(u) for u in ("carol", "bob", "dave", "erin")] == [
        "admin",
        "write",
        "read",
        "none",
    ]
    with pytest.raises(UnknownObjectException):
        repo.get_collaborator_permission("nobody-at-all")
    _, members = client.requester.requestJsonAndCheck("GET", f"/orgs/acme/teams/{TEAM}/members")
    assert [m["login"] for m in members] == ["bob", "carol"]
    _, member = client.requester.requestJsonAndCheck(
        "GET", f"/orgs/acme/teams/{TEAM}/memberships/bob"
    )
    assert (member["state"], member["role"]) == ("active", "member")
    with pytest.raises(UnknownObjectException):
        client.requester.requestJsonAndCheck("GET", f"/orgs/acme/teams/{TEAM}/memberships/erin")


def test_a_token_sees_only_teams_of_its_installations_organisation(site: Site) -> None:
    site.state.add_team("other", "maintainers", ["bob"])
    with pytest.raises(UnknownObjectException):
        site.client().requester.requestJsonAndCheck("GET", "/orgs/other/teams/maintainers/members")
    site.claim("GET /orgs/{org}/teams/{team_slug}/members: 404")
