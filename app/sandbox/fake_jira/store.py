"""The fake Jira's data: projects, accounts, issues, remote links, comments and the
workflow issues move through.

Not thread-safe on its own: :class:`~app.sandbox.fake_jira.state.JiraState` holds the lock
that every reader and writer takes.
"""

from __future__ import annotations

from app.sandbox.clock import Clock, wall_clock
from app.sandbox.fake_jira.model import (
    Comment,
    Issue,
    IssueType,
    Project,
    RemoteLink,
    User,
    WorkflowTransition,
    issue_not_found,
)

SUBTASK_NAMES = frozenset({"sub-task", "subtask"})


class JiraStore:
    def __init__(self, clock: Clock = wall_clock) -> None:
        self.clock = clock
        self.projects: dict[str, Project] = {}
        self.users: dict[str, User] = {}
        self.issues: dict[str, Issue] = {}
        self.links: list[RemoteLink] = []
        self.comments: list[Comment] = []
        self.workflow: list[WorkflowTransition] = []
        self._next_project_id = 10000
        self._next_issue_type_id = 10001
        self._next_issue_id = 10001
        self._next_link_id = 10000
        self._next_comment_id = 10000

    def add_project(self, key: str, name: str, issue_type_names: tuple[str, ...]) -> Project:
        if key in self.projects:
            raise ValueError(f"project {key} already exists")
        issue_types = []
        for type_name in issue_type_names:
            issue_types.append(
                IssueType(
                    str(self._next_issue_type_id), type_name, type_name.lower() in SUBTASK_NAMES
                )
            )
            self._next_issue_type_id += 1
        project = Project(str(self._next_project_id), key, name, tuple(issue_types))
        self._next_project_id += 1
        self.projects[key] = project
        return project

    def project(self, *, key: str | None = None, id: str | None = None) -> Project | None:
        for project in self.projects.values():
            if project.id == id or (key is not None and project.key.upper() == key.upper()):
                return project
        return None

    def authenticate(self, email: str, api_token: str) -> User | None:
        for user in self.users.values():
            if user.email is None or user.api_token is None:
                continue
            if (user.email.lower(), user.api_token) == (email.lower(), api_token):
                return user
        return None

    def find_issue(self, id_or_key: str) -> Issue | None:
        """The issue with that id or key (keys are case-insensitive), if it exists."""
        found = self.issues.get(id_or_key.upper())
        if found is None:
            found = next((issue for issue in self.issues.values() if issue.id == id_or_key), None)
        return found

    def issue(self, id_or_key: str) -> Issue:
        """The issue with that id or key, else Jira's 404."""
        found = self.find_issue(id_or_key)
        if found is None:
            raise issue_not_found()
        return found

    def new_issue(
        self, project: Project, issue_type: IssueType, summary: str, reporter: str
    ) -> Issue:
        now = self.clock()
        key = f"{project.key}-{project.next_number}"
        project.next_number += 1
        issue = Issue(
            id=str(self._next_issue_id),
            key=key,
            project_key=project.key,
            issue_type=issue_type,
            summary=summary,
            reporter_id=reporter,
            created=now,
            updated=now,
        )
        self._next_issue_id += 1
        self.issues[key] = issue
        return issue

    def new_link_id(self) -> int:
        self._next_link_id += 1
        return self._next_link_id - 1

    def new_comment_id(self) -> str:
        self._next_comment_id += 1
        return str(self._next_comment_id - 1)
