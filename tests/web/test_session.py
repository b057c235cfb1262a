"""The pages' session cookie and where sign-in may send a browser back to."""

from __future__ import annotations

import pytest
from starlette.requests import Request
from starlette.responses import Response

from app.web.context import safe_next
from app.web.session import COOKIE, Session, SessionCodec

SECRET = "a-session-secret-of-at-least-32-characters"
NOW = 1_800_000_000.0  # a fixed moment: the codec reads only the clock it is given


def codec(secret: str = SECRET, *, secure: bool = True, at: float = NOW) -> SessionCodec:
    return SessionCodec(secret, secure=secure, clock=lambda: at)


def _request(cookie: str | None) -> Request:
    headers = [(b"cookie", f"{COOKIE}={cookie}".encode())] if cookie else []
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


def _issued(codec: SessionCodec, session: Session) -> tuple[str, str]:
    response = Response()
    codec.write(response, session)
    header = response.headers["set-cookie"]
    return header, header.split(";", 1)[0].split("=", 1)[1]


def test_behind_https_the_cookie_is_secure_httponly_and_lax() -> None:
    session = Session()
    session.sign_in("alan-sherman", 7)
    header, _ = _issued(codec(), session)
    lowered = header.lower()
    assert "httponly" in lowered and "secure" in lowered and "samesite=lax" in lowered
    header, _ = _issued(codec(secure=False), session)
    assert "secure" not in header.lower() and "httponly" in header.lower()


def test_a_cookie_signed_with_another_secret_or_older_than_eight_hours_is_nobody() -> None:
    session = Session()
    session.sign_in("alan-sherman", 7)
    _, value = _issued(codec(), session)
    assert codec(at=NOW + 7 * 3600).read(_request(value)).login == "alan-sherman"
    other = codec("another-secret-of-at-least-32-characters!")
    assert other.read(_request(value)).login is None
    expired = codec(at=NOW + 8 * 3600 + 1)  # eight hours later on the service's clock
    assert expired.read(_request(value)).login is None


def test_signing_in_replaces_what_the_session_held_before() -> None:
    session = Session({"csrf": "planted", "next": "/queue"})
    session.sign_in("alan-sherman", 7)
    assert session.data["csrf"] != "planted" and "next" not in session.data
    assert session.csrf_matches(session.data["csrf"]) and not session.csrf_matches("planted")


@pytest.mark.parametrize(
    ("asked", "kept"),
    [
        ("/pulls/acme/web/1", "/pulls/acme/web/1"),
        ("/queue?group=architecture", "/queue?group=architecture"),
        ("https://evil.example/", "/queue"),
        ("//evil.example/", "/queue"),
        ("/\\evil.example", "/queue"),
        ("", "/queue"),
        (None, "/queue"),
    ],
)
def test_sign_in_returns_only_to_a_page_of_this_service(asked: str | None, kept: str) -> None:
    assert safe_next(asked) == kept
