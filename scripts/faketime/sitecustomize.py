"""Loaded by every Python process of ``scripts/test-dates.sh`` (it is on ``PYTHONPATH``).

The faked run leaves the monotonic clock real (``FAKETIME_DONT_FAKE_MONOTONIC=1``), so
timeouts and lock waits keep working. Under that setting libfaketime 0.9.10 (Debian 12)
turns Python 3.11's ``time.sleep`` into an ``EINVAL`` (wolfcw/libfaketime#426): it shifts
the absolute monotonic deadline of ``clock_nanosleep`` as if it were wall-clock time. A
sleep that waits on a lock's timeout, which libfaketime leaves alone, takes its place.
"""

from __future__ import annotations

import os
import threading
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    threading.Event().wait(seconds)


if os.environ.get("FAKETIME"):
    time.sleep = _sleep
