"""End-to-end fixtures: the real service against the fakes, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.container import Runtime
from app.sandbox.clock import ManualClock
from app.sandbox.world import Sandbox, SandboxOptions
from app.settings import SHIPPED_RULES


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def options(clock: ManualClock, sleeps: list[float]) -> SandboxOptions:
    return SandboxOptions(
        rules_dir=SHIPPED_RULES,
        runtime=Runtime(now=clock.now, sleep=sleeps.append, retry_backoff=(0.05, 0.2)),
    )


@pytest.fixture
def sandbox(tmp_path: Path, options: SandboxOptions) -> Iterator[Sandbox]:
    with Sandbox(tmp_path, options) as world:
        yield world
        assert world.violations() == [], "a fake saw a request its API description forbids"
