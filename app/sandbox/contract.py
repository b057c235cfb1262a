"""Hold HTTP requests and responses to a published OpenAPI 3.0 description.

The fakes of GitHub and Jira check every request gatehouse sends them with this, so that a
request the real service would refuse for its shape is reported (operation, field and reason
named) instead of being answered as if it were fine. ``check_response`` lets tests prove the
fakes answer in the documented shape. Validation itself is openapi-core's; this module adds
path matching that tolerates ``/`` inside a last path parameter, the unknown-query-parameter
check GitHub applies implicitly, and short, readable messages.
"""

from __future__ import annotations

import json
import re
import threading
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

from jsonschema.exceptions import ValidationError as SchemaError
from jsonschema_path import SchemaPath
from openapi_core import V30RequestValidator, V30ResponseValidator
from openapi_core.datatypes import RequestParameters
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers, ImmutableMultiDict

# openapi-core warns "Unsupported scheme type" whenever a request does not use one of the
# alternative security schemes it cannot evaluate (OAuth2 beside basic auth); that says
# nothing about the request's shape. Silenced here, and in pytest's settings.
warnings.filterwarnings("ignore", message="Unsupported scheme type", category=UserWarning)

NOT_IN_DESCRIPTION = "operation not in the API description"
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_PARAM = re.compile(r"\{([^}/]+)\}")


@dataclass(frozen=True)
class ContractResult:
    """What the description says of one request: its operation, and what is wrong with it."""

    operation_id: str | None
    violations: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class Operation:
    """One operation of the description, with the pattern its URLs match."""

    operation_id: str
    method: str
    template: str
    query_parameters: frozenset[str]
    statuses: frozenset[str]
    strict: re.Pattern[str]
    lenient: re.Pattern[str]

    def label(self) -> str:
        return f"{self.method} {self.template}"


@dataclass
class _Request:
    """The request shape openapi-core reads; the path pattern spares it a second lookup."""

    host_url: str
    path: str
    path_pattern: str
    method: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters


@dataclass
class _Response:
    status_code: int
    content_type: str
    headers: Headers
    data: bytes | None


def template_pattern(template: str, *, lenient: bool) -> re.Pattern[str]:
    """A regex for URL paths of ``template``; ``lenient`` lets a last parameter hold ``/``."""
    parts = _PARAM.split(template)
    names = parts[1::2]
    pattern = ""
    for index, literal in enumerate(parts[0::2]):
        pattern += re.escape(literal)
        if index < len(names):
            last = index == len(names) - 1 and not parts[-1]
            pattern += f"(?P<{names[index]}>{'.+' if lenient and last else '[^/]+'})"
    return re.compile(pattern + "$")


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _where(error: SchemaError) -> str:
    path = ".".join(str(part) for part in error.absolute_path)
    return f"{path}: " if path else ""


def describe_schema_error(error: SchemaError) -> str:
    """One line for a JSON Schema failure: the field, then the reason, values abridged."""
    instance, limit = error.instance, error.validator_value
    if error.validator in ("maxItems", "minItems") and isinstance(instance, list):
        bound = "at most" if error.validator == "maxItems" else "at least"
        reason = f"has {len(instance)} items, {bound} {limit} allowed"
    elif error.validator in ("maxLength", "minLength") and isinstance(instance, str):
        bound = "at most" if error.validator == "maxLength" else "at least"
        reason = f"has {len(instance)} characters, {bound} {limit} allowed"
    elif error.validator in ("oneOf", "anyOf") and error.context:
        best = min(error.context, key=lambda sub: len(list(sub.absolute_path)))
        reason = f"matches none of the allowed forms ({describe_schema_error(best)})"
    else:
        reason = error.message.replace(repr(instance), _short(instance))
    return _where(error) + reason


def _describe(error: BaseException) -> list[str]:
    """Readable lines for one openapi-core error, one per schema failure it carries."""
    kind = type(error).__name__
    name, location = getattr(error, "name", None), getattr(error, "location", None)
    if name and location:
        subject = f"{location} parameter '{name}'"
    elif "Body" in kind or kind.endswith("Data"):
        subject = "body"
    else:
        return [str(error)]
    if kind.startswith("Missing"):
        return [f"{subject}: missing, but required"]
    cause = error.__cause__
    schema_errors = [
        e for e in getattr(cause, "schema_errors", ()) or () if isinstance(e, SchemaError)
    ]
    if schema_errors:
        return [f"{subject}: {describe_schema_error(e)}" for e in schema_errors]
    return [f"{subject}: {cause if cause is not None else error}"]


def _null_in_nullable_enums(node: Any) -> Any:
    """A copy of ``node`` where ``nullable: true`` also admits null beside an ``enum``.

    OpenAPI 3.0 validators read such an enum literally and refuse null, although the
    description means the value may be null (GitHub's ``check-run.conclusion`` while a run
    is in progress).
    """
    if isinstance(node, list):
        return [_null_in_nullable_enums(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    copied = {key: _null_in_nullable_enums(value) for key, value in node.items()}
    enum = copied.get("enum")
    if copied.get("nullable") is True and isinstance(enum, list) and None not in enum:
        copied["enum"] = [*enum, None]
    return copied


class OpenApiContract:
    """An OpenAPI 3.0 description, parsed once, answering which operation a request is and
    whether it keeps to the documented shape.

    ``error_schema`` names a component schema (GitHub's ``basic-error``) that an error status
    the description does not list for an operation is checked against: real services answer
    401, 403, 429 or 5xx to any operation, which descriptions seldom list one by one. A 304
    with an empty body is accepted for any GET for the same reason.
    """

    _cache: ClassVar[dict[tuple[Path, str | None], OpenApiContract]] = {}
    _cache_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, document: Mapping[str, Any], *, error_schema: str | None = None) -> None:
        document = _null_in_nullable_enums(document)
        self._spec = SchemaPath.from_dict(dict(document))
        server = (document.get("servers") or [{"url": "http://localhost"}])[0]["url"]
        parts = urlsplit(server)
        self._host_url = f"{parts.scheme or 'http'}://{parts.netloc or 'localhost'}"
        self._base_path = parts.path.rstrip("/")
        self._error_schema = error_schema
        self._schemas: Mapping[str, Any] = document.get("components", {}).get("schemas", {})
        self.operations: dict[str, Operation] = {}
        for template, item in document.get("paths", {}).items():
            shared = item.get("parameters", [])
            for method in _METHODS:
                if method in item:
                    operation = self._operation(method, template, item[method], shared, document)
                    self.operations[operation.operation_id] = operation
        self._ordered = sorted(
            self.operations.values(), key=lambda op: -len(_PARAM.sub("", op.template))
        )
        self._requests = V30RequestValidator(self._spec)
        self._responses = V30ResponseValidator(self._spec)

    @classmethod
    def load(cls, path: Path, *, error_schema: str | None = None) -> OpenApiContract:
        """The contract for the document at ``path``, parsed once per process."""
        key = (path.resolve(), error_schema)
        with cls._cache_lock:
            if key not in cls._cache:
                document = json.loads(path.read_text(encoding="utf-8"))
                cls._cache[key] = cls(document, error_schema=error_schema)
            return cls._cache[key]

    def _operation(
        self,
        method: str,
        template: str,
        body: Mapping[str, Any],
        shared: list[Mapping[str, Any]],
        document: Mapping[str, Any],
    ) -> Operation:
        names = set()
        for parameter in [*shared, *body.get("parameters", [])]:
            resolved = self._resolve(parameter, document)
            if resolved.get("in") == "query":
                names.add(str(resolved["name"]))
        full = self._base_path + template
        return Operation(
            operation_id=str(body.get("operationId") or f"{method.upper()} {template}"),
            method=method.upper(),
            template=template,
            query_parameters=frozenset(names),
            statuses=frozenset(str(status) for status in body.get("responses", {})),
            strict=template_pattern(full, lenient=False),
            lenient=template_pattern(full, lenient=True),
        )

    @staticmethod
    def _resolve(node: Mapping[str, Any], document: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in node:
            target: Any = document
            for part in str(node["$ref"]).removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def match(self, method: str, url_path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation ``method url_path`` calls and its decoded path parameters, if any.

        A parameter holds no ``/`` unless it is the last part of the template and no stricter
        template matches (GitHub's ``contents/{path}``).
        """
        path = urlsplit(url_path).path or "/"
        candidates = [op for op in self._ordered if op.method == method.upper()]
        for attempt in ("strict", "lenient"):
            for operation in candidates:
                found = getattr(operation, attempt).match(path)
                if found:
                    return operation, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def check_request(
        self,
        method: str,
        url_path: str,
        query: Mapping[str, str | list[str]],
        headers: Mapping[str, str],
        body: bytes | None,
    ) -> ContractResult:
        """Every way the request departs from the description, each on one line."""
        matched = self.match(method, url_path)
        if matched is None:
            label = f"{method.upper()} {urlsplit(url_path).path}"
            return ContractResult(None, (f"{label}: {NOT_IN_DESCRIPTION}",))
        operation, params = matched
        pairs = [
            (key, item)
            for key, value in query.items()
            for item in (value if isinstance(value, list) else [value])
        ]
        problems = [
            f"query parameter '{key}' is not documented"
            for key in dict(pairs)
            if key not in operation.query_parameters
        ]
        request = self._request(operation, params, pairs, Headers(list(headers.items())), body)
        problems += [
            line for error in self._requests.iter_errors(request) for line in _describe(error)
        ]
        label = operation.label()
        return ContractResult(operation.operation_id, tuple(f"{label}: {p}" for p in problems))

    def check_response(
        self,
        operation: str | tuple[str, str],
        status: int,
        headers: Mapping[str, str],
        body: bytes | None,
    ) -> tuple[str, ...]:
        """Every way an answer departs from the description of ``operation``.

        ``operation`` is an operation id or a ``(method, url_path)`` pair.
        """
        found = self._find(operation)
        if found is None:
            return (f"{operation}: {NOT_IN_DESCRIPTION}",)
        label = found.label()
        header_map = Headers(list(headers.items()))
        if not {str(status), "default"} & found.statuses:
            return tuple(f"{label}: {p}" for p in self._undocumented(found, status, body))
        request = self._request(found, {}, [], Headers(), None)
        response = _Response(
            status_code=status,
            content_type=(header_map.get("content-type") or "application/json").lower(),
            headers=header_map,
            data=body or None,
        )
        errors = self._responses.iter_errors(request, response)
        return tuple(f"{label}: {status}: {line}" for e in errors for line in _describe(e))

    def _request(
        self,
        operation: Operation,
        params: dict[str, str],
        query: list[tuple[str, str]],
        headers: Headers,
        body: bytes | None,
    ) -> _Request:
        pattern = self._base_path + operation.template
        return _Request(
            host_url=self._host_url,
            path=pattern,
            path_pattern=pattern,
            method=operation.method.lower(),
            body=body or None,
            content_type=(headers.get("content-type") or "application/json").lower(),
            parameters=RequestParameters(
                path=params, query=ImmutableMultiDict(query), header=headers
            ),
        )

    def _find(self, operation: str | tuple[str, str]) -> Operation | None:
        if isinstance(operation, str):
            return self.operations.get(operation)
        matched = self.match(*operation)
        return matched[0] if matched else None

    def _undocumented(self, operation: Operation, status: int, body: bytes | None) -> list[str]:
        if status == 304 and operation.method == "GET" and not body:
            return []
        if status >= 400 and self._error_schema in self._schemas:
            return self._check_error_body(status, body)
        return [f"status {status} is not documented for this operation"]

    def _check_error_body(self, status: int, body: bytes | None) -> list[str]:
        try:
            data = json.loads(body or b"")
        except ValueError:
            return [f"{status}: body is not JSON"]
        schema = {**self._schemas[str(self._error_schema)]}
        errors: Iterable[SchemaError] = OAS30Validator(schema).iter_errors(data)
        return [f"{status}: body: {describe_schema_error(error)}" for error in errors]
