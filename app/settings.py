"""The service's settings: one validated object built once at start-up and passed in.

Values come from the environment variables of SPEC section 2, and from a ``.env`` file in
the working directory. Nothing reads the environment anywhere else.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.github.budget import DEFAULT_CONCURRENCY, DEFAULT_WRITES_PER_MINUTE

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent


def _shipped_rules() -> Path:
    """The rules gatehouse ships: inside the package when installed from a wheel (setup.py
    puts them there), the repository's ``rules/`` in a checkout or an editable install."""
    packaged = PACKAGE_DIR / "shipped_rules"
    return packaged if packaged.is_dir() else REPO_ROOT / "rules"


SHIPPED_RULES = _shipped_rules()


class SettingsError(ValueError):
    """Start-up configuration problems, every one of them named."""


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    github_app_id: int | None = Field(None, validation_alias="GITHUB_APP_ID")
    github_private_key: SecretStr | None = Field(None, validation_alias="GITHUB_PRIVATE_KEY")
    github_private_key_path: Path | None = Field(None, validation_alias="GITHUB_PRIVATE_KEY_PATH")
    github_webhook_secret: SecretStr | None = Field(None, validation_alias="GITHUB_WEBHOOK_SECRET")
    github_api_url: str = Field("https://api.github.com", validation_alias="GITHUB_API_URL")
    rules_dir: Path = Field(
        Path("./rules"), validation_alias=AliasChoices("GATEHOUSE_RULES_DIR", "rules_dir")
    )
    database_url: str = Field(
        "sqlite:///./gatehouse.db",
        validation_alias=AliasChoices("GATEHOUSE_DATABASE_URL", "database_url"),
    )
    public_url: str = Field("http://localhost:8000", validation_alias="GATEHOUSE_PUBLIC_URL")
    jira_base_url: str | None = Field(None, validation_alias="JIRA_BASE_URL")
    jira_email: str | None = Field(None, validation_alias="JIRA_EMAIL")
    jira_api_token: SecretStr | None = Field(None, validation_alias="JIRA_API_TOKEN")
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_api_url: str = Field("https://slack.com/api", validation_alias="SLACK_API_URL")
    # Sign-in with GitHub (SPEC section 9): the App's OAuth client and the key that signs
    # session cookies. With any of the three unset, nobody can sign in and the pages show
    # nothing of any pull request. GITHUB_WEB_URL is where browsers are sent (sign-in and
    # the manifest flow); REST calls still go to GITHUB_API_URL.
    github_client_id: str | None = Field(None, validation_alias="GITHUB_CLIENT_ID")
    github_client_secret: SecretStr | None = Field(None, validation_alias="GITHUB_CLIENT_SECRET")
    session_secret: SecretStr | None = Field(None, validation_alias="GATEHOUSE_SESSION_SECRET")
    github_web_url: str = Field("https://github.com", validation_alias="GITHUB_WEB_URL")
    # The check lane: deliveries decided and their check runs published at once.
    workers: int = Field(16, ge=1, le=64, validation_alias="GATEHOUSE_WORKERS")
    # Follow-ups in flight at once (review requests, Jira, Slack, the sticky comment): they
    # wait mostly on the network, on one event loop, without a thread each; the check lane
    # never waits for them.
    follow_up_workers: int = Field(
        32, ge=1, le=1024, validation_alias="GATEHOUSE_FOLLOW_UP_WORKERS"
    )
    # A killed process's deliveries and timers are resumed at most this long after its
    # last heartbeat; a live process renews its claims every heartbeat.
    lease_seconds: float = Field(6.0, ge=1, le=600, validation_alias="GATEHOUSE_LEASE_SECONDS")
    heartbeat_seconds: float = Field(2.0, gt=0, validation_alias="GATEHOUSE_HEARTBEAT_SECONDS")
    # Content-creating requests (POST/PATCH/PUT/DELETE) one installation may send a minute,
    # per replica, paced by a token bucket holding one minute's worth. 80 is GitHub's
    # documented ceiling for such requests; check runs never wait for the bucket (they spend
    # from it), comments, review requests and labels use only its first half, so a burst of
    # new check runs is never slowed while a burst of comments is spread out
    # (app.github.budget explains more). 0 turns pacing off (GitHub's answers still pause).
    github_writes_per_minute: float = Field(
        DEFAULT_WRITES_PER_MINUTE,
        ge=0,
        le=6000,
        validation_alias="GATEHOUSE_GITHUB_WRITES_PER_MINUTE",
    )
    # Requests one installation may have in flight at once (GitHub refuses more than 100
    # concurrent requests; a few per organisation keep one busy organisation from holding
    # every worker).
    installation_concurrency: int = Field(
        DEFAULT_CONCURRENCY, ge=1, le=100, validation_alias="GATEHOUSE_INSTALLATION_CONCURRENCY"
    )

    @field_validator(
        "github_api_url", "public_url", "slack_api_url", "jira_base_url", "github_web_url"
    )
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value.rstrip("/") if value else value

    @field_validator("heartbeat_seconds")
    @classmethod
    def _heartbeat_keeps_the_lease(cls, value: float, info: ValidationInfo) -> float:
        lease = info.data.get("lease_seconds")
        if lease is not None and value * 2 > lease:
            raise ValueError(
                f"must be at most half of GATEHOUSE_LEASE_SECONDS ({lease:g}), so that one "
                "late heartbeat never loses a claim"
            )
        return value

    @property
    def jira_enabled(self) -> bool:
        return bool(self.jira_base_url and self.jira_email and self.jira_api_token)

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def sign_in_enabled(self) -> bool:
        return bool(self.github_client_id and self.github_client_secret and self.session_secret)

    def private_key_pem(self) -> str:
        if self.github_private_key is not None:
            return self.github_private_key.get_secret_value().replace("\\n", "\n")
        assert self.github_private_key_path is not None
        return self.github_private_key_path.read_text(encoding="utf-8")

    def resolved_rules_dir(self) -> Path:
        """``GATEHOUSE_RULES_DIR``; when left at its default and absent, the shipped rules."""
        if not self.rules_dir.exists() and self.rules_dir == Path("./rules"):
            return SHIPPED_RULES
        return self.rules_dir

    def require_service(self) -> None:
        """Raise one error naming every setting ``serve`` needs and lacks."""
        problems = []
        if self.github_app_id is None:
            problems.append("GITHUB_APP_ID is required (the App's numeric id)")
        if self.github_private_key is None and self.github_private_key_path is None:
            problems.append("GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH is required")
        elif (
            self.github_private_key_path is not None and not self.github_private_key_path.is_file()
        ):
            problems.append(f"GITHUB_PRIVATE_KEY_PATH: no such file {self.github_private_key_path}")
        if self.github_webhook_secret is None:
            problems.append("GITHUB_WEBHOOK_SECRET is required (the webhook secret)")
        partial = [self.jira_base_url, self.jira_email, self.jira_api_token]
        if any(partial) and not all(partial):
            problems.append("Jira needs all of JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN")
        sign_in = [self.github_client_id, self.github_client_secret, self.session_secret]
        if any(sign_in) and not all(sign_in):
            problems.append(
                "sign-in needs all of GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET and "
                "GATEHOUSE_SESSION_SECRET"
            )
        elif self.session_secret is not None and len(self.session_secret.get_secret_value()) < 32:
            problems.append("GATEHOUSE_SESSION_SECRET must be at least 32 characters")
        if problems:
            raise SettingsError("; ".join(problems))


def load_settings(**overrides: object) -> ServiceSettings:
    """Build the settings from the environment (and ``.env``), naming every bad value."""
    try:
        return ServiceSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        names = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            names.append(f"{field.upper()}: {error['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(names)) from None
