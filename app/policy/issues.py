"""Problems with the rules, each at the file and line it comes from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class RulesIssue(NamedTuple):
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class RulesError(ValueError):
    """The rules cannot be used; ``issues`` lists every problem found."""

    def __init__(self, issues: Sequence[RulesIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))
