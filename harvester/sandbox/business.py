"""The product APIs behind the gateway checks: parameters in, business answers out, each in its page's envelope.

Every answer here is HTTP 200: success, or a business error in the API's
own envelope (:mod:`envelopes`; PROTOCOL.md section 4): ``result{success,
code, message, result}`` for most, ``success`` a String for imageQuery and
image.upload; ``retCode``/``retMsg`` for keywordSNQuery; ``{success,
message, productList}`` at the top for alibaba.cross.productList. The
enrichment APIs (freight, trends, categories, hot keywords) are
:mod:`enrichment`'s, dispatched from here so that every product API is
answered, counted and faulted the same way.

Business error codes are the sandbox's own (the pages document none):
``INVALID_PARAMETER``, ``OFFER_NOT_FOUND`` (message ``商品不存在``),
``IMAGE_INVALID``, ``IMAGE_TOO_LARGE``, ``IMAGE_NOT_FOUND``.

Searches apply the configured cap. With more matches than ``search_cap``,
``totalRecords`` says the cap (``report_capped_total``, as a relayed real
answer did: total 2000, pages 41 at size 50; off, the true number, the
sandbox's old habit), ``totalPage`` is ``min(ceil(true / size), cap // size + 1)``
(41 for 2,000 at 50: the relayed answer's count, one more than the cap
fills), the page that crosses the cap comes back short and pages past it
empty. A client learns of a truncation from ``totalRecords`` at the cap,
never from ``totalPage``. The paging numbers are Integers by the pages and
strings in the relayed answer: about one call in four sends them as strings.

Search items show the offer as it is at the current epoch (price, stock,
``modifyDate``...), but filters, sorting and counts read the epoch-0 listing
(search lags behind the offers, as a real index does) and leave out offers
gone by now: past epoch 0 an item found in a price band may show a price
that has since left it. Details show the current epoch. Rendered items are
cached as UTF-8 JSON per (API, offer, epoch, currency), bounded by size, so
a page asked for again costs a join.

``alibaba.cross.productList`` answers only the offers in ``listed_offers``
(the app's cross-border listing relation); every other id fails in
``message`` as ``574325651XXX:商品不存在``, comma-separated, as the page shows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from harvester.open1688 import endpoints

from . import envelopes
from . import params as read
from .answers import Renderer
from .catalogue import Catalogue
from .config import SandboxConfig
from .counters import Counters
from .enrichment import EnrichmentApis
from .facets import child_id, child_name
from .images import ImageMatch
from .lru import LruCache
from .params import NOT_FOUND_MESSAGE, OFFER_NOT_FOUND, BusinessError, invalid
from .wire import JSON_TYPE, Answer, dumps

IMAGE_INVALID = "IMAGE_INVALID"
IMAGE_TOO_LARGE = "IMAGE_TOO_LARGE"
IMAGE_NOT_FOUND = "IMAGE_NOT_FOUND"
#: Rendered answer items kept, in bytes of UTF-8 JSON.
_FRAGMENT_BYTES = 40_000_000
#: The whole picture, as ``picRegionInfo`` writes regions (the sandbox's images are 400 pixels square).
_WHOLE_PICTURE = "0,400,0,400"


class ProductApis:
    def __init__(self, catalogue: Catalogue, counters: Counters, config: SandboxConfig):
        self._catalogue = catalogue
        self._counters = counters
        self._fragments: LruCache[tuple[str, int, int, str | None], bytes] = LruCache(_FRAGMENT_BYTES, weigh=len)
        self._images: LruCache[str, ImageMatch | None] = LruCache(10_000)
        self._renderer = Renderer(
            catalogue.seed, config.image_host, config.video_host, config.sold_out_sales, config.sparse_listing_share
        )
        self.config = config
        self._listed = frozenset(config.listed_offers)
        self._handlers: dict[str, Callable[[Mapping[str, str]], Answer]] = {
            endpoints.KEYWORD_SEARCH.key: self._keyword_search,
            endpoints.KEYWORD_NAVIGATION.key: self._navigation,
            endpoints.IMAGE_SEARCH.key: self._image_search,
            endpoints.SELLER_OFFERS.key: self._seller_offers,
            endpoints.PRODUCT_DETAIL.key: self._detail,
            endpoints.PRODUCT_LIST.key: self._product_list,
            endpoints.IMAGE_UPLOAD.key: self._upload,
        }
        self._enrichment = EnrichmentApis(catalogue, config)
        self._handlers.update(self._enrichment.handlers)

    def configure(self, config: SandboxConfig, image_host: str, video_host: str) -> None:
        """Take a new configuration; the hosts are resolved (the server's own for ``sandbox``)."""
        self.config = config
        self._enrichment.config = config
        self._listed = frozenset(config.listed_offers)
        renderer = self._renderer
        if (
            (image_host.rstrip("/"), video_host.rstrip("/")) != (renderer.image_host, renderer.video_host)
            or config.sold_out_sales != renderer.sold_out_sales
            or config.sparse_listing_share != renderer.sparse_listing_share
        ):
            self._renderer = Renderer(
                self._catalogue.seed, image_host, video_host, config.sold_out_sales, config.sparse_listing_share
            )
            self._fragments.clear()

    def handles(self, endpoint: endpoints.Endpoint) -> bool:
        return endpoint.key in self._handlers

    def call(self, endpoint: endpoints.Endpoint, params: Mapping[str, str]) -> tuple[Answer, str]:
        """The API's answer and its outcome label (``ok`` or the business error code)."""
        try:
            return self._handlers[endpoint.key](params), "ok"
        except BusinessError as error:
            envelope = envelopes.of(endpoint, self.config.category_translation_shape)
            return envelopes.error(envelope, params, error.code, error.message), error.code

    @staticmethod
    def _ok(endpoint: endpoints.Endpoint, params: Mapping[str, str], result_json: bytes) -> Answer:
        return envelopes.ok(envelopes.of(endpoint), params, result_json)

    # --- rendered items, cached -----------------------------------------------

    def _fragment(self, kind: str, offer_id: int, epoch: int, currency: str | None = None) -> bytes:
        """An item rendered as UTF-8 JSON: answers are joined from these bytes, never re-encoded."""
        key = (kind, offer_id, epoch, currency)
        if key in self._fragments:
            return self._fragments[key]
        offer = self._catalogue.offer(offer_id, epoch)
        renderer = self._renderer
        if kind == "detail":
            document = renderer.detail(offer, currency)
        else:
            document = {
                "search": renderer.search_item,
                "image": renderer.image_search_item,
                "seller": renderer.seller_item,
                "list": renderer.product_list_item,
            }[kind](offer)
        return self._fragments.put(key, dumps(document))

    # --- searches -------------------------------------------------------------

    def _keyword_search(self, params: Mapping[str, str]) -> Answer:
        query = read.json_param(params, "offerQueryParam", dict)
        keyword = read.text(query, "keyword", required=True)
        start, end = read.price_band(query)
        return self._search_page(
            endpoints.KEYWORD_SEARCH,
            params,
            query,
            "search",
            keyword=keyword,
            keyword_translate=read.flag(query.get("keywordTranslate")),
            price_start=start,
            price_end=end,
            category_ids=read.categories(query, with_list=True),
            facet=read.facet(query),
            sales=read.sale_ranges(query),
        )

    def _seller_offers(self, params: Mapping[str, str]) -> Answer:
        query = read.json_param(params, "offerQueryParam", dict)
        seller = read.text(query, "sellerOpenId", required=True)
        start, end = read.price_band(query)
        return self._search_page(
            endpoints.SELLER_OFFERS,
            params,
            query,
            "seller",
            seller_open_id=seller,
            keyword=read.text(query, "keyword"),
            price_start=start,
            price_end=end,
            category_ids=read.categories(query, with_list=False),
        )

    def _image_search(self, params: Mapping[str, str]) -> Answer:
        query = read.json_param(params, "offerQueryParam", dict)
        match = self._image_match(query)
        start, end = read.price_band(query)
        region = read.text(query, "region") or _WHOLE_PICTURE
        return self._search_page(
            endpoints.IMAGE_SEARCH,
            params,
            query,
            "image",
            image_match=match,
            image_search=True,
            keyword=read.text(query, "keyword"),
            keyword_translate=read.flag(query.get("keywordTranslate")),
            price_start=start,
            price_end=end,
            category_ids=read.categories(query, with_list=False),
            extra=b',"picRegionInfo":' + dumps({"currentRegion": region, "yoloCropRegion": _WHOLE_PICTURE}),
        )

    def _image_match(self, query: Mapping[str, Any]) -> ImageMatch | None:
        """What an image search looks for: an uploaded ``imageId``, or a 1688 image link in ``imageAddress``."""
        image_id = query.get("imageId")
        if image_id in (None, ""):
            address = read.text(query, "imageAddress")
            if address is None:
                raise invalid("imageId 不能为空 (imageId is required, or a 1688 image link in imageAddress)")
            decoded = self._catalogue.image_paths.decode(address)
            if decoded is None or decoded[0] >= self._catalogue.size:
                return None
            return ImageMatch(decoded[0], 0)
        if not isinstance(image_id, (str, int)) or isinstance(image_id, bool) or not str(image_id).strip():
            raise invalid(f"imageId={image_id!r} 应为字符串 (imageId must be the id product.image.upload gave)")
        if str(image_id) not in self._images:
            raise BusinessError(IMAGE_NOT_FOUND, f"图片不存在 (unknown imageId {image_id})")
        return self._images[str(image_id)]

    def _search_page(
        self,
        endpoint: endpoints.Endpoint,
        params: Mapping[str, str],
        query: Mapping[str, Any],
        kind: str,
        extra: bytes = b"",
        **subject: Any,
    ) -> Answer:
        page = read.integer(query.get("beginPage"), "beginPage", 1)
        size = read.integer(query.get("pageSize"), "pageSize", 20)
        if page < 1:
            raise invalid(f"beginPage={page} 必须从 1 开始 (beginPage starts at 1)")
        if not 1 <= size <= self.config.max_page_size:
            raise invalid(f"pageSize={size} 超出范围 1..{self.config.max_page_size} (pageSize out of range)")
        read.country(query)
        ids = self._catalogue.search(
            filters=read.filters(query),
            sort=read.sort(query),
            epoch=self.config.epoch,
            sales_inclusive=self.config.sale_filter_inclusive,
            **subject,
        )
        total = len(ids)
        cap = self.config.search_cap
        reachable = min(total, cap)
        start = (page - 1) * size
        chunk = ids[start : min(start + size, reachable)] if start < reachable else []
        epoch = self.config.epoch
        data = b",".join(self._fragment(kind, offer_id, epoch) for offer_id in chunk)
        if self.config.report_capped_total:
            records, pages = reachable, min(math.ceil(total / size), cap // size + 1)
        else:
            records, pages = total, math.ceil(reachable / size)
        paging = {"totalRecords": records, "totalPage": pages, "pageSize": size, "currentPage": page}
        if envelopes.draw(params) >> 8 & 3 == 0:
            paging = {key: str(value) for key, value in paging.items()}
        head = dumps(paging)[:-1] + b',"data":['
        return self._ok(endpoint, params, head + data + b"]" + extra + b"}")

    def _navigation(self, params: Mapping[str, str]) -> Answer:
        query = read.json_param(params, "snParams", dict)
        keyword = read.text(query, "keyword", required=True)
        for name in ("language", "region", "currency"):
            read.text(query, name, required=True)
        navigation = self._catalogue.navigation(keyword)
        result = [
            {
                "id": nav.id,
                "name": nav.name,
                "translateName": nav.translate_name,
                "children": [
                    {"id": child_id(nav, value), "name": value, "translateName": child_name(nav, value)}
                    for value in values
                ],
            }
            for nav, values in navigation
        ]
        return self._ok(endpoints.KEYWORD_NAVIGATION, params, dumps(result))

    # --- details --------------------------------------------------------------

    def _detail(self, params: Mapping[str, str]) -> Answer:
        query = read.json_param(params, "offerDetailParam", dict)
        offer_id = read.integer(query.get("offerId"), "offerId")
        read.country(query)
        currency = read.text(query, "currency")
        epoch = self.config.epoch
        index = self._catalogue.live_index(offer_id, epoch)
        if index is None:
            raise BusinessError(OFFER_NOT_FOUND, NOT_FOUND_MESSAGE)
        item = self._fragment("detail", offer_id, epoch, currency.upper() if currency else None)
        self._counters.detail_served(index)
        return self._ok(endpoints.PRODUCT_DETAIL, params, item)

    def _product_list(self, params: Mapping[str, str]) -> Answer:
        requested = read.json_param(params, "productIdList", list)
        if not requested:
            raise invalid("productIdList 不能为空 (productIdList is empty)")
        if len(requested) > self.config.detail_batch_max:
            raise invalid(
                f"productIdList 最多 {self.config.detail_batch_max} 个 "
                f"(at most {self.config.detail_batch_max} ids per call, got {len(requested)})"
            )
        offer_ids = list(dict.fromkeys(read.integer(item, "productIdList[]") for item in requested))
        epoch = self.config.epoch
        found, missing = [], []
        for offer_id in offer_ids:
            if offer_id not in self._listed or self._catalogue.live_index(offer_id, epoch) is None:
                missing.append(f"{offer_id}:{NOT_FOUND_MESSAGE}")
                continue
            found.append(self._fragment("list", offer_id, epoch))
        message = dumps(",".join(missing)) if missing else b"null"
        success = json.dumps(envelopes.success(envelopes.PRODUCT_LIST, params, True)).encode("ascii")
        body = b'{"productList":[%s],"success":%s,"message":%s}' % (b",".join(found), success, message)
        return Answer(200, body, JSON_TYPE)

    # --- images ---------------------------------------------------------------

    def _upload(self, params: Mapping[str, str]) -> Answer:
        query = read.json_param(params, "uploadImageParam", dict)
        encoded = read.text(query, "imageBase64", required=True)
        assert encoded is not None
        if encoded.startswith("data:") and "," in encoded:
            encoded = encoded.split(",", 1)[1]
        if len(encoded) * 3 // 4 > self.config.upload_max_bytes + 3:
            raise BusinessError(IMAGE_TOO_LARGE, f"图片超过 {self.config.upload_max_bytes} 字节 (image too large)")
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise BusinessError(IMAGE_INVALID, "imageBase64 不是合法的 base64 (not base64)") from None
        if len(data) > self.config.upload_max_bytes:
            raise BusinessError(IMAGE_TOO_LARGE, f"图片超过 {self.config.upload_max_bytes} 字节 (image too large)")
        try:
            match = self._catalogue.match_image(data)
        except ValueError:
            raise BusinessError(IMAGE_INVALID, "无法识别的图片 (not an image)") from None
        image_id = str(int.from_bytes(hashlib.blake2b(data, digest_size=7).digest(), "big"))
        self._images.put(image_id, match)
        return self._ok(endpoints.IMAGE_UPLOAD, params, dumps(image_id))
