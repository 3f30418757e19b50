"""The product APIs behind the gateway checks: parameters in, business answers out (PROTOCOL.md section 5).

Every answer here is HTTP 200: success, or a business error in the envelope
(``{"result": {"success": false, "code", "message"}}``; at the top level for
``alibaba.cross.productList``, whose success flag lives there). Business
error codes are the sandbox's own (the real ones are unconfirmed):
``INVALID_PARAMETER``, ``OFFER_NOT_FOUND`` (message ``商品不存在``),
``IMAGE_INVALID``, ``IMAGE_TOO_LARGE``, ``IMAGE_NOT_FOUND``. About one call in
five writes ``success`` as a string (``"true"``/``"false"``), chosen by the
call's business parameters so that a replay is answered identically.

Search answers apply the configured cap: ``totalRecords`` is the true number
of matches, ``totalPage`` covers only ``min(total, cap)`` results, the page
that crosses the cap comes back short and pages past it come back with an
empty ``data``. A client learns of the truncation from the answers
(``totalRecords`` beyond ``totalPage * pageSize``), never from a constant.

Search items show the epoch-0 listing (search lags behind the offers, as a
real index does) but leave out offers gone at the current epoch; details
show the current epoch. Rendered items are cached as UTF-8 JSON per (API,
offer, epoch), bounded by size, so a page asked for again costs a join.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import zlib
from collections.abc import Callable, Mapping
from typing import Any

from harvester.open1688 import endpoints, queries, signing

from .answers import Renderer
from .catalogue import Catalogue
from .config import SandboxConfig
from .counters import Counters
from .images import ImageMatch
from .lru import LruCache
from .wire import JSON_TYPE, Answer, dumps

INVALID_PARAMETER = "INVALID_PARAMETER"
OFFER_NOT_FOUND = "OFFER_NOT_FOUND"
IMAGE_INVALID = "IMAGE_INVALID"
IMAGE_TOO_LARGE = "IMAGE_TOO_LARGE"
IMAGE_NOT_FOUND = "IMAGE_NOT_FOUND"
NOT_FOUND_MESSAGE = "商品不存在"
#: Rendered answer items kept, in bytes of UTF-8 JSON.
_FRAGMENT_BYTES = 40_000_000
_PROTOCOL_PARAMS = {signing.SIGNATURE_PARAM, signing.TIMESTAMP_PARAM, signing.ACCESS_TOKEN_PARAM}


class BusinessError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _invalid(message: str) -> BusinessError:
    return BusinessError(INVALID_PARAMETER, message)


def _json_param(params: Mapping[str, str], name: str, kind: type) -> Any:
    text = params.get(name)
    if text is None or not text.strip():
        raise _invalid(f"缺少参数 {name} (missing parameter {name})")
    try:
        value = json.loads(text)
    except ValueError:
        raise _invalid(f"参数 {name} 不是合法的 JSON ({name} is not valid JSON)") from None
    if not isinstance(value, kind):
        raise _invalid(f"参数 {name} 应为 JSON {'对象' if kind is dict else '数组'} ({name} has the wrong JSON type)")
    return value


def _integer(value: Any, name: str, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().lstrip("-").isdigit():
        raise _invalid(f"{name}={value!r} 不是整数 (not an integer)")
    return int(value)


def _optional_keyword(query: Mapping[str, Any]) -> str | None:
    """The ``keyword`` that narrows a seller or image search, if any."""
    keyword = query.get("keyword")
    if keyword in (None, ""):
        return None
    if not isinstance(keyword, str):
        raise _invalid(f"keyword={keyword!r} 应为字符串 (keyword must be a string)")
    return keyword


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


class ProductApis:
    def __init__(self, catalogue: Catalogue, counters: Counters, config: SandboxConfig):
        self._catalogue = catalogue
        self._counters = counters
        self._fragments: LruCache[tuple[str, int, int], bytes] = LruCache(_FRAGMENT_BYTES, weigh=len)
        self._images: LruCache[str, ImageMatch | None] = LruCache(10_000)
        self._renderer = Renderer(catalogue.seed, config.image_host)
        self.config = config
        self._handlers: dict[str, Callable[[Mapping[str, str]], Answer]] = {
            endpoints.KEYWORD_SEARCH.key: self._keyword_search,
            endpoints.IMAGE_SEARCH.key: self._image_search,
            endpoints.SELLER_OFFERS.key: self._seller_offers,
            endpoints.PRODUCT_DETAIL.key: self._detail,
            endpoints.PRODUCT_LIST.key: self._batch_detail,
            endpoints.IMAGE_UPLOAD.key: self._upload,
        }

    def configure(self, config: SandboxConfig, image_host: str) -> None:
        """Take a new configuration; ``image_host`` is the resolved host (the server's own for ``sandbox``)."""
        self.config = config
        if image_host.rstrip("/") != self._renderer.image_host:
            self._renderer = Renderer(self._catalogue.seed, image_host)
            self._fragments.clear()

    def handles(self, endpoint: endpoints.Endpoint) -> bool:
        return endpoint.key in self._handlers

    def call(self, endpoint: endpoints.Endpoint, params: Mapping[str, str]) -> tuple[Answer, str]:
        """The API's answer and its outcome label (``ok`` or the business error code)."""
        try:
            return self._handlers[endpoint.key](params), "ok"
        except BusinessError as error:
            success = self._success(params, False)
            document = {"success": success, "code": error.code, "message": error.message}
            if endpoint.key != endpoints.PRODUCT_LIST.key:
                document = {"result": document}
            return Answer(200, dumps(document)), error.code

    def _success(self, params: Mapping[str, str], value: bool) -> bool | str:
        """``success`` as a bool, or for about one call in five as the string the real gateway sometimes sends."""
        business = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in _PROTOCOL_PARAMS)
        if zlib.crc32(business.encode("utf-8")) % 5 == 0:
            return "true" if value else "false"
        return value

    def _ok(self, params: Mapping[str, str], result_json: bytes) -> Answer:
        success = json.dumps(self._success(params, True)).encode("ascii")
        return Answer(200, b'{"result":{"success":%s,"code":"200","message":null,"result":%s}}' % (success, result_json),
                      JSON_TYPE)

    # --- rendered items, cached -----------------------------------------------

    def _fragment(self, kind: str, offer_id: int, epoch: int) -> bytes:
        """An item rendered as UTF-8 JSON: answers are joined from these bytes, never re-encoded."""
        key = (kind, offer_id, epoch)
        if key in self._fragments:
            return self._fragments[key]
        offer = self._catalogue.offer(offer_id, epoch)
        render = {
            "search": self._renderer.search_item,
            "image": self._renderer.image_search_item,
            "detail": self._renderer.detail,
            "list": self._renderer.product_list_item,
        }[kind]
        return self._fragments.put(key, dumps(render(offer)))

    # --- searches -------------------------------------------------------------

    def _keyword_search(self, params: Mapping[str, str]) -> Answer:
        query = _json_param(params, "offerQueryParam", dict)
        keyword = query.get("keyword")
        if not isinstance(keyword, str) or not keyword.strip():
            raise _invalid("keyword 不能为空 (keyword is required)")
        return self._search_page(params, query, "search", keyword=keyword)

    def _seller_offers(self, params: Mapping[str, str]) -> Answer:
        query = _json_param(params, "offerQueryParam", dict)
        seller = query.get("sellerOpenId")
        if not isinstance(seller, str) or not seller.strip():
            raise _invalid("sellerOpenId 不能为空 (sellerOpenId is required)")
        return self._search_page(params, query, "search", seller_open_id=seller.strip(),
                                 keyword=_optional_keyword(query))

    def _image_search(self, params: Mapping[str, str]) -> Answer:
        query = _json_param(params, "offerQueryParam", dict)
        image_id = query.get("imageId")
        if not isinstance(image_id, (str, int)) or not str(image_id).strip():
            raise _invalid("imageId 不能为空 (imageId is required)")
        if str(image_id) not in self._images:
            raise BusinessError(IMAGE_NOT_FOUND, f"图片不存在 (unknown imageId {image_id})")
        match = self._images[str(image_id)]
        return self._search_page(params, query, "image", image_match=match, image_search=True,
                                 keyword=_optional_keyword(query))

    def _search_page(self, params: Mapping[str, str], query: Mapping[str, Any], kind: str, **subject: Any) -> Answer:
        page = _integer(query.get("beginPage"), "beginPage", 1)
        size = _integer(query.get("pageSize"), "pageSize", 20)
        if page < 1:
            raise _invalid(f"beginPage={page} 必须从 1 开始 (beginPage starts at 1)")
        if not 1 <= size <= self.config.max_page_size:
            raise _invalid(f"pageSize={size} 超出范围 1..{self.config.max_page_size} (pageSize out of range)")
        self._country(query)
        ids = self._catalogue.search(
            keyword_translate=_flag(query.get("keywordTranslate")),
            epoch=self.config.epoch,
            **self._narrowing(query),
            **subject,
        )
        total = len(ids)
        reachable = min(total, self.config.search_cap)
        start = (page - 1) * size
        chunk = ids[start:min(start + size, reachable)] if start < reachable else []
        data = b",".join(self._fragment(kind, offer_id, 0) for offer_id in chunk)
        head = (f'{{"totalRecords":{total},"totalPage":{math.ceil(reachable / size)},"pageSize":{size},'
                f'"currentPage":{page},"data":[').encode("ascii")
        return self._ok(params, head + data + b"]}")

    @staticmethod
    def _country(query: Mapping[str, Any]) -> str:
        country = query.get("country")
        if not isinstance(country, str) or not country.strip():
            raise _invalid("country 不能为空 (country is required, e.g. en)")
        if country.strip().lower() == "zh":
            raise _invalid("country 不支持 zh (zh is not accepted; use en, ja, ko...)")
        return country

    @staticmethod
    def _narrowing(query: Mapping[str, Any]) -> dict[str, Any]:
        """Price band, categories, filters and sort, validated as the client validates them."""
        try:
            price_start = queries.parse_price(query.get("priceStart"), "priceStart")
            price_end = queries.parse_price(query.get("priceEnd"), "priceEnd")
            filters = queries.parse_filters(query.get("filter"))
            sort = query.get("sort")
            if sort not in (None, "") and not isinstance(sort, dict) \
                    and not (isinstance(sort, str) and sort.strip().startswith("{")):
                raise queries.QueryError(f"sort={sort!r} must be a JSON string such as {{\"price\":\"asc\"}}")
            parsed_sort = queries.parse_sort(sort)
        except queries.QueryError as error:
            raise _invalid(str(error)) from None
        if price_start is not None and price_end is not None and price_start > price_end:
            raise _invalid(f"priceStart={price_start} 大于 priceEnd={price_end} (priceStart above priceEnd)")
        categories = []
        if query.get("categoryId") not in (None, ""):
            categories.append(_integer(query.get("categoryId"), "categoryId"))
        for item in str(query.get("categoryIdList") or "").split(","):
            if item.strip():
                categories.append(_integer(item.strip(), "categoryIdList"))
        return {
            "price_start": price_start,
            "price_end": price_end,
            "category_ids": categories,
            "filters": filters,
            "sort": parsed_sort,
        }

    # --- details --------------------------------------------------------------

    def _detail(self, params: Mapping[str, str]) -> Answer:
        query = _json_param(params, "offerDetailParam", dict)
        offer_id = _integer(query.get("offerId"), "offerId")
        self._country(query)
        epoch = self.config.epoch
        index = self._catalogue.live_index(offer_id, epoch)
        if index is None:
            raise BusinessError(OFFER_NOT_FOUND, NOT_FOUND_MESSAGE)
        item = self._fragment("detail", offer_id, epoch)
        self._counters.detail_served(index)
        return self._ok(params, item)

    def _batch_detail(self, params: Mapping[str, str]) -> Answer:
        requested = _json_param(params, "productIdList", list)
        if not requested:
            raise _invalid("productIdList 不能为空 (productIdList is empty)")
        if len(requested) > self.config.detail_batch_max:
            raise _invalid(f"productIdList 最多 {self.config.detail_batch_max} 个 "
                           f"(at most {self.config.detail_batch_max} ids per call, got {len(requested)})")
        offer_ids = list(dict.fromkeys(_integer(item, "productIdList[]") for item in requested))
        epoch = self.config.epoch
        found, missing = [], []
        for offer_id in offer_ids:
            index = self._catalogue.live_index(offer_id, epoch)
            if index is None:
                missing.append(f"{offer_id}:{NOT_FOUND_MESSAGE}")
                continue
            found.append(self._fragment("list", offer_id, epoch))
            self._counters.detail_served(index)
        message = dumps(";".join(missing)) if missing else b"null"
        success = json.dumps(self._success(params, True)).encode("ascii")
        body = b'{"success":%s,"message":%s,"productList":[%s]}' % (success, message, b",".join(found))
        return Answer(200, body, JSON_TYPE)

    # --- images ---------------------------------------------------------------

    def _upload(self, params: Mapping[str, str]) -> Answer:
        query = _json_param(params, "uploadImageParam", dict)
        encoded = query.get("imageBase64")
        if not isinstance(encoded, str) or not encoded.strip():
            raise _invalid("imageBase64 不能为空 (imageBase64 is required)")
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
        return self._ok(params, dumps(image_id))

