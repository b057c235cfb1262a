"""What a browser does with a page's forms, for tests that walk through web pages: find the
forms, fill what a person types, and post them where their ``action`` points."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[str] = field(default_factory=list)


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append(Form(named.get("action", ""), named.get("method", "get").lower()))
        elif tag == "input" and self.forms and "name" in named:
            self.forms[-1].fields[named["name"]] = named.get("value", "")
        elif tag == "button" and self.forms:
            self._in_button = True
            self.forms[-1].buttons.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._in_button = False

    def handle_data(self, data: str) -> None:
        if self._in_button:
            self.forms[-1].buttons[-1] += data.strip()


def forms(html: str) -> list[Form]:
    reader = _FormReader()
    reader.feed(html)
    return reader.forms


def the_form(page: httpx.Response) -> Form:
    """The one form of ``page``."""
    [found] = forms(page.text)
    return found


def submit(page: httpx.Response, typed: dict[str, str] | None = None) -> httpx.Response:
    """Post the page's one form as a browser would (redirects not followed), with what a
    person types added to its fields."""
    form = the_form(page)
    assert form.method == "post", form
    target = urljoin(str(page.url), form.action)
    with httpx.Client(timeout=10.0) as http:
        return http.post(target, data={**form.fields, **(typed or {})})
