"""Which table each item class fills.

A Product fills three: its own row in ``products``, its SKUs in ``skus``
and its seller in ``sellers``; every other item is one row of one table.
"""

from __future__ import annotations

from ..items import Change, Product, Reject, SearchHit, Seller, Sku

TABLE_OF: dict[type, str] = {
    Product: "products",
    Sku: "skus",
    Seller: "sellers",
    Change: "changes",
    SearchHit: "search_hits",
    Reject: "rejects",
}
