"""Which table each item class fills.

A Product fills up to five: its own row in ``products``, its SKUs in
``skus``, its seller in ``sellers`` and, in a monitoring crawl, its changes
in ``changes``, and with ``-a media`` its pictures and videos in ``media``; a MissingOffer fills ``missing`` and may carry its
``changes`` row too. Every other item is one row of one table (a Listing
one row of ``listings``).
"""

from __future__ import annotations

from ..items import (
    Category,
    Change,
    FreightEstimate,
    Listing,
    MediaFile,
    MissingOffer,
    Product,
    QueryRecord,
    Reject,
    SearchHit,
    Seller,
    Sku,
    TrendPoint,
)

#: ``source_api`` of products rows made from a search listing alone (versions before one detail call per offer
#: wrote them when a detail failed): such an offer still lacks its detail, so it is not done (a resume fetches it)
#: and a detailed row of the same offer wins over it (``scrapy compact``).
SEARCH_ONLY_SOURCES = frozenset(("keyword_search", "image_search", "seller_offers"))

TABLE_OF: dict[type, str] = {
    Product: "products",
    Listing: "listings",
    Sku: "skus",
    Seller: "sellers",
    Change: "changes",
    SearchHit: "search_hits",
    Reject: "rejects",
    MissingOffer: "missing",
    QueryRecord: "queries",
    Category: "categories",
    FreightEstimate: "freight",
    TrendPoint: "trends",
    MediaFile: "media",
}
