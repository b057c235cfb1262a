"""A real headless browser for the tests of gatehouse's web pages.

Playwright (installed into .venv by scripts/install-deploy-tools.sh) drives Debian's
chromium, /usr/bin/chromium or the binary $GATEHOUSE_CHROMIUM names; Playwright's own
browser download is never used. Each pytest process (each xdist worker) starts one browser;
every ``page_factory()`` call opens a page in a new browser context, with its own cookies
and storage, so one test can act as several visitors at once.

Screenshots go to ``screenshot_dir``: the test's tmp_path, or a folder per test under
$GATEHOUSE_SCREENSHOTS when that is set (to keep them, from CI for instance).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # as root in a container, with no user namespaces, chromium cannot sandbox
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # a small /dev/shm (containers) crashes the renderer
]
TIMEOUT_MS = 5_000  # the pages under test are served from loopback: waiting longer hides hangs


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless chromium, one per pytest process, closed when the session ends."""
    executable = os.environ.get("GATEHOUSE_CHROMIUM") or CHROMIUM
    if not (os.path.isfile(executable) and os.access(executable, os.X_OK)):
        pytest.skip(
            f"no chromium at {executable}: install Debian's (`apt-get install "
            "--no-install-recommends chromium fonts-dejavu-core`, as .ci/run does) or set "
            "GATEHOUSE_CHROMIUM to a Chromium binary"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: run `bash scripts/install-deploy-tools.sh`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page_factory(browser: Browser) -> Iterator[Callable[..., Page]]:
    """``page_factory(**context_options) -> Page``: a page in a new browser context (a new
    visitor: no cookies, no storage). The options go to ``Browser.new_context`` (base_url,
    viewport, locale...). Every context is closed when the test ends."""
    contexts: list[BrowserContext] = []

    def new_page(**context_options: Any) -> Page:
        context = browser.new_context(**context_options)
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """Where the test writes its screenshots (``page.screenshot(path=screenshot_dir / ...)``)."""
    keep = os.environ.get("GATEHOUSE_SCREENSHOTS")
    if not keep:
        return tmp_path
    folder = Path(keep) / re.sub(r"[^\w.-]+", "_", request.node.nodeid).strip("_")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
