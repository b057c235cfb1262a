"""A fake Jira Cloud (REST v3) served over real HTTP, strict where Jira is strict.

Build a :class:`JiraState`, add projects and accounts, serve :func:`create_jira_app` with
:func:`app.sandbox.server.serving`, and point gatehouse's ``JIRA_BASE_URL`` at it.
"""

from app.sandbox.fake_jira.app import create_jira_app
from app.sandbox.fake_jira.model import (
    Comment,
    Issue,
    RecordedRequest,
    RemoteLink,
    WorkflowTransition,
)
from app.sandbox.fake_jira.state import DEFAULT_API_TOKEN, DEFAULT_EMAIL, JiraState

__all__ = [
    "DEFAULT_API_TOKEN",
    "DEFAULT_EMAIL",
    "Comment",
    "Issue",
    "JiraState",
    "RecordedRequest",
    "RemoteLink",
    "WorkflowTransition",
    "create_jira_app",
]
