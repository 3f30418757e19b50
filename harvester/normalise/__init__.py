"""One normaliser per tier: search result items -> Listing rows, queryProductDetail answers -> Products.

Both tiers are noisy: nulls, numbers as strings, full-width characters,
stray whitespace, duplicate SKUs, the pages' placeholders. Each raw answer
becomes one row item (a :class:`~harvester.items.Listing`, or a
:class:`~harvester.items.Product` carrying its SKUs and seller) or, when
nothing usable is left, a :class:`~harvester.items.Reject` that keeps the
raw record.

Nothing here raises on bad input and nothing is dropped silently: every
value that is repaired or dropped is reported through the ``note``
callback as ``repaired/<reason>`` or ``dropped/<reason>`` (the pipeline
turns those into stats). Money is exact (``Decimal``, never float; see
:mod:`.scalars`).

Modules: :mod:`.scalars` single values, :mod:`.parts` the lists inside an
offer, :mod:`.skus` the SKU rows, :mod:`.detail` the detail tier,
:mod:`.listing` the listing tier, :mod:`.rejects` what both share.
Written for speed: the detail runs once per offer on the reactor thread
(``benchmarks/pipeline_throughput.py`` measures it).
"""

from .detail import normalise_offer
from .listing import normalise_listing
from .scalars import absolute_url, parse_int, parse_money

__all__ = ["absolute_url", "normalise_listing", "normalise_offer", "parse_int", "parse_money"]
