"""The enrichment APIs (PROTOCOL.md section 11): freight, per-day trends, the category tree, hot keywords.

Parameters are read as the pages name and type them, their own spellings
included: ``getPerdaySellQuantityTrendNew`` reads ``tendQueryParam`` and
its two siblings ``trendQueryParam`` (a call spelling it the other way is
told so); ``alibaba.category.get`` reads ``categoryID``; the translation
APIs read top-level ``language``, ``categoryId``, ``cateName``. Answers
are the pages' models and envelopes (:mod:`envelopes`), every value from
the catalogue's truth at the current epoch (:mod:`freight`, :mod:`trends`,
:mod:`categories`), so a client's dataset can be compared with
``Catalogue.freight``, ``Catalogue.trend`` and ``Catalogue.hot_keywords``.

Where the pages are silent the sandbox chooses:

- business error codes: ``INVALID_PARAMETER`` (a parameter missing or
  malformed, an address code the sandbox does not know, SKUs or numbers
  that do not fit the offer, dates outside the pages' limits; the message
  says which), ``OFFER_NOT_FOUND`` (``商品不存在``), ``CATEGORY_NOT_FOUND``;
  ``alibaba.category.get`` answers an unknown category with its page's
  example code ``500_1``;
- whole numbers of the freight answer are strings for the offers whose
  other answers send them so; category ids are JSON numbers;
- ``alibaba.category.get`` leaves out ``level`` and ``childIDs`` ("not
  applicable on 1688"), answers one ``CategoryInfo`` (the category asked
  for, its children in ``childCategorys``; the root for 0), every category
  of ``categoryType`` ``"1"`` with a minimum order of 1; categories that
  support processing carry the page's own feature example
  (``{"key": "name", "value": "jiagong", "status": 0, "hierarchy": true}``);
- ``getById`` answers ``fromCache`` true (the tree never changes),
  ``children`` ``[]`` for a leaf (``null`` in the sample shape), and takes
  ``parentCateId`` and ``outMemberId`` without narrowing anything;
- ``topKeyword`` answers an unknown category with no keywords, and
  refuses a ``hotKeywordType`` other than ``cate`` (the only one the page
  offers).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from harvester.open1688 import endpoints

from . import envelopes, trends
from . import params as read
from .catalogue import Catalogue, UnknownOffer
from .categories import CategoryNode
from .config import SandboxConfig
from .freight import Estimate, FreightRequestError
from .noise import Noise, count, price_text
from .params import NOT_FOUND_MESSAGE, OFFER_NOT_FOUND, BusinessError, invalid
from .regions import AddressError
from .wire import Answer, dumps

CATEGORY_NOT_FOUND = "CATEGORY_NOT_FOUND"
#: ``alibaba.category.get``'s example error code, used for a category it does not know.
CATEGORY_GET_NOT_FOUND = "500_1"
HOT_KEYWORD_TYPE = "cate"
_LANGUAGE = re.compile(r"[A-Za-z]{2}([-_][A-Za-z]{2})?")
#: Trend APIs: (metric, the parameter its page names, the spelling its siblings use).
_TRENDS = {
    endpoints.SELL_TREND.key: (trends.SELL, "tendQueryParam", "trendQueryParam"),
    endpoints.PRICE_TREND.key: (trends.PRICE, "trendQueryParam", "tendQueryParam"),
    endpoints.REPURCHASE_TREND.key: (trends.REPURCHASE, "trendQueryParam", "tendQueryParam"),
}


def _code(query: Mapping[str, Any], name: str) -> str:
    """An address code: a String by the page; a JSON number of digits is read too."""
    value = query.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = read.text(query, name, required=True)
    assert text is not None
    return text


def _language(value: Any) -> str:
    if not isinstance(value, str) or not _LANGUAGE.fullmatch(value.strip()):
        raise invalid(f"language={value!r} 应为语言代码 (give a language code such as en or ja)")
    return value.strip()[:2].lower()


class EnrichmentApis:
    def __init__(self, catalogue: Catalogue, config: SandboxConfig):
        self._catalogue = catalogue
        self._noise = Noise(catalogue.seed)
        self.config = config
        self.handlers: dict[str, Callable[[Mapping[str, str]], Answer]] = {
            endpoints.FREIGHT_ESTIMATE.key: self._freight,
            endpoints.CATEGORY.key: self._category,
            endpoints.CATEGORY_TRANSLATION.key: self._translation,
            endpoints.CATEGORY_SEARCH.key: self._category_search,
            endpoints.TOP_KEYWORDS.key: self._top_keywords,
        }
        for key in _TRENDS:
            self.handlers[key] = self._trend_handler(key)

    # --- freight -----------------------------------------------------------------

    def _freight(self, params: Mapping[str, str]) -> Answer:
        query = read.json_param(params, "productFreightQueryParamsNew", dict)
        offer_id = read.integer(query.get("offerId"), "offerId")
        codes = [_code(query, name) for name in ("toProvinceCode", "toCityCode", "toCountryCode")]
        total = read.integer(query.get("totalNum"), "totalNum")
        models = query.get("logisticsSkuNumModels")
        if not isinstance(models, list) or not all(isinstance(model, dict) for model in models):
            raise invalid('logisticsSkuNumModels 应为数组 (give a list of {"skuId", "number"}; [] for none)')
        quantities = [
            (
                read.integer(model.get("skuId"), "logisticsSkuNumModels.skuId"),
                read.integer(model.get("number"), "logisticsSkuNumModels.number"),
            )
            for model in models
        ]
        try:
            estimate = self._catalogue.freight(offer_id, *codes, total, quantities, epoch=self.config.epoch)
        except UnknownOffer:
            raise BusinessError(OFFER_NOT_FOUND, NOT_FOUND_MESSAGE) from None
        except (AddressError, FreightRequestError) as error:
            raise invalid(str(error)) from None
        return self._ok(endpoints.FREIGHT_ESTIMATE, params, self._freight_model(estimate))

    def _freight_model(self, estimate: Estimate) -> dict[str, Any]:
        offer, template, fee = estimate.offer, estimate.template, estimate.fee
        noise = self._noise.for_offer(offer.offer_id, len(offer.skus))
        shipping = offer.shipping
        return {
            "offerId": count(offer.offer_id, noise),
            "freight": price_text(estimate.freight),
            "templateId": count(template.id, noise),
            "singleProductWeight": float(shipping.weight_kg),
            "singleProductWidth": float(shipping.width_cm),
            "singleProductHeight": float(shipping.height_cm),
            "singleProductLength": float(shipping.length_cm),
            "templateType": count(template.type, noise),
            "templateName": template.name,
            "subTemplateType": count(template.sub_type, noise),
            "subTemplateName": template.sub_name,
            "firstFee": price_text(fee.first_fee),
            "firstUnit": str(fee.first_unit),
            "nextFee": price_text(fee.next_fee),
            "nextUnit": str(fee.next_unit),
            # No discount: "empty or 1" by the page; empty from the offers that leave other nothings empty.
            "discount": str(template.discount) if template.discount else "" if noise.empty_zero_rates else "1",
            "chargeType": str(template.charge),
            "freePostage": estimate.free_postage,
            "productFreightSkuInfoModels": [
                {
                    "skuId": str(sku.sku_id),
                    "singleSkuWeight": float(Decimal(sku.package.weight_g).scaleb(-3)),
                    "singleSkuWidth": float(sku.package.width_cm),
                    "singleSkuHeight": float(sku.package.height_cm),
                    "singleSkuLength": float(sku.package.length_cm),
                }
                for sku in offer.skus
            ],
            "sizeValueType": count(2 if estimate.from_skus else 1, noise),
        }

    # --- trends ------------------------------------------------------------------

    def _trend_handler(self, key: str) -> Callable[[Mapping[str, str]], Answer]:
        metric, name, other = _TRENDS[key]
        endpoint = endpoints.CATALOGUE[key]

        def handle(params: Mapping[str, str]) -> Answer:
            if not params.get(name) and params.get(other):
                raise invalid(f"缺少参数 {name} (this API reads {name}, not {other})")
            query = read.json_param(params, name, dict)
            offer_id = read.integer(query.get("offerId"), "offerId")
            try:
                start, end = (
                    trends.parse_date(read.text(query, field, required=True) or "", field)
                    for field in ("startDate", "endDate")
                )
                values = self._catalogue.trend(offer_id, metric, start, end, self.config.epoch)
            except trends.TrendRequestError as error:
                raise invalid(str(error)) from None
            except UnknownOffer:
                raise BusinessError(OFFER_NOT_FOUND, NOT_FOUND_MESSAGE) from None
            series = [
                {"date": f"{start + timedelta(days=number):%Y%m%d}", "value": value}
                for number, value in enumerate(values)
            ]
            return self._ok(endpoint, params, series)

        return handle

    # --- categories --------------------------------------------------------------

    def _node(self, category_id: int, code: str) -> CategoryNode:
        node = self._catalogue.category_tree.node(category_id)
        if node is None:
            raise BusinessError(code, f"类目不存在 (no category {category_id})")
        return node

    def _category(self, params: Mapping[str, str]) -> Answer:
        if params.get("categoryID") in (None, ""):
            raise invalid("缺少参数 categoryID (missing parameter categoryID; 0 for the first level)")
        category_id = read.integer(params.get("categoryID"), "categoryID")
        if category_id < 0:
            raise invalid(f"categoryID={category_id} 必须大于等于 0 (categoryID must be 0 or more)")
        node = self._node(category_id, CATEGORY_GET_NOT_FOUND)
        tree = self._catalogue.category_tree
        info = {
            "categoryID": node.id,
            "name": node.name,
            "isLeaf": node.leaf,
            "parentIDs": [] if node.parent_id is None else [node.parent_id],
            "childCategorys": [
                {"id": child.id, "name": child.name, "isLeaf": child.leaf, "categoryType": "1"}
                for child in map(tree.node, node.children)
                if child is not None
            ],
            "minOrderQuantity": 1,
            "featureInfos": [{"key": "name", "value": "jiagong", "status": 0, "hierarchy": True}]
            if node.processing
            else [],
            "categoryType": "1",
            "isSupportProcessing": node.processing,
        }
        return self._ok(endpoints.CATEGORY, params, [info])

    def _translation(self, params: Mapping[str, str]) -> Answer:
        language = _language(params.get("language"))
        if params.get("categoryId") in (None, ""):
            raise invalid("缺少参数 categoryId (missing parameter categoryId; 0 for the root)")
        node = self._node(read.integer(params.get("categoryId"), "categoryId"), CATEGORY_NOT_FOUND)
        tree = self._catalogue.category_tree
        as_table = self.config.category_translation_shape == "table"
        name, actual = node.name_in(language)
        parent: int | str | None = node.parent_id
        if as_table and parent is not None:
            parent = str(parent)
        children = [
            self._entry(child, language) | {"fromCache": True}
            for child in map(tree.node, node.children)
            if child is not None
        ]
        category = {
            "categoryId": node.id,
            "chineseName": node.name,
            "translatedName": name,
            "language": actual,
            "leaf": str(node.leaf).lower() if as_table else node.leaf,
            "level": str(node.level),
            "parentCateId": parent,
            "fromCache": True,
            "children": children if children or as_table else None,
        }
        return self._ok(endpoints.CATEGORY_TRANSLATION, params, category)

    @staticmethod
    def _entry(node: CategoryNode, language: str) -> dict[str, Any]:
        name, actual = node.name_in(language)
        return {
            "categoryId": node.id,
            "chineseName": node.name,
            "translatedName": name,
            "language": actual,
            "leaf": node.leaf,
            "level": str(node.level),
            "parentCateId": node.parent_id,
        }

    def _category_search(self, params: Mapping[str, str]) -> Answer:
        language = _language(params.get("language"))
        text = read.text(params, "cateName", required=True)
        assert text is not None
        found = self._catalogue.category_tree.matching(text, language)
        return self._ok(endpoints.CATEGORY_SEARCH, params, [self._entry(node, language) for node in found])

    def _top_keywords(self, params: Mapping[str, str]) -> Answer:
        query = read.json_param(params, "topSeKeywordParam", dict)
        read.country(query)
        source = query.get("sourceId")
        if isinstance(source, int) and not isinstance(source, bool):
            source = str(source)
        if not isinstance(source, str) or not source.strip().isdigit():
            raise invalid(f'sourceId={source!r} 应为类目ID (give a category id such as "200701001")')
        kind = read.text(query, "hotKeywordType", required=True)
        if kind != HOT_KEYWORD_TYPE:
            raise invalid(f"hotKeywordType={kind!r} 只支持 cate (only cate, the category dimension, is offered)")
        keywords = self._catalogue.hot_keywords(int(source), self.config.top_keyword_limit)
        return self._ok(
            endpoints.TOP_KEYWORDS,
            params,
            [{"seKeyword": zh, "seKeywordTranslation": en} for zh, en, _count in keywords],
        )

    def _ok(self, endpoint: endpoints.Endpoint, params: Mapping[str, str], payload: Any) -> Answer:
        envelope = envelopes.of(endpoint, self.config.category_translation_shape)
        return envelopes.ok(envelope, params, dumps(payload))
