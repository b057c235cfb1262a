"""The browser fixtures work: a page served on loopback is opened, clicked and screenshotted,
visitors do not share cookies, and a blank screenshot is told from a page."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.sandbox.server import ServerThread, serving
from tests.browser.screens import Image, assert_renders, decode_png, encode_png

PAGE = """<!doctype html>
<html><head><title>Smoke</title></head>
<body style="font-family: sans-serif; margin: 0">
  <header style="background: #1f2937; color: white; padding: 12px 16px">Gatehouse</header>
  <h1>Smoke page</h1>
  <p id="visitor">visitor: {visitor}</p>
  <p id="status">waiting</p>
  <button id="go" onclick="document.getElementById('status').textContent = 'clicked'">Go</button>
</body></html>"""

SWATCHES = {(10, 10): (255, 0, 0), (110, 10): (0, 128, 255), (210, 10): (17, 34, 51)}


def smoke_app() -> FastAPI:
    app = FastAPI()

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> str:
        return PAGE.format(visitor=request.cookies.get("visitor", "anonymous"))

    @app.get("/as/{name}")
    def sign_in(name: str) -> RedirectResponse:
        response = RedirectResponse("/", status_code=303)
        response.set_cookie("visitor", name)
        return response

    return app


@pytest.fixture(scope="module")
def site() -> Iterator[ServerThread]:
    with serving(smoke_app()) as server:
        yield server


def test_click_changes_the_page_and_the_screenshot_shows_it(page_factory, site, screenshot_dir):
    page = page_factory(base_url=site.url)
    page.goto("/")
    assert page.title() == "Smoke"
    assert page.text_content("#status") == "waiting"
    page.click("#go")
    assert page.text_content("#status") == "clicked"
    png = page.screenshot(path=screenshot_dir / "clicked.png")
    assert (screenshot_dir / "clicked.png").read_bytes() == png
    ink = assert_renders(png)
    assert ink.background == (255, 255, 255)


def test_each_visitor_has_its_own_cookies(page_factory, site):
    member, anonymous = page_factory(base_url=site.url), page_factory(base_url=site.url)
    member.goto("/as/mona")
    anonymous.goto("/")
    assert member.text_content("#visitor") == "visitor: mona"
    assert anonymous.text_content("#visitor") == "visitor: anonymous"
    assert anonymous.context.cookies() == []


def test_screenshot_pixels_decode_to_the_colours_drawn(page_factory):
    page = page_factory(viewport={"width": 320, "height": 120})
    blocks = "".join(
        f'<div style="position:absolute; left:{x}px; top:{y}px; width:80px; height:40px;'
        f' background:rgb{colour}"></div>'
        for (x, y), colour in SWATCHES.items()
    )
    page.set_content(f'<body style="margin:0">{blocks}<p style="margin-top:70px">Text</p></body>')
    image = decode_png(page.screenshot())
    assert (image.width, image.height, image.channels) == (320, 120, 3)
    for (x, y), colour in SWATCHES.items():
        assert image.pixel(x + 40, y + 20) == colour
    assert image.pixel(300, 110) == (255, 255, 255)


def test_blank_page_is_rejected(page_factory, screenshot_dir: Path):
    page = page_factory()
    page.set_content('<body style="background: white"></body>')
    png = page.screenshot(path=screenshot_dir / "blank.png")
    with pytest.raises(AssertionError, match="looks blank"):
        assert_renders(png)


def test_blank_png_is_rejected_and_a_drawn_one_passes():
    white = Image(200, 100, 3, b"\xff" * (200 * 100 * 3))
    with pytest.raises(AssertionError, match=r"0\.00% of them not the background"):
        assert_renders(encode_png(white))
    rng = random.Random(7)
    dots = bytearray(white.samples)
    for _ in range(800):
        offset = rng.randrange(200 * 100) * 3
        dots[offset : offset + 3] = bytes(rng.randrange(256) for _ in range(3))
    assert_renders(encode_png(Image(200, 100, 3, bytes(dots)), row_filter=4))


@pytest.mark.parametrize("row_filter", range(5))
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_round_trip(row_filter: int, channels: int):
    rng = random.Random(row_filter * 10 + channels)
    image = Image(13, 7, channels, bytes(rng.randrange(256) for _ in range(13 * 7 * channels)))
    assert decode_png(encode_png(image, row_filter=row_filter)) == image
    planes = (image.samples[c::channels] for c in range(channels))
    assert image.colours() == Counter(zip(*planes, strict=True))
