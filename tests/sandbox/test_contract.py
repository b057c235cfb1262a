"""OpenApiContract: requests and answers held to an OpenAPI 3.0 description."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from app.sandbox.contract import NOT_IN_DESCRIPTION, OpenApiContract
from app.sandbox.shared_dir import shared_file

GITHUB = ("github", "openapi", "github-rest-subset.json")
SHA = "0123456789abcdef0123456789abcdef01234567"
ANNOTATION = {
    "path": "deploy/prod.tf",
    "start_line": 3,
    "end_line": 3,
    "annotation_level": "warning",
    "message": "security group rule",
}


@pytest.fixture(scope="module")
def github() -> OpenApiContract:
    path = shared_file(*GITHUB)
    if path is None:
        pytest.skip("GitHub's API description is absent (no shared/github/openapi folder)")
    return OpenApiContract.load(path, error_schema="basic-error")


def check_run(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "gatehouse",
        "head_sha": SHA,
        "status": "completed",
        "conclusion": "action_required",
        "details_url": "http://localhost:8000/acme/web/pull/1",
        "output": {"title": "Review required", "summary": "Platform Engineering"},
        "actions": [{"label": "Re-run", "description": "Evaluate again", "identifier": "rerun"}],
    }
    body.update(changes)
    return body


def post_check_run(contract: OpenApiContract, body: Any) -> tuple[str, ...]:
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    result = contract.check_request("POST", "/repos/acme/web/check-runs", {}, headers, raw)
    assert result.operation_id == "checks/create"
    return result.violations


def test_a_valid_check_run_request_passes(github: OpenApiContract) -> None:
    assert post_check_run(github, check_run()) == ()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            check_run(conclusion="approved"),
            "body: conclusion: 'approved' is not one of ['action_required'",
            id="wrong-enum",
        ),
        pytest.param(
            {key: value for key, value in check_run().items() if key != "name"},
            "body: 'name' is a required property",
            id="missing-required-field",
        ),
        pytest.param(
            check_run(head_sha=12345),
            "body: head_sha: 12345 is not of type 'string'",
            id="wrong-type",
        ),
        pytest.param(
            check_run(output={"title": "t", "summary": "s", "annotations": [ANNOTATION] * 51}),
            "body: output.annotations: has 51 items, at most 50 allowed",
            id="too-many-annotations",
        ),
        pytest.param(
            check_run(output={"title": "t", "summary": "x" * 65536}),
            "body: output.summary: has 65536 characters, at most 65535 allowed",
            id="summary-too-long",
        ),
        pytest.param(
            check_run(actions=[{"label": "Re-run", "description": "d", "identifier": "r"}] * 4),
            "body: actions: has 4 items, at most 3 allowed",
            id="too-many-actions",
        ),
    ],
)
def test_an_invalid_check_run_request_is_reported_readably(
    github: OpenApiContract, body: dict[str, Any], expected: str
) -> None:
    violations = post_check_run(github, body)
    assert len(violations) == 1
    assert violations[0].startswith("POST /repos/{owner}/{repo}/check-runs: " + expected)


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "expected"),
    [
        pytest.param(
            "GET",
            "/repos/acme/web",
            {},
            None,
            f"GET /repos/acme/web: {NOT_IN_DESCRIPTION}",
            id="unknown-operation",
        ),
        pytest.param(
            "PUT",
            "/repos/acme/web/pulls/1",
            {},
            b"{}",
            f"PUT /repos/acme/web/pulls/1: {NOT_IN_DESCRIPTION}",
            id="unknown-method-on-a-known-path",
        ),
        pytest.param(
            "GET",
            "/repos/acme/web/pulls/1/files",
            {"per_page": "100", "sort": "name"},
            None,
            "GET /repos/{owner}/{repo}/pulls/{pull_number}/files: "
            "query parameter 'sort' is not documented",
            id="unknown-query-parameter",
        ),
        pytest.param(
            "GET",
            "/repos/acme/web/pulls/1/files",
            {"per_page": "many"},
            None,
            "GET /repos/{owner}/{repo}/pulls/{pull_number}/files: query parameter 'per_page': ",
            id="query-parameter-of-the-wrong-type",
        ),
        pytest.param(
            "PATCH",
            "/repos/acme/web/check-runs/latest",
            {},
            b'{"status": "in_progress"}',
            "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}: "
            "path parameter 'check_run_id': ",
            id="path-parameter-of-the-wrong-type",
        ),
        pytest.param(
            "PATCH",
            "/repos/acme/web/check-runs/7",
            {},
            b'{"status": "completed"}',
            "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}: body: matches none of the "
            "allowed forms ('conclusion' is a required property)",
            id="completed-without-conclusion",
        ),
        pytest.param(
            "DELETE",
            "/repos/acme/web/pulls/1/requested_reviewers",
            {},
            None,
            "DELETE /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers: "
            "body: missing, but required",
            id="missing-required-body",
        ),
        pytest.param(
            "POST",
            "/repos/acme/web/issues/1/labels",
            {},
            b'["expedited"]',
            "POST /repos/{owner}/{repo}/issues/{issue_number}/labels: body: matches none of the "
            "allowed forms (['expedited'] is not of type 'object')",
            id="labels-as-a-bare-array",
        ),
    ],
)
def test_each_kind_of_invalid_request_is_named_with_its_operation(
    github: OpenApiContract,
    method: str,
    path: str,
    query: dict[str, str],
    body: bytes | None,
    expected: str,
) -> None:
    result = github.check_request(method, path, query, {}, body)
    assert not result.ok
    assert any(line.startswith(expected) for line in result.violations), result.violations


def test_a_path_parameter_may_hold_slashes_when_it_ends_the_template(
    github: OpenApiContract,
) -> None:
    path = "/repos/acme/web/contents/.github/gatehouse.yml"
    result = github.check_request("GET", path, {"ref": "main"}, {}, None)
    assert (result.operation_id, result.violations) == ("repos/get-content", ())
    matched = github.match("GET", path)
    assert matched is not None
    assert matched[1]["path"] == ".github/gatehouse.yml"


def test_percent_encoded_path_parameters_are_decoded(github: OpenApiContract) -> None:
    matched = github.match("DELETE", "/repos/acme/web/issues/3/labels/needs%2Freview%20now")
    assert matched is not None
    assert matched[0].operation_id == "issues/remove-label"
    assert matched[1]["name"] == "needs/review now"


def test_answers_are_held_to_the_documented_shape(github: OpenApiContract) -> None:
    label = {
        "id": 1,
        "node_id": "LA_1",
        "url": "https://api.github.com/repos/acme/web/labels/expedited",
        "name": "expedited",
        "description": None,
        "color": "d93f0b",
        "default": False,
    }
    headers = {"Content-Type": "application/json; charset=utf-8"}
    ok = json.dumps([label]).encode()
    assert github.check_response("issues/list-labels-on-issue", 200, headers, ok) == ()
    broken = json.dumps([{**label, "color": None}]).encode()
    problems = github.check_response(
        ("GET", "/repos/acme/web/issues/1/labels"), 200, headers, broken
    )
    assert problems
    assert all(
        line.startswith(
            "GET /repos/{owner}/{repo}/issues/{issue_number}/labels: 200: body: 0.color:"
        )
        for line in problems
    )


@pytest.mark.parametrize(
    ("status", "body", "clean"),
    [
        pytest.param(304, b"", True, id="304-for-any-GET"),
        pytest.param(403, b'{"message": "secondary rate limit"}', True, id="error-in-basic-shape"),
        pytest.param(429, b'{"message": 429}', False, id="error-in-another-shape"),
        pytest.param(201, b"[]", False, id="undocumented-success"),
    ],
)
def test_statuses_the_description_omits_are_held_to_the_common_error_shape(
    github: OpenApiContract, status: int, body: bytes, clean: bool
) -> None:
    problems = github.check_response("pulls/list-files", status, {}, body)
    assert (problems == ()) is clean, problems


def test_descriptions_are_parsed_once_per_path(github: OpenApiContract) -> None:
    path = shared_file(*GITHUB)
    assert path is not None
    assert OpenApiContract.load(path, error_schema="basic-error") is github


def test_checking_a_request_reuses_the_parsed_description(
    github: OpenApiContract,
) -> None:
    body = json.dumps(check_run(output={"title": "t", "summary": "s"})).encode()
    post_check_run(github, json.loads(body))
    rounds = 50
    started = time.perf_counter()
    for _ in range(rounds):
        github.check_request("POST", "/repos/acme/web/check-runs", {}, {}, body)
    average = (time.perf_counter() - started) / rounds
    assert average < 0.02, f"{average * 1000:.1f} ms per request"


MINI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "mini", "version": "1"},
    "servers": [{"url": "https://example.test/rest/api/3"}],
    "paths": {
        "/issue/{key}": {
            "get": {
                "operationId": "getIssue",
                "parameters": [
                    {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "fields", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["key"],
                                    "properties": {"key": {"type": "string"}},
                                }
                            }
                        },
                    }
                },
            }
        }
    },
}


def test_a_server_base_path_prefixes_every_operation(tmp_path: Path) -> None:
    document = tmp_path / "mini.json"
    document.write_text(json.dumps(MINI))
    contract = OpenApiContract.load(document)
    found = contract.check_request(
        "GET", "/rest/api/3/issue/ABC-1", {"fields": "summary"}, {}, None
    )
    assert (found.operation_id, found.violations) == ("getIssue", ())
    missing = contract.check_request("GET", "/issue/ABC-1", {}, {}, None)
    assert missing.violations == (f"GET /issue/ABC-1: {NOT_IN_DESCRIPTION}",)
    assert contract.check_response("getIssue", 200, {}, b'{"key": "ABC-1"}') == ()
    assert contract.check_response("getIssue", 500, {}, b"{}") == (
        "GET /issue/{key}: status 500 is not documented for this operation",
    )
