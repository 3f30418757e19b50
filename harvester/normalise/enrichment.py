"""The enrichment APIs' answers as rows: freight estimates, per-day trends, the category tree.

Each function takes the ``data`` an answer's envelope holds (what
``outcomes.classify`` digs out with the endpoint's ``result_path``) and
returns row items; like the tier normalisers, nothing here raises on bad
input and every value dropped is noted (``dropped/<what>``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..items import Category, FreightEstimate, TrendPoint
from .scalars import Note, boolean, integer, measure, money, parse_money, percent, small_int, text

#: Trend metrics (``harvester.open1688.endpoints.TRENDS``).
PRICE, REPURCHASE = "price", "repurchase"
PATH_SEPARATOR = " > "


def freight_row(
    data: Any, *, offer_id: int, address: Sequence[str], quantity: int, crawled_at: datetime, note: Note
) -> FreightEstimate:
    """One ``product.freight.estimate`` answer (``result.result``) for ``offer_id`` to ``address`` (province,
    city, district codes) of ``quantity`` pieces. An answer naming another offer is noted and kept under the
    offer asked for."""
    model = data if isinstance(data, dict) else {}
    answered = integer(model.get("offerId"), "freight_offer_id", note)
    if answered is not None and answered != offer_id:
        note("repaired/freight_offer_id")
    province, city, district = address
    return FreightEstimate(
        offer_id=offer_id,
        to_province_code=province,
        to_city_code=city,
        to_district_code=district,
        quantity=quantity,
        freight=fee(model.get("freight"), note),
        free_postage=boolean(model.get("freePostage"), "free_postage", note),
        template_id=integer(model.get("templateId"), "template_id", note),
        template_name=text(model.get("templateName"), "template_name", note),
        template_type=small_int(model.get("templateType"), "template_type", note),
        sub_template_type=small_int(model.get("subTemplateType"), "sub_template_type", note),
        sub_template_name=text(model.get("subTemplateName"), "sub_template_name", note),
        charge_type=text(model.get("chargeType"), "charge_type", note),
        first_fee=fee(model.get("firstFee"), note),
        first_unit=text(model.get("firstUnit"), "first_unit", note),
        next_fee=fee(model.get("nextFee"), note),
        next_unit=text(model.get("nextUnit"), "next_unit", note),
        discount=discount(model.get("discount"), note),
        size_value_type=small_int(model.get("sizeValueType"), "size_value_type", note),
        weight_kg=measure(model.get("singleProductWeight"), "weight_kg", note),
        length_cm=measure(model.get("singleProductLength"), "length_cm", note),
        width_cm=measure(model.get("singleProductWidth"), "width_cm", note),
        height_cm=measure(model.get("singleProductHeight"), "height_cm", note),
        crawled_at=crawled_at,
    )


def fee(value: Any, note: Note) -> Decimal | None:
    """An amount of CNY where 0 is a real value (free freight, a fee of nothing), unlike a price."""
    if value is not None and parse_money(value) == "price_not_positive":
        try:
            if Decimal(str(value).strip()) == 0:
                return Decimal(0)
        except InvalidOperation:
            pass
    return money(value, note)


def discount(value: Any, note: Note) -> float | None:
    """The factor a freight template's discount multiplies the freight by. The page: "empty or 1, meaning no
    discount" (``空或者1，代表无折扣``), so an empty one is 1; it does not say how a real discount is written,
    so anything but a factor above 0 and at most 1 (``"0.9"``; not ``"90"`` or ``"9折"``) is dropped and noted."""
    if isinstance(value, str) and not value.strip():
        return 1.0
    factor = measure(value, "freight_discount", note)
    if factor is not None and not 0 < factor <= 1:
        note("dropped/freight_discount")
        return None
    return factor


def trend_rows(data: Any, *, offer_id: int, metric: str, crawled_at: datetime, note: Note) -> list[TrendPoint]:
    """One ``product.analyze.*`` answer (``result.result``: ``[{date, value}]``) as one row per day.

    A day without data (the API's ``""``) is a row with a null value: the day was asked for and answered. A
    point without a readable date is dropped and noted.
    """
    rows = []
    for point in data if isinstance(data, list) else []:
        if not isinstance(point, dict):
            note("dropped/trend_point")
            continue
        day = _day(point.get("date"))
        if day is None:
            note("dropped/trend_date")
            continue
        raw = point.get("value")
        raw_text = None if raw is None else str(raw).strip()
        value, price = _trend_value(metric, raw_text, note)
        rows.append(
            TrendPoint(
                offer_id=offer_id, metric=metric, day=day, value=value, price=price, raw=raw_text, crawled_at=crawled_at
            )
        )
    return rows


def _trend_value(metric: str, raw: str | None, note: Note) -> tuple[float | None, Any]:
    if not raw:
        return None, None
    if metric == REPURCHASE:
        return percent(raw, "trend_repurchase", note), None
    if metric == PRICE:
        price = money(raw, note)
        return (None if price is None else float(price)), price
    value = measure(raw, "trend_" + metric, note)
    return value, None


def _day(value: Any) -> date | None:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        return None
    try:
        return datetime.strptime(str(value).strip(), "%Y%m%d").date()
    except ValueError:
        return None


class CategoryPath:
    """Where a category sits: its ancestors' ids and names from level 1 down (empty for the root)."""

    __slots__ = ("ids", "names", "translated")

    def __init__(self, ids: tuple[int, ...] = (), names: tuple[str, ...] = (), translated: tuple[str | None, ...] = ()):
        self.ids = ids
        self.names = names
        self.translated = translated

    def child(self, category_id: int, name: str, translated: str | None) -> CategoryPath:
        return CategoryPath((*self.ids, category_id), (*self.names, name), (*self.translated, translated))

    @property
    def level(self) -> int:
        return len(self.ids)

    def as_meta(self) -> dict[str, list[Any]]:
        """Plain lists, for request meta (a JOBDIR pickles it)."""
        return {"ids": list(self.ids), "names": list(self.names), "translated": list(self.translated)}

    @classmethod
    def from_meta(cls, meta: dict[str, list[Any]] | None) -> CategoryPath:
        meta = meta or {}
        return cls(tuple(meta.get("ids", ())), tuple(meta.get("names", ())), tuple(meta.get("translated", ())))


def category_info(data: Any, category_id: int) -> dict[str, Any] | None:
    """The ``CategoryInfo`` of ``category_id`` in an ``alibaba.category.get`` answer (``categoryInfo[]``).

    For 0 the page says only that "all first-level categories are queried": one root whose ``childCategorys``
    are they (the sandbox's reading), or the first-level categories themselves as the list, read here as the
    children of a root."""
    infos = [info for info in data if isinstance(info, dict)] if isinstance(data, list) else []
    for info in infos:
        if integer(info.get("categoryID"), "category_id", lambda _: None) == category_id:
            return info
    if category_id == 0 and infos:
        children = [{"id": info.get("categoryID"), **info} for info in infos]
        return {"categoryID": 0, "childCategorys": children}
    return infos[0] if len(infos) == 1 else None


def translation_model(data: Any, document: Any) -> dict[str, Any]:
    """The category a ``category.translation.getById`` answer names: at ``result.result`` by the page's table
    (``data``), but the page's own sample puts it at ``result`` (its flag, code and message beside it), so that
    is read when ``document`` is shaped so; ``{}`` when neither holds one."""
    if isinstance(data, dict) and data:
        return data
    result = document.get("result") if isinstance(document, dict) else None
    return result if isinstance(result, dict) and "categoryId" in result else {}


def translations(data: Any, note: Note, document: Any = None) -> tuple[dict[int, str], str | None]:
    """``category.translation.getById``'s answer (:func:`translation_model`): translated name of the category
    and each child, by id, and the language the gateway answered in."""
    model = translation_model(data, document)
    names: dict[int, str] = {}
    language = text(model.get("language"), "category_language", note)
    for entry in [model, *(model.get("children") or [])]:
        if not isinstance(entry, dict):
            continue
        category_id = integer(entry.get("categoryId"), "category_id", note)
        name = text(entry.get("translatedName"), "category_translated_name", note)
        if category_id is not None and name is not None:
            names[category_id] = name
    return names, language


def child_rows(
    info: dict[str, Any],
    path: CategoryPath,
    names: dict[int, str],
    language: str | None,
    *,
    crawled_at: datetime,
    note: Note,
) -> list[tuple[Category, CategoryPath]]:
    """The children a ``CategoryInfo`` lists (``childCategorys``), each with its own path; ``path`` is the
    parent's (empty for the root). Leaves are complete here; a parent's own figures (minimum order, features)
    are filled in by :func:`complete` when its answer arrives."""
    parent = path.ids[-1] if path.ids else 0
    rows = []
    for child in info.get("childCategorys") or []:
        if not isinstance(child, dict):
            note("dropped/category_child")
            continue
        category_id = integer(child.get("id"), "category_id", note)
        name = text(child.get("name"), "category_name", note)
        if category_id is None or category_id <= 0:
            note("dropped/category_child")
            continue
        own = path.child(category_id, name or "", names.get(category_id))
        translated = None if None in own.translated else PATH_SEPARATOR.join(own.translated)  # type: ignore[arg-type]
        rows.append(
            (
                Category(
                    category_id=category_id,
                    parent_id=parent,
                    level=own.level,
                    name=name,
                    name_translated=names.get(category_id),
                    language=language if category_id in names else None,
                    path=PATH_SEPARATOR.join(own.names),
                    path_translated=translated,
                    path_ids=list(own.ids),
                    is_leaf=boolean(child.get("isLeaf"), "category_is_leaf", note),
                    category_type=text(child.get("categoryType"), "category_type", note),
                    min_order_quantity=None,
                    supports_processing=None,
                    features=None,
                    crawled_at=crawled_at,
                ),
                own,
            )
        )
    return rows


def complete(row: Category, info: dict[str, Any], note: Note) -> Category:
    """A parent's row with the figures only its own ``CategoryInfo`` has."""
    row.min_order_quantity = integer(info.get("minOrderQuantity"), "category_min_order_quantity", note)
    row.supports_processing = boolean(info.get("isSupportProcessing"), "supports_processing", note)
    row.features = [
        f"{feature.get('key')}={feature.get('value')}"
        for feature in info.get("featureInfos") or []
        if isinstance(feature, dict) and feature.get("key") is not None
    ]
    if row.category_type is None:
        row.category_type = text(info.get("categoryType"), "category_type", note)
    return row
