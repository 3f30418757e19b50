"""A small synchronous client for scripts and notebooks: one call, one answer, on ``requests``.

It speaks through the same parts as the crawl (the API catalogue in
``endpoints``, the signer, ``outcomes.classify``, ``queries.SearchQuery``), so a
call that works here works in a spider and fails there with the same message.
What it adds is only what a caller without Scrapy lacks: a retry loop with
backoff for transient trouble, one token refresh and replay on a rejected
token, and optional client-side pacing.

Bulk harvesting is the spiders' job: :meth:`Client.search_all` pages through
what the gateway answers for one query and stops at its per-query cap (about
2,000 results), where ``scrapy crawl keyword`` splits the query by price band
to reach every match.

Not thread-safe: use one client per thread.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

import requests

from ..inputs.provinces import parse_destination
from ..normalise.enrichment import category_info, translation_model
from . import endpoints, oauth, queries
from .credentials import credential
from .outcomes import Action, GatewayError, Outcome, classify

logger = logging.getLogger(__name__)

#: Search filters the search methods accept, as ``SearchQuery.from_arguments`` names them.
FILTERS = ("price_start", "price_end", "category_id", "sort", "filter")
_RETRYABLE = (Action.RETRY, Action.SLOW_DOWN)


def _positive(value: Any, name: str) -> int:
    number = queries.parse_positive_int(value, name)
    if number is None:
        raise queries.QueryError(f"{name} is required: give a positive whole number")
    return number


def _query(filters: Mapping[str, Any], **subject: Any) -> queries.SearchQuery:
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise queries.QueryError(f"unknown search filter(s) {', '.join(unknown)}; use any of {', '.join(FILTERS)}")
    return queries.SearchQuery.from_arguments(**subject, **filters)


def _number(get: Callable[[str], Any], name: str, kind: Callable[[Any], float]) -> Any:
    value = get(name)
    try:
        return kind(value or 0)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} is not a number") from None


def _offer_id(value: Any) -> int:
    try:
        return _positive(value, "offer id")
    except queries.QueryError:
        raise queries.QueryError(
            f"offer id {value!r} is not an offer id; give the number from the offer's URL"
        ) from None


class Client:
    """Calls to one gateway as one app, with the user's tokens.

    ``clock`` (seconds since the epoch) drives ``_aop_timestamp``, token expiry
    and pacing, and ``sleep`` the waits: tests inject both so that nothing
    depends on the time of day (the cassette tests freeze the clock).
    """

    def __init__(
        self,
        gateway: str,
        app_key: str,
        app_secret: str,
        access_token: str | None = None,
        refresh_token: str | None = None,
        *,
        session: requests.Session | None = None,
        timeout: float = 30.0,
        qps: float | None = None,
        country: str = "en",
        retries: int = 4,
        backoff: float = 0.5,
        backoff_max: float = 30.0,
        token_file: oauth.TokenFile | None = None,
        tokens: oauth.Tokens | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ):
        if not gateway.startswith(("http://", "https://")):
            raise ValueError(f"OPEN1688_GATEWAY={gateway!r} is not a URL; give e.g. {endpoints.DEFAULT_GATEWAY}")
        if not app_key:
            raise ValueError("OPEN1688_APP_KEY is not set: give the app key from the 1688 console")
        if not app_secret:
            raise ValueError("OPEN1688_APP_SECRET is not set: give the app secret from the 1688 console")
        if qps is not None and qps < 0:
            raise ValueError(f"qps={qps} must not be negative (0 or None: no pacing)")
        self.gateway = gateway.rstrip("/")
        self.app_key = app_key
        self._secret = app_secret
        if tokens is not None and (access_token or refresh_token):
            raise ValueError("give tokens, or access_token/refresh_token, not both")
        if tokens is None and (access_token or refresh_token):
            tokens = oauth.Tokens(access_token=access_token or "", refresh_token=refresh_token or None)
        self._tokens = tokens
        self.token_file = token_file
        self.session = session or requests.Session()
        self.timeout = timeout
        self.country = country
        self.retries = retries
        self.backoff = backoff
        self.backoff_max = backoff_max
        self._interval = 1.0 / qps if qps else 0.0
        self._next_call = 0.0
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None = None, **options: Any) -> Client:
        """From Scrapy settings or any mapping, read as a crawl reads them (``credentials.credential``).

        Names and defaults are the crawl's (``OPEN1688_*``, see
        ``harvester/settings.py``); without ``OPEN1688_ACCESS_TOKEN`` and
        ``OPEN1688_REFRESH_TOKEN`` the tokens come from ``OPEN1688_TOKEN_FILE``
        (written by ``scrapy auth``), and a refresh is saved back to it.
        """

        def get(name: str) -> str:
            return credential(settings, name)

        gateway = str(get("OPEN1688_GATEWAY") or endpoints.DEFAULT_GATEWAY)
        if gateway == "sandbox":
            raise ValueError(
                "OPEN1688_GATEWAY=sandbox only works inside a crawl; start `scrapy sandbox --port 8688` "
                "and set OPEN1688_GATEWAY=http://127.0.0.1:8688 with the credentials it prints"
            )
        token_file = oauth.TokenFile(str(get("OPEN1688_TOKEN_FILE")))
        access, refresh = get("OPEN1688_ACCESS_TOKEN"), get("OPEN1688_REFRESH_TOKEN")
        tokens = None if access or refresh else token_file.load()
        options = {
            "qps": _number(get, "OPEN1688_QPS", float) or None,
            "country": str(get("OPEN1688_COUNTRY")),
            "tokens": tokens,
            "token_file": token_file if tokens is not None else None,
            **options,
        }
        return cls(
            gateway,
            str(get("OPEN1688_APP_KEY") or ""),
            str(get("OPEN1688_APP_SECRET") or ""),
            access or None,
            refresh or None,
            **options,
        )

    @classmethod
    def from_env(cls, **options: Any) -> Client:
        """From ``OPEN1688_*`` environment variables and the token file: the usual way in a notebook."""
        return cls.from_settings(None, **options)

    def __repr__(self) -> str:
        # Never the secret or the tokens: reprs end up in notebooks, logs and tracebacks.
        return f"Client(gateway={self.gateway!r}, app_key={self.app_key!r}, has_token={self.tokens is not None})"

    @property
    def tokens(self) -> oauth.Tokens | None:
        """The tokens in use (a refresh replaces them); their repr shows no values."""
        return self._tokens

    # --- the product APIs -------------------------------------------------------

    def keyword_search(self, keyword: str, page: int = 1, page_size: int = 50, **filters: Any) -> dict[str, Any]:
        """One page of a keyword search: ``{totalRecords, totalPage, pageSize, currentPage, data}``.

        ``filters``: ``price_start``, ``price_end``, ``category_id``, ``sort``
        (``price:asc``), ``filter`` (``shipIn48Hours,isOnePsale``), checked
        as the spiders check them.
        """
        return self._search(endpoints.KEYWORD_SEARCH, _query(filters, keyword=keyword), page, page_size)

    def navigation(
        self, keyword: str, language: str = "en_US", region: str = "US", currency: str = "USD"
    ) -> list[dict[str, Any]]:
        """The search-navigation facets of a keyword (``product.search.keywordSNQuery``): groups of ``{id, name,
        translateName, children}``; a child's id narrows a keyword search (``sn_id``)."""
        params = {"keyword": keyword, "language": language, "region": region, "currency": currency}
        data = self._call(endpoints.KEYWORD_NAVIGATION, {"snParams": params}).data
        return data if isinstance(data, list) else []

    def search_all(
        self, keyword: str, page_size: int = 50, cap: int = 2000, **filters: Any
    ) -> Iterator[dict[str, Any]]:
        """Every item the gateway pages through for one query, page after page, up to its cap.

        The gateway serves at most ``cap`` results per query and reports the
        total capped there, so a total that reaches the cap may hide more:
        a warning says so (narrow the query with ``price_start``/``price_end``
        or ``category_id``, or use ``scrapy crawl keyword``, which splits it).
        ``totalPage`` is not trusted: paging stops at a short page.
        """
        query = _query(filters, keyword=keyword)
        page, served = 1, 0
        while True:
            answer = self._search(endpoints.KEYWORD_SEARCH, query, page, page_size)
            items = answer.get("data") or []
            yield from items
            served += len(items)
            total = int(answer.get("totalRecords") or 0)
            if len(items) < page_size or served >= min(total, cap):
                if total >= cap:
                    logger.warning(
                        "%r: %d matches reach the search cap of %d; there may be more: narrow the query or use "
                        "`scrapy crawl keyword`, which splits it",
                        keyword,
                        total,
                        cap,
                    )
                return
            page += 1

    def image_search(
        self, image_id: str, page: int = 1, page_size: int = 50, keyword: str | None = None, **filters: Any
    ) -> dict[str, Any]:
        """One page of offers that look like an uploaded image (see :meth:`upload_image`)."""
        if not str(image_id or "").strip():
            raise queries.QueryError("image_id is empty: give the id upload_image returned")
        query = _query(filters, image_id=str(image_id), keyword=keyword)
        return self._search(endpoints.IMAGE_SEARCH, query, page, page_size)

    def seller_offers(
        self, seller_open_id: str, page: int = 1, page_size: int = 50, keyword: str | None = None, **filters: Any
    ) -> dict[str, Any]:
        """One page of a seller's offers (``sellerOpenId`` from a product detail)."""
        if not str(seller_open_id or "").strip():
            raise queries.QueryError("seller_open_id is empty: give the sellerOpenId of a product detail")
        query = _query(filters, seller_open_id=str(seller_open_id).strip(), keyword=keyword)
        return self._search(endpoints.SELLER_OFFERS, query, page, page_size)

    def product_detail(self, offer_id: int | str) -> dict[str, Any]:
        """One offer in full (``product.search.queryProductDetail``)."""
        param = {"offerId": _offer_id(offer_id), "country": self.country}
        return self._call(endpoints.PRODUCT_DETAIL, {"offerDetailParam": param}).data

    def product_details(self, offer_ids: Iterable[int | str]) -> tuple[list[dict[str, Any]], dict[int, str]]:
        """The details of many offers, one call each (the platform has no batch detail API), and the ids the
        gateway says do not exist, with what it said (``商品不存在``)."""
        products: list[dict[str, Any]] = []
        missing: dict[int, str] = {}
        for offer_id in dict.fromkeys(_offer_id(value) for value in offer_ids):
            try:
                products.append(self.product_detail(offer_id))
            except GatewayError as error:
                if error.outcome.action is not Action.FAILED or not error.outcome.is_business:
                    raise
                missing[offer_id] = error.outcome.message
        return products, missing

    def upload_image(self, jpeg_bytes: bytes) -> str:
        """Upload a picture for image search; returns its ``imageId``.

        The gateway's size limits are unpublished: ``harvester.inputs.images.prepare``
        makes a photo upright, small enough and JPEG first.
        """
        if not jpeg_bytes:
            raise ValueError("the image is empty: give the bytes of a JPEG file")
        param = {"imageBase64": base64.b64encode(jpeg_bytes).decode("ascii")}
        return str(self._call(endpoints.IMAGE_UPLOAD, {"uploadImageParam": param}).data)

    # --- the enrichment APIs (PROTOCOL.md section 11) ------------------------------

    def freight_estimate(self, offer_id: int | str, to: str, quantity: int = 1) -> dict[str, Any]:
        """China-domestic freight of ``quantity`` pieces of an offer (``product.freight.estimate``) to ``to``: a
        province code or Chinese name (its capital stands for it) or ``province,city,district`` codes."""
        try:
            destination = parse_destination(to)
        except ValueError as error:
            raise queries.QueryError(str(error).replace("freight_to", "to")) from None
        param = queries.freight_param(_offer_id(offer_id), destination, _positive(quantity, "quantity"))
        data = self._call(endpoints.FREIGHT_ESTIMATE, {"productFreightQueryParamsNew": param}).data
        return data if isinstance(data, dict) else {}

    def trend(self, offer_id: int | str, metric: str, start: date, end: date) -> list[dict[str, Any]]:
        """One ``product.analyze.*`` series of an offer, ``[{date, value}]`` a day: ``metric`` ``sell`` (units),
        ``price`` (30-day median price) or ``repurchase``; at most a month, 90 days back (the pages)."""
        if metric not in endpoints.TRENDS:
            raise queries.QueryError(f"metric={metric!r}: use one of {', '.join(endpoints.TRENDS)}")
        endpoint, parameter = endpoints.TRENDS[metric]
        data = self._call(endpoint, {parameter: queries.trend_param(_offer_id(offer_id), start, end)}).data
        return data if isinstance(data, list) else []

    def category(self, category_id: int = 0) -> dict[str, Any]:
        """A category and its children (``alibaba.category.get``; 0: the first level), its ``CategoryInfo``, picked
        from the answer as the categories crawl picks it (``category_info``); ``{}`` when the answer names none."""
        data = self._call(endpoints.CATEGORY, {"categoryID": int(category_id)}).data
        return category_info(data, int(category_id)) or {}

    def category_translation(self, category_id: int, language: str | None = None) -> dict[str, Any]:
        """A category's names in ``language`` (default: the client's country), with its children's
        (``category.translation.getById``), read in the page's table shape and in its sample's."""
        outcome = self._call(
            endpoints.CATEGORY_TRANSLATION, {"language": language or self.country, "categoryId": int(category_id)}
        )
        return translation_model(outcome.data, outcome.document)

    def hot_keywords(self, category_id: int) -> list[dict[str, Any]]:
        """A category's hot search keywords (``product.search.topKeyword``): ``[{seKeyword, seKeywordTranslation}]``,
        the Chinese one to search with."""
        param = queries.top_keyword_param(int(category_id), self.country)
        data = self._call(endpoints.TOP_KEYWORDS, {"topSeKeywordParam": param}).data
        return data if isinstance(data, list) else []

    def current_time(self) -> datetime:
        """The gateway's clock (UTC, to the second): a signed call that needs no token.

        The gateway answers a bare JSON string, ``"20261010164552223+0800"``
        (PROTOCOL.md section 1, measured): the endpoint says so, and
        ``outcomes.classify`` reads it as the answer's data.
        """
        answer = self._call(endpoints.CURRENT_TIME, {}).data
        moment = oauth.parse_gateway_time(answer if isinstance(answer, str) else None)
        if moment is None:
            raise GatewayError(Outcome(Action.FAILED, "bad_time", f"the gateway answered currentTime with {answer!r}"))
        return moment

    # --- calls ------------------------------------------------------------------

    def _search(
        self, endpoint: endpoints.Endpoint, query: queries.SearchQuery, page: int, page_size: int
    ) -> dict[str, Any]:
        param = query.offer_query_param(page=_positive(page, "page"), page_size=page_size, country=self.country)
        data = self._call(endpoint, {"offerQueryParam": param}).data
        return data if isinstance(data, dict) else {}

    def _call(self, endpoint: endpoints.Endpoint, params: Mapping[str, Any]) -> Outcome:
        """Send until the answer is good or final: retries with backoff, one refresh and replay."""
        call = endpoints.build_call(endpoint, params, gateway=self.gateway, app_key=self.app_key)
        attempt = 0
        refreshed = False
        while True:
            outcome = self._attempt(call)
            if outcome.ok:
                return outcome
            if outcome.action is Action.REFRESH_TOKEN and not refreshed and self._can_refresh():
                self._refresh()
                refreshed = True
                continue
            if outcome.action in _RETRYABLE and attempt < self.retries:
                self._sleep(self._delay(attempt, outcome.retry_after))
                attempt += 1
                continue
            if attempt:
                outcome = dataclasses.replace(outcome, message=f"{outcome.message} (gave up after {attempt + 1} tries)")
            raise GatewayError(outcome)

    def _attempt(self, call: endpoints.Call) -> Outcome:
        token = self._access_token() if call.endpoint.needs_token else None
        self._pace()
        form = call.signed_params(secret=self._secret, access_token=token, timestamp_ms=int(self._clock() * 1000))
        try:
            response = self.session.post(call.url, data=form, timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as error:
            kind = type(error).__name__
            return Outcome(
                Action.RETRY,
                kind,
                f"cannot reach {self.gateway} ({kind}); check OPEN1688_GATEWAY and the network",
                status=0,
            )
        return classify(response.status_code, response.content, headers=response.headers, endpoint=call.endpoint)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Full jitter, but never sooner than the gateway asked."""
        return max(self._rng.uniform(0, min(self.backoff_max, self.backoff * 2**attempt)), retry_after or 0.0)

    def _pace(self) -> None:
        if not self._interval:
            return
        wait = self._next_call - self._clock()
        if wait > 0:
            self._sleep(wait)
        self._next_call = max(self._next_call, self._clock()) + self._interval

    # --- tokens -----------------------------------------------------------------

    def _access_token(self) -> str | None:
        """The token to sign with, refreshed first when it is missing or known to have expired."""
        tokens = self._tokens
        if tokens is None:
            return None
        now = datetime.fromtimestamp(self._clock(), UTC)
        if self._can_refresh() and (not tokens.access_token or tokens.expires_within(0, now)):
            self._refresh()
        return self._tokens.access_token if self._tokens else None

    def _can_refresh(self) -> bool:
        return self._tokens is not None and bool(self._tokens.refresh_token)

    def _refresh(self) -> None:
        assert self._tokens is not None
        client = oauth.OAuthClient(
            self.gateway, self.app_key, self._secret, session=self.session, timeout=self.timeout, clock=self._clock
        )
        try:
            self._tokens = client.refresh(self._tokens)
        except GatewayError as error:
            outcome = error.outcome
            raise GatewayError(
                dataclasses.replace(
                    outcome,
                    action=Action.FATAL,
                    message=f"the access token was rejected and the gateway refused to refresh it "
                    f"({outcome.code}): run `scrapy auth` to authorise again",
                )
            ) from None
        if self.token_file is not None:
            self.token_file.save(self._tokens)
