"""A fake GitHub with one organisation, served for a test, that checks its own answers.

Every answer the server gives is captured on the way out; ``finish`` holds each one to
GitHub's description (when present) and fails on any violation the test did not claim.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from github import Auth, Github, GithubIntegration

from app.sandbox.fake_github import FileChange, GitHubState, create_app, shared_contract
from app.sandbox.server import serving

APP_ID = 4242
REPO = "acme/web"
TEAM = "platform-engineering"
CI_PATCH = "@@ -0,0 +1,3 @@\n+on: push\n+jobs:\n+  test: {}"
README_PATCH = "@@ -1,2 +1,2 @@\n # web\n-old line\n+new line"


# PyGithub spaces requests 0.25 s apart (writes 1 s) to spare GitHub; the fake needs none.
UNTHROTTLED: dict[str, Any] = {"seconds_between_requests": 0.0, "seconds_between_writes": 0.0}


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str

    @classmethod
    def generate(cls) -> KeyPair:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(private.decode(), public.decode())

    def jwt(
        self,
        *,
        iat: float = -60,
        exp: float = 300,
        iss: int | str = APP_ID,
        now: datetime | None = None,
    ) -> str:
        """An App JWT with ``iat``/``exp`` in seconds from ``now`` (the wall clock when not
        given); ``iss`` may be a number, as GitHub accepts (PyJWT's own encoder insists on a
        string, hence the JWS call)."""
        moment = int((now or datetime.now(UTC)).timestamp())
        claims = {"iat": moment + int(iat), "exp": moment + int(exp), "iss": iss}
        payload = json.dumps(claims).encode()
        return jwt.PyJWS().encode(payload, self.private_pem, algorithm="RS256")


@dataclass
class Answer:
    method: str
    path: str
    status: int
    headers: dict[str, str]
    body: bytes


class Capture:
    """ASGI middleware keeping a copy of every HTTP answer."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.answers: list[Answer] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        parts: dict[str, Any] = {"status": 0, "headers": [], "body": b""}

        async def keep(message: Any) -> None:
            if message["type"] == "http.response.start":
                parts["status"], parts["headers"] = message["status"], message["headers"]
            elif message["type"] == "http.response.body":
                parts["body"] += message.get("body", b"")
            await send(message)

        await self.app(scope, receive, keep)
        headers = {key.decode(): value.decode() for key, value in parts["headers"]}
        path = scope["raw_path"].decode().split("?", 1)[0]
        self.answers.append(Answer(scope["method"], path, parts["status"], headers, parts["body"]))


@dataclass
class Site:
    state: GitHubState
    url: str
    keys: KeyPair
    answers: list[Answer]
    claimed: list[str] = field(default_factory=list)

    def auth(self) -> Auth.AppInstallationAuth:
        return Auth.AppAuth(APP_ID, self.keys.private_pem).get_installation_auth(1)

    def client(self, **options: Any) -> Github:
        """PyGithub as gatehouse uses it: installation auth, lazy objects."""
        settings: dict[str, Any] = {"retry": None, "lazy": True, **UNTHROTTLED, **options}
        return Github(base_url=self.url, auth=self.auth(), **settings)

    def integration(self) -> GithubIntegration:
        auth = Auth.AppAuth(APP_ID, self.keys.private_pem)
        return GithubIntegration(auth=auth, base_url=self.url, retry=None, **UNTHROTTLED)

    def http(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"token {token or self.state.issue_token()}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10.0)

    def claim(self, fragment: str) -> list[str]:
        """Take the violations mentioning ``fragment``; at least one must exist."""
        with self.state.lock:
            taken = [v for v in self.state.violations if fragment in v]
            self.state.violations[:] = [v for v in self.state.violations if fragment not in v]
        assert taken, f"no violation mentions {fragment!r}"
        self.claimed += taken
        return taken

    def finish(self) -> None:
        contract = shared_contract()
        problems: list[str] = []
        for answer in self.answers:
            if contract is None or contract.match(answer.method, answer.path) is None:
                continue
            problems += contract.check_response(
                (answer.method, answer.path), answer.status, answer.headers, answer.body
            )
        assert problems == [], f"the fake answered outside GitHub's description: {problems}"
        unexpected = self.state.violations
        assert unexpected == [], f"requests the fake refused unexpectedly: {unexpected}"


def populate(state: GitHubState, keys: KeyPair) -> None:
    """One App installed on ``acme/web`` (installation 1) and ``other/tools`` (2); alice
    authors, bob and carol are on the platform team, dave reads, erin has no access."""
    state.add_app(APP_ID, keys.public_pem, "gatehouse")
    state.add_repo(REPO)
    state.add_repo("other/tools", installation_id=2)
    for login, permission in [("bob", "write"), ("carol", "admin"), ("dave", "read")]:
        state.set_permission(REPO, login, permission)
    state.add_user("alice")
    state.add_user("erin")
    state.set_permission(REPO, "alice", "write")
    state.add_team("acme", TEAM, ["bob", "carol"])
    state.set_content(REPO, ".github/gatehouse.yml", "settings:\n  jira: {project: WEB}\n")
    files = [
        FileChange(".github/workflows/ci.yml", "added", CI_PATCH),
        FileChange("README.md", "modified", README_PATCH),
    ]
    state.open_pull(REPO, "alice", "Add CI", files, body="Adds CI. WEB-12")


@contextmanager
def open_site(keys: KeyPair, *, checked: bool = True, **state_options: Any) -> Iterator[Site]:
    state = GitHubState(**state_options)
    populate(state, keys)
    capture = Capture(create_app(state, contract=checked))
    with serving(capture) as server:
        state.api_url = server.url
        if "html_base" not in state_options:
            state.html_base = server.url
        yield Site(state, server.url, keys, capture.answers)
