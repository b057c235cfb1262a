"""Deployment endpoints: a deployment, the pull requests of a commit, and the review of the
App's custom deployment protection rule on a workflow run."""

from __future__ import annotations

from app.sandbox.fake_github.deployments import GateReview, deployment_object
from app.sandbox.fake_github.web import Call, GitHubError, Reply, invalid, not_found, route


@route("GET", "/repos/{owner}/{repo}/deployments/{deployment_id}", "repos/get-deployment")
def get_deployment(call: Call) -> Reply:
    repo = call.repo()
    book = call.state.deployment_book(repo.full_name)
    deployment = book.deployments.get(call.int_param("deployment_id"))
    if deployment is None:
        raise not_found()
    return Reply(200, deployment_object(call.shapes, repo, deployment))


@route(
    "GET",
    "/repos/{owner}/{repo}/commits/{commit_sha}/pulls",
    "repos/list-pull-requests-associated-with-commit",
)
def pulls_of_commit(call: Call) -> Reply:
    """The merged pull request that brought the commit to the default branch (elsewhere,
    merged and open ones); 422 for a commit the repository does not have."""
    repo = call.repo()
    sha = call.state.resolve(repo, call.params["commit_sha"])
    if sha is None:
        raise GitHubError(422, f"No commit found for SHA: {call.params['commit_sha']}")
    pulls = call.state.pulls_with_commit(repo, sha)
    shapes = call.shapes
    return call.page([shapes.pull_simple(repo, pull) for pull in pulls])


@route(
    "POST",
    "/repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule",
    "actions/review-custom-gates-for-run",
)
def review_gate(call: Call) -> Reply:
    """Approve or reject (or only comment on) the App's rule for one environment of a run;
    GitHub takes one decision per run and environment and refuses the next."""
    repo = call.repo()
    book = call.state.deployment_book(repo.full_name)
    run = book.runs.get(call.int_param("run_id"))
    if run is None:
        raise not_found()
    body = call.body if isinstance(call.body, dict) else {}
    environment = str(body.get("environment_name") or "")
    state = body.get("state")
    comment = str(body.get("comment") or "")
    if state not in (None, "approved", "rejected") or (state is None and not comment):
        raise invalid("Invalid request.", "give a state (approved or rejected) or a comment")
    key = environment.lower()
    if key not in run.gates:
        raise invalid(
            f"No deployment to {environment or 'that environment'} waits for this App on "
            f"run {run.id}."
        )
    if run.gates[key] is not None:
        raise invalid(
            f"The deployment to {environment} on run {run.id} was already {run.gates[key]}."
        )
    app_id = call.token.app_id if call.token is not None else None
    book.reviews.append(GateReview(run.id, environment, state, comment, app_id, call.state.now()))
    if state is not None:
        run.gates[key] = str(state)
    return Reply(204, None)
