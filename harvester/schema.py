"""The dataset's tables as pyarrow schemas: the contract analysts query.

Money is ``decimal128(18, 4)``: four decimals hold every price the API
gives (up to 4 decimals seen; a price with more is refused by the
normaliser, never rounded), and precision 18 lets Parquet store the value
as a plain INT64, which every reader decodes exactly and cheaply.

Seller scores are ``double``: they are ratings (0..5) and percentages,
compared and averaged, never summed to the cent.

Schema evolution: columns are only ever added, nullable, and the schema
version goes up by one each time; ``ADDED_IN`` records when each column
appeared (``TABLE_ADDED_IN`` when each later table did) so that
:func:`schema_for` can rebuild any older version (the schema evolution
tests write a dataset exactly as an older release did). Version 3 added
what following offers over time needs: ``products.status``, the image
ranking (``search_rank``, ``found_by``), ``sellers.supplier_login_id`` (the
join key of batch-fetched products), ``changes.previous_crawl_id`` and the
``missing`` table. Version 4 keeps every field the official pages document
for search items and details: the ``listings`` table (the listing tier) and
the detail's sizes, weights, distribution prices, videos, tags, invoice
terms and more on ``products``, ``skus`` and ``sellers``. Version 5 adds the
opt-in enrichment tables: ``categories`` (the category tree), ``freight``
(one estimate per offer and destination) and ``trends`` (per offer, metric
and day).

Structs are never given new fields (that would retype a contract column,
and polars refuses to read old and new files together): what a detail adds
to an attribute (its id, a translated picture) is a list column beside
``attributes``, one element per attribute.
"""

from __future__ import annotations

import pyarrow as pa

#: Version written into every file's schema metadata (``schema_version``).
SCHEMA_VERSION = 5
VERSION_KEY = b"schema_version"

MONEY_SCALE = 4
MONEY = pa.decimal128(18, MONEY_SCALE)
#: Largest price the money type holds: 14 integer digits.
MONEY_MAX_EXCLUSIVE = 10**14
TIMESTAMP = pa.timestamp("us", tz="UTC")

PRICE_RANGE = pa.struct(
    [
        pa.field("start_quantity", pa.int64()),
        pa.field("price", MONEY),
        pa.field("promotion_price", MONEY),
    ]
)
PRODUCT_ATTRIBUTE = pa.struct(
    [
        pa.field("name", pa.string()),
        pa.field("value", pa.string()),
        pa.field("name_translated", pa.string()),
        pa.field("value_translated", pa.string()),
    ]
)
CERTIFICATE = pa.struct(
    [
        pa.field("name", pa.string()),
        pa.field("code", pa.string()),
        pa.field("photo_urls", pa.list_(pa.string())),
    ]
)
SKU_ATTRIBUTE = pa.struct(
    [
        pa.field("name", pa.string()),
        pa.field("value", pa.string()),
        pa.field("image_url", pa.string()),
        pa.field("name_translated", pa.string()),
        pa.field("value_translated", pa.string()),
    ]
)


def _crawl_columns() -> list[pa.Field]:
    return [pa.field("crawl_id", pa.string(), nullable=False), pa.field("crawled_at", TIMESTAMP)]


def _package_columns() -> list[pa.Field]:
    """The package's size and weight as the seller gave it, where the figures come from, and as 1688 measured it."""
    return [
        pa.field("weight_kg", pa.float64()),
        pa.field("length_cm", pa.float64()),
        pa.field("width_cm", pa.float64()),
        pa.field("height_cm", pa.float64()),
        pa.field("package_size_source", pa.string()),
        pa.field("official_length_cm", pa.float64()),
        pa.field("official_width_cm", pa.float64()),
        pa.field("official_height_cm", pa.float64()),
        pa.field("official_weight_kg", pa.float64()),
    ]


def _seller_score_columns(prefix: str) -> list[pa.Field]:
    return [
        pa.field(prefix + "composite_service_score", pa.float64()),
        pa.field(prefix + "logistics_experience_score", pa.float64()),
        pa.field(prefix + "dispute_complaint_score", pa.float64()),
        pa.field(prefix + "offer_experience_score", pa.float64()),
        pa.field(prefix + "consulting_experience_score", pa.float64()),
        pa.field(prefix + "after_sales_experience_score", pa.float64()),
    ]


_FIELDS: dict[str, list[pa.Field]] = {
    "products": [
        pa.field("offer_id", pa.int64(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("title_translated", pa.string()),
        pa.field("category_id", pa.int64()),
        pa.field("category_name", pa.string()),
        pa.field("seller_open_id", pa.string()),
        pa.field("company_name", pa.string()),
        pa.field("price_min", MONEY),
        pa.field("price_max", MONEY),
        pa.field("price_ranges", pa.list_(PRICE_RANGE)),
        pa.field("min_order_quantity", pa.int64()),
        pa.field("unit", pa.string()),
        pa.field("stock", pa.int64()),
        pa.field("month_sold", pa.int64()),
        pa.field("repurchase_rate", pa.float64()),
        pa.field("image_urls", pa.list_(pa.string())),
        pa.field("attributes", pa.list_(PRODUCT_ATTRIBUTE)),
        pa.field("sku_count", pa.int32()),
        pa.field("source_api", pa.string()),
        pa.field("query", pa.string()),
        *_crawl_columns(),
        # Added in version 2.
        pa.field("description", pa.string()),
        pa.field("unit_translated", pa.string()),
        pa.field("quote_type", pa.int32()),
        pa.field("supplier_login_id", pa.string()),
        # Added in version 3.
        pa.field("status", pa.string()),
        pa.field("search_rank", pa.int32()),
        pa.field("found_by", pa.list_(pa.string())),
        # Added in version 4.
        pa.field("detail_crawl_id", pa.string()),
        pa.field("top_category_id", pa.int64()),
        pa.field("second_category_id", pa.int64()),
        pa.field("third_category_id", pa.int64()),
        pa.field("description_translated", pa.string()),
        pa.field("selling_points", pa.list_(pa.string())),
        pa.field("main_video_url", pa.string()),
        pa.field("detail_video_url", pa.string()),
        pa.field("white_image_url", pa.string()),
        pa.field("image_urls_translated", pa.list_(pa.string())),
        pa.field("white_image_url_translated", pa.string()),
        pa.field("attribute_ids", pa.list_(pa.int64())),
        pa.field("batch_number", pa.int64()),
        pa.field("sold_count", pa.int64()),
        pa.field("trade_score", pa.float64()),
        pa.field("sales_7d", pa.int64()),
        pa.field("created_at", TIMESTAMP),
        pa.field("modified_at", TIMESTAMP),
        pa.field("is_curated", pa.bool_()),
        pa.field("is_select", pa.bool_()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("offer_identities", pa.list_(pa.string())),
        pa.field("has_promotion", pa.bool_()),
        pa.field("promotion_type", pa.string()),
        pa.field("certificates", pa.list_(CERTIFICATE)),
        pa.field("supports_online_invoice", pa.bool_()),
        pa.field("supports_fast_invoice", pa.bool_()),
        pa.field("invoice_types", pa.list_(pa.string())),
        pa.field("taxpayer_type", pa.string()),
        pa.field("cargo_number", pa.string()),
        pa.field("retail_price", MONEY),
        pa.field("one_piece_price", MONEY),
        pa.field("one_piece_free_postage", pa.bool_()),
        pa.field("distribution_price", MONEY),
        pa.field("distribution_min_order_quantity", pa.int64()),
        pa.field("ship_from", pa.string()),
        pa.field("shipping_time_guarantee", pa.string()),
        *_package_columns(),
        pa.field("listing_price", MONEY),
    ],
    "skus": [
        pa.field("offer_id", pa.int64(), nullable=False),
        pa.field("sku_id", pa.int64()),
        pa.field("spec_id", pa.string()),
        pa.field("spec_key", pa.string(), nullable=False),
        pa.field("attributes", pa.list_(SKU_ATTRIBUTE)),
        pa.field("price", MONEY),
        pa.field("consign_price", MONEY),
        pa.field("promotion_price", MONEY),
        pa.field("stock", pa.int64()),
        pa.field("cargo_number", pa.string()),
        *_crawl_columns(),
        # Added in version 4.
        pa.field("retail_price", MONEY),
        pa.field("one_piece_price", MONEY),
        pa.field("distribution_price", MONEY),
        pa.field("channel_price", MONEY),
        pa.field("attribute_ids", pa.list_(pa.int64())),
        pa.field("attribute_image_urls_translated", pa.list_(pa.string())),
        *_package_columns(),
        pa.field("ai_weight_kg", pa.float64()),
        pa.field("ai_weight_accuracy_rate", pa.float64()),
        pa.field("detail_crawl_id", pa.string()),
    ],
    "sellers": [
        pa.field("seller_open_id", pa.string(), nullable=False),
        pa.field("company_name", pa.string()),
        pa.field("trade_medal_level", pa.int32()),
        *_seller_score_columns(""),
        pa.field("repeat_purchase_rate", pa.float64()),
        *_crawl_columns(),
        # Added in version 3.
        pa.field("supplier_login_id", pa.string()),
        # Added in version 4.
        pa.field("pickup_within_48h_rate_30d", pa.float64()),
        pa.field("quality_refund_rate_30d", pa.float64()),
        pa.field("mix_batch_general", pa.bool_()),
        pa.field("mix_batch_amount", pa.int64()),
        pa.field("mix_batch_quantity", pa.int64()),
    ],
    "changes": [
        pa.field("offer_id", pa.int64(), nullable=False),
        pa.field("sku_id", pa.int64()),
        pa.field("field", pa.string(), nullable=False),
        pa.field("old_value", pa.string()),
        pa.field("new_value", pa.string()),
        pa.field("previous_crawled_at", TIMESTAMP),
        *_crawl_columns(),
        # Added in version 3.
        pa.field("previous_crawl_id", pa.string()),
        # Added in version 4.
        pa.field("source", pa.string()),
    ],
    "search_hits": [
        pa.field("query", pa.string(), nullable=False),
        pa.field("offer_id", pa.int64(), nullable=False),
        pa.field("page", pa.int32()),
        pa.field("position", pa.int32()),
        pa.field("found_at", TIMESTAMP),
        pa.field("crawl_id", pa.string(), nullable=False),
    ],
    # Added in version 3.
    "missing": [
        pa.field("offer_id", pa.int64(), nullable=False),
        pa.field("reason", pa.string()),
        pa.field("query", pa.string()),
        *_crawl_columns(),
    ],
    # Added in version 4.
    "queries": [
        pa.field("query", pa.string(), nullable=False),
        pa.field("source_api", pa.string()),
        pa.field("keyword", pa.string()),
        pa.field("seller_open_id", pa.string()),
        pa.field("image", pa.string()),
        pa.field("price_start", MONEY),
        pa.field("price_end", MONEY),
        pa.field("category_id", pa.int64()),
        pa.field("sort", pa.string()),
        pa.field("filter", pa.string()),
        pa.field("reported", pa.int64()),
        *_crawl_columns(),
    ],
    # Added in version 4.
    "listings": [
        pa.field("offer_id", pa.int64(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("title_translated", pa.string()),
        pa.field("image_url", pa.string()),
        pa.field("image_url_translated", pa.string()),
        pa.field("white_image_url", pa.string()),
        pa.field("price", MONEY),
        pa.field("consign_price", MONEY),
        pa.field("promotion_price", MONEY),
        pa.field("curated_price", MONEY),
        pa.field("curated_consign_price", MONEY),
        pa.field("month_sold", pa.int64()),
        pa.field("sales_7d", pa.int64()),
        pa.field("repurchase_rate", pa.float64()),
        pa.field("trade_score", pa.float64()),
        pa.field("add_cart_count_7d", pa.int64()),
        pa.field("pay_buyer_count_7d", pa.int64()),
        pa.field("add_cart_count_30d", pa.int64()),
        pa.field("pay_buyer_count_30d", pa.int64()),
        pa.field("min_order_quantity", pa.int64()),
        pa.field("is_dropship", pa.bool_()),
        pa.field("is_curated", pa.bool_()),
        pa.field("is_select", pa.bool_()),
        pa.field("is_patent_product", pa.bool_()),
        pa.field("seller_identities", pa.list_(pa.string())),
        pa.field("offer_identities", pa.list_(pa.string())),
        pa.field("has_promotion", pa.bool_()),
        pa.field("promotion_type", pa.string()),
        pa.field("top_category_id", pa.int64()),
        pa.field("second_category_id", pa.int64()),
        pa.field("third_category_id", pa.int64()),
        pa.field("created_at", TIMESTAMP),
        pa.field("modified_at", TIMESTAMP),
        pa.field("seller_trade_medal_level", pa.int32()),
        *_seller_score_columns("seller_"),
        pa.field("seller_repeat_purchase_rate", pa.float64()),
        pa.field("seller_tp_years", pa.int32()),
        pa.field("shipping_time_guarantee", pa.string()),
        pa.field("perfect_fulfillment_rate_30d", pa.float64()),
        pa.field("pickup_within_24h_rate_30d", pa.float64()),
        pa.field("quality_return_rate_30d", pa.float64()),
        pa.field("perfect_fulfillment_rate_7d", pa.float64()),
        pa.field("pickup_within_24h_rate_7d", pa.float64()),
        pa.field("delayed_shipping_rate_7d", pa.float64()),
        pa.field("supports_online_invoice", pa.bool_()),
        pa.field("supports_fast_invoice", pa.bool_()),
        pa.field("invoice_types", pa.list_(pa.string())),
        pa.field("taxpayer_type", pa.string()),
        pa.field("company_name", pa.string()),
        pa.field("company_address", pa.string()),
        pa.field("applause_rate", pa.float64()),
        pa.field("featured_services", pa.list_(pa.string())),
        pa.field("quality_refund_rate_30d", pa.float64()),
        pa.field("repurchase_rate_30d", pa.float64()),
        pa.field("pickup_rate_24h_30d", pa.float64()),
        pa.field("source_api", pa.string()),
        pa.field("query", pa.string()),
        *_crawl_columns(),
    ],
    # Added in version 5: the enrichment tables (scrapy crawl categories; -a freight_to=, -a trends=1).
    "categories": [
        pa.field("category_id", pa.int64(), nullable=False),
        pa.field("parent_id", pa.int64()),
        pa.field("level", pa.int32()),
        pa.field("name", pa.string()),
        pa.field("name_translated", pa.string()),
        pa.field("language", pa.string()),
        pa.field("path", pa.string()),
        pa.field("path_translated", pa.string()),
        pa.field("path_ids", pa.list_(pa.int64())),
        pa.field("is_leaf", pa.bool_()),
        pa.field("category_type", pa.string()),
        pa.field("min_order_quantity", pa.int64()),
        pa.field("supports_processing", pa.bool_()),
        pa.field("features", pa.list_(pa.string())),
        *_crawl_columns(),
    ],
    "freight": [
        pa.field("offer_id", pa.int64(), nullable=False),
        pa.field("to_province_code", pa.string()),
        pa.field("to_city_code", pa.string()),
        pa.field("to_district_code", pa.string()),
        pa.field("quantity", pa.int64()),
        pa.field("freight", MONEY),
        pa.field("free_postage", pa.bool_()),
        pa.field("template_id", pa.int64()),
        pa.field("template_name", pa.string()),
        pa.field("template_type", pa.int32()),
        pa.field("sub_template_type", pa.int32()),
        pa.field("sub_template_name", pa.string()),
        pa.field("charge_type", pa.string()),
        pa.field("first_fee", MONEY),
        pa.field("first_unit", pa.string()),
        pa.field("next_fee", MONEY),
        pa.field("next_unit", pa.string()),
        pa.field("discount", pa.float64()),
        pa.field("size_value_type", pa.int32()),
        pa.field("weight_kg", pa.float64()),
        pa.field("length_cm", pa.float64()),
        pa.field("width_cm", pa.float64()),
        pa.field("height_cm", pa.float64()),
        *_crawl_columns(),
    ],
    "trends": [
        pa.field("offer_id", pa.int64(), nullable=False),
        pa.field("metric", pa.string(), nullable=False),
        pa.field("day", pa.date32(), nullable=False),
        pa.field("value", pa.float64()),
        pa.field("price", MONEY),
        pa.field("raw", pa.string()),
        *_crawl_columns(),
    ],
    "media": [
        pa.field("offer_id", pa.int64(), nullable=False),
        pa.field("sku_id", pa.int64()),
        pa.field("role", pa.string(), nullable=False),
        pa.field("position", pa.int32()),
        pa.field("url", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("path", pa.string()),
        pa.field("bytes", pa.int64()),
        pa.field("width", pa.int32()),
        pa.field("height", pa.int32()),
        pa.field("checksum", pa.string()),
        pa.field("content_type", pa.string()),
        pa.field("http_status", pa.int32()),
        pa.field("error", pa.string()),
        *_crawl_columns(),
    ],
    "rejects": [
        pa.field("raw", pa.string(), nullable=False),
        pa.field("source_api", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
        *_crawl_columns(),
    ],
}


def _added_from(table: str, first: str, version: int) -> dict[str, int]:
    """``version`` for every column of ``table`` from ``first`` to the last (a release adds its columns at the end)."""
    names = [f.name for f in _FIELDS[table]]
    return dict.fromkeys(names[names.index(first) :], version)


#: Columns added after version 1, by table: column name -> the version that added it.
ADDED_IN: dict[str, dict[str, int]] = {
    "products": {
        "description": 2, "unit_translated": 2, "quote_type": 2, "supplier_login_id": 2,
        "status": 3, "search_rank": 3, "found_by": 3,
        **_added_from("products", "detail_crawl_id", 4),
    },
    "skus": _added_from("skus", "retail_price", 4),
    "sellers": {"supplier_login_id": 3, **_added_from("sellers", "pickup_within_48h_rate_30d", 4)},
    "changes": {"previous_crawl_id": 3, "source": 4},
}  # fmt: skip
#: Tables added after version 1: table -> the version that added it.
TABLE_ADDED_IN: dict[str, int] = {
    "missing": 3,
    "listings": 4,
    "queries": 4,
    "categories": 5,
    "freight": 5,
    "trends": 5,
    "media": 5,
}

#: Column documentation carried into each field's metadata, for readers that show it: what a column holds where
#: its name does not say, by column name (the same in every table that has it)...
_DESCRIPTIONS: dict[str, str] = {
    "price_min": "lowest of the SKU prices and the tier prices, CNY",
    "price_max": "highest of the SKU prices and the tier prices, CNY",
    "repurchase_rate": "fraction 0..1 (the API's '10%' is 0.10)",
    "spec_key": "canonical spec: attributes sorted by name, name=value joined by ';'; empty for an offer without SKUs",
    "sku_count": "real SKUs of the offer; 0 when it has none (its implicit SKU row is not counted)",
    "query": "first keyword, image or seller query that found the offer this crawl; null for id lists",
    "status": "the offer's status as the detail APIs give it (published, expired...)",
    "search_rank": "place in the crawl's merged result list, 1 = best (image crawls: found by more images first, "
    "then best position); null when the crawl does not rank",
    "found_by": "the queries of this crawl that found the offer, best match first, when the crawl ranks offers",
    "supplier_login_id": "the seller's login id; only alibaba.cross.productList gave it, which the harvester no "
    "longer calls: null in rows of schema version 4 on",
    "field": "what changed: price_min, price_max, price_ranges, stock, status, title, offer (listed -> missing); "
    "per SKU: price, consign_price, promotion_price, stock, sku (appeared or vanished, as its spec_key)",
    "old_value": "the value in the previous snapshot as exact text (prices without trailing zeros); null: absent",
    "new_value": "the value in this crawl as exact text; null: absent",
    "previous_crawl_id": "the crawl compared against",
    "reason": "what the gateway said (e.g. 商品不存在)",
    "repeat_purchase_rate": "sellerDataInfo.repeatPurchasePercent as a fraction 0..1",
    "crawled_at": "UTC time the API answer arrived",
    "month_sold": "units sold in the last 30 days (search's monthSold)",
    "sales_7d": "units sold in the last 7 days (search's sales7d)",
    "trade_score": "the offer's transaction rating (tradeScore, 0..5)",
    "created_at": "when the offer was listed (createDate, China time, stored as UTC)",
    "modified_at": "when the offer last changed (search's modifyDate, China time, stored as UTC)",
    "top_category_id": "first-level category of the offer",
    "second_category_id": "second-level category of the offer",
    "third_category_id": "third-level category of the offer",
    "is_curated": "isJxhy: curated supply (精选货源)",
    "is_select": "isSelect: in the cross-border select assortment",
    "offer_identities": "the offer's tags as the API lists them (yx: 严选, select: 跨境select)",
    "has_promotion": "promotionModel.hasPromotion",
    "promotion_type": "promotionModel.promotionType (plus: the price for plus members)",
    "invoice_types": "invoiceInfo.invoiceTypes: the invoices the seller issues (普票, 专票)",
    "taxpayer_type": "invoiceInfo.taxpayerType (一般纳税人, 小规模纳税人)",
    "shipping_time_guarantee": "shipIn24Hours or shipIn48Hours",
    "weight_kg": "package weight as the seller gives it, kg (skuShippingInfoList's grams converted)",
    "length_cm": "package length as the seller gives it, cm",
    "width_cm": "package width as the seller gives it, cm",
    "height_cm": "package height as the seller gives it, cm",
    "package_size_source": "where the size and weight come from (pkgSizeSource): 预测-同款放大 predicted from the "
    "same product, 商家自填 the seller, 官方测量 measured by 1688",
    "official_length_cm": "package length as 1688 measured it, cm",
    "official_width_cm": "package width as 1688 measured it, cm",
    "official_height_cm": "package height as 1688 measured it, cm",
    "official_weight_kg": "package weight as 1688 measured it, kg",
    "retail_price": "suggested retail price (retailPrice), CNY",
    "one_piece_price": "fenxiao onePiecePrice: one piece dropshipped to the buyer, postage included, CNY",
    "distribution_price": "fenxiao offerPrice: the distribution (dropship) price, CNY",
    "attribute_ids": "the attributeId of each element of attributes, in the same order (null where none)",
}
#: ... and by table, where a name means something of its own there.
_TABLE_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "products": {
        "detail_crawl_id": "the crawl whose queryProductDetail answer this row holds (equal to crawl_id unless the "
        "row was carried forward from an earlier crawl)",
        "description_translated": "descriptionTrans: the description after AIGC translation",
        "selling_points": "sellingPoint: translated selling points",
        "image_urls_translated": "productImageTrans.images: the pictures after AIGC translation",
        "white_image_url": "productImage.whiteImage: the picture on a white background",
        "white_image_url_translated": "productImageTrans.whiteImage",
        "batch_number": "batchNumber: pieces per lot",
        "sold_count": "soldOut: units sold as the detail gives it (the API does not say over what period)",
        "tags": "tagInfoList: the service tags switched on (isOnePsale: dropshipping, select...)",
        "certificates": "certificateList: name, number and photos of each certificate",
        "cargo_number": "productCargoNumber: the seller's item number",
        "one_piece_free_postage": "fenxiaoSaleInfo.onePieceFreePostage: dropshipping ships free",
        "distribution_min_order_quantity": "fenxiaoSaleInfo.startQuantity: minimum order for distribution",
        "ship_from": "sendGoodsAddressText: where the offer ships from",
        "month_sold": "units sold in the last 30 days, from the search item that found the offer (details lack it)",
        "repurchase_rate": "fraction 0..1, from the search item that found the offer (details lack it)",
        "sales_7d": "units sold in the last 7 days, from the search item that found the offer (details lack it)",
        "modified_at": "modifyDate of the search item that found the offer (details lack it), stored as UTC",
        "listing_price": "priceInfo.price of the search item that found the offer when this detail was fetched, CNY: "
        "what a re-harvest (-a details=changed) compares the next listing with",
    },
    "skus": {
        "detail_crawl_id": "the crawl whose queryProductDetail answer this row holds (equal to crawl_id unless the "
        "row was carried forward from an earlier crawl)",
        "consign_price": "deprecated by the API (consignPrice is null or absent now): filled only when an answer "
        "still sends it, CNY",
        "channel_price": "channelPrice.channelSkuPriceList[].currentPrice of this SKU, CNY",
        "attribute_image_urls_translated": "skuImageUrlTrans of each element of attributes, in the same order",
        "weight_kg": "package weight, kg (skuShippingDetails' kg, else skuShippingInfoList's grams converted)",
        "ai_weight_kg": "aiWeight: the weight 1688's model predicts, kg",
        "ai_weight_accuracy_rate": "aiWeightAccuracy: how accurate predicted weights are in the offer's leaf "
        "category, fraction 0..1",
    },
    "sellers": {
        "pickup_within_48h_rate_30d": "collect30DayWithin48HPercent: share of orders picked up within 48 hours "
        "over 30 days, fraction 0..1",
        "quality_refund_rate_30d": "qualityRefundWithin30Day: share of quality refunds over 30 days, fraction 0..1",
        "mix_batch_general": "sellerMixSetting.generalHunpi: the seller allows mixed batches",
        "mix_batch_amount": "sellerMixSetting.mixAmount: minimum amount of a mixed batch, CNY",
        "mix_batch_quantity": "sellerMixSetting.mixNumber: minimum pieces of a mixed batch",
    },
    "categories": {
        "category_id": "categoryID of alibaba.category.get (0, the root, has no row)",
        "parent_id": "the parent category (0 for a first-level category)",
        "level": "1, 2 or 3 (1688 has three levels; level-3 categories are leaves)",
        "name": "the Chinese name (alibaba.category.get)",
        "name_translated": "translatedName of category.translation.getById in language; null when not asked "
        "(language zh) or when its call failed",
        "language": "the language name_translated is in, as the gateway answered it",
        "path": "the Chinese names from level 1 down to this category, joined by ' > '",
        "path_translated": "the translated names from level 1 down, joined by ' > ' (null where one is missing)",
        "path_ids": "the category ids from level 1 down to this one",
        "is_leaf": "isLeaf: no child category",
        "category_type": "categoryType as the category API gives it",
        "min_order_quantity": "minOrderQuantity of the category (null for a leaf: its own answer is not asked)",
        "supports_processing": "isSupportProcessing (null for a leaf)",
        "features": "featureInfos as key=value (null for a leaf)",
    },
    "freight": {
        "to_province_code": "toProvinceCode asked for (GB/T 2260, e.g. 330000)",
        "to_city_code": "toCityCode asked for (the province capital unless given)",
        "to_district_code": "toCountryCode (a district) asked for (the capital's first district unless given)",
        "quantity": "totalNum: pieces the estimate is for (-a freight_quantity)",
        "freight": "the estimated China-domestic freight of quantity pieces to the address, CNY",
        "free_postage": "freePostage: the seller pays the freight",
        "template_type": "templateType of the freight template",
        "sub_template_type": "subTemplateType of the freight template",
        "charge_type": "chargeType: 0 by weight, 1 by count, 2 by volume",
        "first_fee": "firstFee: the fee of the first unit, CNY",
        "first_unit": "firstUnit: the first unit (kg, pieces...) as the API gives it",
        "next_fee": "nextFee: the fee of each further unit, CNY",
        "next_unit": "nextUnit: the further unit as the API gives it",
        "discount": "discount applied to the freight (1 = none)",
        "size_value_type": "sizeValueType: whether the sizes are the offer's (1) or its SKUs' (2), as the API says",
        "weight_kg": "singleProductWeight: the weight the estimate used, kg",
        "length_cm": "singleProductLength, cm",
        "width_cm": "singleProductWidth, cm",
        "height_cm": "singleProductHeight, cm",
    },
    "trends": {
        "metric": "sell (units sold that day), price (30-day median price that day) or repurchase (repurchase rate)",
        "day": "the day the value is for (China)",
        "value": "the day's value as a number: units, CNY, or a fraction 0..1 for repurchase ('10%' is 0.10); "
        "null where the API gave none (days without data answer '')",
        "price": "the 30-day median price, exact, CNY (metric price only)",
        "raw": "the value as the API sent it",
    },
    "rejects": {
        "reason": "why the normaliser could not use the record: no_offer_id, no_price, not_an_object, "
        "unknown_source_api",
    },
    "media": {
        "sku_id": "the SKU whose picture this is (role sku); null for the offer's own media",
        "role": "main (productImage.images), sku (skuImageUrl), description (an <img> of the description) or "
        "video (mainVideo, then detailVideo)",
        "position": "order within the role: the picture's place in the list, the description or the SKU's "
        "attributes; video 0 is mainVideo, 1 detailVideo",
        "url": "the media's URL as the detail gave it (resolved against HARVEST_IMAGE_BASE_URL)",
        "status": "stored (the content is in HARVEST_MEDIA_STORE at path) or failed (see error)",
        "path": "where the content is, relative to HARVEST_MEDIA_STORE: named by its SHA-256, so every reference "
        "to the same content has the same path",
        "bytes": "size of the content",
        "width": "pixels (pictures: as the file says; videos: the first visual track's)",
        "height": "pixels (pictures: as the file says; videos: the first visual track's)",
        "checksum": "SHA-256 of the content, hex",
        "content_type": "Content-Type the media host sent",
        "http_status": "HTTP status of the download (null when no answer came)",
        "error": "why a failed download failed (http 404, timeout, too large, not a picture...)",
        "crawled_at": "UTC time the download ended (or failed)",
    },
    "search_hits": {"query": "the keyword, image or seller query of this hit"},
    "listings": {
        "query": "first keyword, image or seller query that found the offer this crawl (every hit: search_hits)",
        "source_api": "keyword_search, image_search or seller_offers",
        "image_url_translated": "aigcImageUrl: the picture after AIGC translation",
        "white_image_url": "whiteImage: the picture on a white background",
        "price": "priceInfo.price: the wholesale price search shows, CNY",
        "consign_price": "priceInfo.consignPrice: the dropshipping price, CNY",
        "promotion_price": "priceInfo.promotionPrice: the marketing price, CNY",
        "curated_price": "priceInfo.pfJxhyPrice: curated supply wholesale price, CNY",
        "curated_consign_price": "priceInfo.jxhyPrice: curated supply dropshipping price, CNY",
        "add_cart_count_7d": "times added to a cart in the last 7 days",
        "pay_buyer_count_7d": "buyers who paid in the last 7 days",
        "add_cart_count_30d": "times added to a cart in the last 30 days",
        "pay_buyer_count_30d": "buyers who paid in the last 30 days",
        "is_dropship": "isOnePsale: sold by the piece and shipped by the seller (dropshipping)",
        "seller_identities": "the seller's identities (super_factory, powerful_merchants, tp_member)",
        "seller_trade_medal_level": "sellerDataInfo.tradeMedalLevel (search items name no seller: its figures are "
        "columns here)",
        "seller_repeat_purchase_rate": "sellerDataInfo.repeatPurchasePercent (a percent in search answers) as a "
        "fraction 0..1",
        "seller_tp_years": "sellerDataInfo.tpYear: years of 诚信通 membership",
        "perfect_fulfillment_rate_30d": "fraction 0..1; the API's empty value is 0",
        "pickup_within_24h_rate_30d": "fraction 0..1; the API's empty value is 0",
        "quality_return_rate_30d": "fraction 0..1; the API's empty value is 0",
        "perfect_fulfillment_rate_7d": "fraction 0..1; the API's empty value is 0",
        "pickup_within_24h_rate_7d": "fraction 0..1; the API's empty value is 0",
        "delayed_shipping_rate_7d": "fraction 0..1; the API's empty value is 0",
        "company_name": "the shop's name (image search only)",
        "company_address": "the shop's province and city (image search only)",
        "applause_rate": "offerDataInfo.offerApplauseRate: share of positive reviews, fraction 0..1 (image search)",
        "featured_services": "offerDataInfo.kjFeaturedServices split at ';' (image search)",
        "quality_refund_rate_30d": "offerDataInfo.qualityRfdRate30d, fraction 0..1 (image search)",
        "repurchase_rate_30d": "offerDataInfo.repurchaseRate30d, fraction 0..1 (image search)",
        "pickup_rate_24h_30d": "offerDataInfo.pickupRate24h30d, fraction 0..1 (image search)",
    },
}


def description(table: str, column: str) -> str | None:
    """What ``table.column`` holds, where its name does not say."""
    return _TABLE_DESCRIPTIONS.get(table, {}).get(column) or _DESCRIPTIONS.get(column)


def schema_for(table: str, version: int = SCHEMA_VERSION) -> pa.Schema:
    """The schema of ``table`` as release ``version`` wrote it."""
    if TABLE_ADDED_IN.get(table, 1) > version:
        raise ValueError(f"schema version {version} has no {table} table (added in {TABLE_ADDED_IN[table]})")
    added = ADDED_IN.get(table, {})
    fields = []
    for f in _FIELDS[table]:
        if added.get(f.name, 1) > version:
            continue
        text = description(table, f.name)
        fields.append(f.with_metadata({"description": text}) if text else f)
    return pa.schema(fields, metadata={VERSION_KEY: str(version).encode(), b"table": table.encode()})


TABLES: dict[str, pa.Schema] = {name: schema_for(name) for name in _FIELDS}
PRODUCTS = TABLES["products"]
SKUS = TABLES["skus"]
SELLERS = TABLES["sellers"]
CHANGES = TABLES["changes"]
MISSING = TABLES["missing"]
SEARCH_HITS = TABLES["search_hits"]
LISTINGS = TABLES["listings"]
REJECTS = TABLES["rejects"]
QUERIES = TABLES["queries"]
CATEGORIES = TABLES["categories"]
FREIGHT = TABLES["freight"]
TRENDS = TABLES["trends"]


def schema_version(schema: pa.Schema) -> int | None:
    """The version a file's schema declares, or None for a file this project did not write."""
    raw = (schema.metadata or {}).get(VERSION_KEY)
    return int(raw) if raw is not None and raw.isdigit() else None


def reader_schema(table: str) -> pa.Schema:
    """``table``'s current schema plus its ``crawl_date`` partition column: what to hand a reader.

    Readers that take their schema from the first file they open (polars,
    pandas through pyarrow) would otherwise drop the columns that newer files
    added; given this schema they return nulls for older files instead.
    """
    return TABLES[table].append(pa.field("crawl_date", pa.date32()))
