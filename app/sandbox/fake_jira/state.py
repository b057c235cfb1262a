"""What the fake Jira holds and how a test drives and inspects it.

Tests and the demo set up projects and accounts, read back what gatehouse wrote, and
inject failures; the server thread answers requests. Both sides go through the one lock
here, and everything handed out is a detached copy.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from app.sandbox.clock import Clock, wall_clock
from app.sandbox.contract import OpenApiContract
from app.sandbox.fake_jira.model import (
    STATUS_CATEGORIES,
    Comment,
    Fault,
    Issue,
    RecordedRequest,
    RemoteLink,
    User,
    WorkflowTransition,
)
from app.sandbox.fake_jira.store import JiraStore
from app.sandbox.fake_jira.workflow import DEFAULT_WORKFLOW
from app.sandbox.shared_dir import shared_file

DEFAULT_EMAIL = "gatehouse@example.com"
DEFAULT_API_TOKEN = "jira-api-token"
DEFAULT_ACCOUNT_ID = "712020:0c9a3f4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
JIRA_DESCRIPTION = ("jira", "openapi", "jira-platform-v3-subset.json")


def load_jira_contract() -> OpenApiContract | None:
    """Jira's published description of the operations gatehouse may call, when present.

    Error statuses a real service answers to any operation (401, 403, 429, 5xx) are held
    to Jira's ``ErrorCollection`` shape when the description does not list them.
    """
    path = shared_file(*JIRA_DESCRIPTION)
    return None if path is None else OpenApiContract.load(path, error_schema="ErrorCollection")


class JiraState:
    """A Jira Cloud site in memory: one service account that gatehouse authenticates as.

    ``check_contract`` holds every request to the official description (when the shared
    folder is present); departures are listed in :attr:`violations`, and answers that
    depart from it in :attr:`response_violations`.
    """

    def __init__(
        self,
        *,
        email: str = DEFAULT_EMAIL,
        api_token: str = DEFAULT_API_TOKEN,
        account_id: str = DEFAULT_ACCOUNT_ID,
        display_name: str = "gatehouse",
        check_contract: bool = True,
        clock: Clock = wall_clock,
    ) -> None:
        self.lock = threading.RLock()
        self.store = JiraStore(clock)
        self.store.workflow = list(DEFAULT_WORKFLOW)
        self.contract = load_jira_contract() if check_contract else None
        self._requests: list[RecordedRequest] = []
        self._violations: list[str] = []
        self._response_violations: list[str] = []
        self._faults: list[Fault] = []
        self.service_account_id = account_id
        self.add_user(account_id, display_name, email=email, api_token=api_token)

    # -- set-up ---------------------------------------------------------------------------

    def add_project(
        self,
        key: str,
        *,
        name: str | None = None,
        issue_types: Iterable[str] = ("Task", "Sub-task"),
    ) -> None:
        """A project whose issues are ``KEY-1``, ``KEY-2``...; ``Sub-task`` types need a parent."""
        with self.lock:
            self.store.add_project(key, name or key, tuple(issue_types))

    def add_user(
        self,
        account_id: str,
        display_name: str,
        *,
        email: str | None = None,
        api_token: str | None = None,
        assignable_in: Iterable[str] | None = None,
        permitted: bool = True,
    ) -> None:
        """An account; with ``email`` and ``api_token`` it can authenticate (basic auth).

        ``assignable_in`` limits the projects it can be assigned issues in (default: all);
        ``permitted=False`` makes it an account that may browse but not create, edit,
        assign, link or comment: those writes get 403.
        """
        projects = None if assignable_in is None else frozenset(assignable_in)
        with self.lock:
            self.store.users[account_id] = User(
                account_id, display_name, email, api_token, projects, permitted
            )

    def set_status(self, key: str, name: str) -> None:
        """Move an issue to status ``name`` (as if someone transitioned it in Jira)."""
        with self.lock:
            issue = self._issue(key)
            issue.status = name
            issue.updated = self.store.clock()
            done = STATUS_CATEGORIES.get(name.lower(), (0, "", ""))[1] == "done"
            issue.resolved = issue.updated if done else None

    def set_workflow(self, transitions: Iterable[WorkflowTransition]) -> None:
        """Replace the workflow every issue moves through (default: ``DEFAULT_WORKFLOW``
        in :mod:`app.sandbox.fake_jira.workflow`)."""
        with self.lock:
            self.store.workflow = list(transitions)

    def fail_next(
        self,
        operation_id: str = "*",
        status: int | None = 500,
        times: int = 1,
        delay_seconds: float = 0.0,
        *,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``operation_id`` (``*``: any) with ``status``.

        The answer waits ``delay_seconds`` first; ``status=None`` gives the normal answer,
        only late (for timeout tests). ``retry_after`` adds a ``Retry-After`` header.
        """
        with self.lock:
            self._faults.append(Fault(operation_id, status, times, delay_seconds, retry_after))

    # -- inspection -----------------------------------------------------------------------

    def issues(self) -> list[Issue]:
        with self.lock:
            return copy.deepcopy(list(self.store.issues.values()))

    def issue(self, key: str) -> Issue:
        """A copy of the issue; ``KeyError`` when there is none."""
        with self.lock:
            return copy.deepcopy(self._issue(key))

    def remote_links(self, key: str) -> list[RemoteLink]:
        with self.lock:
            issue_key = self._issue(key).key
            return copy.deepcopy([link for link in self.store.links if link.issue_key == issue_key])

    def comments(self, key: str) -> list[Comment]:
        with self.lock:
            issue_key = self._issue(key).key
            found = [comment for comment in self.store.comments if comment.issue_key == issue_key]
            return copy.deepcopy(found)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.lock:
            return list(self._requests)

    @property
    def violations(self) -> list[str]:
        """Every way gatehouse's requests departed from Jira's description."""
        with self.lock:
            return list(self._violations)

    @property
    def response_violations(self) -> list[str]:
        """Every way the fake's own answers departed from Jira's description."""
        with self.lock:
            return list(self._response_violations)

    def calls(self, operation_id: str | None = None) -> list[RecordedRequest]:
        with self.lock:
            return [r for r in self._requests if operation_id in (None, r.operation_id)]

    # -- used by the server ---------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[JiraStore]:
        with self.lock:
            yield self.store

    def take_fault(self, operation_id: str | None) -> Fault | None:
        with self.lock:
            for fault in self._faults:
                if fault.operation_id in ("*", operation_id):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return copy.copy(fault)
        return None

    def record(
        self,
        request: RecordedRequest,
        violations: Iterable[str],
        response_violations: Iterable[str],
    ) -> None:
        with self.lock:
            self._requests.append(request)
            self._violations.extend(violations)
            self._response_violations.extend(response_violations)

    def _issue(self, key: str) -> Issue:
        found = self.store.find_issue(key)
        if found is None:
            raise KeyError(key)
        return found
