"""Just enough reading of PromQL to check our own dashboard and rules against /metrics.

Not a parser: ``promtool`` parses the expressions when it is installed. This reads the
names an expression uses (metrics, label matchers, grouping labels) so the tests can
check each against what gatehouse really exposes, with or without ``promtool``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_IDENT = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_SELECTOR = re.compile(rf"(?P<name>{_IDENT})?\s*\{{(?P<matchers>[^{{}}]*)\}}")
_MATCHER = re.compile(r'(?P<label>\w+)\s*(?P<op>=~|!~|!=|=)\s*"(?P<value>(?:[^"\\]|\\.)*)"')
_GROUPING = re.compile(
    r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\((?P<labels>[^)]*)\)"
)
_RANGE = re.compile(r"\[[^\]]*\]")
_CALLED = re.compile(rf"\b(?P<function>{_IDENT})\s*\(")
_RATE_OF = re.compile(rf"\b(?:rate|irate|increase)\s*\(\s*(?P<name>{_IDENT})")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?(?:e[+-]?\d+)?[smhdwy]?\b")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring"}
_KEYWORDS |= {"group_left", "group_right", "inf", "nan"}
_LITERAL_ALTERNATIVES = re.compile(r"[\w\-/]+(?:\|[\w\-/]+)*")
_PAIRS = {")": "(", "]": "[", "}": "{"}

# What Grafana puts in place of its variables before the query reaches Prometheus.
GRAFANA_VARIABLES = {
    "$__rate_interval": "5m",
    "$__interval": "1m",
    "$__range": "1h",
    "$job": "gatehouse",
    "$instance": ".*",
}


@dataclass(frozen=True)
class Matcher:
    metric: str
    label: str
    op: str
    value: str

    def literal_values(self) -> list[str]:
        """The values this matcher names outright (a regex of plain alternatives counts);
        empty for a pattern or a templated value."""
        if "$" in self.value:
            return []
        if self.op in ("=", "!="):
            return [self.value]
        if _LITERAL_ALTERNATIVES.fullmatch(self.value):
            return self.value.split("|")
        return []


def without_strings(expr: str) -> str:
    return _STRING.sub('""', expr)


def brackets_balanced(expr: str) -> bool:
    """Whether (), [] and {} nest properly outside string literals."""
    stack: list[str] = []
    for char in without_strings(expr):
        if char in "([{":
            stack.append(char)
        elif char in _PAIRS and (not stack or stack.pop() != _PAIRS[char]):
            return False
    return not stack


def metric_names(expr: str) -> set[str]:
    """Every metric an expression selects, with or without label matchers."""
    text = _GROUPING.sub(" ", without_strings(expr))
    text = _RANGE.sub(" ", text)
    text = re.sub(r"\{[^{}]*\}", " ", text)
    text = _CALLED.sub(" ", text)
    text = _NUMBER.sub(" ", text)
    return {name for name in re.findall(_IDENT, text) if name.lower() not in _KEYWORDS}


def matchers(expr: str) -> list[Matcher]:
    found = []
    for selector in _SELECTOR.finditer(expr):
        metric = selector.group("name") or ""
        for matcher in _MATCHER.finditer(selector.group("matchers")):
            found.append(Matcher(metric, matcher["label"], matcher["op"], matcher["value"]))
    return found


def grouping_labels(expr: str) -> set[str]:
    """Labels named by by/without/on/ignoring/group_left/group_right."""
    labels: set[str] = set()
    for clause in _GROUPING.finditer(without_strings(expr)):
        labels |= {label.strip() for label in clause["labels"].split(",") if label.strip()}
    return labels


def rated_metrics(expr: str) -> set[str]:
    """Metrics an expression takes rate(), irate() or increase() of."""
    return {match["name"] for match in _RATE_OF.finditer(without_strings(expr))}


def functions(expr: str) -> set[str]:
    return {match["function"] for match in _CALLED.finditer(without_strings(expr))}


def as_prometheus_sees_it(grafana_expr: str) -> str:
    """A dashboard query with Grafana's variables replaced, longest names first."""
    for name in sorted(GRAFANA_VARIABLES, key=len, reverse=True):
        grafana_expr = grafana_expr.replace(name, GRAFANA_VARIABLES[name])
    return grafana_expr
