"""The small part of JQL gatehouse may use, with Jira's answers for everything else.

Supported: clauses joined by ``AND``; fields ``project``, ``key`` (``issuekey``), ``parent``,
``labels``, ``summary``, ``status``, ``statusCategory``, ``issuetype`` (``type``) and
``assignee``; operators ``=``, ``!=``, ``IN``, ``NOT IN``, ``IS [NOT] EMPTY`` and, for
``summary``, ``~`` / ``!~``; values quoted or bare, and ``currentUser()``; then
``ORDER BY created|updated|key [ASC|DESC], ...``. Any other query is refused with a 400,
never answered with a guess. As on Jira, a key or project that does not exist is an error,
not an empty result.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from app.sandbox.fake_jira.model import IN_PROGRESS_CATEGORY, STATUS_CATEGORIES, Issue
from app.sandbox.fake_jira.store import JiraStore

UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)
_TOKEN = re.compile(
    r"""\s*(?:(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>!=|!~|<=|>=|=|~|<|>)"""
    r"""|(?P<punct>[(),])|(?P<word>[^\s"'(),=!~<>]+))"""
)
_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-[1-9][0-9]*$", re.IGNORECASE)
_ALIASES = {"issuekey": "key", "type": "issuetype", "statuscategory": "statusCategory"}
_LIST_OPERATORS = ("=", "!=", "in", "not in", "is", "is not")
_OPERATORS: dict[str, tuple[str, ...]] = {
    "project": _LIST_OPERATORS,
    "key": _LIST_OPERATORS,
    "parent": _LIST_OPERATORS,
    "labels": _LIST_OPERATORS,
    "status": _LIST_OPERATORS,
    "statusCategory": _LIST_OPERATORS,
    "issuetype": _LIST_OPERATORS,
    "assignee": _LIST_OPERATORS,
    "summary": ("~", "!~", "is", "is not"),
}
_ORDERABLE = ("created", "updated", "key")


class JqlError(Exception):
    """A query Jira would answer with 400 and this message."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int

    @property
    def word(self) -> str:
        return self.text.lower() if self.kind == "word" else ""


@dataclass(frozen=True)
class Clause:
    field: str
    operator: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Query:
    clauses: tuple[Clause, ...]
    order: tuple[tuple[str, bool], ...]
    """(field, descending) pairs."""


def parse(jql: str) -> Query:
    return _Parser(_tokenize(jql)).query()


def search(store: JiraStore, query: Query, current_user: str) -> list[Issue]:
    """The issues matching every clause, in the query's order (newest first by default)."""
    matchers = [_matcher(store, clause, current_user) for clause in query.clauses]
    found = [issue for issue in store.issues.values() if all(m(issue) for m in matchers)]
    found.sort(key=lambda issue: int(issue.id), reverse=True)
    for field, descending in reversed(query.order):
        found.sort(key=_sort_key(field), reverse=descending)
    return found


def _tokenize(jql: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while jql[position:].strip():
        match = _TOKEN.match(jql, position)
        if match is None or match.lastgroup is None:
            start = len(jql) - len(jql[position:].lstrip())
            detail = f"The quoted string '{jql[start + 1 :]}' has not been completed"
            raise JqlError(_syntax(detail, Token("string", "", start + 1)))
        text = match.group(match.lastgroup)
        if match.lastgroup == "string":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        tokens.append(Token(match.lastgroup, text, match.start(match.lastgroup) + 1))
        position = match.end()
    return tokens


def _syntax(detail: str, token: Token | None = None) -> str:
    where = "" if token is None else f" (line 1, character {token.position})"
    return f"Error in the JQL Query: {detail}.{where}"


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, expected: str) -> Token:
        token = self.peek()
        if token is None:
            raise JqlError(_syntax(f"Expecting {expected} but reached the end of the query"))
        self.index += 1
        return token

    def query(self) -> Query:
        clauses: list[Clause] = []
        first = self.peek()
        if first is not None and first.word != "order":
            clauses.append(self.clause())
            while (token := self.peek()) is not None and token.word == "and":
                self.index += 1
                clauses.append(self.clause())
        order: list[tuple[str, bool]] = []
        token = self.peek()
        if token is not None:
            if token.word != "order":
                raise JqlError(
                    _syntax(f"Expecting either 'OR' or 'AND' but got '{token.text}'", token)
                )
            self.index += 1
            if self.take("'by'").word != "by":
                raise JqlError(_syntax("Expecting 'by' after 'order'", token))
            order = self.order()
        return Query(tuple(clauses), tuple(order))

    def clause(self) -> Clause:
        token = self.take("a field name")
        if token.kind not in ("word", "string") or token.word in ("not", "and", "or", "order"):
            raise JqlError(_syntax(f"Expecting a field name but got '{token.text}'", token))
        field = _ALIASES.get(token.text.lower(), token.text)
        field = field if field in _OPERATORS else field.lower()
        if field not in _OPERATORS:
            raise JqlError(
                f"Field '{token.text}' does not exist or you do not have permission to view it."
            )
        operator = self.operator()
        if operator not in _OPERATORS[field]:
            raise JqlError(
                f"The operator '{operator.upper()}' is not supported by the '{field}' field."
            )
        if operator in ("is", "is not"):
            if self.take("EMPTY").word not in ("empty", "null"):
                raise JqlError(_syntax("Expecting 'EMPTY' or 'NULL' after 'IS'", token))
            return Clause(field, operator, ())
        values = self.values() if operator in ("in", "not in") else (self.value(),)
        return Clause(field, operator, values)

    def operator(self) -> str:
        token = self.take("an operator")
        if token.kind == "op" and token.text in ("=", "!=", "~", "!~"):
            return token.text
        if token.word in ("in", "is"):
            following = self.peek()
            if token.word == "is" and following is not None and following.word == "not":
                self.index += 1
                return "is not"
            return token.word
        if (
            token.word == "not"
            and (following := self.peek()) is not None
            and following.word == "in"
        ):
            self.index += 1
            return "not in"
        raise JqlError(_syntax(f"Expecting operator but got '{token.text}'", token))

    def value(self) -> str:
        token = self.take("a value")
        if token.kind not in ("word", "string"):
            raise JqlError(_syntax(f"Expecting a value but got '{token.text}'", token))
        following = self.peek()
        if token.kind == "word" and following is not None and following.text == "(":
            self.index += 1
            if self.take("')'").text != ")" or token.word != "currentuser":
                raise JqlError(f"Unable to find JQL function '{token.text}()'.")
            return "currentUser()"
        return token.text

    def values(self) -> tuple[str, ...]:
        opening = self.take("'('")
        if opening.text != "(":
            raise JqlError(_syntax(f"Expecting '(' but got '{opening.text}'", opening))
        values = [self.value()]
        while (token := self.take("')'")).text == ",":
            values.append(self.value())
        if token.text != ")":
            raise JqlError(_syntax(f"Expecting ',' or ')' but got '{token.text}'", token))
        return tuple(values)

    def order(self) -> list[tuple[str, bool]]:
        order: list[tuple[str, bool]] = []
        while True:
            token = self.take("a field name")
            if token.word not in _ORDERABLE:
                raise JqlError(f"Not able to sort using field '{token.text}'.")
            following = self.peek()
            descending = following is not None and following.word == "desc"
            if following is not None and following.word in ("asc", "desc"):
                self.index += 1
            order.append((token.word, descending))
            following = self.peek()
            if following is None:
                return order
            if following.text != ",":
                raise JqlError(_syntax(f"Expecting ',' but got '{following.text}'", following))
            self.index += 1


def _matcher(store: JiraStore, clause: Clause, current_user: str) -> Callable[[Issue], bool]:
    wanted = {_checked_value(store, clause.field, value, current_user) for value in clause.values}
    values_of = _VALUES[clause.field]
    operator = clause.operator
    if operator in ("~", "!~"):
        terms = [term for value in wanted for term in re.findall(r"\w+", value)]

        def text_match(issue: Issue) -> bool:
            words = re.findall(r"\w+", issue.summary.lower())
            hit = all(any(word.startswith(term) for word in words) for term in terms)
            return hit == (operator == "~")

        return text_match
    if operator in ("is", "is not"):
        return lambda issue: (not values_of(store, issue)) == (operator == "is")
    positive = operator in ("=", "in")
    return lambda issue: bool(values_of(store, issue) & wanted) == positive


def _checked_value(store: JiraStore, field: str, value: str, current_user: str) -> str:
    """The value in lower case, after Jira's existence checks for its field."""
    if field in ("key", "parent"):
        if not _KEY.match(value) and store.find_issue(value) is None:
            raise JqlError(f"The issue key '{value}' for field '{field}' is invalid.")
        issue = store.find_issue(value)
        if issue is None:
            raise JqlError(f"An issue with key '{value}' does not exist for field '{field}'.")
        return issue.key.lower()
    if field == "project":
        project = store.project(key=value, id=value) or next(
            (p for p in store.projects.values() if p.name.lower() == value.lower()), None
        )
        if project is None:
            raise JqlError(f"The value '{value}' does not exist for the field 'project'.")
        return project.key.lower()
    if field == "assignee":
        account = current_user if value == "currentUser()" else value
        if account not in store.users:
            raise JqlError(f"The value '{value}' does not exist for the field 'assignee'.")
        return account.lower()
    if field == "issuetype":
        names = {t.name.lower() for p in store.projects.values() for t in p.issue_types}
        if value.lower() not in names:
            raise JqlError(f"The value '{value}' does not exist for the field 'issuetype'.")
    return value.lower()


def _category(issue: Issue) -> set[str]:
    _, key, name = STATUS_CATEGORIES.get(issue.status.lower(), IN_PROGRESS_CATEGORY)
    return {key, name.lower()}


_VALUES: dict[str, Callable[[JiraStore, Issue], set[str]]] = {
    "project": lambda store, issue: {issue.project_key.lower()},
    "key": lambda store, issue: {issue.key.lower()},
    "parent": lambda store, issue: {issue.parent_key.lower()} if issue.parent_key else set(),
    "labels": lambda store, issue: {label.lower() for label in issue.labels},
    "status": lambda store, issue: {issue.status.lower()},
    "statusCategory": lambda store, issue: _category(issue),
    "issuetype": lambda store, issue: {issue.issue_type.name.lower()},
    "assignee": lambda store, issue: {issue.assignee_id.lower()} if issue.assignee_id else set(),
    "summary": lambda store, issue: {issue.summary} if issue.summary else set(),
}


def _sort_key(field: str) -> Callable[[Issue], tuple[str, int]]:
    if field == "key":
        return lambda issue: (issue.project_key, int(issue.key.rsplit("-", 1)[1]))
    if field == "updated":
        return lambda issue: (issue.updated.isoformat(), int(issue.id))
    return lambda issue: (issue.created.isoformat(), int(issue.id))
