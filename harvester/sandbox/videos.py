"""Offer videos (``mainVideo``, ``detailVideo``): their paths, and small but real MP4 files to serve at them.

A client that downloads a video must get a file a player opens, not a
placeholder: each video is an ISO base media file (``ftyp``, ``mdat``,
``moov``) with one Motion-JPEG track (``mp4v`` with object type 0x6C, the
form ffmpeg and browsers' demuxers read) of a few frames at one frame per
second. The frames are the offer's own pictures, shrunk, so they carry the
offer's visual code: a test recognises the offer in any frame, as image
search would. Everything is a pure function of the seed and the offer
index, so the same URL always serves the same bytes.

Paths look like the real video CDN's (``play/u/{member}/p/1/e/6/t/1/{id}.mp4``);
the id is a keyed permutation of (offer index, main or detail, a check), so
a made-up id decodes to nothing.
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Iterable

from PIL import Image

from .scramble import Feistel, Hasher

MAIN, DETAIL = 0, 1
#: Where the real answers' videos live; the sandbox serves the same paths on its own host.
VIDEO_HOST = "https://cloud.video.taobao.com"
#: Frame edge in pixels and frames per second of every video.
FRAME_SIZE = 160
FPS = 1
_TIMESCALE = 1000
_ID_BITS = 46
_PATH = re.compile(r"play/u/(\d+)/p/1/e/6/t/1/(\d+)\.mp4$")
#: ISO/IEC 14496-1 objectTypeIndication of JPEG in an ``esds`` decoder configuration.
_JPEG_OBJECT_TYPE = 0x6C


class VideoPaths:
    """``play/u/{member}/p/1/e/6/t/1/{videoId}.mp4`` paths that decode back to (offer index, main or detail)."""

    def __init__(self, seed: int):
        self._ids = Feistel(seed, "video-id", _ID_BITS)
        self._mac = Hasher(seed, "video-id-mac")

    def path(self, index: int, kind: int, member_id: int) -> str:
        code = index << 1 | kind
        video_id = self._ids.encrypt(code << 8 | self._mac(code) & 0xFF)
        return f"play/u/{member_id}/p/1/e/6/t/1/{video_id}.mp4"

    def decode(self, path: str) -> tuple[int, int] | None:
        """(index, kind) of a path made by :meth:`path`, or ``None`` for any other path."""
        match = _PATH.search(path)
        if not match or int(match.group(2)) >= 1 << _ID_BITS:
            return None
        value = self._ids.decrypt(int(match.group(2)))
        code = value >> 8
        if value & 0xFF != self._mac(code) & 0xFF:
            return None
        return code >> 1, code & 1


def frame(jpeg: bytes) -> bytes:
    """A picture shrunk to a video frame (JPEG)."""
    with Image.open(io.BytesIO(jpeg)) as picture:
        small = picture.convert("RGB").resize((FRAME_SIZE, FRAME_SIZE), Image.Resampling.BOX)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()


def _box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", version << 24 | flags), *parts)


def _descriptor(tag: int, payload: bytes) -> bytes:
    if len(payload) > 127:
        raise ValueError("descriptor too long for a one-byte length")
    return bytes((tag, len(payload))) + payload


_MATRIX = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)


def mp4(frames: Iterable[bytes]) -> bytes:
    """An MP4 file of JPEG ``frames`` (each ``FRAME_SIZE`` square), one per second."""
    samples = list(frames)
    if not samples:
        raise ValueError("a video needs at least one frame")
    delta = _TIMESCALE // FPS
    duration = delta * len(samples)
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 512), b"isom", b"iso2", b"mp41")
    mdat = _box(b"mdat", *samples)
    first_sample = len(ftyp) + 8
    size = FRAME_SIZE << 16
    esds = _full_box(
        b"esds",
        0,
        0,
        _descriptor(
            0x03,
            struct.pack(">HB", 1, 0)
            + _descriptor(0x04, struct.pack(">BB3sII", _JPEG_OBJECT_TYPE, 0x11, b"\0\0\0", 0, 0))
            + _descriptor(0x06, b"\x02"),
        ),
    )
    sample_entry = _box(
        b"mp4v",
        bytes(6),
        struct.pack(">H", 1),  # reserved, data_reference_index
        bytes(16),
        struct.pack(">HH", FRAME_SIZE, FRAME_SIZE),
        struct.pack(">III", 0x00480000, 0x00480000, 0),
        struct.pack(">H", 1),
        bytes(32),
        struct.pack(">Hh", 0x18, -1),
        esds,
    )
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", 0, 0, struct.pack(">I", 1), sample_entry),
        _full_box(b"stts", 0, 0, struct.pack(">III", 1, len(samples), delta)),
        _full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, len(samples), 1)),
        _full_box(
            b"stsz",
            0,
            0,
            struct.pack(">II", 0, len(samples)),
            b"".join(struct.pack(">I", len(sample)) for sample in samples),
        ),
        _full_box(b"stco", 0, 0, struct.pack(">II", 1, first_sample)),
    )
    minf = _box(
        b"minf",
        _full_box(b"vmhd", 0, 1, bytes(8)),
        _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), _full_box(b"url ", 0, 1))),
        stbl,
    )
    mdia = _box(
        b"mdia",
        _full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, _TIMESCALE, duration, 0x55C4, 0)),
        _full_box(b"hdlr", 0, 0, bytes(4), b"vide", bytes(12), b"VideoHandler\0"),
        minf,
    )
    trak = _box(
        b"trak",
        _full_box(
            b"tkhd",
            0,
            3,
            struct.pack(">IIII", 0, 0, 1, 0),
            struct.pack(">I", duration),
            bytes(8),
            struct.pack(">hhhH", 0, 0, 0, 0),
            _MATRIX,
            struct.pack(">II", size, size),
        ),
        mdia,
    )
    mvhd = _full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, _TIMESCALE, duration),
        struct.pack(">IH", 0x00010000, 0x0100),
        bytes(10),
        _MATRIX,
        bytes(24),
        struct.pack(">I", 2),
    )
    return ftyp + mdat + _box(b"moov", mvhd, trak)
