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
``missing`` table.
"""

from __future__ import annotations

import pyarrow as pa

#: Version written into every file's schema metadata (``schema_version``).
SCHEMA_VERSION = 3
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
    ],
    "sellers": [
        pa.field("seller_open_id", pa.string(), nullable=False),
        pa.field("company_name", pa.string()),
        pa.field("trade_medal_level", pa.int32()),
        pa.field("composite_service_score", pa.float64()),
        pa.field("logistics_experience_score", pa.float64()),
        pa.field("dispute_complaint_score", pa.float64()),
        pa.field("offer_experience_score", pa.float64()),
        pa.field("consulting_experience_score", pa.float64()),
        pa.field("after_sales_experience_score", pa.float64()),
        pa.field("repeat_purchase_rate", pa.float64()),
        *_crawl_columns(),
        # Added in version 3.
        pa.field("supplier_login_id", pa.string()),
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
    "rejects": [
        pa.field("raw", pa.string(), nullable=False),
        pa.field("source_api", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
        *_crawl_columns(),
    ],
}

#: Columns added after version 1, by table: column name -> the version that added it.
ADDED_IN: dict[str, dict[str, int]] = {
    "products": {
        "description": 2, "unit_translated": 2, "quote_type": 2, "supplier_login_id": 2,
        "status": 3, "search_rank": 3, "found_by": 3,
    },
    "sellers": {"supplier_login_id": 3},
    "changes": {"previous_crawl_id": 3},
}  # fmt: skip
#: Tables added after version 1: table -> the version that added it.
TABLE_ADDED_IN: dict[str, int] = {"missing": 3}

#: Column documentation carried into each field's metadata, for readers that show it.
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
    "supplier_login_id": "the seller's login id (alibaba.cross.productList's supplierLoginId): joins products "
    "fetched in batch to their seller",
    "field": "what changed: price_min, price_max, price_ranges, stock, status, title, offer (listed -> missing); "
    "per SKU: price, consign_price, promotion_price, stock, sku (appeared or vanished, as its spec_key)",
    "old_value": "the value in the previous snapshot as exact text (prices without trailing zeros); null: absent",
    "new_value": "the value in this crawl as exact text; null: absent",
    "previous_crawl_id": "the crawl compared against",
    "reason": "what the gateway said (e.g. 商品不存在)",
    "repeat_purchase_rate": "sellerDataInfo.repeatPurchasePercent as a fraction 0..1",
    "crawled_at": "UTC time the API answer arrived",
}


def schema_for(table: str, version: int = SCHEMA_VERSION) -> pa.Schema:
    """The schema of ``table`` as release ``version`` wrote it."""
    if TABLE_ADDED_IN.get(table, 1) > version:
        raise ValueError(f"schema version {version} has no {table} table (added in {TABLE_ADDED_IN[table]})")
    added = ADDED_IN.get(table, {})
    fields = [
        f.with_metadata({"description": _DESCRIPTIONS[f.name]}) if f.name in _DESCRIPTIONS else f
        for f in _FIELDS[table]
        if added.get(f.name, 1) <= version
    ]
    return pa.schema(fields, metadata={VERSION_KEY: str(version).encode(), b"table": table.encode()})


TABLES: dict[str, pa.Schema] = {name: schema_for(name) for name in _FIELDS}
PRODUCTS = TABLES["products"]
SKUS = TABLES["skus"]
SELLERS = TABLES["sellers"]
CHANGES = TABLES["changes"]
MISSING = TABLES["missing"]
SEARCH_HITS = TABLES["search_hits"]
REJECTS = TABLES["rejects"]


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
