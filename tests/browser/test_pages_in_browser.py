"""gatehouse's pages in a real headless browser: sign-in through the fake GitHub's OAuth
pages, what an anonymous visitor, an outsider and a member each see, and screenshots that
show the pages render, on a laptop and on a phone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.container import Runtime
from app.sandbox.clock import ManualClock
from app.sandbox.fake_github import FileChange
from app.sandbox.world import AUTHOR, REPO, Sandbox, SandboxOptions
from app.settings import SHIPPED_RULES
from tests.browser.screens import assert_renders

if TYPE_CHECKING:
    from playwright.sync_api import Page

MEMBER = "alan-sherman"
STRANGER = "eve-elsewhere"
PHONE = {"width": 390, "height": 844}
WORKFLOW = FileChange(
    ".github/workflows/deploy.yml",
    status="added",
    patch="@@ -0,0 +1,3 @@\n+name: deploy\n+on: push\n+jobs: {}",
)
SECURITY_GROUP = FileChange(
    "infra/network.tf",
    patch='@@ -1,1 +1,4 @@\n #\n+resource "aws_security_group" "api" {\n'
    '+  ingress { cidr_blocks = ["10.0.0.0/8"] }\n+}\n',
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, dict[str, int]]]:
    options = SandboxOptions(rules_dir=SHIPPED_RULES, runtime=Runtime(now=ManualClock().now))
    with Sandbox(tmp_path_factory.mktemp("pages"), options) as sandbox:
        sandbox.github.add_user(STRANGER)
        pulls = {
            "workflow": sandbox.open_pull("Add deploy workflow", [WORKFLOW]),
            "network": sandbox.open_pull("Open port 443 to the VPC", [SECURITY_GROUP]),
        }
        sandbox.comment(pulls["network"], AUTHOR, "/expedite production is down")
        yield sandbox, pulls
        assert sandbox.violations() == []


def sign_in(page: Page, sandbox: Sandbox, login: str, path: str) -> None:
    """Open ``path`` as a visitor would, land on GitHub's authorize page, and authorize."""
    page.goto(sandbox.url + path)
    assert page.url.startswith(f"{sandbox.settings.github_web_url}/login/oauth/authorize?")
    page.get_by_label("Sign in as").fill(login)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(sandbox.url + path)


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_an_anonymous_visitor_lands_on_sign_in_and_sees_nothing_of_the_pull_request(
    world: tuple[Sandbox, dict[str, int]], page_factory: Callable[..., Page]
) -> None:
    sandbox, pulls = world
    page = page_factory()
    page.goto(f"{sandbox.url}/pulls/{REPO}/{pulls['workflow']}")
    assert "/login/oauth/authorize" in page.url
    text = page.content()
    for secret in ("Add deploy workflow", ".github/workflows/deploy.yml", "ci-github-actions"):
        assert secret not in text
    page.goto(sandbox.url + "/")
    assert page.get_by_role("link", name="Sign in with GitHub").first.is_visible()


def test_a_member_signs_in_and_reads_the_details_page_on_a_laptop_and_a_phone(
    world: tuple[Sandbox, dict[str, int]],
    page_factory: Callable[..., Page],
    screenshot_dir: Path,
) -> None:
    sandbox, pulls = world
    path = f"/pulls/{REPO}/{pulls['workflow']}"
    page = page_factory(viewport={"width": 1280, "height": 800})
    sign_in(page, sandbox, MEMBER, path)
    assert page.get_by_role("heading", level=1).inner_text().endswith("Add deploy workflow")
    assert page.get_by_text(".github/workflows/deploy.yml").first.is_visible()
    assert page.get_by_role("heading", name="History").is_visible()
    assert page.get_by_text(f"@{MEMBER}").first.is_visible()
    laptop = page.screenshot(full_page=True)
    (screenshot_dir / "details-laptop.png").write_bytes(laptop)
    assert_renders(laptop)

    page.set_viewport_size(PHONE)
    page.reload()
    assert fits_the_screen(page), "the page scrolls sideways on a phone"
    phone = page.screenshot(full_page=True)
    (screenshot_dir / "details-phone.png").write_bytes(phone)
    assert_renders(phone)


def test_the_queue_puts_the_expedited_request_first_and_filters_by_group(
    world: tuple[Sandbox, dict[str, int]],
    page_factory: Callable[..., Page],
    screenshot_dir: Path,
) -> None:
    sandbox, _ = world
    page = page_factory(viewport=PHONE)
    sign_in(page, sandbox, MEMBER, "/queue")
    rows = page.locator("h2:has-text('Platform Engineering') + div table tr").all_inner_texts()
    titles = [r for r in rows if "Open port 443" in r or "Add deploy workflow" in r]
    assert "Open port 443" in titles[0] and "expedited" in titles[0]
    assert fits_the_screen(page)
    shot = page.screenshot(full_page=True)
    (screenshot_dir / "queue-phone.png").write_bytes(shot)
    assert_renders(shot)
    page.get_by_label("Group").select_option("architecture")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/queue?group=architecture*")
    assert "Add deploy workflow" not in page.content()


def test_a_member_sets_and_removes_an_away_period_on_me(
    world: tuple[Sandbox, dict[str, int]], page_factory: Callable[..., Page]
) -> None:
    sandbox, _ = world
    page = page_factory()
    sign_in(page, sandbox, "antonia-gaete", "/me")
    page.get_by_label("First day").fill("2027-12-21")
    page.get_by_label("Last day").fill("2028-01-04")
    page.get_by_role("button", name="Add away period").click()
    assert page.locator("li", has_text="2027-12-21 to 2028-01-04").is_visible()
    page.get_by_role("button", name="Remove").click()
    assert page.get_by_text("No away periods.").is_visible()


def test_an_outsider_signed_in_gets_not_found(
    world: tuple[Sandbox, dict[str, int]],
    page_factory: Callable[..., Page],
    screenshot_dir: Path,
) -> None:
    sandbox, pulls = world
    page = page_factory()
    page.goto(sandbox.url + "/auth/login?next=/queue")
    page.get_by_label("Sign in as").fill(STRANGER)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(sandbox.url + "/queue")
    assert page.get_by_role("heading", name="Not found").is_visible()
    answer = page.goto(f"{sandbox.url}/pulls/{REPO}/{pulls['workflow']}")
    assert answer is not None and answer.status == 404
    assert "Add deploy workflow" not in page.content()
    shot = page.screenshot()
    (screenshot_dir / "not-found.png").write_bytes(shot)
    assert_renders(shot, min_ink=0.005)
