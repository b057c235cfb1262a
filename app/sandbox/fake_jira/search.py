"""Issue search: the current ``/search/jql`` and the deprecated ``/search``.

The two differ as on Jira Cloud: ``/search/jql`` pages with an opaque ``nextPageToken``,
returns only issue ids unless ``fields`` asks for more, and refuses an unbounded query;
``/search`` pages with ``startAt``, counts a ``total`` and returns navigable fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.sandbox.fake_jira.jql import UNBOUNDED, JqlError, parse, search
from app.sandbox.fake_jira.model import Issue, JiraError, JsonObject, User
from app.sandbox.fake_jira.render import NAVIGABLE, issue_json, selected_fields
from app.sandbox.fake_jira.store import JiraStore

_TOKEN_PREFIX = "page-"


def search_jql(
    store: JiraStore, base: str, user: User, request: Mapping[str, Any], fields: Any
) -> JsonObject:
    found = _matching(store, user, request.get("jql"), bounded=True)
    start = _page_start(request.get("nextPageToken"))
    size = max(1, _integer(request.get("maxResults"), "maxResults", 50, 5000))
    page = found[start : start + size]
    selected = selected_fields(_field_list(fields), ())
    body: JsonObject = {
        "issues": [issue_json(store, base, issue, selected) for issue in page],
        "isLast": start + size >= len(found),
    }
    if not body["isLast"]:
        body["nextPageToken"] = f"{_TOKEN_PREFIX}{start + size}"
    return body


def search_legacy(
    store: JiraStore, base: str, user: User, request: Mapping[str, Any], fields: Any
) -> JsonObject:
    found = _matching(store, user, request.get("jql"), bounded=False)
    start = _integer(request.get("startAt"), "startAt", 0, None)
    size = _integer(request.get("maxResults"), "maxResults", 50, 100)
    selected = selected_fields(_field_list(fields), NAVIGABLE)
    return {
        "expand": "schema,names",
        "startAt": start,
        "maxResults": size,
        "total": len(found),
        "issues": [
            issue_json(store, base, issue, selected) for issue in found[start : start + size]
        ],
    }


def _matching(store: JiraStore, user: User, jql: Any, *, bounded: bool) -> list[Issue]:
    if jql is not None and not isinstance(jql, str):
        raise JiraError(400, ["The JQL query must be a string."])
    try:
        query = parse(jql or "")
        if bounded and not query.clauses:
            raise JqlError(UNBOUNDED)
        return search(store, query, user.account_id)
    except JqlError as error:
        raise JiraError(400, [str(error)]) from None


def _field_list(fields: Any) -> list[str]:
    if fields is None:
        return []
    if isinstance(fields, str):
        return fields.split(",")
    if isinstance(fields, list) and all(isinstance(name, str) for name in fields):
        return fields
    raise JiraError(400, ["The 'fields' parameter must be a list of field names."])


def _page_start(token: Any) -> int:
    if token is None:
        return 0
    if isinstance(token, str) and token.startswith(_TOKEN_PREFIX):
        number = token.removeprefix(_TOKEN_PREFIX)
        if number.isdigit():
            return int(number)
    raise JiraError(400, ["The provided next page token is invalid or expired."])


def _integer(value: Any, name: str, default: int, limit: int | None) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise JiraError(400, [f"The value '{value}' is invalid for '{name}'."]) from None
    if isinstance(value, bool) or number < 0:
        raise JiraError(400, [f"The value '{value}' is invalid for '{name}'."])
    return number if limit is None else min(number, limit)
