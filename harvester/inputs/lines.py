"""Read users' input files (keywords, offer ids) one line at a time, whatever they contain.

Input files can hold millions of lines, binary garbage or a 10 MB line; a
line is read with a size limit, so memory stays bounded, and every bad line
is reported with its number instead of stopping the crawl.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..exceptions import ArgumentError

MAX_LINE_BYTES = 4096
#: Unicode categories that break a value over lines or hide in it: controls (``\n``, ``\t``, NUL) and the line and
#: paragraph separators. Spaces of every kind (an ideographic space in pasted Chinese text) are fine.
_BREAKING = frozenset(("Cc", "Zl", "Zp"))


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a line break or another control character (not meant to be part of a value)."""
    return not text.isprintable() and any(unicodedata.category(char) in _BREAKING for char in text)


@dataclass(frozen=True)
class BadLine:
    number: int
    reason: str


def check_readable(path: str, argument: str) -> None:
    """Refuse a missing or unreadable file, or a folder, before the crawl makes any call (whether what it holds
    is usable is the caller's check: :func:`check_has_a_line`, or preparing a picture)."""
    if os.path.isdir(path):
        raise ArgumentError(f"-a {argument}={path} is a folder: give a file")
    if not os.path.isfile(path):
        raise ArgumentError(f"-a {argument}={path}: no such file")
    if not os.access(path, os.R_OK):
        raise ArgumentError(f"-a {argument}={path}: the file is not readable")


def check_has_a_line(path: str, argument: str, what: str, usable: Callable[[str], bool] = bool) -> None:
    """Refuse a readable file in which no line is usable (binary, or only bad lines): a crawl of it would end
    at once with nothing asked for. Read only up to its first usable line (bad lines may be millions)."""
    check_readable(path, argument)
    for line in stream_lines(path):
        if not isinstance(line, BadLine) and usable(line[1]):
            return
    raise ArgumentError(
        f"-a {argument}={path} holds no {what}: no line is one (is it the right file? one {what} a line, UTF-8 text)"
    )


def stream_lines(path: str, *, max_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[int, str] | BadLine]:
    """Non-blank lines, stripped, as (line number, text); bad lines as ``BadLine``."""
    with open(path, "rb") as handle:
        number = 0
        while True:
            raw = handle.readline(max_bytes + 1)
            if not raw:
                return
            number += 1
            if len(raw) > max_bytes and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):
                    raw = handle.readline(1 << 16)
                yield BadLine(number, f"longer than {max_bytes} bytes")
                continue
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                yield BadLine(number, "not UTF-8 text")
                continue
            if not text:
                continue
            if has_control_characters(text):
                yield BadLine(number, "holds control characters")
                continue
            yield number, text
