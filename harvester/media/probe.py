"""What a downloaded file is: its width and height, read from its header only (pictures through Pillow, MP4 and
QuickTime videos from their first visual track's ``tkhd`` box), and whether it is a media file at all.

Only headers are read, never whole frames: a crawl probes every file it downloads, on the reactor thread.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

#: Container boxes on the way from the file to a track header.
_CONTAINERS = {b"moov", b"trak"}
#: Extension of a stored file by Content-Type (what alicdn and the video CDN send), then by Pillow's format name.
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "image/avif": ".avif",
    "image/bmp": ".bmp",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "JPEG": ".jpg",
    "PNG": ".png",
    "WEBP": ".webp",
    "GIF": ".gif",
    "BMP": ".bmp",
    "AVIF": ".avif",
}


@dataclass(frozen=True, slots=True)
class Probe:
    width: int | None
    height: int | None
    #: The stored file's extension (``.jpg``...), or "" when nothing says.
    extension: str
    #: Why the file is not media (an HTML page served with 200, as a CDN's block page is); None when it is.
    problem: str | None = None


def _kind(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def probe(data: bytes, content_type: str | None) -> Probe:
    kind = _kind(content_type)
    head = data[:64].lstrip().lower()
    if kind.startswith("text/") or head.startswith((b"<!doctype", b"<html", b"<?xml")):
        return Probe(None, None, "", f"not a picture or video ({kind or 'an HTML page'})")
    if kind.startswith("video/") or data[4:8] == b"ftyp":
        size = video_size(data)
        return Probe(*(size or (None, None)), _EXTENSIONS.get(kind, ".mp4"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as picture:
                width, height = picture.size
                extension = _EXTENSIONS.get(kind) or _EXTENSIONS.get(picture.format or "", "")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        if kind.startswith("image/"):
            return Probe(None, None, _EXTENSIONS.get(kind, ""), f"not a picture Pillow reads ({kind})")
        return Probe(None, None, _EXTENSIONS.get(kind, ""))
    return Probe(width, height, extension)


def _boxes(data: bytes, start: int, end: int):
    """(type, payload start, payload end) of each box between ``start`` and ``end``."""
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            if offset + 16 > end:
                return
            size = struct.unpack_from(">Q", data, offset + 8)[0]
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            return
        yield kind, offset + header, offset + size
        offset += size


def video_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of the first track with a picture (``tkhd`` ends with them, 16.16 fixed point)."""

    def search(start: int, end: int) -> tuple[int, int] | None:
        for kind, payload, stop in _boxes(data, start, end):
            if kind in _CONTAINERS:
                found = search(payload, stop)
                if found:
                    return found
            elif kind == b"tkhd" and stop - payload >= 8:
                width, height = struct.unpack_from(">II", data, stop - 8)
                if width and height:
                    return width >> 16, height >> 16
        return None

    return search(0, len(data))
