"""The signed session cookie of gatehouse's pages.

The cookie holds only who signed in (login and id), a CSRF token, and during sign-in the
OAuth ``state`` and the page to return to. It is signed (not encrypted) with
``GATEHOUSE_SESSION_SECRET`` and carries its own age, so a stolen or stale cookie stops
working after :data:`MAX_AGE_SECONDS`. It is ``HttpOnly`` always, ``Secure`` when the
public URL is HTTPS, and ``SameSite=Lax``: sent on the top-level navigation back from
GitHub's sign-in, never on a cross-site form post. The user's GitHub token is never stored.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "gatehouse_session"
MAX_AGE_SECONDS = 8 * 3600
SALT = "gatehouse.session"


@dataclass
class Session:
    """One browser's session; ``changed`` tells whether the cookie must be sent again."""

    data: dict[str, Any] = field(default_factory=dict)
    changed: bool = False

    @property
    def login(self) -> str | None:
        value = self.data.get("login")
        return value if isinstance(value, str) and value else None

    def csrf_token(self) -> str:
        """The session's CSRF token, made on first use."""
        token = self.data.get("csrf")
        if not isinstance(token, str) or not token:
            token = secrets.token_urlsafe(32)
            self.set("csrf", token)
        return token

    def csrf_matches(self, presented: str | None) -> bool:
        token = self.data.get("csrf")
        return bool(
            isinstance(token, str)
            and token
            and presented
            and secrets.compare_digest(token.encode(), presented.encode())
        )

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.changed = True

    def pop(self, key: str) -> Any:
        self.changed = self.changed or key in self.data
        return self.data.pop(key, None)

    def sign_in(self, login: str, user_id: int) -> None:
        """Start a signed-in session: every earlier value (and CSRF token) is dropped, so a
        session planted before sign-in is worth nothing after it."""
        self.data = {"login": login, "uid": user_id, "csrf": secrets.token_urlsafe(32)}
        self.changed = True

    def clear(self) -> None:
        self.data = {}
        self.changed = True


class _ClockedSigner(TimestampSigner):
    """itsdangerous's timestamped signer on the service's clock instead of the machine's."""

    def __init__(self, *args: Any, clock: Callable[[], float], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock())


class SessionCodec:
    def __init__(
        self,
        secret: str,
        *,
        secure: bool,
        clock: Callable[[], float],
        max_age: int = MAX_AGE_SECONDS,
    ) -> None:
        """``clock`` (POSIX seconds) stamps cookies and measures their age: the service's
        one clock, so a session lasts 8 hours of the time everything else runs on."""
        self._serializer = URLSafeTimedSerializer(
            secret, salt=SALT, signer=_ClockedSigner, signer_kwargs={"clock": clock}
        )
        self._secure = secure
        self._max_age = max_age

    def read(self, request: Request) -> Session:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return Session()
        try:
            data = self._serializer.loads(raw, max_age=self._max_age)
        except BadSignature:  # tampered, signed with another secret, or too old
            return Session(changed=True)
        return Session(data if isinstance(data, dict) else {}, changed=not isinstance(data, dict))

    def write(self, response: Response, session: Session) -> None:
        """Send the cookie again when the session changed (an empty one deletes it)."""
        if not session.changed:
            return
        if not session.data:
            response.delete_cookie(
                COOKIE, path="/", secure=self._secure, httponly=True, samesite="lax"
            )
            return
        response.set_cookie(
            COOKIE,
            self._serializer.dumps(session.data),
            max_age=self._max_age,
            path="/",
            secure=self._secure,
            httponly=True,
            samesite="lax",
        )
