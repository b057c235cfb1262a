"""Tell a screenshot of a page from a blank one.

Chromium writes screenshots as 8-bit, non-interlaced RGB (or RGBA) PNGs; ``decode_png``
reads those (and the grey variants) with the standard library alone: zlib for the data,
then the PNG row filters undone. ``encode_png`` writes the same kinds of image, with any
of the five row filters, so the tests can make images whose pixels they know.
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections import Counter
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# PNG colour type -> bytes a pixel: grey, RGB, grey+alpha, RGBA (at 8 bits a sample)
CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}
COLOUR_TYPES = {channels: colour_type for colour_type, channels in CHANNELS.items()}


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    channels: int
    samples: bytes  # the rows top to bottom, each pixel ``channels`` bytes

    def pixel(self, x: int, y: int) -> tuple[int, ...]:
        start = (y * self.width + x) * self.channels
        return tuple(self.samples[start : start + self.channels])

    def colours(self) -> Counter[tuple[int, ...]]:
        """How many pixels have each colour."""
        wide = bytearray(4 * self.width * self.height)  # each pixel widened to 4 bytes: one int
        for c in range(self.channels):
            wide[c::4] = self.samples[c :: self.channels]
        counts = Counter(memoryview(wide).cast("I"))
        return Counter(
            {tuple(key.to_bytes(4, sys.byteorder)[: self.channels]): n for key, n in counts.items()}
        )


@dataclass(frozen=True)
class Ink:
    """What a screenshot shows, beyond its background (its most common colour)."""

    width: int
    height: int
    background: tuple[int, ...]
    ink: float  # the share of pixels that are not the background colour
    colours: int  # distinct colours in the image


def _chunks(png: bytes) -> dict[bytes, list[bytes]]:
    if not png.startswith(SIGNATURE):
        raise ValueError("not a PNG: the signature is missing")
    chunks: dict[bytes, list[bytes]] = {}
    pos = len(SIGNATURE)
    while pos < len(png):
        (length,) = struct.unpack_from(">I", png, pos)
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack_from(">I", png, pos + 8 + length)
        if zlib.crc32(kind + body) != crc:
            raise ValueError(f"PNG chunk {kind!r} is corrupt (bad CRC)")
        chunks.setdefault(kind, []).append(body)
        pos += 12 + length
        if kind == b"IEND":
            return chunks
    raise ValueError("PNG is truncated: no IEND chunk")


def _add(a: bytes, b: bytes, low: int, high: int) -> bytes:
    """Byte-wise (a + b) mod 256 on whole rows at once, as big integers."""
    x, y = int.from_bytes(a, "little"), int.from_bytes(b, "little")
    return (((x & low) + (y & low)) ^ ((x ^ y) & high)).to_bytes(len(a), "little")


def _unfilter(kind: int, line: bytes, prev: bytes, bpp: int, low: int, high: int) -> bytes:
    if kind == 0:
        return line
    if kind == 2:
        return _add(line, prev, low, high)
    if kind == 1:  # a running sum every bpp bytes: add the row shifted by bpp, 2 bpp, 4 bpp...
        row, shift = line, bpp
        while shift < len(line):
            row = _add(row, bytes(shift) + row[:-shift], low, high)
            shift *= 2
        return row
    out = bytearray(line)
    if kind == 3:
        for i in range(len(out)):
            left = out[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + ((left + prev[i]) >> 1)) & 0xFF
        return bytes(out)
    if kind == 4:
        for i in range(len(out)):
            up = prev[i]
            if i >= bpp:
                left, corner = out[i - bpp], prev[i - bpp]
                pa, pb, pc = abs(up - corner), abs(left - corner), abs(left + up - 2 * corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            else:
                pred = up
            out[i] = (out[i] + pred) & 0xFF
        return bytes(out)
    raise ValueError(f"PNG row filter {kind} does not exist")


def decode_png(png: bytes) -> Image:
    """The pixels of an 8-bit, non-interlaced grey, grey+alpha, RGB or RGBA PNG."""
    chunks = _chunks(png)
    width, height, depth, colour_type, _, _, interlace = struct.unpack(
        ">IIBBBBB", chunks[b"IHDR"][0]
    )
    if depth != 8 or colour_type not in CHANNELS or interlace:
        raise ValueError(
            f"PNG kind not read here: bit depth {depth}, colour type {colour_type}, interlace {interlace}"
        )
    bpp = CHANNELS[colour_type]
    stride = width * bpp
    data = zlib.decompress(b"".join(chunks.get(b"IDAT", [])))
    if len(data) != height * (stride + 1):
        raise ValueError(f"PNG data is {len(data)} bytes, not {height * (stride + 1)}")
    low, high = int.from_bytes(b"\x7f" * stride), int.from_bytes(b"\x80" * stride)
    rows, prev = [], bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        prev = _unfilter(data[start], data[start + 1 : start + 1 + stride], prev, bpp, low, high)
        rows.append(prev)
    return Image(width, height, bpp, b"".join(rows))


def _filter(kind: int, row: bytes, prev: bytes, bpp: int) -> bytes:
    out = bytearray(len(row))
    for i, value in enumerate(row):
        left, up, corner = (row[i - bpp], prev[i], prev[i - bpp]) if i >= bpp else (0, prev[i], 0)
        pa, pb, pc = abs(up - corner), abs(left - corner), abs(left + up - 2 * corner)
        paeth = left if pa <= pb and pa <= pc else up if pb <= pc else corner
        out[i] = (value - (0, left, up, (left + up) >> 1, paeth)[kind]) & 0xFF
    return bytes(out)


def encode_png(image: Image, *, row_filter: int = 0) -> bytes:
    """``image`` as a PNG, every row written with ``row_filter`` (0 to 4)."""
    stride = image.width * image.channels
    prev, data = bytes(stride), bytearray()
    for y in range(image.height):
        row = image.samples[y * stride : (y + 1) * stride]
        data += bytes([row_filter]) + _filter(row_filter, row, prev, image.channels)
        prev = row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(
        ">IIBBBBB", image.width, image.height, 8, COLOUR_TYPES[image.channels], 0, 0, 0
    )
    return (
        SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(data)))
        + chunk(b"IEND", b"")
    )


def measure(png: bytes) -> Ink:
    """How much of the screenshot ``png`` is not its background."""
    image = decode_png(png)
    colours = image.colours()
    background, count = colours.most_common(1)[0]
    total = image.width * image.height
    return Ink(image.width, image.height, background, (total - count) / total, len(colours))


def assert_renders(png: bytes, *, min_ink: float = 0.01, min_colours: int = 8) -> Ink:
    """Fail unless the screenshot ``png`` shows something: at least ``min_ink`` of its pixels
    differ from its most common colour, and it has at least ``min_colours`` colours (text
    alone, anti-aliased, brings dozens)."""
    ink = measure(png)
    if ink.ink < min_ink or ink.colours < min_colours:
        raise AssertionError(
            f"the page looks blank: {ink.width}x{ink.height} pixels, {ink.ink:.2%} of them not "
            f"the background colour {ink.background} (at least {min_ink:.2%} wanted), "
            f"{ink.colours} colours (at least {min_colours} wanted)"
        )
    return ink
