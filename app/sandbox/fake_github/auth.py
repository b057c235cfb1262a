"""GitHub App authentication as GitHub applies it: App JWTs on ``/app...`` endpoints, user
access tokens (``ghu_``, from the OAuth web flow) on ``/user`` and the organisation
membership reads, installation tokens everywhere else.

The fake models no person's view of repositories, so a user token on a repository endpoint
is refused (and recorded as a violation) rather than answered as some user would see it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import jwt

from app.sandbox.fake_github.records import App, Token, UserToken
from app.sandbox.fake_github.state import GitHubState
from app.sandbox.fake_github.web import GitHubError

MAX_JWT_LIFETIME = 600
BAD_JWT = "A JSON web token could not be decoded"
EXPIRED_JWT = (
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at "
    "which the assertion expires"
)
FAR_JWT = "'Expiration time' claim ('exp') is too far in the future"
EARLY_JWT = (
    "'Issued at' claim ('iat') must be an Integer representing the time that the assertion "
    "was issued"
)
BAD_TOKEN = "Bad credentials"
NOT_FOR_INTEGRATIONS = "Resource not accessible by integration"


@dataclass(frozen=True)
class Identity:
    """Who a request acts as, and which rate-limit budget it draws on."""

    token: Token | None
    app: App | None
    bucket: str
    user: UserToken | None = None


def _refuse(message: str) -> GitHubError:
    return GitHubError(401, message, violation=True)


def _credential(headers: Mapping[str, str]) -> str | None:
    raw = headers.get("authorization", "")
    scheme, _, value = raw.partition(" ")
    if scheme.lower() in ("token", "bearer") and value.strip():
        return value.strip()
    return None


def verify_jwt(state: GitHubState, raw: str) -> App:
    """The App that signed ``raw``: RS256 with its registered key, ``iss`` its id (number or
    string), ``exp`` in the future but at most ten minutes ahead, ``iat`` not in the future.
    "Now" is the state's clock, the one the service signs its JWTs with."""
    try:
        unverified = jwt.decode(raw, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise _refuse(BAD_JWT) from None
    issuer = str(unverified.get("iss", ""))
    app = state.apps.get(int(issuer)) if issuer.isdigit() else None
    if app is None:
        raise _refuse(BAD_JWT)
    try:
        claims = jwt.decode(
            raw,
            app.public_key_pem,
            algorithms=["RS256"],
            # The times are checked below against the fake's clock, not PyJWT's wall clock.
            options={
                "require": ["exp", "iat", "iss"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
        issued, expires = int(claims["iat"]), int(claims["exp"])
        not_before = int(claims.get("nbf", issued))
    except (jwt.PyJWTError, TypeError, ValueError, OverflowError):
        raise _refuse(BAD_JWT) from None
    moment = state.now().timestamp()
    if issued > moment or not_before > moment:
        raise _refuse(EARLY_JWT)
    if expires <= moment:
        raise _refuse(EXPIRED_JWT)
    if expires > moment + MAX_JWT_LIFETIME:
        raise _refuse(FAR_JWT)
    return app


def _installation_token(state: GitHubState, raw: str) -> Token:
    token = state.tokens.get(raw)
    if token is None or token.expires_at <= state.now():
        raise _refuse(BAD_TOKEN)
    return token


def _user_token(state: GitHubState, kind: str, raw: str) -> Identity:
    token = state.user_tokens.get(raw)
    if token is None:
        raise _refuse(BAD_TOKEN)
    if kind == "token":
        raise GitHubError(403, NOT_FOR_INTEGRATIONS, violation=True)
    return Identity(None, state.apps.get(token.app_id), f"user:{token.login.lower()}", token)


def authenticate(state: GitHubState, kind: str, headers: Mapping[str, str]) -> Identity:
    """Check the ``Authorization`` header for a route needing ``kind``: ``token``
    (installation token), ``jwt``, ``user`` (user token), ``member`` (installation or user
    token) or ``any`` (any credential, or none)."""
    raw = _credential(headers)
    if raw is None:
        if kind == "any":
            return Identity(None, None, "anonymous")
        raise _refuse("Requires authentication")
    is_token = raw.startswith(("ghs_", "ghu_", "ghp_"))
    if kind == "jwt" or (kind == "any" and not is_token):
        if is_token:
            raise _refuse(BAD_JWT)
        app = verify_jwt(state, raw)
        return Identity(None, app, f"app:{app.id}")
    if raw.startswith("ghu_"):
        return _user_token(state, kind, raw)
    token = _installation_token(state, raw)
    if kind == "user":
        raise GitHubError(403, NOT_FOR_INTEGRATIONS, violation=True)
    return Identity(token, state.apps.get(token.app_id), token.value)
