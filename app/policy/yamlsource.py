"""YAML parsing that remembers where every value came from.

PyYAML's composer gives each node a start mark; we turn the node tree into plain Python
values and keep a map from each value's location (a tuple of keys and list indexes) to its
1-based line, so a validation error can name the exact line of the rules file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Location = tuple[str | int, ...]


class SourceError(ValueError):
    """A file that is not valid YAML, with the line where parsing stopped."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class SourceDocument:
    data: Any
    lines: dict[Location, int] = field(default_factory=dict)
    key_lines: dict[Location, int] = field(default_factory=dict)

    def line_of(self, location: Location, *, key: bool = False) -> int:
        """The line of ``location``; falls back to its nearest ancestor that exists."""
        if key and location in self.key_lines:
            return self.key_lines[location]
        probe = tuple(location)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            if probe in self.key_lines:
                return self.key_lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)


def parse_yaml(text: str) -> SourceDocument:
    """Parse one YAML document; duplicate keys are an error, as they hide a typo."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise SourceError(line, f"not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise SourceError(1, f"not valid YAML: {exc}") from None
    doc = SourceDocument(data=None)
    if node is None:
        return doc
    doc.data = _convert(node, (), doc)
    return doc


def _convert(node: yaml.Node, location: Location, doc: SourceDocument) -> Any:
    doc.lines[location] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if not isinstance(key, str | int | float | bool) or key_node.tag.endswith(":merge"):
                raise SourceError(key_node.start_mark.line + 1, "mapping keys must be plain names")
            name = str(key)
            if name in result:
                raise SourceError(key_node.start_mark.line + 1, f"the key {name!r} appears twice")
            doc.key_lines[(*location, name)] = key_node.start_mark.line + 1
            result[name] = _convert(value_node, (*location, name), doc)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*location, index), doc) for index, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return None
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
