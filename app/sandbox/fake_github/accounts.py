"""People and organisations as signing in sees them: organisation membership, the OAuth web
flow's codes and user tokens, and Apps registered from a manifest."""

from __future__ import annotations

import secrets
import string
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.sandbox.fake_github.manifests import slugify
from app.sandbox.fake_github.records import App, ManifestCode, OAuthCode, UserToken
from app.sandbox.fake_github.world import World

OAUTH_CODE_LIFETIME = timedelta(minutes=10)
MANIFEST_CODE_LIFETIME = timedelta(hours=1)
ORG_ROLES = ("admin", "member")
DEFAULT_WEB_LOGIN = "octocat"


class OAuthRefusal(Exception):
    """The token exchange refused, with GitHub's ``error`` code."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def _port(scheme: str, port: int | None) -> int | None:
    return port if port is not None else {"http": 80, "https": 443}.get(scheme)


def redirect_allowed(redirect_uri: str, callback_urls: list[str]) -> bool:
    """GitHub's rule: same scheme, host and port as a callback URL, and a path that is the
    callback's path or below it. No callback URL registered allows any redirect."""
    if not callback_urls:
        return True
    target = urlsplit(redirect_uri)
    if ".." in target.path.split("/"):
        return False
    for callback in callback_urls:
        allowed = urlsplit(callback)
        same_origin = (
            target.scheme == allowed.scheme
            and (target.hostname or "") == (allowed.hostname or "")
            and _port(target.scheme, target.port) == _port(allowed.scheme, allowed.port)
        )
        base = allowed.path.rstrip("/")
        if same_origin and (target.path.rstrip("/") == base or target.path.startswith(base + "/")):
            return True
    return False


def _random(prefix: str, length: int = 36) -> str:
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


def new_key_pair() -> tuple[str, str]:
    """A new RSA key: the private half in GitHub's PKCS#1 PEM, the public half."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private.decode(), public.decode()


class Accounts(World):
    """``World`` plus organisation membership and signing in. ``web_login`` is whoever is
    signed in to the fake's web pages: the manifest flow registers personal Apps for them,
    and organisation Apps only when they own the organisation."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.web_login = DEFAULT_WEB_LOGIN
        self.org_members: dict[str, dict[str, str]] = {}
        self.user_tokens: dict[str, UserToken] = {}
        self.oauth_codes: dict[str, OAuthCode] = {}
        self.manifest_codes: dict[str, ManifestCode] = {}

    def add_org_member(self, org: str, login: str, role: str = "member") -> None:
        """Make ``login`` an active member of ``org`` (registered as an organisation when
        new) with ``role`` ``member`` or ``admin`` (an owner)."""
        if role not in ORG_ROLES:
            raise ValueError(f"role must be one of {ORG_ROLES}, not {role!r}")
        with self.lock:
            if org.lower() not in self.users:
                self.add_user(org, type="Organization")
            self.user_record(login)
            self.org_members.setdefault(org.lower(), {})[login.lower()] = role

    def remove_org_member(self, org: str, login: str) -> None:
        with self.lock:
            self.org_members.get(org.lower(), {}).pop(login.lower(), None)

    def org_role(self, org: str, login: str) -> str | None:
        """``admin`` or ``member`` for a member of ``org``, ``None`` for anyone else."""
        with self.lock:
            return self.org_members.get(org.lower(), {}).get(login.lower())

    def is_organization(self, login: str) -> bool:
        with self.lock:
            found = self.users.get(login.lower())
            return found is not None and found.type == "Organization"

    def app_by_client_id(self, client_id: str) -> App | None:
        with self.lock:
            return next((app for app in self.apps.values() if app.client_id == client_id), None)

    def issue_user_token(self, login: str, app_id: int | None = None) -> str:
        """A user access token (``ghu_``) acting as ``login`` through ``app_id`` (the first
        App when not given), as the web flow's exchange makes."""
        with self.lock:
            chosen = app_id if app_id is not None else next(iter(self.apps), None)
            if chosen is None or chosen not in self.apps:
                raise ValueError("register an app with add_app() before issuing user tokens")
            user = self.user_record(login)
            token = UserToken(_random("ghu_"), user.login, chosen)
            self.user_tokens[token.value] = token
            return token.value

    def grant_code(self, app: App, login: str, redirect_uri: str | None) -> str:
        """The code ``login`` brings back from authorising ``app``."""
        with self.lock:
            code = OAuthCode(
                secrets.token_hex(10),
                app.id,
                self.user_record(login).login,
                redirect_uri,
                self.now() + OAUTH_CODE_LIFETIME,
            )
            self.oauth_codes[code.value] = code
            return code.value

    def redeem_code(
        self, client_id: str, client_secret: str, code: str, redirect_uri: str | None
    ) -> UserToken:
        """A user token for a code, which is spent by the attempt; ``OAuthRefusal`` names
        what GitHub would answer instead."""
        with self.lock:
            app = self.app_by_client_id(client_id)
            if app is None or not secrets.compare_digest(app.client_secret, client_secret):
                raise OAuthRefusal("incorrect_client_credentials")
            grant = self.oauth_codes.get(code)
            if grant is None or grant.app_id != app.id:
                raise OAuthRefusal("bad_verification_code")
            del self.oauth_codes[code]
            if grant.expires_at <= self.now():
                raise OAuthRefusal("bad_verification_code")
            if redirect_uri and grant.redirect_uri and redirect_uri != grant.redirect_uri:
                raise OAuthRefusal("redirect_uri_mismatch")
            value = self.issue_user_token(grant.login, app.id)
            return self.user_tokens[value]

    def register_from_manifest(self, owner: str, manifest: dict[str, Any]) -> ManifestCode:
        """Create the App a (valid) manifest describes, owned by ``owner``; the code to
        exchange for its credentials."""
        private_pem, public_pem = new_key_pair()
        with self.lock:
            app = self.add_app(
                self.next_id(),
                public_pem,
                slugify(manifest["name"]),
                manifest["name"],
                owner=owner,
                callback_urls=list(manifest.get("callback_urls", [])),
            )
            app.description = manifest.get("description")
            app.external_url = manifest["url"]
            app.permissions = {"metadata": "read", **manifest.get("default_permissions", {})}
            app.events = list(manifest.get("default_events", []))
            hook = manifest.get("hook_attributes")
            app.webhook_secret = secrets.token_hex(20) if hook else None
            code = ManifestCode(
                secrets.token_hex(10), app.id, private_pem, self.now() + MANIFEST_CODE_LIFETIME
            )
            self.manifest_codes[code.value] = code
            return code

    def convert_manifest(self, code: str) -> tuple[App, str] | None:
        """The App registered with ``code`` and its private key; the code is spent."""
        with self.lock:
            found = self.manifest_codes.pop(code, None)
            if found is None or found.expires_at <= self.now():
                return None
            return self.apps[found.app_id], found.private_key_pem

    def slug_taken(self, name: str) -> bool:
        with self.lock:
            slug = slugify(name)
            return any(app.slug == slug for app in self.apps.values())
