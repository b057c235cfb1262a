"""App JWTs and installation tokens: signed right, reused until shortly before expiry."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import jwt

from app.github.auth import TOKEN_REFRESH_MARGIN_SECONDS, AppCredentials
from app.github.transport import _next_link, _retry_wait
from app.sandbox.world import generate_key

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC).timestamp()


def test_app_jwt_is_rs256_with_issuer_and_short_expiry() -> None:
    private, public = generate_key()
    now = time.time()
    credentials = AppCredentials(
        4242, private, lambda *_: ("t", "2026-01-01T00:00:00Z"), clock=lambda: now
    )
    claims = jwt.decode(
        credentials.app_jwt(), public, algorithms=["RS256"], options={"verify_exp": False}
    )
    assert claims["iss"] == "4242"
    assert claims["exp"] - now <= 600 and claims["iat"] < now


def test_installation_token_is_cached_until_shortly_before_expiry() -> None:
    private, _ = generate_key()
    now = [NOW]
    issued: list[int] = []

    def fetch(app_jwt: str, installation_id: int) -> tuple[str, str]:
        issued.append(installation_id)
        expires = datetime.fromtimestamp(now[0] + 3600, UTC).isoformat().replace("+00:00", "Z")
        return f"ghs_{len(issued)}", expires

    credentials = AppCredentials(1, private, fetch, clock=lambda: now[0])
    assert credentials.installation_token(7) == "ghs_1"
    now[0] += 3600 - TOKEN_REFRESH_MARGIN_SECONDS - 1
    assert credentials.installation_token(7) == "ghs_1"
    now[0] += 2
    assert credentials.installation_token(7) == "ghs_2"
    assert credentials.installation_token(8) == "ghs_3", "tokens are per installation"
    credentials.forget(8)
    assert credentials.installation_token(8) == "ghs_4", "a refused token is replaced"


def test_retry_policy() -> None:
    assert _retry_wait(502, {}, None, 1) == 0.25
    assert _retry_wait(403, {"Retry-After": "7"}, {"message": "secondary rate limit"}, 1) == 7.0
    assert _retry_wait(429, {}, {"message": "API rate limit exceeded"}, 2) == 4.0
    assert _retry_wait(403, {}, {"message": "Resource not accessible by integration"}, 1) is None
    assert _retry_wait(404, {}, None, 1) is None


def test_pagination_follows_the_next_link() -> None:
    link = '<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=9>; rel="last"'
    assert _next_link(link) == "https://api.github.com/x?page=2"
    assert _next_link('<https://api.github.com/x?page=1>; rel="prev"') is None
    assert _next_link(None) is None
