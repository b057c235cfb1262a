from __future__ import annotations

import functools
import threading

from app.jobs.follow_up_lane import FollowUpLane


def test_a_busy_installation_leaves_threads_for_the_others() -> None:
    lane = FollowUpLane(threads=2, per_installation=1, name="test-lane")
    release = threading.Event()
    done: list[str] = []
    other_ran = threading.Event()

    def busy(tag: str) -> None:
        release.wait(10)
        done.append(tag)

    def other() -> None:
        done.append("b1")
        other_ran.set()

    for tag in ("a1", "a2", "a3"):
        lane.submit("org-a", functools.partial(busy, tag))
    lane.submit("org-b", other)

    assert other_ran.wait(5), "org-b ran while org-a's follow-ups held their one thread"
    assert done == ["b1"]
    release.set()
    lane.shutdown()
    assert done == ["b1", "a1", "a2", "a3"], "queued follow-ups run in order before stopping"


def test_a_failing_follow_up_does_not_stop_the_ones_behind_it() -> None:
    lane = FollowUpLane(threads=1, per_installation=1, name="test-lane")
    done: list[int] = []

    def fail() -> None:
        raise RuntimeError("boom")

    lane.submit(1, fail)
    lane.submit(1, lambda: done.append(2))
    lane.shutdown()
    assert done == [2]
