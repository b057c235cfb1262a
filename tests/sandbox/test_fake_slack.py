"""The fake Slack answers chat.postMessage and chat.update over real HTTP as Slack does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.sandbox.fake_slack import DEFAULT_TOKEN, SlackState, create_slack_app
from app.sandbox.server import serving
from app.sandbox.shared_dir import shared_file

JSON_UTF8 = "application/json; charset=utf-8"
TS = re.compile(r"^\d{10}\.\d{6}$")


@dataclass
class Workspace:
    state: SlackState
    client: httpx.Client
    url: str

    def call(self, method: str, **args: Any) -> dict[str, Any]:
        answer = self.client.post(f"/{method}", json=args)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body


@pytest.fixture
def slack() -> Iterator[Workspace]:
    state = SlackState()
    state.add_channel("private-ops", "C0PRIVATE1", bot_is_member=False)
    with serving(create_slack_app(state)) as server:
        headers = {"Authorization": f"Bearer {DEFAULT_TOKEN}", "Content-Type": JSON_UTF8}
        with httpx.Client(base_url=server.url, headers=headers, timeout=5) as client:
            yield Workspace(state, client, server.url)


@pytest.fixture
def checked(slack: Workspace) -> Workspace:
    if shared_file("slack", "chat-methods.schema.json") is None:
        pytest.skip("Slack's chat methods schema is not in the shared folder")
    return slack


@pytest.mark.parametrize("channel", ["#lfx-devops", "lfx-devops", "C0LFXDEVOPS"])
def test_post_by_channel_name_or_id_answers_the_channel_id_and_ts(
    slack: Workspace, channel: str
) -> None:
    text = "<@U0AAAAAAA> I've created ticket LFXV2-302: https://jira/browse/LFXV2-302"
    answer = slack.call("chat.postMessage", channel=channel, text=text)
    assert answer["ok"] is True and answer["channel"] == "C0LFXDEVOPS"
    assert TS.match(answer["ts"])
    assert answer["message"]["text"] == text and answer["message"]["ts"] == answer["ts"]
    [message] = slack.state.messages("#lfx-devops")
    assert (message.channel, message.ts, message.text) == ("C0LFXDEVOPS", answer["ts"], text)


def test_each_message_gets_a_later_ts_and_replies_keep_their_thread(slack: Workspace) -> None:
    first = slack.call("chat.postMessage", channel="#lfx-devops", text="one")
    reply = slack.call("chat.postMessage", channel="C0LFXDEVOPS", text="two", thread_ts=first["ts"])
    assert reply["ts"] > first["ts"]
    assert [m.thread_ts for m in slack.state.messages()] == [None, first["ts"]]


def test_form_encoded_post_with_the_token_in_the_body_is_accepted(slack: Workspace) -> None:
    form = {"token": DEFAULT_TOKEN, "channel": "#lfx-devops", "text": "hi", "unfurl_links": "false"}
    answer = httpx.post(f"{slack.url}/chat.postMessage", data=form)
    assert answer.json()["ok"] is True
    assert slack.state.calls("chat.postMessage")[0].args == {
        "channel": "#lfx-devops",
        "text": "hi",
        "unfurl_links": False,
    }


def test_update_edits_the_message_found_by_channel_id_and_ts(slack: Workspace) -> None:
    posted = slack.call("chat.postMessage", channel="#lfx-devops", text="waiting for review")
    updated = slack.call("chat.update", channel=posted["channel"], ts=posted["ts"], text="approved")
    assert updated["ok"] is True and updated["text"] == "approved"
    [message] = slack.state.messages()
    assert (message.text, message.ts, message.edited) == ("approved", posted["ts"], True)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        pytest.param({"channel": "#lfx-devops"}, "channel_not_found", id="channel-name-not-id"),
        pytest.param({"ts": "1700000000.000001"}, "message_not_found", id="unknown-ts"),
        pytest.param({"text": ""}, "no_text", id="no-text"),
    ],
)
def test_update_refuses_what_slack_refuses(
    slack: Workspace, args: dict[str, str], error: str
) -> None:
    posted = slack.call("chat.postMessage", channel="#lfx-devops", text="original")
    request = {"channel": posted["channel"], "ts": posted["ts"], "text": "new"} | args
    assert slack.call("chat.update", **request) == {"ok": False, "error": error}
    assert [m.text for m in slack.state.messages()] == ["original"]


@pytest.mark.parametrize(
    ("authorization", "error"),
    [
        pytest.param(None, "not_authed", id="no-token"),
        pytest.param("Bearer xoxb-wrong", "invalid_auth", id="wrong-token"),
        pytest.param(f"Basic {DEFAULT_TOKEN}", "not_authed", id="not-a-bearer-token"),
    ],
)
def test_bad_or_missing_token_is_refused_with_http_200(
    slack: Workspace, authorization: str | None, error: str
) -> None:
    headers = {"Content-Type": JSON_UTF8}
    if authorization is not None:
        headers["Authorization"] = authorization
    answer = httpx.post(
        f"{slack.url}/chat.postMessage",
        json={"channel": "#lfx-devops", "text": "x"},
        headers=headers,
    )
    assert answer.status_code == 200
    assert answer.json() == {"ok": False, "error": error}
    assert slack.state.messages() == []


@pytest.mark.parametrize(
    ("args", "error"),
    [
        pytest.param(
            {"channel": "#nowhere", "text": "x"}, "channel_not_found", id="unknown-channel"
        ),
        pytest.param({"channel": "C0NOWHERE1", "text": "x"}, "channel_not_found", id="unknown-id"),
        pytest.param({"text": "x"}, "channel_not_found", id="no-channel"),
        pytest.param(
            {"channel": "#private-ops", "text": "x"}, "not_in_channel", id="bot-not-member"
        ),
        pytest.param({"channel": "#lfx-devops"}, "no_text", id="no-text"),
        pytest.param(
            {"channel": "#lfx-devops", "text": "x" * 40_001}, "msg_too_long", id="too-long"
        ),
    ],
)
def test_post_refuses_what_slack_refuses(
    slack: Workspace, args: dict[str, Any], error: str
) -> None:
    assert slack.call("chat.postMessage", **args) == {"ok": False, "error": error}
    assert slack.state.messages() == []


def test_rate_limit_answers_429_with_retry_after_then_recovers(slack: Workspace) -> None:
    slack.state.fail_next("chat.postMessage", 429, retry_after=7)
    limited = slack.client.post("/chat.postMessage", json={"channel": "#lfx-devops", "text": "x"})
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    assert limited.json() == {"ok": False, "error": "ratelimited"}
    assert slack.call("chat.postMessage", channel="#lfx-devops", text="x")["ok"] is True
    assert len(slack.state.messages()) == 1


def test_an_injected_error_code_is_answered_with_http_200(slack: Workspace) -> None:
    slack.state.fail_next("*", "invalid_auth", times=2)
    answers = [slack.call("chat.postMessage", channel="#lfx-devops", text="x") for _ in range(3)]
    assert [a.get("error") for a in answers] == ["invalid_auth", "invalid_auth", None]


def test_json_without_charset_gets_slacks_warning(slack: Workspace) -> None:
    answer = slack.client.post(
        "/chat.postMessage",
        content=b'{"channel": "#lfx-devops", "text": "x"}',
        headers={"Content-Type": "application/json"},
    ).json()
    assert answer["ok"] is True and answer["warning"] == "missing_charset"


def test_malformed_json_is_answered_invalid_json(slack: Workspace) -> None:
    answer = slack.client.post("/chat.postMessage", content=b"{nope").json()
    assert answer == {"ok": False, "error": "invalid_json"}


def test_requests_are_recorded_without_the_token(slack: Workspace) -> None:
    slack.call("chat.postMessage", channel="#nowhere", text="x")
    [request] = slack.state.requests
    assert (request.method, request.status, request.error) == (
        "chat.postMessage",
        200,
        "channel_not_found",
    )
    assert request.args == {"channel": "#nowhere", "text": "x"}


def test_valid_traffic_has_no_schema_violations_and_answers_keep_to_the_schema(
    checked: Workspace,
) -> None:
    slack = checked
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*LFXV2-1*"}}]
    posted = slack.call("chat.postMessage", channel="#lfx-devops", text="x", blocks=blocks)
    slack.call("chat.postMessage", channel="#lfx-devops", text="y", thread_ts=posted["ts"])
    slack.call("chat.update", channel=posted["channel"], ts=posted["ts"], text="z")
    slack.call("chat.postMessage", channel="#nowhere", text="x")
    slack.state.fail_next("chat.update", 429)
    slack.client.post("/chat.update", json={"channel": posted["channel"], "ts": posted["ts"]})
    assert slack.state.violations == []
    assert slack.state.response_violations == []


@pytest.mark.parametrize(
    ("method", "args"),
    [
        pytest.param(
            "chat.postMessage",
            {"channel": "#lfx-devops", "text": "x", "thread_ts": "yesterday"},
            id="malformed-thread-ts",
        ),
        pytest.param(
            "chat.postMessage",
            {"channel": "#lfx-devops", "blocks": "not a list"},
            id="blocks-not-list",
        ),
        pytest.param(
            "chat.postMessage", {"channel": "#lfx-devops", "text": 42}, id="text-not-a-string"
        ),
    ],
)
def test_an_invalid_body_is_recorded_as_a_violation_and_refused(
    checked: Workspace, method: str, args: dict[str, Any]
) -> None:
    answer = checked.call(method, **args)
    assert answer == {"ok": False, "error": "invalid_arguments"}
    assert len(checked.state.violations) == 1
    assert checked.state.messages() == []


def test_a_method_gatehouse_does_not_use_is_recorded_as_a_violation(slack: Workspace) -> None:
    assert slack.call("chat.delete", channel="C0LFXDEVOPS", ts="1700000000.000001") == {
        "ok": False,
        "error": "unknown_method",
    }
    assert slack.state.violations == ["POST /chat.delete: not a method gatehouse uses"]
