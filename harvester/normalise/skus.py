"""queryProductDetail's SKUs: specs folded into a canonical key, duplicates merged, packages and channel
prices joined on by SKU id.

The per-SKU loop is the normaliser's hottest: the common well-formed value
(a str, an int, a price already in the cache) is handled inline, anything
else goes through the parsers of :mod:`.scalars`, which do the counting.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from ..items import Sku, SkuAttribute
from .scalars import (
    INT64_MAX,
    Note,
    count,
    fold_cache,
    fraction,
    integer,
    measure,
    money,
    money_cache,
    parse_int,
    resolve,
    spec_text,
    text,
)

#: SKU fields a duplicate's value may fill when the first answer left them empty.
_MERGED = (
    "sku_id", "spec_id", "price", "consign_price", "promotion_price", "stock", "cargo_number", "retail_price",
    "one_piece_price", "distribution_price",
)  # fmt: skip


class OfferContext(NamedTuple):
    """What every part of one offer's normalisation needs, passed as one argument."""

    offer_id: int
    image_base: str
    note: Note
    crawl_id: str | None
    fetched_at: datetime


def spec_key(attributes: list[SkuAttribute]) -> str:
    """The canonical spec of a SKU whose attributes are already folded and sorted by name."""
    if len(attributes) == 1:
        only = attributes[0]
        return f"{only.name}={only.value}"
    if len(attributes) == 2:
        first, second = attributes
        return f"{first.name}={first.value};{second.name}={second.value}"
    return ";".join([f"{a.name}={a.value}" for a in attributes])


def sku_attributes(raw: list, base: str, note: Note) -> tuple[list[SkuAttribute], list, list]:
    """Folded, trimmed specs sorted by (name, value), and beside them each one's ``attributeId`` and translated
    picture; ``raw`` is a SKU's ``skuAttributes``."""
    attributes = []
    ids: list[int | None] = []
    images_trans: list[str | None] = []
    folded = fold_cache.get
    for entry in raw:
        if type(entry) is not dict:
            note("dropped/sku_attribute_type")
            continue
        raw_name = entry.get("attributeName")
        raw_value = entry.get("value")
        name = folded(raw_name) if type(raw_name) is str else None
        value = folded(raw_value) if type(raw_value) is str else None
        if not name:
            name = spec_text(raw_name)
        if not value:
            value = spec_text(raw_value)
        if name is None or value is None:
            note("dropped/sku_attribute")
            continue
        image = entry.get("skuImageUrl")
        if image is not None:
            s = image.strip() if type(image) is str else None
            image = resolve(s, base) if s else None
            if image is None and s != "":
                note("dropped/sku_image_url")
        image_trans = entry.get("skuImageUrlTrans")
        if image_trans is not None:
            s = image_trans.strip() if type(image_trans) is str else None
            image_trans = resolve(s, base) if s else None
            if image_trans is None and s != "":
                note("dropped/sku_image_url")
        name_trans = entry.get("attributeNameTrans")
        if name_trans is not None:
            hit = folded(name_trans) if type(name_trans) is str else None
            name_trans = hit if hit else spec_text(name_trans)
        value_trans = entry.get("valueTrans")
        if value_trans is not None:
            hit = folded(value_trans) if type(value_trans) is str else None
            value_trans = hit if hit else spec_text(value_trans)
        attribute_id = entry.get("attributeId")
        if type(attribute_id) is not int:
            if type(attribute_id) is str and attribute_id.isdecimal() and len(attribute_id) < 19:
                attribute_id = int(attribute_id)
            else:
                attribute_id = integer(attribute_id, "sku_attribute_id", note)
        attributes.append(SkuAttribute(name, value, image, name_trans, value_trans))
        ids.append(attribute_id)
        images_trans.append(image_trans)
    if len(attributes) == 2:
        first, second = attributes
        if second.name < first.name or (second.name == first.name and second.value < first.value):
            attributes.reverse()
            ids.reverse()
            images_trans.reverse()
    elif len(attributes) > 2:
        order = sorted(range(len(attributes)), key=lambda i: (attributes[i].name, attributes[i].value))
        attributes = [attributes[i] for i in order]
        ids = [ids[i] for i in order]
        images_trans = [images_trans[i] for i in order]
    return attributes, ids, images_trans


def _merge(kept: Sku, duplicate: Sku) -> None:
    """A SKU listed twice: keep the first answer's values and fill its gaps from the second."""
    for name in _MERGED:
        if getattr(kept, name) is None:
            setattr(kept, name, getattr(duplicate, name))
    if not kept.attributes and duplicate.attributes:
        kept.attributes = duplicate.attributes
        kept.spec_key = duplicate.spec_key
        kept.attribute_ids = duplicate.attribute_ids
        kept.attribute_image_urls_translated = duplicate.attribute_image_urls_translated


def _price(value: Any, note: Note) -> Decimal | None:
    if value is None:
        return None
    hit = money_cache.get(value) if type(value) is str else None
    return hit if type(hit) is Decimal else money(value, note)  # type: ignore[return-value]


def skus(raw: Any, offer: OfferContext) -> list[Sku]:
    """``productSkuInfos`` as SKU rows, one per SKU (same ``skuId``, else ``specId``, else spec: merged)."""
    offer_id, base, note, crawl_id, fetched_at = offer
    if type(raw) is not list:
        if raw is not None:
            note("dropped/skus_type")
        return []
    cached = money_cache.get
    by_key: dict[object, Sku] = {}
    for entry in raw:
        if type(entry) is not dict:
            note("dropped/sku_type")
            continue
        attributes = entry.get("skuAttributes")
        if type(attributes) is list and attributes:
            attributes, ids, images_trans = sku_attributes(attributes, base, note)
        else:
            if attributes is not None and type(attributes) is not list:
                note("dropped/sku_attributes_type")
            attributes, ids, images_trans = [], [], []
        sku_id = entry.get("skuId")
        if type(sku_id) is str and sku_id.isdecimal() and len(sku_id) < 19:
            sku_id = int(sku_id)
        elif type(sku_id) is not int or not 0 < sku_id <= INT64_MAX:
            sku_id = integer(sku_id, "sku_id", note)
        stock = entry.get("amountOnSale")
        if type(stock) is str and stock.isdecimal() and len(stock) < 19:
            stock = int(stock)
        elif type(stock) is not int or not 0 <= stock <= INT64_MAX:
            stock = count(stock, "stock", note)
        spec_id = entry.get("specId")
        if type(spec_id) is str:
            spec_id = spec_id.strip() or None
        elif spec_id is not None:
            spec_id = text(spec_id, "spec_id", note)
        price = entry.get("price")
        if price is not None:
            hit = cached(price) if type(price) is str else None
            price = hit if type(hit) is Decimal else money(price, note)
        consign = entry.get("consignPrice")
        if consign is not None:
            consign = _price(consign, note)
        promotion = entry.get("promotionPrice")
        if promotion is not None:
            hit = cached(promotion) if type(promotion) is str else None
            promotion = hit if type(hit) is Decimal else money(promotion, note)
        retail = entry.get("retailPrice")
        if retail is not None:
            hit = cached(retail) if type(retail) is str else None
            retail = hit if type(hit) is Decimal else money(retail, note)
        cargo = entry.get("cargoNumber")
        if cargo is not None:
            cargo = (cargo.strip() or None) if type(cargo) is str else text(cargo, "cargo_number", note)
        one_piece = distribution = None
        fenxiao = entry.get("fenxiaoPriceInfo")
        if type(fenxiao) is dict:
            one_piece = fenxiao.get("onePiecePrice")
            if one_piece is not None:
                hit = cached(one_piece) if type(one_piece) is str else None
                one_piece = hit if type(hit) is Decimal else money(one_piece, note)
            distribution = fenxiao.get("offerPrice")
            if distribution is not None:
                hit = cached(distribution) if type(distribution) is str else None
                distribution = hit if type(hit) is Decimal else money(distribution, note)
        elif fenxiao is not None:
            note("dropped/distribution_price_type")
        key = spec_key(attributes) if attributes else ""
        sku = Sku(
            offer_id,
            sku_id,
            spec_id,
            key,
            attributes,
            price,
            consign,
            promotion,
            stock,
            cargo,
            crawl_id,
            fetched_at,
            retail,
            one_piece,
            distribution,
            None,
            ids,
            images_trans,
        )
        dedupe: object = sku_id if sku_id is not None else (spec_id or "spec:" + key)
        kept = by_key.get(dedupe)
        if kept is None:
            by_key[dedupe] = sku
        else:
            note("repaired/duplicate_sku")
            _merge(kept, sku)
    return list(by_key.values())


# --- joined on by SKU id -----------------------------------------------------------


class _SkuIndex:
    """The offer's SKUs by ``skuId`` (as a number and as its text: the lists send either) and by ``specId``."""

    def __init__(self, rows: list[Sku]) -> None:
        by_id: dict[object, Sku] = {}
        for sku in rows:
            if sku.sku_id is not None:
                by_id[sku.sku_id] = by_id[str(sku.sku_id)] = sku
        self.by_id = by_id
        self.by_spec = {sku.spec_id: sku for sku in rows if sku.spec_id is not None}

    def find(self, entry: dict, note: Note, what: str) -> Sku | None:
        """The SKU ``entry`` names; one it names that the offer does not have is ``dropped/<what>_unmatched``."""
        sku_id = entry.get("skuId")
        if sku_id is not None:
            # Only a number or its text can name a SKU (a list or an object sent there names none).
            sku = self.by_id.get(sku_id) if type(sku_id) in (int, str) else None
            if sku is None and type(sku_id) is not int:
                sku = self.by_id.get(parse_int(sku_id))
        else:
            spec_id = entry.get("specId")
            sku = self.by_spec.get(spec_id) if type(spec_id) is str else None
        if sku is None:
            note("dropped/" + what + "_unmatched")
        return sku


#: ``skuShippingDetails``' figures, in the order :func:`packages` assigns them (Doubles: kg and cm).
_DETAIL_FIGURES = (
    "weight", "length", "width", "height", "officialLength", "officialWidth", "officialHeight", "officialWeight",
    "aiWeight",
)  # fmt: skip
#: ``skuShippingInfoList``'s figures (the weight a Long in grams).
_INFO_FIGURES = ("weight", "length", "width", "height")


def _sized(sku: Sku) -> bool:
    return (
        sku.weight_kg is not None
        and sku.length_cm is not None
        and sku.width_cm is not None
        and (sku.height_cm is not None)
    )


def packages(rows: list[Sku], shipping: dict, note: Note) -> None:
    """Each SKU's package from ``skuShippingDetails`` (kg, Double); a SKU those do not size is sized by
    ``skuShippingInfoList`` (the same package, its weight a Long in grams).

    The figures are usually JSON numbers: they pass as they are, anything
    else through :func:`measure`.
    """
    find = _SkuIndex(rows).find
    details = shipping.get("skuShippingDetails")
    if type(details) is list:
        for entry in details:
            if type(entry) is not dict:
                note("dropped/sku_shipping_type")
                continue
            sku = find(entry, note, "sku_shipping")
            if sku is None:
                continue
            (
                sku.weight_kg,
                sku.length_cm,
                sku.width_cm,
                sku.height_cm,
                sku.official_length_cm,
                sku.official_width_cm,
                sku.official_height_cm,
                sku.official_weight_kg,
                sku.ai_weight_kg,
            ) = [
                value
                if value is None or (type(value) is float and value >= 0.0)
                else measure(value, "package_size", note)
                for value in map(entry.get, _DETAIL_FIGURES)
            ]
            source = entry.get("pkgSizeSource")
            sku.package_size_source = (
                (source.strip() or None) if type(source) is str else text(source, "package_size_source", note)
            )
            accuracy = entry.get("aiWeightAccuracy")
            if accuracy is not None:
                sku.ai_weight_accuracy_rate = fraction(accuracy, "ai_weight_accuracy", note)
    elif details is not None:
        note("dropped/sku_shipping_type")
    infos = shipping.get("skuShippingInfoList")
    if type(infos) is not list:
        if infos is not None:
            note("dropped/sku_shipping_type")
        return
    if all(_sized(sku) for sku in rows):
        return  # every SKU sized by skuShippingDetails already: the same packages
    for entry in infos:
        if type(entry) is not dict:
            note("dropped/sku_shipping_type")
            continue
        sku = find(entry, note, "sku_shipping")
        if sku is None or _sized(sku):
            continue
        grams, length, width, height = [
            value if value is None or (type(value) is float and value >= 0.0) else measure(value, "package_size", note)
            for value in map(entry.get, _INFO_FIGURES)
        ]
        if sku.weight_kg is None and grams is not None:
            sku.weight_kg = grams / 1000
        if sku.length_cm is None:
            sku.length_cm = length
        if sku.width_cm is None:
            sku.width_cm = width
        if sku.height_cm is None:
            sku.height_cm = height


def channel_prices(rows: list[Sku], channel: Any, note: Note) -> None:
    """``channelPrice.channelSkuPriceList``: each SKU's channel price."""
    if type(channel) is not dict:
        if channel is not None:
            note("dropped/channel_price_type")
        return
    entries = channel.get("channelSkuPriceList")
    if type(entries) is not list:
        if entries is not None:
            note("dropped/channel_price_type")
        return
    index = _SkuIndex(rows)
    for entry in entries:
        if type(entry) is not dict:
            note("dropped/channel_price_type")
            continue
        sku = index.find(entry, note, "channel_price")
        if sku is not None:
            sku.channel_price = _price(entry.get("currentPrice"), note)
