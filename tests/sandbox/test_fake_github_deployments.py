"""The fake GitHub's deployments over real HTTP, every answer held to GitHub's description:
a deployment, the pull requests of a commit, the review of the App's protection rule, the
compare between two deployments, and the ``deployment_protection_rule`` payload."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from app.sandbox.fake_github import FileChange
from app.sandbox.fake_github import payloads as hooks
from app.sandbox.shared_dir import shared_dir
from tests.sandbox.github_site import REPO, KeyPair, Site, open_site

DOCS = FileChange("docs/a.md", "added", "@@ -0,0 +1 @@\n+a")


@pytest.fixture(scope="module")
def keys() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture
def site(keys: KeyPair) -> Iterator[Site]:
    with open_site(keys) as opened:
        yield opened
        opened.finish()


def _review(site: Site, run_id: int, body: dict[str, Any]) -> int:
    url = f"/repos/{REPO}/actions/runs/{run_id}/deployment_protection_rule"
    with site.http() as http:
        return http.post(url, json=body).status_code


def test_a_deployment_reads_like_githubs(site: Site) -> None:
    deployment = site.state.start_deployment(REPO, "production", creator="alice")
    with site.http() as http:
        answer = http.get(f"/repos/{REPO}/deployments/{deployment.id}")
        missing = http.get(f"/repos/{REPO}/deployments/999")
    body = answer.json()
    assert answer.status_code == 200
    assert (body["sha"], body["environment"], body["ref"]) == (deployment.sha, "production", "main")
    assert body["creator"]["login"] == "alice" and body["production_environment"] is True
    assert missing.status_code == 404


def test_the_pull_request_of_a_commit_is_the_merged_one_that_brought_it(site: Site) -> None:
    pull = site.state.pull(REPO, 1)
    feature = pull.head_sha
    with site.http() as http:
        before = http.get(f"/repos/{REPO}/commits/{feature}/pulls").json()
        site.state.close_pull(REPO, 1, merged=True, merged_by="bob")
        merge = site.state.merge_commit(REPO, 1)
        through_feature = http.get(f"/repos/{REPO}/commits/{feature}/pulls").json()
        through_merge = http.get(f"/repos/{REPO}/commits/{merge}/pulls").json()
        pushed = site.state.push_direct(REPO, "alice", [DOCS], message="Straight to main")
        direct = http.get(f"/repos/{REPO}/commits/{pushed}/pulls").json()
        unknown = http.get(f"/repos/{REPO}/commits/{'e' * 40}/pulls")
    assert [(p["number"], p["merged_at"]) for p in before] == [(1, None)]  # open, off main
    assert [p["number"] for p in through_feature] == [1]
    assert [p["number"] for p in through_merge] == [1]
    assert through_merge[0]["merged_at"] is not None
    assert direct == []
    assert unknown.status_code == 422


def test_compare_lists_the_commits_between_two_deployments(site: Site) -> None:
    first = site.state.start_deployment(REPO, "production")
    pushed = site.state.push_direct(REPO, "alice", [DOCS], message="Fix docs")
    with site.http() as http:
        answer = http.get(f"/repos/{REPO}/compare/{first.sha}...{pushed}").json()
        itself = http.get(f"/repos/{REPO}/compare/{pushed}...{pushed}").json()
    assert [c["sha"] for c in answer["commits"]] == [pushed]
    assert answer["commits"][0]["commit"]["message"] == "Fix docs"
    assert answer["total_commits"] == 1 and answer["commits"][0]["author"]["login"] == "alice"
    assert itself["status"] == "identical" and itself["base_commit"]["sha"] == pushed


def test_a_run_is_reviewed_once_per_environment(site: Site) -> None:
    deployment = site.state.start_deployment(REPO, "production")
    run = deployment.run_id
    note = {"environment_name": "production", "comment": "waiting for a person"}
    assert _review(site, run, note) == 204
    approve = {"environment_name": "production", "state": "approved", "comment": "fine"}
    assert _review(site, run, approve) == 204
    assert _review(site, run, {**approve, "state": "rejected"}) == 422
    site.claim("already approved")
    assert _review(site, run, {"environment_name": "staging", "state": "approved"}) == 422
    site.claim("No deployment to staging")
    assert _review(site, 999, approve) == 404
    assert _review(site, run, {"environment_name": "production", "state": "maybe"}) == 422
    site.claim("deployment_protection_rule: body")
    reviews = site.state.gate_reviews(REPO, run)
    assert [(r.state, r.comment) for r in reviews] == [
        (None, "waiting for a person"),
        ("approved", "fine"),
    ]


def test_the_payload_is_shaped_like_githubs_example(site: Site) -> None:
    deployment = site.state.start_deployment(REPO, "production", creator="alice")
    payload = hooks.deployment_protection_rule(site.state, REPO, deployment.id)
    assert payload["deployment_callback_url"].endswith(
        f"/repos/{REPO}/actions/runs/{deployment.run_id}/deployment_protection_rule"
    )
    assert payload["deployment"]["id"] == deployment.id
    assert payload["installation"]["id"] == 1 and payload["sender"]["login"] == "alice"
    root = shared_dir()
    if root is None:
        pytest.skip("GitHub's example payloads are not present (../shared)")
    example = json.loads(
        (root / "github" / "webhooks" / "deployment_protection_rule.requested.json").read_text()
    )
    assert set(example) <= set(payload) | {"organization"}
    assert set(example["deployment"]) == set(payload["deployment"])
