"""One normaliser for every shape the APIs answer an offer in.

``queryProductDetail``, ``alibaba.cross.productList`` and the search list
items name the same things differently (``offerId``/``productID``,
``productSkuInfos``/``skuInfos``...) and are all noisy: nulls, numbers as
strings, full-width characters, stray whitespace, duplicate SKUs, relative
image paths. :func:`normalise_offer` maps each to one :class:`Product`
(with its SKUs and seller) or, when nothing usable is left, a
:class:`Reject` that keeps the raw record.

Nothing here raises on bad input and nothing is dropped silently: every
value that is repaired or dropped is reported through the ``note`` callback
as ``repaired/<reason>`` or ``dropped/<reason>`` (the pipeline turns those
into stats). Trimming whitespace and reading numbers out of strings are the
normal case and not reported.

Money never passes through float: strings go straight to ``Decimal``, and a
JSON number that the spider's parser already made a float goes through its
shortest ``repr``, which is the text the API sent. A price that needs more
than four decimals, is not positive or does not fit the money column is
dropped (reported), never rounded.

The code is written for speed (it runs once per offer on the reactor
thread; ``benchmarks/pipeline_throughput.py`` measures it): type checks
instead of exceptions, ``str`` methods instead of regexes, fast paths for
the common well-formed value inlined in the per-SKU loops, and small
bounded caches for the values that repeat across offers (prices, spec
names and values).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any, NamedTuple

from .items import Attribute, PriceRange, Product, RawOffer, Reject, Seller, Sku, SkuAttribute
from .schema import MONEY_MAX_EXCLUSIVE, MONEY_SCALE

#: Receives ``repaired/<reason>`` or ``dropped/<reason>`` once per value concerned.
Note = Callable[[str], None]

#: Where productList's relative image paths live.
IMAGE_BASE_URL = "https://cbu01.alicdn.com/"

_INT64_MAX = 2**63 - 1
_CACHE_MAX = 1 << 16
_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)
_MONEY_LIMIT = Decimal(MONEY_MAX_EXCLUSIVE)
_MONEY_DIGITS = len(str(MONEY_MAX_EXCLUSIVE)) - 1
_ABSOLUTE = ("https://", "http://")

_money_cache: dict[str, Decimal | str] = {}
_fold_cache: dict[str, str] = {}


# --- scalars -----------------------------------------------------------------


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
        hit = _money_cache.get(value)
        if hit is None:
            if len(_money_cache) >= _CACHE_MAX:
                _money_cache.clear()
            hit = _money_cache[value] = _money_from_text(value)
        return hit
    if type(value) is int:
        return _checked_money(Decimal(value))
    if type(value) is float:
        return _checked_money(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return _checked_money(value)
    return "price_type"


def _money(value: Any, note: Note) -> Decimal | None:
    if value is None:
        return None
    if type(value) is str:
        hit = _money_cache.get(value)
        if hit is not None and type(hit) is not str:
            return hit  # type: ignore[return-value]
    parsed = parse_money(value)
    if type(parsed) is str:
        note("dropped/" + parsed)
        return None
    return parsed  # type: ignore[return-value]


def parse_int(value: Any) -> int | None:
    """An int64 from an int, an integral float or a string of digits (``"12"``, ``" 12.0 "``); else None."""
    t = type(value)
    if t is int:
        return value if -_INT64_MAX <= value <= _INT64_MAX else None
    if t is str:
        s = value.strip()
        if len(s) > 20:
            return None
        if s.isdecimal():
            number = int(s)
        elif s[:1] == "-" and s[1:].isdecimal():
            number = int(s)
        else:
            head, dot, tail = s.partition(".")
            if not (dot and head.isdecimal() and (not tail or tail.isdecimal()) and not tail.strip("0")):
                return None
            number = int(head)
        return number if -_INT64_MAX <= number <= _INT64_MAX else None
    if t is float:
        return int(value) if value.is_integer() and abs(value) <= _INT64_MAX else None
    return None


def _int(value: Any, what: str, note: Note) -> int | None:
    if value is None:
        return None
    number = parse_int(value)
    if number is None:
        note("dropped/" + what)
    return number


def _small_int(value: Any, what: str, note: Note) -> int | None:
    """A code or level stored as int32 (quote type, medal level)."""
    number = _int(value, what, note)
    if number is not None and not -(2**31) <= number < 2**31:
        note("dropped/" + what)
        return None
    return number


def _count(value: Any, what: str, note: Note) -> int | None:
    """A quantity (stock, sold...): a negative one is the API's placeholder for unknown."""
    number = _int(value, what, note)
    if number is not None and number < 0:
        note("repaired/negative_" + what)
        return None
    return number


def _number(value: Any) -> float | None:
    t = type(value)
    if t is float or t is int:
        return float(value)
    if t is str:
        s = value.strip()
        if s.replace(".", "", 1).isdecimal():
            return float(s)
    return None


def _score(value: Any, what: str, note: Note) -> float | None:
    if value is None:
        return None
    number = _number(value)
    if number is None or number != number:
        note("dropped/" + what)
        return None
    return number


def _rate(value: Any, what: str, note: Note) -> float | None:
    """A fraction 0..1 from ``"10%"``, ``0.1`` or a bare percentage such as ``12``."""
    if value is None:
        return None
    if type(value) is str and value.rstrip().endswith("%"):
        number = _number(value.rstrip()[:-1])
        number = None if number is None else number / 100
    else:
        number = _number(value)
        if number is not None and 1 < number <= 100:
            note("repaired/" + what + "_percent")
            number /= 100
    if number is None or not 0 <= number <= 1:
        note("dropped/" + what)
        return None
    return number


def _text(value: Any, what: str, note: Note) -> str | None:
    t = type(value)
    if t is str:
        return value.strip() or None
    if value is None:
        return None
    if t is int or t is float:
        return str(value)
    note("dropped/" + what + "_type")
    return None


def fold(text: str) -> str:
    """Trim and NFKC-fold a spec name or value, so ``ＸＬ `` and ``XL`` are the same size."""
    hit = _fold_cache.get(text)
    if hit is None:
        folded = text.strip()
        if not folded.isascii():
            folded = unicodedata.normalize("NFKC", folded).strip()
        if len(_fold_cache) >= _CACHE_MAX:
            _fold_cache.clear()
        hit = _fold_cache[text] = folded
    return hit


def _spec_text(value: Any) -> str | None:
    t = type(value)
    if t is str:
        return fold(value) or None
    if t is int:
        return str(value)
    return None


def absolute_url(path: Any, base: str = IMAGE_BASE_URL) -> str | None:
    """productList gives image paths relative to the CDN; other APIs give absolute or protocol-relative URLs."""
    if type(path) is not str:
        return None
    s = path.strip()
    return _absolute(s, base) if s else None


def _absolute(path: str, base: str) -> str:
    """:func:`absolute_url` of a trimmed, non-empty path; tests its first character before anything that copies."""
    first = path[0]
    if first == "/":
        return "https:" + path if path[1:2] == "/" else base + path.lstrip("/")
    if first == "h" and path.startswith(_ABSOLUTE):
        return path
    return base + path


def _dict(value: Any, what: str, note: Note) -> dict:
    if type(value) is dict:
        return value
    if value is not None:
        note("dropped/" + what + "_type")
    return {}


class _Offer(NamedTuple):
    """What every part of one offer's normalisation needs, passed as one argument."""

    offer_id: int
    image_base: str
    note: Note
    crawl_id: str | None
    fetched_at: datetime


# --- nested parts ------------------------------------------------------------
#
# The loops below run for every image, tier, spec and SKU of every offer: the
# common well-formed value (a str, an int, a price already in the cache) is
# handled inline, and only anything else goes through the general helpers
# above, which do the counting. A Python function call costs about as much
# as handling the value, hence the inlining.


def _images(paths: Any, base: str, note: Note) -> list[str]:
    if type(paths) is not list:
        if paths is not None:
            note("dropped/image_urls_type")
        return []
    urls = []
    for path in paths:
        if type(path) is str:
            s = path.strip()
            if s:
                urls.append(_absolute(s, base))
                continue
        note("dropped/image_url")
    return list(dict.fromkeys(urls)) if len(urls) > 1 else urls


def _price_ranges(raw: Any, note: Note) -> list[PriceRange]:
    if type(raw) is not list:
        if raw is not None:
            note("dropped/price_ranges_type")
        return []
    cached = _money_cache.get
    tiers: dict[int, PriceRange] = {}
    for entry in raw:
        if type(entry) is not dict:
            note("dropped/price_range_type")
            continue
        price = entry.get("price")
        hit = cached(price) if type(price) is str else None
        price = hit if type(hit) is Decimal else _money(price, note)
        if price is None:
            continue
        start = entry.get("startQuantity")
        if type(start) is not int or start < 0:
            start = _count(start, "start_quantity", note)
        if start is None:
            note("repaired/price_range_start")
            start = 1
        if start in tiers:
            note("repaired/duplicate_price_range")
            continue
        promotion = entry.get("promotionPrice")
        if promotion is not None:
            promotion = _money(promotion, note)
        tiers[start] = PriceRange(start, price, promotion)
    if len(tiers) > 1:
        return [tiers[start] for start in sorted(tiers)]
    return list(tiers.values())


def _product_attributes(raw: Any, name_key: str, value_key: str, note: Note) -> list[Attribute]:
    if type(raw) is not list:
        if raw is not None:
            note("dropped/attributes_type")
        return []
    attributes = []
    for entry in raw:
        if type(entry) is not dict:
            note("dropped/attribute_type")
            continue
        name = _text(entry.get(name_key), "attribute_name", note)
        if name is None:
            note("dropped/attribute_name")
            continue
        attributes.append(
            Attribute(
                name,
                _text(entry.get(value_key), "attribute_value", note),
                _text(entry.get("attributeNameTrans"), "attribute_name", note),
                _text(entry.get("valueTrans"), "attribute_value", note),
            )
        )
    return attributes


#: Where a SKU's specs are and what their keys are called: (name, value, translated name, translated value).
_SpecKeys = tuple[str, str, str | None, str | None]
_DETAIL_SPECS: _SpecKeys = ("attributeName", "value", "attributeNameTrans", "valueTrans")
_PRODUCT_LIST_SPECS: _SpecKeys = ("attributeDisplayName", "attributeValue", None, None)
_ATTRIBUTE_ORDER = attrgetter("name", "value")


def spec_key(attributes: list[SkuAttribute]) -> str:
    """The canonical spec of a SKU whose attributes are already folded and sorted by name."""
    if len(attributes) == 1:
        only = attributes[0]
        return f"{only.name}={only.value}"
    if len(attributes) == 2:
        first, second = attributes
        return f"{first.name}={first.value};{second.name}={second.value}"
    return ";".join([f"{a.name}={a.value}" for a in attributes])


def _sku_attributes(raw: list, keys: _SpecKeys, base: str, note: Note) -> list[SkuAttribute]:
    """Folded, trimmed spec attributes sorted by (name, value); ``raw`` is the API's list of specs."""
    attributes = []
    folded = _fold_cache.get
    name_key, value_key, name_trans_key, value_trans_key = keys
    for entry in raw:
        if type(entry) is not dict:
            note("dropped/sku_attribute_type")
            continue
        raw_name = entry.get(name_key)
        raw_value = entry.get(value_key)
        name = folded(raw_name) if type(raw_name) is str else None
        value = folded(raw_value) if type(raw_value) is str else None
        if not name:
            name = _spec_text(raw_name)
        if not value:
            value = _spec_text(raw_value)
        if name is None or value is None:
            note("dropped/sku_attribute")
            continue
        image = entry.get("skuImageUrl")
        if image is not None:
            image = absolute_url(image, base)
        if name_trans_key is None:
            attributes.append(SkuAttribute(name, value, image))
            continue
        name_trans = entry.get(name_trans_key)
        value_trans = entry.get(value_trans_key)  # type: ignore[arg-type]
        attributes.append(
            SkuAttribute(
                name,
                value,
                image,
                None if name_trans is None else _spec_text(name_trans),
                None if value_trans is None else _spec_text(value_trans),
            )
        )
    if len(attributes) == 2:
        first, second = attributes
        if second.name < first.name or (second.name == first.name and second.value < first.value):
            attributes.reverse()
    elif len(attributes) > 2:
        attributes.sort(key=_ATTRIBUTE_ORDER)
    return attributes


def _merge_sku(kept: Sku, duplicate: Sku) -> None:
    """A SKU listed twice: keep the first answer's values and fill its gaps from the second."""
    if kept.sku_id is None:
        kept.sku_id = duplicate.sku_id
    if kept.spec_id is None:
        kept.spec_id = duplicate.spec_id
    if not kept.attributes and duplicate.attributes:
        kept.attributes = duplicate.attributes
        kept.spec_key = duplicate.spec_key
    if kept.price is None:
        kept.price = duplicate.price
    if kept.consign_price is None:
        kept.consign_price = duplicate.consign_price
    if kept.promotion_price is None:
        kept.promotion_price = duplicate.promotion_price
    if kept.stock is None:
        kept.stock = duplicate.stock
    if kept.cargo_number is None:
        kept.cargo_number = duplicate.cargo_number


def _skus(raw: Any, attributes_key: str, keys: _SpecKeys, offer: _Offer) -> list[Sku]:
    offer_id, base, note, crawl_id, fetched_at = offer
    if type(raw) is not list:
        if raw is not None:
            note("dropped/skus_type")
        return []
    cached = _money_cache.get
    by_key: dict[object, Sku] = {}
    for entry in raw:
        if type(entry) is not dict:
            note("dropped/sku_type")
            continue
        attributes = entry.get(attributes_key)
        if type(attributes) is list and attributes:
            attributes = _sku_attributes(attributes, keys, base, note)
        else:
            if attributes is not None and type(attributes) is not list:
                note("dropped/sku_attributes_type")
            attributes = []
        sku_id = entry.get("skuId")
        if type(sku_id) is not int or not 0 < sku_id <= _INT64_MAX:
            sku_id = _int(sku_id, "sku_id", note)
        stock = entry.get("amountOnSale")
        if type(stock) is str and stock.isdecimal() and len(stock) < 19:
            stock = int(stock)
        elif type(stock) is not int or not 0 <= stock <= _INT64_MAX:
            stock = _count(stock, "stock", note)
        spec_id = entry.get("specId")
        if type(spec_id) is str:
            spec_id = spec_id.strip() or None
        elif spec_id is not None:
            spec_id = _text(spec_id, "spec_id", note)
        price = entry.get("price")
        if price is not None:
            hit = cached(price) if type(price) is str else None
            price = hit if type(hit) is Decimal else _money(price, note)
        consign = entry.get("consignPrice")
        if consign is not None:
            hit = cached(consign) if type(consign) is str else None
            consign = hit if type(hit) is Decimal else _money(consign, note)
        promotion = entry.get("promotionPrice")
        if promotion is not None:
            promotion = _money(promotion, note)
        cargo = entry.get("cargoNumber")
        if cargo is not None:
            cargo = (cargo.strip() or None) if type(cargo) is str else _text(cargo, "cargo_number", note)
        key = spec_key(attributes) if attributes else ""
        sku = Sku(
            offer_id, sku_id, spec_id, key, attributes, price, consign, promotion, stock, cargo, crawl_id, fetched_at
        )
        dedupe: object = sku_id if sku_id is not None else (spec_id or "spec:" + key)
        kept = by_key.get(dedupe)
        if kept is None:
            by_key[dedupe] = sku
        else:
            note("repaired/duplicate_sku")
            _merge_sku(kept, sku)
    return list(by_key.values())


def _seller(open_id: str | None, company: str | None, info: Any, note: Note) -> Seller | None:
    if open_id is None:
        return None
    data = _dict(info, "seller_data", note)
    if not data:
        return Seller(open_id, company)
    return Seller(
        open_id,
        company,
        _small_int(data.get("tradeMedalLevel"), "trade_medal_level", note),
        _score(data.get("compositeServiceScore"), "seller_score", note),
        _score(data.get("logisticsExperienceScore"), "seller_score", note),
        _score(data.get("disputeComplaintScore"), "seller_score", note),
        _score(data.get("offerExperienceScore"), "seller_score", note),
        _score(data.get("consultingExperienceScore"), "seller_score", note),
        _score(data.get("afterSalesExperienceScore"), "seller_score", note),
        _rate(data.get("repeatPurchasePercent"), "repeat_purchase_rate", note),
    )


# --- the three shapes --------------------------------------------------------


def _from_detail(data: dict, offer: _Offer) -> tuple[Product, list[Sku], list[PriceRange]]:
    """queryProductDetail's ``result.result``."""
    note = offer.note
    sale = _dict(data.get("productSaleInfo"), "sale_info", note)
    unit = _dict(sale.get("unitInfo"), "unit_info", note)
    image = _dict(data.get("productImage"), "image", note)
    ranges = _price_ranges(sale.get("priceRangeList"), note)
    skus = _skus(data.get("productSkuInfos"), "skuAttributes", _DETAIL_SPECS, offer)
    open_id = _text(data.get("sellerOpenId"), "seller_open_id", note)
    company = _text(data.get("companyName"), "company_name", note)
    product = Product(
        offer.offer_id,
        title=_text(data.get("subject"), "title", note),
        title_translated=_text(data.get("subjectTrans"), "title", note),
        category_id=_int(data.get("categoryId"), "category_id", note),
        category_name=_text(data.get("categoryName"), "category_name", note),
        seller_open_id=open_id,
        company_name=company,
        min_order_quantity=_count(data.get("minOrderQuantity"), "min_order_quantity", note),
        unit=_text(unit.get("unit"), "unit", note),
        stock=_count(sale.get("amountOnSale"), "stock", note),
        month_sold=_count(data.get("monthSold"), "month_sold", note),
        repurchase_rate=_rate(data.get("repurchaseRate"), "repurchase_rate", note),
        image_urls=_images(image.get("images"), offer.image_base, note),
        attributes=_product_attributes(data.get("productAttribute"), "attributeName", "value", note),
        description=_text(data.get("description"), "description", note),
        unit_translated=_text(unit.get("transUnit"), "unit", note),
        quote_type=_small_int(sale.get("quoteType"), "quote_type", note),
        status=_text(data.get("status"), "status", note),
        seller=_seller(open_id, company, data.get("sellerDataInfo"), note),
    )
    return product, skus, ranges


def _from_product_list(data: dict, offer: _Offer) -> tuple[Product, list[Sku], list[PriceRange]]:
    """One element of alibaba.cross.productList's ``productList``."""
    note = offer.note
    sale = _dict(data.get("saleInfo"), "sale_info", note)
    image = _dict(data.get("image"), "image", note)
    ranges = _price_ranges(sale.get("priceRanges"), note)
    skus = _skus(data.get("skuInfos"), "attributes", _PRODUCT_LIST_SPECS, offer)
    open_id = _text(data.get("sellerOpenId"), "seller_open_id", note)
    company = _text(data.get("companyName"), "company_name", note)
    product = Product(
        offer.offer_id,
        title=_text(data.get("subject"), "title", note),
        title_translated=_text(data.get("subjectTrans"), "title", note),
        category_id=_int(data.get("categoryID"), "category_id", note),
        category_name=_text(data.get("categoryName"), "category_name", note),
        seller_open_id=open_id,
        company_name=company,
        min_order_quantity=_count(sale.get("minOrderQuantity"), "min_order_quantity", note),
        unit=_text(sale.get("unit"), "unit", note),
        stock=_count(sale.get("amountOnSale"), "stock", note),
        month_sold=_count(data.get("monthSold"), "month_sold", note),
        repurchase_rate=_rate(data.get("repurchaseRate"), "repurchase_rate", note),
        image_urls=_images(image.get("images"), offer.image_base, note),
        attributes=_product_attributes(data.get("attributes"), "attributeName", "value", note),
        description=_text(data.get("description"), "description", note),
        quote_type=_small_int(sale.get("quoteType"), "quote_type", note),
        supplier_login_id=_text(data.get("supplierLoginId"), "supplier_login_id", note),
        status=_text(data.get("status"), "status", note),
        seller=_seller(open_id, company, data.get("sellerDataInfo"), note),
    )
    return product, skus, ranges


def _from_search_item(data: dict, offer: _Offer) -> tuple[Product, list[Sku], list[PriceRange]]:
    """A search list item standing in for a detail that could not be had: one price, no SKUs, no tiers."""
    note = offer.note
    price_info = _dict(data.get("priceInfo"), "price_info", note)
    category = None
    for key in ("thirdCategoryId", "secondCategoryId", "topCategoryId"):
        category = _int(data.get(key), "category_id", note)
        if category:
            break
    image = absolute_url(data.get("imageUrl"), offer.image_base)
    product = Product(
        offer.offer_id,
        title=_text(data.get("subject"), "title", note),
        title_translated=_text(data.get("subjectTrans"), "title", note),
        category_id=category or None,
        company_name=_text(data.get("companyName"), "company_name", note),
        min_order_quantity=_count(data.get("minOrderQuantity"), "min_order_quantity", note),
        month_sold=_count(data.get("monthSold"), "month_sold", note),
        repurchase_rate=_rate(data.get("repurchaseRate"), "repurchase_rate", note),
        image_urls=[image] if image else [],
    )
    price = _money(price_info.get("price"), note)
    skus = []
    if price is not None:
        skus.append(
            Sku(
                offer.offer_id,
                None,
                None,
                "",
                [],
                price,
                _money(price_info.get("consignPrice"), note),
                _money(price_info.get("promotionPrice"), note),
                crawl_id=offer.crawl_id,
                crawled_at=offer.fetched_at,
            )
        )
    return product, skus, []


_SHAPES: dict[str, Callable[[dict, _Offer], tuple[Product, list[Sku], list[PriceRange]]]] = {
    "product_detail": _from_detail,
    "batch_detail": _from_product_list,
    "keyword_search": _from_search_item,
    "image_search": _from_search_item,
    "seller_offers": _from_search_item,
}
_OFFER_ID_KEYS = {"product_detail": "offerId", "batch_detail": "productID"}


# --- the whole offer ---------------------------------------------------------


def _reject(raw: RawOffer, reason: str, crawl_id: str | None) -> Reject:
    text = json.dumps(raw.data, ensure_ascii=False, separators=(",", ":"), default=str)
    return Reject(text, raw.source_api, reason, raw.fetched_at, crawl_id)


def _merge_search_item(product: Product, item: Any, note: Note) -> None:
    """Search list items carry what productList lacks: sales figures and the translated title."""
    if type(item) is not dict:
        return
    if product.title_translated is None:
        product.title_translated = _text(item.get("subjectTrans"), "title", note)
    if product.month_sold is None:
        product.month_sold = _count(item.get("monthSold"), "month_sold", note)
    if product.repurchase_rate is None:
        product.repurchase_rate = _rate(item.get("repurchaseRate"), "repurchase_rate", note)


def _apply_seller_hint(product: Product, hint: Any, note: Note) -> None:
    """Fill the seller fields an answer lacks (productList has only the login id) from what a probe learnt."""
    if type(hint) is not dict:
        return
    if product.seller_open_id is None:
        product.seller_open_id = _text(hint.get("sellerOpenId"), "seller_open_id", note)
    if product.company_name is None:
        product.company_name = _text(hint.get("companyName"), "company_name", note)
    if product.supplier_login_id is None:
        product.supplier_login_id = _text(hint.get("supplierLoginId"), "supplier_login_id", note)
    if product.seller is not None and product.seller.supplier_login_id is None:
        product.seller.supplier_login_id = product.supplier_login_id


def normalise_offer(
    raw: RawOffer, note: Note, *, crawl_id: str | None = None, image_base: str = IMAGE_BASE_URL
) -> Product | Reject:
    """Map one raw offer of any shape to a Product (with ``skus`` and ``seller``), or a Reject saying why not.

    ``price_min``/``price_max`` span both the SKU prices and the tier prices
    (an offer priced by quantity has tiers and price-less SKUs; one priced by
    spec has the opposite). An offer without SKUs gets one implicit SKU row
    with an empty ``spec_key`` and the lowest tier price. ``stock`` falls back
    to the sum of the SKU stocks when the offer-level figure is missing.
    """
    shape = _SHAPES.get(raw.source_api)
    if shape is None:
        return _reject(raw, "unknown_source_api", crawl_id)
    data = raw.data
    if type(data) is not dict:
        return _reject(raw, "not_an_object", crawl_id)
    offer_id = data.get(_OFFER_ID_KEYS.get(raw.source_api, "offerId"))
    if type(offer_id) is not int:
        offer_id = parse_int(offer_id)
    if offer_id is None or not 0 < offer_id <= _INT64_MAX:
        return _reject(raw, "no_offer_id", crawl_id)

    fetched_at = raw.fetched_at
    product, skus, ranges = shape(data, _Offer(offer_id, image_base, note, crawl_id, fetched_at))
    if raw.listing is not None and raw.listing is not data:
        _merge_search_item(product, raw.listing, note)

    prices = [r.price for r in ranges]
    prices += [s.price for s in skus if s.price is not None]
    if not prices:
        return _reject(raw, "no_price", crawl_id)
    product.price_min = min(prices)
    product.price_max = max(prices)
    product.price_ranges = ranges
    if skus:
        implicit = len(skus) == 1 and not skus[0].spec_key and skus[0].sku_id is None
        product.sku_count = 0 if implicit else len(skus)
        if product.stock is None:
            stocks = [s.stock for s in skus if s.stock is not None]
            if stocks:
                product.stock = sum(stocks)
    else:
        price, stock = product.price_min, product.stock
        skus = [Sku(offer_id, None, None, "", [], price, None, None, stock, None, crawl_id, fetched_at)]
    if product.min_order_quantity is None and ranges:
        product.min_order_quantity = ranges[0].start_quantity

    product.source_api = raw.source_api
    product.query = raw.query
    product.search_rank = raw.rank
    product.found_by = raw.found_by
    product.crawl_id = crawl_id
    product.crawled_at = fetched_at
    product.skus = skus
    if product.seller is not None:
        product.seller.crawl_id = crawl_id
        product.seller.crawled_at = fetched_at
    return product
