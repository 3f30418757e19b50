"""Single values as the gateway writes them: money, counts, scores, rates, flags, texts, dates and URLs.

The wire is untidy in known ways: numbers come as numbers or as strings
(``"skuId":"4878065068300"``), booleans as ``true`` or ``"true"``, rates as
``"10%"``, ``"99.12%"``, a bare percent (``"11"``) or a fraction
(``"0.4666"``) depending on the API, dates as China time without a zone, and
the pages' own samples fill fields with placeholders (``"price": "价格"``,
``"imageUrl": "图片地址"``). Each parser here returns the value or None and,
through ``note``, says why a value it was given was not usable
(``dropped/<what>``) or had to be repaired (``repaired/<what>``); reading
a number out of a string and trimming whitespace are the normal case and
not reported.

Money never passes through float: strings go straight to ``Decimal``, and a
JSON number the spider's parser already made a float goes through its
shortest ``repr``, which is the text the API sent. A price that needs more
than four decimals, is not positive or does not fit the money column is
dropped, never rounded.

Written for speed (they run for every value of every offer): type checks
instead of exceptions, ``str`` methods instead of regexes, and small
bounded caches for the values that repeat across offers (prices, spec
texts).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ..schema import MONEY_MAX_EXCLUSIVE, MONEY_SCALE

#: Receives ``repaired/<reason>`` or ``dropped/<reason>`` once per value concerned.
Note = Callable[[str], None]

#: Where relative image paths are resolved (the gateway's CDN).
IMAGE_BASE_URL = "https://cbu01.alicdn.com/"

INT64_MAX = 2**63 - 1
CACHE_MAX = 1 << 16
_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)
_MONEY_LIMIT = Decimal(MONEY_MAX_EXCLUSIVE)
_MONEY_DIGITS = len(str(MONEY_MAX_EXCLUSIVE)) - 1
_ABSOLUTE = ("https://", "http://")
#: China time's offset from UTC: the gateway's dates and days are China time without a zone
#: (``2024-04-20 08:00:00``), and its day ends at midnight there.
CHINA_OFFSET = timedelta(hours=8)

#: Parsed prices (or the reason a text is not one) by their text; emptied when full.
money_cache: dict[str, Decimal | str] = {}
#: Folded spec texts by their raw text; emptied when full.
fold_cache: dict[str, str] = {}
#: Numbers read from text (None: the text is no number), by their text; emptied when full. Scores, sizes and
#: rates repeat across offers ("4.5", "99.12%"), and reading one costs several string operations.
number_cache: dict[str, float | None] = {}
#: Percentages read from text as fractions (``"99.12%"`` and ``"11"``), by their text; emptied when full.
percent_cache: dict[str, float | None] = {}
_MISSING = object()


# --- money -------------------------------------------------------------------


def _checked_money(value: Decimal) -> Decimal | str:
    if not value.is_finite():
        return "price_unparseable"
    if value <= 0:
        return "price_not_positive"
    if value >= _MONEY_LIMIT:
        return "price_out_of_range"
    if value.as_tuple().exponent < -MONEY_SCALE:  # type: ignore[operator]
        exact = value.quantize(_QUANTUM)
        if exact != value:
            return "price_scale"
        return exact
    return value


def _money_from_text(text: str) -> Decimal | str:
    """Validate on the text (digits and at most one dot), so the one Decimal made is known to fit."""
    s = text.strip()
    head, _, decimals = s.partition(".")
    if not (head or decimals) or (head and not head.isdecimal()) or (decimals and not decimals.isdecimal()):
        return "price_unparseable"
    if not s.isascii():  # full-width digits (４７.５): the checks below count ASCII zeros only
        return _checked_money(Decimal(s))
    significant = decimals.rstrip("0")
    if len(significant) > MONEY_SCALE:
        return "price_scale"
    digits = head.lstrip("0")
    if not digits and not significant:
        return "price_not_positive"
    if len(digits) > _MONEY_DIGITS:
        return "price_out_of_range"
    if len(decimals) > MONEY_SCALE:  # only zeros beyond the fourth decimal: drop them, exactly
        return Decimal(f"{digits or 0}.{significant}")
    return Decimal(s)


def parse_money(value: Any) -> Decimal | str:
    """An exact price, or the reason it is not one (``price_unparseable``, ``price_scale``...)."""
    if type(value) is str:
        hit = money_cache.get(value)
        if hit is None:
            if len(money_cache) >= CACHE_MAX:
                money_cache.clear()
            hit = money_cache[value] = _money_from_text(value)
        return hit
    if type(value) is int:
        return _checked_money(Decimal(value))
    if type(value) is float:
        return _checked_money(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return _checked_money(value)
    return "price_type"


def money(value: Any, note: Note) -> Decimal | None:
    """A price, None when absent; an unusable one is noted as ``dropped/<why>``."""
    if value is None:
        return None
    if type(value) is str:
        hit = money_cache.get(value)
        if hit is not None and type(hit) is not str:
            return hit  # type: ignore[return-value]
    parsed = parse_money(value)
    if type(parsed) is str:
        note("dropped/" + parsed)
        return None
    return parsed  # type: ignore[return-value]


# --- whole numbers -----------------------------------------------------------


def parse_int(value: Any) -> int | None:
    """An int64 from an int, an integral float or a string of digits (``"12"``, ``" 12.0 "``); else None."""
    t = type(value)
    if t is int:
        return value if -INT64_MAX <= value <= INT64_MAX else None
    if t is str:
        s = value.strip()
        if len(s) > 20:
            return None
        if s.isdecimal() or (s[:1] == "-" and s[1:].isdecimal()):
            number = int(s)
        else:
            head, dot, tail = s.partition(".")
            if not (dot and head.isdecimal() and (not tail or tail.isdecimal()) and not tail.strip("0")):
                return None
            number = int(head)
        return number if -INT64_MAX <= number <= INT64_MAX else None
    if t is float:
        return int(value) if value.is_integer() and abs(value) <= INT64_MAX else None
    return None


def integer(value: Any, what: str, note: Note) -> int | None:
    """An id or other int64; ``dropped/<what>`` when it is not one."""
    if value is None:
        return None
    if type(value) is str and value.isdecimal() and len(value) < 19:
        return int(value)
    number = parse_int(value)
    if number is None:
        note("dropped/" + what)
    return number


def small_int(value: Any, what: str, note: Note) -> int | None:
    """A code or level stored as int32 (quote type, medal level, years)."""
    number = integer(value, what, note)
    if number is not None and not -(2**31) <= number < 2**31:
        note("dropped/" + what)
        return None
    return number


def count(value: Any, what: str, note: Note) -> int | None:
    """A quantity (stock, sold, buyers...): a negative one is the API's placeholder for unknown."""
    t = type(value)
    if t is int and 0 <= value <= INT64_MAX:
        return value
    if t is str and value.isdecimal() and len(value) < 19:
        return int(value)
    number = integer(value, what, note)
    if number is not None and number < 0:
        note("repaired/negative_" + what)
        return None
    return number


# --- measures, scores and rates ---------------------------------------------


def _decimal_text(value: str) -> str | None:
    """``value`` trimmed when it is a plain non-negative decimal (``"99.12"``), else None."""
    s = value.strip()
    return s if s.replace(".", "", 1).isdecimal() else None


def _number_text(value: str) -> float | None:
    hit = number_cache.get(value, _MISSING)
    if hit is _MISSING:
        s = _decimal_text(value)
        if len(number_cache) >= CACHE_MAX:
            number_cache.clear()
        hit = number_cache[value] = None if s is None else float(s)
    return hit  # type: ignore[return-value]


def _percent_text(value: str) -> float | None:
    """``"10%"``, ``" 5.5 % "`` or a bare ``"11"`` as the fraction it means; None when the text is no percentage.

    Through ``e-2``, so ``"99.12"`` is the double nearest 0.9912 (dividing the double 99.12 by 100 is not).
    """
    hit = percent_cache.get(value, _MISSING)
    if hit is _MISSING:
        s = value.rstrip()
        s = _decimal_text(s.removesuffix("%"))
        if len(percent_cache) >= CACHE_MAX:
            percent_cache.clear()
        hit = percent_cache[value] = None if s is None else float(s + "e-2")
    return hit  # type: ignore[return-value]


def _number(value: Any) -> float | None:
    t = type(value)
    if t is float:
        return value if value - value == 0.0 else None  # neither NaN nor infinite
    if t is str:
        return _number_text(value)
    if t is int:
        return float(value) if -INT64_MAX <= value <= INT64_MAX else None
    return None


def measure(value: Any, what: str, note: Note) -> float | None:
    """A non-negative size, weight or score (a Double on the page, a number or a string on the wire)."""
    if value is None:
        return None
    number = _number_text(value) if type(value) is str else _number(value)
    if number is None or number < 0:
        note("dropped/" + what)
        return None
    return number


def _rate_of(number: float | None, what: str, note: Note) -> float | None:
    if number is None or not 0 <= number <= 1:
        note("dropped/" + what)
        return None
    return number


def rate(value: Any, what: str, note: Note) -> float | None:
    """A fraction 0..1 from ``"10%"``, a fraction ``0.1``, or a bare percentage such as ``12`` (repaired)."""
    if value is None:
        return None
    if type(value) is str:
        if "%" in value:
            return _rate_of(_percent_text(value), what, note)
        number = _number_text(value)
        if number is not None and 1 < number <= 100:
            note("repaired/" + what + "_percent")
            number = _percent_text(value)
        return _rate_of(number, what, note)
    number = _number(value)
    if number is not None and 1 < number <= 100:
        note("repaired/" + what + "_percent")
        number /= 100
    return _rate_of(number, what, note)


def percent(value: Any, what: str, note: Note) -> float | None:
    """A fraction 0..1 from a percentage, with or without its sign: ``"11"`` and ``"11%"`` are both 0.11."""
    if value is None:
        return None
    if type(value) is str:
        return _rate_of(_percent_text(value), what, note)
    number = _number(value)
    return _rate_of(None if number is None else number / 100, what, note)


def fraction(value: Any, what: str, note: Note) -> float | None:
    """A fraction 0..1 written as one (``"0.4666"``); a value with a percent sign is read as a percentage."""
    if value is None:
        return None
    if type(value) is str:
        return _rate_of(_percent_text(value) if "%" in value else _number_text(value), what, note)
    return _rate_of(_number(value), what, note)


def shipping_rate(block: dict, key: str, what: str, note: Note) -> float | None:
    """One of search's fulfilment rates (``"99.12%"``): present but empty or null means 0, as the page says;
    absent means unknown."""
    if key not in block:
        return None
    value = block[key]
    if value is None or (type(value) is str and not value.strip()):
        return 0.0
    return percent(value, what, note)


# --- flags, texts, dates ------------------------------------------------------


def boolean(value: Any, what: str, note: Note) -> bool | None:
    """``true``/``false`` or their strings (any case); anything else is ``dropped/<what>``."""
    if value is True or value is False:
        return value
    if value is None:
        return None
    if type(value) is str:
        s = value.strip().lower()
        if s == "true":
            return True
        if s == "false":
            return False
    note("dropped/" + what)
    return None


def text(value: Any, what: str, note: Note) -> str | None:
    """A trimmed string (empty is None); a number becomes its text; anything else is ``dropped/<what>_type``."""
    t = type(value)
    if t is str:
        return value.strip() or None
    if value is None:
        return None
    if t is int or t is float:
        return str(value)
    note("dropped/" + what + "_type")
    return None


def texts(value: Any, what: str, note: Note) -> list[str] | None:
    """A list of strings, trimmed, empty ones left out; None when the answer had no list."""
    if type(value) is not list:
        if value is not None:
            note("dropped/" + what + "_type")
        return None
    kept = []
    for entry in value:
        if type(entry) is str:
            s = entry.strip()
            if s:
                kept.append(s)
                continue
        elif entry is not None:
            note("dropped/" + what)
    return kept


def china_time(value: Any, what: str, note: Note) -> datetime | None:
    """``2024-04-20 08:00:00`` (China time, as product APIs write dates) as a UTC datetime."""
    if value is None:
        return None
    if type(value) is str:
        s = value.strip()
        if len(s) == 19 and s[10] == " " and s.isascii():
            try:
                return datetime.fromisoformat(s).replace(tzinfo=UTC) - CHINA_OFFSET
            except ValueError:  # 2024-02-30, or not a date at all
                pass
        elif not s:
            return None
    note("dropped/" + what)
    return None


def fold(raw: str) -> str:
    """Trim and NFKC-fold a spec name or value, so ``ＸＬ `` and ``XL`` are the same size."""
    hit = fold_cache.get(raw)
    if hit is None:
        folded = raw.strip()
        if not folded.isascii():
            folded = unicodedata.normalize("NFKC", folded).strip()
        if len(fold_cache) >= CACHE_MAX:
            fold_cache.clear()
        hit = fold_cache[raw] = folded
    return hit


def spec_text(value: Any) -> str | None:
    """A spec name or value that was not a plain string: an int becomes its text, anything else None."""
    t = type(value)
    if t is str:
        return fold(value) or None
    if t is int:
        return str(value)
    return None


# --- URLs --------------------------------------------------------------------


def resolve(path: str, base: str) -> str | None:
    """A trimmed, non-empty image path or URL made absolute, or None when it cannot be one.

    Absolute (``https://host/...``) and protocol-relative (``//host/...``)
    URLs are kept; a relative path (``img/ibank/a.jpg``) is resolved against
    ``base``. Text that cannot be a URL is refused: whitespace or quotes
    inside, a scheme without a host, or no ``/`` at all (the pages'
    placeholders ``图片``, ``1``, ``https://``).
    """
    first = path[0]
    if first == "h" and path.startswith(_ABSOLUTE):
        host_at = 8 if path[4] == "s" else 7
        if len(path) > host_at and path[host_at] != "/" and " " not in path and '"' not in path:
            return path
        return None
    if " " in path or '"' in path or "/" not in path:
        return None
    if first == "/":
        if path[1:2] == "/":
            return "https:" + path if len(path) > 2 and path[2] != "/" else None
        relative = path.lstrip("/")
        return base + relative if relative else None
    return base + path


def absolute_url(value: Any, base: str = IMAGE_BASE_URL) -> str | None:
    """An image or video URL from the answer, absolute, or None (see :func:`resolve`)."""
    if type(value) is not str:
        return None
    s = value.strip()
    return resolve(s, base) if s else None


def url(value: Any, what: str, base: str, note: Note) -> str | None:
    """:func:`absolute_url`, with what cannot be a URL counted as ``dropped/<what>``."""
    if value is None:
        return None
    if type(value) is str:
        s = value.strip()
        if not s:
            return None
        resolved = resolve(s, base)
        if resolved is not None:
            return resolved
    note("dropped/" + what)
    return None


def mapping(value: Any, what: str, note: Note) -> dict:
    """A nested object of the answer, or ``{}`` (``dropped/<what>_type`` when it was something else)."""
    if type(value) is dict:
        return value
    if value is not None:
        note("dropped/" + what + "_type")
    return {}
