"""A fake GitHub REST API served over real HTTP, holding GitHub's contract, with the
github.com pages a browser goes through to sign in with an App (the OAuth web flow) and to
register an App from a manifest.

Build a ``GitHubState``, serve it with ``serve_github`` (or ``create_app`` and
``app.sandbox.server.serving``), point PyGithub or gatehouse at the server's URL, and read
back what was done with the state's inspection methods. ``payloads`` builds webhook
deliveries consistent with the state.
"""

from app.sandbox.fake_github.limits import SecondaryLimit
from app.sandbox.fake_github.payloads import deliver, sign
from app.sandbox.fake_github.records import (
    CheckRun,
    Comment,
    FileChange,
    Pull,
    Reaction,
    RecordedRequest,
    Repo,
    Review,
    Team,
)
from app.sandbox.fake_github.routes import create_app, serve_github, shared_contract
from app.sandbox.fake_github.state import GitHubState

__all__ = [
    "CheckRun",
    "Comment",
    "FileChange",
    "GitHubState",
    "Pull",
    "Reaction",
    "RecordedRequest",
    "Repo",
    "Review",
    "SecondaryLimit",
    "Team",
    "create_app",
    "deliver",
    "serve_github",
    "shared_contract",
    "sign",
]
