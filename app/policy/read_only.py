"""``@read_only``: a dataclass the type checker holds read-only, made as fast as a plain one.

A frozen dataclass sets each field in ``__init__`` through ``object.__setattr__``, four
times the cost of a plain assignment. ``gatehouse check`` over 3,000 paths makes a
:class:`~app.policy.snapshot.ChangedFile` and a :class:`~app.policy.result.FileMatch` for
each, and freezing them took about a fifth of what the check cost beyond starting up
(``bench/engine.py``). Classes made by the thousand per evaluation use this decorator
instead: mypy rejects any assignment to their fields as it does for a frozen dataclass
(``dataclass_transform(frozen_default=True)``), equality and hashing stay by value, and at
run time they are plain slotted dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:  # only the type checker reads the marker: no import at run time

    def dataclass_transform(**_: Any) -> Any:
        return lambda decorator: decorator


_Class = TypeVar("_Class", bound=type)


@dataclass_transform(frozen_default=True)
def read_only(cls: _Class) -> _Class:
    """A slotted dataclass, compared and hashed by value, read-only to the type checker."""
    return dataclass(slots=True, unsafe_hash=True)(cls)  # type: ignore[return-value]
