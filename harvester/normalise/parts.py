"""The lists inside an offer: pictures, quantity tiers, attributes, certificates.

These loops run for every image, tier and attribute of every offer: the
common well-formed value (a str, a price already in the cache) is handled
inline, and only anything else goes through the general parsers of
:mod:`.scalars`, which do the counting. A Python function call costs about
as much as handling the value, hence the inlining.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..items import Attribute, Certificate, PriceRange
from .scalars import Note, count, money, money_cache, parse_int, resolve, text, texts, url


def images(paths: Any, base: str, note: Note) -> list[str]:
    """Picture URLs, absolute and without repeats; what cannot be a URL is ``dropped/image_url``."""
    if type(paths) is not list:
        if paths is not None:
            note("dropped/image_urls_type")
        return []
    urls = []
    for path in paths:
        if type(path) is str:
            s = path.strip()
            if s:
                resolved = resolve(s, base)
                if resolved is not None:
                    urls.append(resolved)
                    continue
        note("dropped/image_url")
    return list(dict.fromkeys(urls)) if len(urls) > 1 else urls


def price_ranges(raw: Any, note: Note) -> list[PriceRange]:
    """The quantity tiers, sorted by start quantity, one per start quantity (the first answer's wins)."""
    if type(raw) is not list:
        if raw is not None:
            note("dropped/price_ranges_type")
        return []
    cached = money_cache.get
    tiers: dict[int, PriceRange] = {}
    for entry in raw:
        if type(entry) is not dict:
            note("dropped/price_range_type")
            continue
        price = entry.get("price")
        hit = cached(price) if type(price) is str else None
        price = hit if type(hit) is Decimal else money(price, note)
        if price is None:
            continue
        start = entry.get("startQuantity")
        if type(start) is not int or start < 0:
            start = count(start, "start_quantity", note)
        if start is None:
            note("repaired/price_range_start")
            start = 1
        if start in tiers:
            note("repaired/duplicate_price_range")
            continue
        promotion = entry.get("promotionPrice")
        if promotion is not None:
            promotion = money(promotion, note)
        tiers[start] = PriceRange(start, price, promotion)
    if len(tiers) > 1:
        return [tiers[start] for start in sorted(tiers)]
    return list(tiers.values())


def product_attributes(raw: Any, note: Note) -> tuple[list[Attribute], list[int | None]]:
    """``productAttribute``: the attributes, and beside them each one's ``attributeId``."""
    if type(raw) is not list:
        if raw is not None:
            note("dropped/attributes_type")
        return [], []
    attributes = []
    ids: list[int | None] = []
    for entry in raw:
        if type(entry) is not dict:
            note("dropped/attribute_type")
            continue
        name = text(entry.get("attributeName"), "attribute_name", note)
        if name is None:
            note("dropped/attribute_name")
            continue
        attributes.append(
            Attribute(
                name,
                text(entry.get("value"), "attribute_value", note),
                text(entry.get("attributeNameTrans"), "attribute_name", note),
                text(entry.get("valueTrans"), "attribute_value", note),
            )
        )
        attribute_id = entry.get("attributeId")
        if attribute_id is not None:
            attribute_id = parse_int(attribute_id)
            if attribute_id is None:
                note("dropped/attribute_id")
        ids.append(attribute_id)
    return attributes, ids


def certificates(raw: Any, base: str, note: Note) -> list[Certificate] | None:
    """``certificateList``: name, number and photos of each certificate."""
    if type(raw) is not list:
        if raw is not None:
            note("dropped/certificates_type")
        return None
    kept = []
    for entry in raw:
        if type(entry) is not dict:
            note("dropped/certificate_type")
            continue
        photos = entry.get("certificatePhotoList")
        photo_urls = None
        if photos is not None:
            if type(photos) is list:
                photo_urls = [u for u in (url(p, "certificate_photo_url", base, note) for p in photos) if u]
            else:
                note("dropped/certificate_photo_urls_type")
        kept.append(
            Certificate(
                text(entry.get("certificateName"), "certificate_name", note),
                text(entry.get("certificateCode"), "certificate_code", note),
                photo_urls,
            )
        )
    return kept


def split_texts(value: Any, what: str, note: Note) -> list[str] | None:
    """A ``;``-separated list in one string (``kjFeaturedServices``), or a list of strings."""
    if type(value) is str:
        return [part.strip() for part in value.split(";") if part.strip()]
    return texts(value, what, note)
