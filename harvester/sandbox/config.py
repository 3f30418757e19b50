"""Everything a sandbox run can be told: catalogue, limits, OAuth lifetimes, faults, credentials.

One frozen dataclass, buildable from a dict (admin API, ``--faults`` JSON),
from Scrapy-style settings (``OPEN1688_SANDBOX_<FIELD>``, values possibly
strings from ``-s``) and from command-line flags, so every way of starting a
sandbox reads the same names with the same validation.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

SETTINGS_PREFIX = "OPEN1688_SANDBOX_"
DAY = 86_400


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the field."""


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{value!r} is not a boolean")


def _names(value: Any) -> tuple[str, ...]:
    """A list given as a JSON list, a Python list or comma-separated text."""
    if isinstance(value, str):
        text = value.strip()
        items = json.loads(text) if text.startswith("[") else text.split(",")
    else:
        items = value
    return tuple(str(item).strip() for item in items if str(item).strip())


def _ints(value: Any) -> tuple[int, ...]:
    return tuple(sorted(int(item) for item in _names(value)))


def _optional_str(value: Any) -> str | None:
    return None if value is None or str(value) == "" else str(value)


def _mapping(value: Any) -> Mapping[str, Any]:
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else {}
    if not isinstance(value, Mapping):
        raise ValueError("expected a JSON object")
    return value


def _build(cls: type, converters: Mapping[str, Callable[[Any], Any]], values: Mapping[str, Any], what: str) -> Any:
    unknown = sorted(set(values) - set(converters))
    if unknown:
        raise ConfigError(f"unknown {what} field(s): {', '.join(unknown)}; known: {', '.join(sorted(converters))}")
    converted = {}
    for name, value in values.items():
        try:
            converted[name] = converters[name](value)
        except (TypeError, ValueError) as error:
            raise ConfigError(f"{what}.{name}={value!r}: {error}") from None
    return cls(**converted)


@dataclass(frozen=True)
class FaultConfig:
    """Injected trouble, on product APIs only; shares are probabilities per call (0 = off).

    Which call gets which fault depends only on ``seed`` and the call's number,
    so a run with the same calls in the same order sees the same faults.
    """

    seed: int = 0
    #: 500/503 JSON bodies or a 502 HTML page.
    server_error: float = 0.0
    #: An nginx-style 502/504 HTML page.
    html_error: float = 0.0
    #: No answer for ``stall_seconds`` (longer than any sane client timeout), then a 504 page.
    timeout: float = 0.0
    #: A 200 answer cut short: truncated JSON.
    malformed: float = 0.0
    #: A normal answer delayed by ``slow_seconds``.
    slow: float = 0.0
    #: The start of a run of ``qos_burst_length`` ``gw.QosAppFrequencyLimit`` answers.
    qos_burst: float = 0.0
    #: A 200 answer of ``huge_bytes`` (a real answer padded with a giant field).
    huge: float = 0.0
    #: A 200 answer nested tens of thousands of levels deep.
    deep: float = 0.0
    #: A real answer with wrongly typed product fields: a string where a list belongs, negative
    #: stock, a price of "面议".
    wrong_types: float = 0.0
    #: A real answer encoded in GBK instead of UTF-8 (and saying so in its Content-Type).
    gbk: float = 0.0
    slow_seconds: float = 2.0
    stall_seconds: float = 60.0
    qos_burst_length: int = 5
    huge_bytes: int = 50 * 1024 * 1024
    #: Product-API call numbers (1-based) before which every access token is expired, e.g. (300, 900).
    expire_tokens_after: tuple[int, ...] = ()
    #: ``gw.ISPInvokeError`` and ``gw.ISPInvokeTimeout``: the gateway could not get an answer from the
    #: service behind it (PROTOCOL.md section 4: retry with backoff).
    isp_error: float = 0.0
    isp_timeout: float = 0.0
    #: HTTP status of those answers: UNCONFIRMED by the pages, 500 chosen.
    isp_status: int = 500

    SHARES = (
        "server_error",
        "html_error",
        "timeout",
        "malformed",
        "slow",
        "qos_burst",
        "huge",
        "deep",
        "wrong_types",
        "gbk",
        "isp_error",
        "isp_timeout",
    )

    def __post_init__(self) -> None:
        for name in self.SHARES:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"faults.{name} must be a share between 0 and 1")
        if sum(getattr(self, name) for name in self.SHARES) > 1.0:
            raise ConfigError("fault shares add up to more than 1")
        if self.slow_seconds < 0 or self.stall_seconds <= 0 or self.qos_burst_length < 1:
            raise ConfigError("faults: slow_seconds >= 0, stall_seconds > 0 and qos_burst_length >= 1 are required")
        if not 400 <= self.isp_status <= 599:
            raise ConfigError("faults.isp_status must be an HTTP error status (400-599)")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> FaultConfig:
        converters: dict[str, Callable[[Any], Any]] = {name: float for name in cls.SHARES}
        converters.update(
            seed=int,
            slow_seconds=float,
            stall_seconds=float,
            qos_burst_length=int,
            huge_bytes=int,
            expire_tokens_after=_ints,
            isp_status=int,
        )
        return _build(cls, converters, values, "faults")

    def to_dict(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        values["expire_tokens_after"] = list(self.expire_tokens_after)
        return values

    @property
    def enabled(self) -> bool:
        return any(getattr(self, name) for name in self.SHARES) or bool(self.expire_tokens_after)


def _faults(value: Any) -> FaultConfig:
    return value if isinstance(value, FaultConfig) else FaultConfig.from_dict(_mapping(value))


def _rates(value: Any) -> tuple[tuple[str, float], ...]:
    """Calls per second by API name, from a mapping or its JSON text, kept as sorted pairs (hashable)."""
    if isinstance(value, tuple):
        value = dict(value)
    rates = tuple(sorted((str(name), float(rate)) for name, rate in _mapping(value).items()))
    if any(rate <= 0 for _name, rate in rates):
        raise ValueError("every rate must be above 0 calls per second")
    return rates


def _choice(*choices: str) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if str(value) not in choices:
            raise ValueError(f"use one of {', '.join(choices)}")
        return str(value)

    return convert


#: ``soldOut`` of queryProductDetail: total sales or the last 30 days' (the page does not say which).
SOLD_OUT_SALES = ("totalSales", "sales30")
#: How ``category.translation.getById`` wraps its answer: as the page's table (``result{success, code, message,
#: result}``) or as the page's own sample (``success``, ``code``, ``message`` beside ``result``, the category,
#: whose ``leaf`` is a Boolean and ``parentCateId`` a number). The page contradicts itself.
TRANSLATION_SHAPES = ("table", "sample")


def _share(value: Any) -> float:
    share = float(value)
    if not 0.0 <= share <= 1.0:
        raise ValueError("must be a share between 0 and 1")
    return share


@dataclass(frozen=True)
class SandboxConfig:
    #: Catalogue seed and size (fixed for the life of a sandbox).
    seed: int = 1688
    offers: int = 1_000_000
    #: Drift epoch the product APIs answer from (0 = as generated); epoch e is the catalogue's day e.
    epoch: int = 0
    #: Share of offers a seller edits (or that go) on the way into each epoch. Fixed for the life of a
    #: sandbox: it decides the history of every epoch (epoch 0 is the same whatever the share).
    drift_share: float = 0.05
    #: Share of offers whose search items carry only the eight fields of the relayed real item (no
    #: ``modifyDate``, categories, seller data...), as a share of offers (drawn per offer, so always the same ones).
    sparse_listing_share: float = 0.08
    #: Hot keywords ``product.search.topKeyword`` lists at most per category (never fewer than the category's
    #: leaf categories: each leaf's own term is always listed, so searching the list covers the category).
    top_keyword_limit: int = 20
    #: ``category.translation.getById``'s envelope: ``table`` or ``sample`` (:data:`TRANSLATION_SHAPES`).
    category_translation_shape: str = "table"
    #: Results a search pages through; pages past it come back empty.
    search_cap: int = 2000
    #: ``totalRecords`` says the cap (not the true number) when more match, as a relayed real answer did;
    #: off: the true number (the sandbox's old habit). UNCONFIRMED by the pages.
    report_capped_total: bool = True
    max_page_size: int = 50
    #: Whether ``saleFilterList`` bounds are inclusive (UNCONFIRMED by the pages); off: both exclusive.
    sale_filter_inclusive: bool = True
    #: Offer ids accepted per ``alibaba.cross.productList`` call.
    detail_batch_max: int = 20
    #: Offers in the app's cross-border listing relation (铺货): the only ones ``alibaba.cross.productList``
    #: answers; any other fails in its ``message``.
    listed_offers: tuple[int, ...] = ()
    #: What queryProductDetail's ``soldOut`` counts: ``totalSales`` or ``sales30`` (UNCONFIRMED).
    sold_out_sales: str = "totalSales"
    #: Calls per second per app, in a sliding one-second window (0 = unlimited).
    qps: float = 0.0
    #: Calls per second per API name (``{"product.search.queryProductDetail": 5}``), answered
    #: ``gw.QosApiFrequencyLimit`` beyond; APIs not named are not limited this way.
    api_qps: tuple[tuple[str, float], ...] = ()
    #: HTTP status of ``gw.QosApiFrequencyLimit``: UNCONFIRMED by the pages; 400 like the app-wide limit.
    api_qos_status: int = 400
    #: Product-API calls allowed in total (0 = unlimited).
    budget: int = 0
    #: Send ``Retry-After`` with ``gw.QosAppFrequencyLimit`` (the real gateway's habit is unknown).
    retry_after: bool = False
    #: APIs the app may not call, by name (``alibaba.cross.productList``) or catalogue key (``product_list``).
    acl_deny: tuple[str, ...] = ()
    #: APIs (named as in ``acl_deny``) whose calls the server holds unanswered, and unhandled, until they are
    #: taken off the list: a test waits for calls in flight (``held_now`` in the stats) instead of timing them.
    hold: tuple[str, ...] = ()
    #: The hold starts once the sandbox has handled this many API calls (``calls_total``; 0: at once), so a
    #: crawl is stopped at a chosen call, whatever the machine's speed.
    hold_after: int = 0
    #: Seconds an access token lives (``expires_in``).
    access_token_lifetime: int = 36_000
    refresh_token_lifetime: int = 180 * DAY
    #: Seconds an authorisation code is valid.
    code_lifetime: int = 120
    #: A refresh token may be postponed only in this many last seconds of its life.
    postpone_window: int = 30 * DAY
    #: Refresh answers carry a new refresh token (and retire the old one) instead of none.
    rotate_refresh_token: bool = False
    #: Largest decoded image ``product.image.upload`` accepts.
    upload_max_bytes: int = 3 * 1024 * 1024
    #: Host of absolute image URLs; ``sandbox`` means the sandbox's own base URL.
    image_host: str = "https://cbu01.alicdn.com"
    #: Host of ``mainVideo``/``detailVideo`` URLs; ``sandbox`` means the sandbox's own base URL.
    video_host: str = "https://cloud.video.taobao.com"
    #: Share of image and video paths the media hosts answer 404 for (a hash of the path picks them, so always the
    #: same ones): pictures a seller deleted. The real CDN's share is unknown; 0 by default.
    media_missing: float = 0.0
    app_key: str | None = None
    app_secret: str | None = None
    access_token: str | None = None
    refresh_token: str | None = None
    faults: FaultConfig = field(default_factory=FaultConfig)

    #: Fields that identify the catalogue or the app: set at start, never changed at run time.
    FIXED = ("seed", "offers", "drift_share", "app_key", "app_secret", "access_token", "refresh_token")
    CREDENTIALS = ("app_key", "app_secret", "access_token", "refresh_token")

    def __post_init__(self) -> None:
        if not isinstance(self.faults, FaultConfig):
            object.__setattr__(self, "faults", _faults(self.faults))
        for name in ("acl_deny", "hold"):
            if not isinstance(getattr(self, name), tuple):
                object.__setattr__(self, name, _names(getattr(self, name)))
        if not isinstance(self.listed_offers, tuple):
            object.__setattr__(self, "listed_offers", _ints(self.listed_offers))
        if not isinstance(self.api_qps, tuple) or any(not isinstance(pair, tuple) for pair in self.api_qps):
            object.__setattr__(self, "api_qps", _rates(self.api_qps))
        if self.sold_out_sales not in SOLD_OUT_SALES:
            raise ConfigError(f"sold_out_sales must be one of {', '.join(SOLD_OUT_SALES)}")
        if not 400 <= self.api_qos_status <= 599:
            raise ConfigError("api_qos_status must be an HTTP error status (400-599)")
        if self.category_translation_shape not in TRANSLATION_SHAPES:
            raise ConfigError(f"category_translation_shape must be one of {', '.join(TRANSLATION_SHAPES)}")
        for name in ("drift_share", "sparse_listing_share", "media_missing"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"{name} must be a share between 0 and 1")
        positive = (
            "offers",
            "search_cap",
            "max_page_size",
            "detail_batch_max",
            "access_token_lifetime",
            "refresh_token_lifetime",
            "code_lifetime",
            "upload_max_bytes",
            "top_keyword_limit",
        )
        for name in positive:
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1")
        for name in ("epoch", "qps", "budget", "postpone_window", "hold_after"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative")

    @classmethod
    def converters(cls) -> dict[str, Callable[[Any], Any]]:
        return {
            "seed": int,
            "offers": int,
            "epoch": int,
            "drift_share": _share,
            "sparse_listing_share": _share,
            "top_keyword_limit": int,
            "category_translation_shape": _choice(*TRANSLATION_SHAPES),
            "search_cap": int,
            "report_capped_total": _bool,
            "max_page_size": int,
            "sale_filter_inclusive": _bool,
            "detail_batch_max": int,
            "listed_offers": _ints,
            "sold_out_sales": _choice(*SOLD_OUT_SALES),
            "qps": float,
            "api_qps": _rates,
            "api_qos_status": int,
            "budget": int,
            "retry_after": _bool,
            "acl_deny": _names,
            "hold": _names,
            "hold_after": int,
            "access_token_lifetime": int,
            "refresh_token_lifetime": int,
            "code_lifetime": int,
            "postpone_window": int,
            "rotate_refresh_token": _bool,
            "upload_max_bytes": int,
            "image_host": str,
            "video_host": str,
            "media_missing": _share,
            "app_key": _optional_str,
            "app_secret": _optional_str,
            "access_token": _optional_str,
            "refresh_token": _optional_str,
            "faults": _faults,
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> SandboxConfig:
        return _build(cls, cls.converters(), values, "sandbox")

    @classmethod
    def from_settings(cls, settings: Any) -> SandboxConfig:
        """From Scrapy settings (or any mapping): ``OPEN1688_SANDBOX_SEARCH_CAP`` sets ``search_cap``."""
        values = {}
        for name in cls.converters():
            key = SETTINGS_PREFIX + name.upper()
            value = settings.get(key)
            if value is not None and value != "":
                values[name] = value
        return cls.from_dict(values)

    def with_changes(self, changes: Mapping[str, Any]) -> SandboxConfig:
        """A copy with run-time changes applied; ``faults`` may be given partially."""
        fixed = sorted(name for name in set(changes) & set(self.FIXED) if changes[name] != getattr(self, name))
        if fixed:
            raise ConfigError(f"{', '.join(fixed)} cannot change while the sandbox runs")
        changes = dict(changes)
        if "faults" in changes and not isinstance(changes["faults"], FaultConfig):
            changes["faults"] = {**self.faults.to_dict(), **_mapping(changes["faults"])}
        merged = {**self.to_dict(), **changes}
        merged.update({name: getattr(self, name) for name in self.FIXED})
        return SandboxConfig.from_dict(merged)

    def with_credentials(self) -> SandboxConfig:
        """Fill missing credentials with fresh random ones (obviously sandbox values, never real-looking)."""
        return dataclasses.replace(
            self,
            app_key=self.app_key or str(1_000_000 + secrets.randbelow(9_000_000)),
            app_secret=self.app_secret or f"sandbox-{secrets.token_hex(8)}",
            access_token=self.access_token or str(uuid.uuid4()),
            refresh_token=self.refresh_token or str(uuid.uuid4()),
        )

    def to_dict(self) -> dict[str, Any]:
        """Everything but the credentials (the admin API hands those out separately)."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in self.CREDENTIALS}
        values["acl_deny"] = list(self.acl_deny)
        values["listed_offers"] = list(self.listed_offers)
        values["api_qps"] = dict(self.api_qps)
        values["hold"] = list(self.hold)
        values["faults"] = self.faults.to_dict()
        return values

    def credentials(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in self.CREDENTIALS}
