"""The settings that guard spending or data, each read and checked in one place, before the first call.

A guard that misreads its setting fails open: ``OPEN1688_QPS=-1`` once made
the quota middleware switch itself off (``NotConfigured``) and the crawl ran
unpaced with no budget; ``HARVEST_DATA_DIR=`` switched the dataset pipeline
off and the crawl harvested into nothing; ``OPEN1688_QPS=abc`` ended in a
traceback. So each such setting is described here once (its type and what
it accepts), ``scrapy crawl`` and ``scrapy doctor`` check every one of them
before anything is called (:func:`problems`), and the components that use
one read it through :func:`value`, which raises :class:`ConfigurationError`
naming the setting and what it accepts: a bad value never switches a guard
off.

``HARVEST_DATA_DIR`` may be a URI (``s3://bucket/prefix``): what can be
judged from its text is judged here (``harvester.dataset.storage``); whether
its scheme, credentials and endpoint work is checked when the crawl resolves
its storage, still before any call.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..dataset.storage import CREDENTIALS_IN_URI, has_credentials, uri_problem
from ..exceptions import ConfigurationError
from ..history.plan import UNDATED_LISTINGS
from ..inputs.lines import has_control_characters
from ..open1688.credentials import credential

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

_CRAWL_ID = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]*")
_REDIS_PREFIX = re.compile(r"[A-Za-z0-9_.:{}-]+")
_SPLIT_DIMENSIONS = ("price", "category", "sales", "facet")
_CODECS = ("zstd", "snappy", "gzip", "brotli", "lz4", "none")
_SHOWN = 40


def shown(raw: Any) -> str:
    """A value as a message quotes it: short, on one line, control characters visible."""
    text = str(raw)
    if not text.isprintable():
        text = repr(text)[1:-1]
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


class Unquoted(ValueError):
    """A wrong value that its message must not quote: it holds a secret (a URI with credentials in it)."""


@dataclass(frozen=True)
class Number:
    """A number within ``[minimum, maximum]``; ``zero`` says what 0 means when 0 is allowed and special."""

    minimum: float
    maximum: float
    integer: bool = False
    #: The lower bound itself is refused (a timeout of 0 waits forever).
    above_minimum: bool = False
    zero: str = ""

    def parse(self, raw: Any) -> int | float:
        if isinstance(raw, bool) or raw is None:
            raise ValueError(f"is not a number: {self.accepts()}")
        if isinstance(raw, str):
            raw = raw.strip()
            if not raw:
                raise ValueError(f"is empty: {self.accepts()}")
        try:
            number: int | float = _integer(raw) if self.integer else float(raw)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"is not a {'whole ' if self.integer else ''}number: {self.accepts()}") from None
        if (
            not math.isfinite(number)
            or number < self.minimum
            or number > self.maximum
            or (self.above_minimum and number == self.minimum)
        ):
            raise ValueError(f"is out of range: {self.accepts()}")
        return number

    def accepts(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        low = f"above {_figure(self.minimum)}" if self.above_minimum else f"from {_figure(self.minimum)}"
        zero = f" ({self.zero})" if self.zero else ""
        return f"give {kind} {low} to {_figure(self.maximum)}{zero}"


def _integer(raw: Any) -> int:
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(raw)
        return int(raw)
    return int(str(raw).replace("_", ""), 10) if isinstance(raw, str) else int(raw)


def _figure(number: float) -> str:
    return f"{int(number):,}" if float(number).is_integer() else f"{number:g}"


@dataclass(frozen=True)
class Check:
    """Any other rule: ``parse`` returns the value to use or raises ValueError with what to give."""

    parse: Callable[[Any], Any]


Guard = Number | Check


def _text(raw: Any) -> str:
    """The value as text, surrounding spaces off; a line break anywhere is refused (other code reads the raw
    value: ``data\n`` would be one folder here and another there)."""
    text = "" if raw is None else str(raw)
    if has_control_characters(text):
        raise ValueError("holds a line break or another control character: give it on one line")
    return text.strip()


def _gateway(raw: Any) -> str:
    text = _text(raw)
    if text in ("", "sandbox"):
        return text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment or " " in text:
        raise ValueError(
            "is not a gateway: give its base URL (https://gw.open.1688.com, or the http://127.0.0.1:PORT "
            "`scrapy sandbox` prints) or `sandbox` for the built-in one"
        )
    try:
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError:
        raise ValueError("has a port that is not a number: give e.g. http://127.0.0.1:8688") from None
    return text


def _data_dir(raw: Any) -> str:
    text = _text(raw)
    if not text:
        raise ValueError("is empty: give the dataset's folder (e.g. ./data); the crawl would write nowhere")
    if has_credentials(text):
        raise Unquoted(CREDENTIALS_IN_URI.removeprefix("HARVEST_DATA_DIR "))
    problem = uri_problem(text)
    if problem:
        raise ValueError(problem)
    return text


def _media_store(raw: Any) -> str:
    """Empty (``media_files`` under HARVEST_DATA_DIR), or a folder or URI judged as HARVEST_DATA_DIR is."""
    text = _text(raw)
    return _data_dir(text) if text else text


def _crawl_id(raw: Any) -> str:
    text = _text(raw)
    if text and not _CRAWL_ID.fullmatch(text):
        raise ValueError(
            "may hold only letters, digits, '.', '_' and '-' (and not start with '-'); leave it "
            "empty for a generated one"
        )
    return text


def _redis_prefix(raw: Any) -> str:
    text = "" if raw is None else str(raw)
    if not _REDIS_PREFIX.fullmatch(text):
        raise ValueError("is not a key prefix: give letters, digits and _ . : - (e.g. harvester)")
    return text


def _split_dimensions(raw: Any) -> str:
    names = raw if isinstance(raw, (list, tuple)) else _text(raw).split(",")
    given = [str(name).strip() for name in names if str(name).strip()]
    unknown = [name for name in given if name not in _SPLIT_DIMENSIONS]
    if unknown:
        raise ValueError(
            f"names an unknown dimension ({shown(unknown[0])}): give any of "
            f"{','.join(_SPLIT_DIMENSIONS)} (empty: never split)"
        )
    return ",".join(given)


def _method(raw: Any) -> str:
    text = _text(raw).upper()
    if text not in ("POST", "GET"):
        raise ValueError("is not an HTTP method the gateway takes: give POST or GET")
    return text


def _compression(raw: Any) -> str:
    text = _text(raw).lower()
    if text not in _CODECS:
        raise ValueError(f"is not a codec: give one of {', '.join(_CODECS)}")
    return text


def _undated(raw: Any) -> str:
    text = _text(raw).lower()
    if text not in UNDATED_LISTINGS:
        raise ValueError(f"is not a choice: give {' or '.join(UNDATED_LISTINGS)}")
    return text


def _state_dir(raw: Any) -> str:
    text = _text(raw)
    if not text:
        raise ValueError("is not a folder name: give a folder on one line where the daily call count is kept")
    return text


def _trends_end(raw: Any) -> str:
    text = _text(raw)
    if text:
        try:
            datetime.strptime(text, "%Y%m%d")
        except ValueError:
            raise ValueError("is not a day: give yyyyMMdd (e.g. 20250630), or leave it empty for yesterday") from None
    return text


def _count(maximum: float, zero: str = "", minimum: float = 0) -> Number:
    return Number(minimum, maximum, integer=True, zero=zero)


def _seconds(maximum: float, *, above_zero: bool = False, zero: str = "") -> Number:
    return Number(0, maximum, above_minimum=above_zero, zero=zero)


DAY = 86_400
#: Every guarded setting, by name. Bounds are wide: they catch a sign, a typo or an overflow, not taste.
GUARDS: Mapping[str, Guard] = {
    # Spending: the pace, the budget, retries.
    "OPEN1688_QPS": Number(0, 10_000, zero="0 turns pacing off"),
    "OPEN1688_QPS_BURST": _count(10_000, minimum=1),
    "OPEN1688_QPS_HEADROOM": Number(0, 0.9),
    "OPEN1688_DAILY_CALL_BUDGET": _count(10**12, zero="0 = no daily limit"),
    "OPEN1688_STATE_DIR": Check(_state_dir),
    "OPEN1688_RETRY_TIMES": _count(100),
    "OPEN1688_RETRY_BACKOFF": _seconds(3_600),
    "OPEN1688_RETRY_BACKOFF_MAX": _seconds(3_600),
    "OPEN1688_ISP_RETRY_TIMES": _count(100),
    "OPEN1688_THROTTLE_RETRY_TIMES": _count(1_000),
    "OPEN1688_PAGE_SIZE": _count(50, minimum=1),
    "OPEN1688_SEARCH_CAP": _count(10_000_000, minimum=1),
    "OPEN1688_SPLIT_DIMENSIONS": Check(_split_dimensions),
    "OPEN1688_TOKEN_REFRESH_MARGIN": _seconds(DAY),
    "OPEN1688_IMAGE_MAX_SIDE": _count(20_000, minimum=1),
    "OPEN1688_IMAGE_MAX_BYTES": _count(100 * 2**20, minimum=1),
    "OPEN1688_GATEWAY": Check(_gateway),
    "OPEN1688_HTTP_METHOD": Check(_method),
    "OPEN1688_MAX_CLOCK_SKEW": _seconds(DAY),
    "CONCURRENT_REQUESTS": _count(10_000, minimum=1),
    "CONCURRENT_REQUESTS_PER_DOMAIN": _count(10_000, minimum=1),
    "DOWNLOAD_TIMEOUT": _seconds(DAY, above_zero=True),
    # Data: where it goes, how it is written, which crawl it belongs to.
    "HARVEST_DATA_DIR": Check(_data_dir),
    "HARVEST_ROW_GROUP_ROWS": _count(10_000_000, minimum=1),
    "HARVEST_FILE_ROWS": _count(2**40, minimum=1),
    "HARVEST_WRITE_QUEUE": _count(1_000, minimum=1),
    "HARVEST_PARQUET_COMPRESSION": Check(_compression),
    "HARVEST_PARQUET_COMPRESSION_LEVEL": Number(-100, 100, integer=True, zero="0 = the codec's default"),
    "HARVEST_CRAWL_ID": Check(_crawl_id),
    # Media downloads (-a media): where they go, and their own pace beside the gateway's.
    "HARVEST_MEDIA_STORE": Check(_media_store),
    "HARVEST_MEDIA_CONCURRENCY": _count(1_000, minimum=1),
    "HARVEST_MEDIA_RATE": Number(0, 10_000, zero="0: no pacing"),
    "HARVEST_MEDIA_MAX_BYTES": _count(2**40, minimum=1),
    "HARVEST_MEDIA_TIMEOUT": _seconds(DAY, above_zero=True),
    "HARVEST_REDIS_PREFIX": Check(_redis_prefix),
    "HARVEST_REDIS_LEASE": _seconds(DAY, above_zero=True),
    "HARVEST_REDIS_IDLE_CLOSE": _seconds(DAY),
    "HARVEST_REDIS_PREFETCH": _count(10_000, minimum=1),
    "HARVEST_REDIS_POLL_INTERVAL": _seconds(3_600, above_zero=True),
    # Enrichment calls (-a freight_to, -a trends=1): spending.
    "HARVEST_FREIGHT_MAX_CALLS": _count(10**12, zero="0 = no limit"),
    "HARVEST_TRENDS_MAX_CALLS": _count(10**12, zero="0 = no limit"),
    "HARVEST_TRENDS_DAYS": _count(90, minimum=1),
    "HARVEST_TRENDS_END": Check(_trends_end),
    # What the crawl reports while it runs (a bad value here ended in a traceback).
    "HARVEST_PROGRESS_INTERVAL": _seconds(DAY, zero="0 turns the progress lines off"),
    "HARVEST_REPORT_SAMPLE_INTERVAL": _seconds(DAY, zero="0: no time series"),
    "HARVEST_REPORT_MAX_SAMPLES": _count(1_000_000, minimum=2),
    "HARVEST_REPORT_TOP_QUERIES": _count(100_000),
    # What -a details=changed fetches again (bad values here would silently fetch everything, or nothing).
    "HARVEST_DETAIL_MAX_AGE": _seconds(365 * DAY, above_zero=True),
    "HARVEST_MONTH_SOLD_TOLERANCE": Number(0, 1_000, zero="0: any move of monthSold counts"),
    "HARVEST_UNDATED_LISTINGS": Check(_undated),
}


#: Settings read by the credential rule (an environment variable of the same name counts), as the crawl reads them.
_BY_CREDENTIAL_RULE = ("OPEN1688_GATEWAY",)


def value(settings: BaseSettings | Mapping[str, Any], name: str) -> Any:
    """The setting ``name``, parsed and checked; ConfigurationError (one line, what to give) when it is wrong."""
    raw = credential(settings, name) if name in _BY_CREDENTIAL_RULE else settings.get(name)
    try:
        return GUARDS[name].parse(raw)
    except ValueError as error:
        given = shown(raw) if raw is not None and not isinstance(error, Unquoted) else ""
        raise ConfigurationError(f"{name}={given} {error}" if given.strip() else f"{name} {error}") from None


def problems(settings: BaseSettings) -> list[str]:
    """One line per guarded setting that is wrong, then the rules between settings and about ``JOBDIR``."""
    found = []
    for name in GUARDS:
        try:
            value(settings, name)
        except ConfigurationError as error:
            found.append(str(error))
    if not found:
        found += _relations(settings)
    found += _jobdir(settings)
    return found


def check(settings: BaseSettings) -> None:
    """Raise ConfigurationError with the first problem (one line) when any setting is wrong."""
    found = problems(settings)
    if found:
        more = f" (and {len(found) - 1} more: `scrapy doctor` lists them)" if len(found) > 1 else ""
        raise ConfigurationError(found[0] + more)


def _relations(settings: BaseSettings) -> list[str]:
    found = []
    if value(settings, "HARVEST_FILE_ROWS") < value(settings, "HARVEST_ROW_GROUP_ROWS"):
        found.append("HARVEST_FILE_ROWS must be at least HARVEST_ROW_GROUP_ROWS (a file holds whole row groups)")
    if value(settings, "OPEN1688_SEARCH_CAP") < value(settings, "OPEN1688_PAGE_SIZE"):
        found.append("OPEN1688_SEARCH_CAP must be at least OPEN1688_PAGE_SIZE")
    return found


def _jobdir(settings: BaseSettings) -> list[str]:
    """``JOBDIR``: unset, or a folder this user can write (an empty one given by mistake would make a crawl that
    cannot be resumed: every call spent again after a stop)."""
    raw = settings.get("JOBDIR")
    if raw is None:
        return []
    text = str(raw).strip()
    if not text or has_control_characters(text):
        return [
            f"JOBDIR={shown(raw)}: give a folder on one line for the crawl's resumable state, or leave JOBDIR unset"
        ]
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        return [f"JOBDIR={shown(raw)} is a file, not a folder: give a folder for the crawl's resumable state"]
    probe = path if path.exists() else next((parent for parent in path.parents if parent.exists()), Path("."))
    if not os.access(probe, os.W_OK | os.X_OK):
        return [f"JOBDIR={shown(raw)} is not writable: give a folder you can write to"]
    return []
