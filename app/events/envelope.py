"""The few fields of a delivery that routing reads, decoded without building the rest.

A ``pull_request`` delivery is 10-30 KB of JSON, and :func:`~app.events.routing.classify`
reads five values of it. Decoding the whole body into dictionaries on the event loop that
acknowledges deliveries cost more than anything else the webhook does besides the HMAC;
a typed decoder that skips what it was not asked for (still checking that it is JSON)
costs a third of that, and the worker decodes the whole payload later anyway.

:func:`routing_fields` answers a plain ``dict`` with the same shape as the payload, cut
down to what :func:`~app.events.routing.classify` reads, so classifying it gives the same
route as classifying the whole payload (``tests/events/test_envelope.py`` checks this on
every example payload). A body whose routed fields have a shape the envelope does not
expect is decoded in full instead, so it meets exactly the checks it always met.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
import orjson


class MalformedBody(ValueError):
    """The body is not JSON (``reason="not-json"``) or not a JSON object ("not-object")."""

    def __init__(self, reason: Literal["not-json", "not-object"]) -> None:
        super().__init__(reason)
        self.reason = reason


class _PullRef(msgspec.Struct, omit_defaults=True):
    number: Any = None


class _Subject(msgspec.Struct, omit_defaults=True):
    """What routing reads of the object an event is about (its pull request, issue, check
    run or suite, merge group); a field absent from the body stays absent."""

    number: Any = None
    head_sha: Any = None
    head_ref: Any = None
    pull_request: Any = None  # on an issue: present when the issue is a pull request
    pull_requests: list[_PullRef] | None = None
    check_suite: _Subject | None = None


class _Named(msgspec.Struct, omit_defaults=True):
    full_name: Any = None


class _Identified(msgspec.Struct, omit_defaults=True):
    id: Any = None


class _Envelope(msgspec.Struct, omit_defaults=True):
    action: Any = None
    environment: Any = None
    repository: _Named | None = None
    installation: _Identified | None = None
    pull_request: _Subject | None = None
    issue: _Subject | None = None
    check_run: _Subject | None = None
    check_suite: _Subject | None = None
    merge_group: _Subject | None = None


_DECODER = msgspec.json.Decoder(_Envelope)


def routing_fields(body: bytes) -> dict[str, Any]:
    """The fields of ``body`` that routing reads, as a payload-shaped ``dict``.

    Raises :class:`MalformedBody` when ``body`` is not UTF-8 JSON or not a JSON object.
    """
    try:
        body.decode()  # the decoder skips strings it does not keep without checking them
    except UnicodeDecodeError:
        raise MalformedBody("not-json") from None
    try:
        fields: dict[str, Any] = msgspec.to_builtins(_DECODER.decode(body))
        return fields
    except msgspec.ValidationError:
        pass  # valid JSON of another shape: decoded in full below, as any body once was
    except msgspec.DecodeError:
        raise MalformedBody("not-json") from None
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise MalformedBody("not-json") from None
    if not isinstance(payload, dict):
        raise MalformedBody("not-object")
    return payload
