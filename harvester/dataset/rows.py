"""Which table each item goes to, and its row as a tuple in the table's column order.

A Product brings its SKU rows and its seller row along; every other item
is one row of one table. ``attrgetter`` over all column names reads a whole
row in one C call, which is what lets the writer keep up with the
normaliser.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import attrgetter
from typing import Any

from ..items import Change, Product, Reject, SearchHit, Seller, Sku
from ..schema import TABLES

TABLE_OF: dict[type, str] = {
    Product: "products",
    Sku: "skus",
    Seller: "sellers",
    Change: "changes",
    SearchHit: "search_hits",
    Reject: "rejects",
}
ROW_OF: dict[str, attrgetter] = {table: attrgetter(*schema.names) for table, schema in TABLES.items()}

_product_row = ROW_OF["products"]
_sku_row = ROW_OF["skus"]
_seller_row = ROW_OF["sellers"]


def rows_of(item: Any) -> Iterator[tuple[str, tuple]]:
    """``(table, row)`` pairs for one item; nothing for items the dataset does not store."""
    if type(item) is Product:
        yield "products", _product_row(item)
        for sku in item.skus:
            yield "skus", _sku_row(sku)
        if item.seller is not None:
            yield "sellers", _seller_row(item.seller)
        return
    table = TABLE_OF.get(type(item))
    if table is not None:
        yield table, ROW_OF[table](item)
