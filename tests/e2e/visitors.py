"""Visitors of the sandbox service's pages: anonymous, or signed in through the fake
GitHub's OAuth pages exactly as a browser would go (redirects, the authorize form, the
callback), with cookies kept per visitor."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import quote, urljoin

import httpx

from app.sandbox.world import Sandbox


class _Forms(HTMLParser):
    """The first form of a page: its action and its inputs' names and values."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form" and not self._done:
            self.action, self._in_form = values.get("action", ""), True
        elif tag == "input" and self._in_form and values.get("name"):
            self.fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def first_form(html: str, page_url: str) -> tuple[str, dict[str, str]]:
    parser = _Forms()
    parser.feed(html)
    assert parser.action is not None, "the page has no form"
    return urljoin(page_url, parser.action), parser.fields


def anonymous(sandbox: Sandbox) -> httpx.Client:
    return httpx.Client(base_url=sandbox.url, follow_redirects=False, timeout=10)


def sign_in(sandbox: Sandbox, login: str, next_page: str = "/queue") -> httpx.Client:
    """A visitor signed in as ``login``; fails loudly if any step does not go as GitHub's
    OAuth web flow goes."""
    client = anonymous(sandbox)
    start = client.get(f"/auth/login?next={quote(next_page, safe='')}")
    assert start.status_code == 303, start.text
    authorize = start.headers["location"]
    assert authorize.startswith(f"{sandbox.settings.github_web_url}/login/oauth/authorize?")
    page = httpx.get(authorize)
    assert page.status_code == 200, page.text
    action, fields = first_form(page.text, authorize)
    fields["login"] = login
    granted = httpx.post(action, data=fields)
    assert granted.status_code == 302, granted.text
    callback = granted.headers["location"]
    assert callback.startswith(f"{sandbox.url}/auth/callback?")
    done = client.get(callback)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == next_page
    return client


def csrf_token(html: str) -> str:
    """The CSRF token a page's forms carry."""
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]
