"""The sandbox's catalogue: a million or more offers that exist only as functions of (seed, index).

``Catalogue`` is the one object the gateway talks to. It owns no offers: an
offer id is a keyed permutation of an index, and every fact about the offer
is computed from the index when asked, so start-up takes milliseconds and
memory stays flat whatever the size. Recently built records (2,048) and
images (256) are kept in LRU caches because a crawl asks for the same offer
several times (search page, detail, image).

Documented keywords (exact counts in the default catalogue, seed 1688 and
1,000,000 offers, no filters) are in :data:`DOCUMENTED_KEYWORDS`; tests
hold the catalogue to them and the README quotes them.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache

from . import driftlog, freight, regions, sales, trends, vocabulary
from .categories import CategoryTree
from .drift import DEFAULT_SHARE, SELLER_EDITS, Drift
from .driftlog import DriftEvent
from .facets import Facet, Navigation
from .images import SELLER_BANNER, SELLER_BANNER_COPY, ImageMatch, ImagePaths, VisualCodes
from .layout import Block, Layout
from .listing import Listing, ListingFacts
from .lru import LruCache
from .offers import OfferBuilder
from .records import Category, Offer, Seller
from .scramble import Feistel
from .search import SaleRange, SearchEngine, SearchRequest
from .sellers import SellerDirectory
from .videos import MAIN, VideoPaths, frame, mp4

DEFAULT_SEED = 1688
DEFAULT_SIZE = 1_000_000
OFFER_ID_BASE = 500_000_000_000
_ID_BITS = 36
#: Spreads category hues around the colour wheel (golden ratio).
_HUE_STEP = 0.6180339887

#: Keywords whose exact result counts (seed 1688, 1,000,000 offers, no filters, epoch 0) are documented.
DOCUMENTED_KEYWORDS: dict[str, int] = {
    "手机壳": 62_000,
    "数据线": 48_000,
    "T恤": 48_000,
    "保温杯": 25_000,
    # The generic one: 7 categories (保温杯, 炒锅, 餐具, 拖把, 置物架, 衣架, 宠物碗); split by categoryId.
    "不锈钢": 23_073,
    "儿童保温杯": 5_037,
    "不锈钢保温杯": 4_948,
    "风筝": 900,
    "毛笔": 450,
    "茶具": 380,
    "紫砂茶具": 130,
    "算盘": 60,
}


class UnknownOffer(KeyError):
    """An offer id that is not in the catalogue, or no longer is at the requested epoch."""


class Catalogue:
    def __init__(self, seed: int = DEFAULT_SEED, size: int = DEFAULT_SIZE, drift_share: float = DEFAULT_SHARE):
        if not 1 <= size < 1 << _ID_BITS:
            raise ValueError(f"a catalogue holds 1 to {(1 << _ID_BITS) - 1} offers, not {size}")
        self.seed = seed
        self.size = size
        self.drift_share = drift_share
        self.layout = Layout(seed, size)
        self._ids = Feistel(seed, "offer-id", _ID_BITS)
        self.listings = ListingFacts(seed)
        self.sellers = SellerDirectory(seed, self.layout)
        self.image_paths = ImagePaths(seed)
        self.video_paths = VideoPaths(seed)
        self.visual_codes = VisualCodes(seed, size)
        self.builder = OfferBuilder(
            seed, self.layout, self.listings, self.sellers, self.image_paths, self.video_paths, self.offer_id
        )
        self.sales = sales.SalesSeries(seed)
        self.drift = Drift(seed, self.builder, drift_share, self.sales)
        self._engine = SearchEngine(
            self.layout,
            self.listings,
            certified=lambda seller: self.sellers.seller(seller).certified_factory,
            gone=self.drift.gone,
            offer_id=self.offer_id,
        )
        self._trends = trends.TrendSeries(seed)
        self._freight = freight.FreightTemplates(seed)
        self.category_tree = CategoryTree()
        self._blocks_by_category = {block.category.id: block for block in self.layout.blocks}
        self._records: LruCache[tuple[int, int], Offer | None] = LruCache(2048)
        self._jpegs = lru_cache(maxsize=256)(self._render)
        self._videos = lru_cache(maxsize=64)(self._film)

    # --- identifiers ------------------------------------------------------

    def offer_id(self, index: int) -> int:
        return OFFER_ID_BASE + self._ids.encrypt(index)

    def index_of(self, offer_id: int) -> int | None:
        """The index behind an offer id, or ``None`` for an id the catalogue never had."""
        if not isinstance(offer_id, int) or not 0 <= offer_id - OFFER_ID_BASE < 1 << _ID_BITS:
            return None
        index = self._ids.decrypt(offer_id - OFFER_ID_BASE)
        return index if index < self.size else None

    # --- offers -----------------------------------------------------------

    def exists(self, offer_id: int, epoch: int = 0) -> bool:
        return self.live_index(offer_id, epoch) is not None

    def live_index(self, offer_id: int, epoch: int = 0) -> int | None:
        """The index of an offer that exists at ``epoch``, or ``None``."""
        index = self.index_of(offer_id)
        return None if index is None or self.drift.gone(index, epoch) else index

    def offer(self, offer_id: int, epoch: int = 0) -> Offer:
        """The truth record of an offer at a drift epoch (0 = as generated).

        Raises :class:`UnknownOffer` for ids the catalogue never had and for offers gone by ``epoch``.
        """
        index = self.index_of(offer_id)
        if index is None:
            raise UnknownOffer(offer_id)
        key = (index, epoch)
        if key in self._records:
            record = self._records[key]
        else:
            record = self._records.put(key, self._build(index, epoch))
        if record is None:
            raise UnknownOffer(offer_id)
        return record

    def _build(self, index: int, epoch: int) -> Offer | None:
        if not epoch:
            return self.builder.build(index)
        base = self._records[(index, 0)] if (index, 0) in self._records else self.builder.build(index)
        return self.drift.apply(base, index, epoch)  # type: ignore[arg-type]

    # --- drift log ----------------------------------------------------------

    def drift_log(self, from_epoch: int, to_epoch: int, offer_ids: Iterable[int]) -> list[DriftEvent]:
        """What changed between two epochs for some offers, by offer id and epoch.

        Ids the catalogue never had, and offers already gone at ``from_epoch``, have no events.
        """
        _epochs(from_epoch, to_epoch)
        events: list[DriftEvent] = []
        for offer_id in sorted(set(offer_ids)):
            index = self.index_of(offer_id)
            if index is not None:
                events.extend(self._drift_events(index, from_epoch, to_epoch))
        return events

    def drift_page(
        self, from_epoch: int, to_epoch: int, cursor: int, limit: int
    ) -> tuple[list[DriftEvent], int | None]:
        """The drift log of catalogue positions ``cursor`` to ``cursor + limit``, and the next cursor (``None``
        after the last page): the whole catalogue, page by page."""
        _epochs(from_epoch, to_epoch)
        if cursor < 0 or limit < 1:
            raise ValueError("the cursor must not be negative and the limit must be at least 1")
        stop = min(self.size, cursor + limit)
        events = [event for index in range(cursor, stop) for event in self._drift_events(index, from_epoch, to_epoch)]
        events.sort(key=lambda event: (event.offer_id, event.epoch))
        return events, stop if stop < self.size else None

    def _drift_events(self, index: int, from_epoch: int, to_epoch: int) -> list[DriftEvent]:
        change = self.drift.change
        if all(change(index, step) is None for step in range(from_epoch + 1, to_epoch + 1)) or self.drift.gone(
            index, from_epoch
        ):
            return []
        offer_id = self.offer_id(index)
        before = self.offer(offer_id)
        history = self.drift.history(before, index, to_epoch)
        events = []
        for day in history.days:
            if day.kind is not None and day.epoch > from_epoch:
                events.append(
                    DriftEvent(
                        offer_id, day.epoch, day.kind, day.kind in SELLER_EDITS, driftlog.diff(before, day.offer)
                    )
                )
            before = day.offer
        if history.offer is None:
            events.append(driftlog.gone(offer_id, len(history.days) + 1))
        return events

    def listing(self, index: int) -> Listing:
        return self.listings.listing(index, self.layout.block_of(index))

    def block(self, index: int) -> Block:
        return self.layout.block_of(index)

    @property
    def categories(self) -> tuple[Category, ...]:
        return tuple(block.category for block in self.layout.blocks)

    # --- sellers ----------------------------------------------------------

    def seller(self, open_id: str) -> Seller | None:
        number = self.sellers.number(open_id)
        return None if number is None else self.sellers.seller(number)

    def seller_of(self, offer_id: int) -> Seller:
        index = self.index_of(offer_id)
        if index is None:
            raise UnknownOffer(offer_id)
        return self.sellers.seller(self.layout.seller_of(index))

    # --- search -----------------------------------------------------------

    def search(
        self,
        *,
        keyword: str | None = None,
        keyword_translate: bool = False,
        seller_open_id: str | None = None,
        image_match: ImageMatch | None = None,
        image_search: bool = False,
        price_start: Decimal | None = None,
        price_end: Decimal | None = None,
        category_ids: Iterable[int] = (),
        filters: Iterable[str] = (),
        sort: tuple[str, str] | None = None,
        epoch: int = 0,
        sales: Iterable[SaleRange] = (),
        sales_inclusive: bool = True,
        facet: Facet | None = None,
    ) -> array:
        """The complete ordered list of matching offer ids (before any cap or paging).

        Give a keyword, a seller, or an image search (``image_search=True`` with the
        ``image_match`` an upload produced, ``None`` when it matched nothing);
        a keyword given with a seller or an image narrows them.
        """
        request = self._request(
            keyword,
            keyword_translate,
            seller_open_id,
            image_match,
            image_search,
            price_start,
            price_end,
            category_ids,
            filters,
            sort,
            epoch,
            sales,
            sales_inclusive,
            facet,
        )
        return array("q") if request is None else self._engine.search(request)

    def navigation(self, keyword: str, keyword_translate: bool = False) -> list[tuple[Navigation, list[str]]]:
        """The search navigation of a keyword (``keywordSNQuery``): its matches' facets, most offers first."""
        request = self._request(keyword, keyword_translate)
        return [] if request is None else self._engine.navigation(request)

    def _request(
        self,
        keyword: str | None = None,
        keyword_translate: bool = False,
        seller_open_id: str | None = None,
        image_match: ImageMatch | None = None,
        image_search: bool = False,
        price_start: Decimal | None = None,
        price_end: Decimal | None = None,
        category_ids: Iterable[int] = (),
        filters: Iterable[str] = (),
        sort: tuple[str, str] | None = None,
        epoch: int = 0,
        sales: Iterable[SaleRange] = (),
        sales_inclusive: bool = True,
        facet: Facet | None = None,
    ) -> SearchRequest | None:
        """The engine's request, or ``None`` for a seller the catalogue does not know."""
        seller = None
        if seller_open_id is not None:
            seller = self.sellers.number(seller_open_id)
            if seller is None:
                return None
        return SearchRequest(
            keyword=keyword,
            keyword_translate=keyword_translate,
            seller=seller,
            image_index=image_match.index if image_match else None,
            image_unmatched=image_search and image_match is None,
            price_start=price_start,
            price_end=price_end,
            category_ids=tuple(sorted(set(category_ids))),
            filters=tuple(sorted(set(filters))),
            sort=sort,
            epoch=epoch,
            sales=tuple(sales),
            sales_inclusive=sales_inclusive,
            facet=facet,
        )

    # --- freight ----------------------------------------------------------

    def freight(
        self,
        offer_id: int,
        province: str,
        city: str,
        district: str,
        total: int,
        quantities: Sequence[tuple[int, int]] = (),
        epoch: int = 0,
    ) -> freight.Estimate:
        """``product.freight.estimate`` of an offer as it is at ``epoch`` (:mod:`freight`): ``total`` pieces to an
        address given as the page's province, city and district codes, ``quantities`` the (SKU id, pieces) the
        request names, if any.

        Raises :class:`UnknownOffer`, :class:`regions.AddressError` and :class:`freight.FreightRequestError`.
        """
        target = regions.destination(province, city, district)
        index = self.live_index(offer_id, epoch)
        if index is None:
            raise UnknownOffer(offer_id)
        return self._freight.estimate(
            self.offer(offer_id, epoch), self.layout.seller_of(index), target, total, quantities
        )

    # --- trends -----------------------------------------------------------

    def trend(self, offer_id: int, metric: str, start: date, end: date, epoch: int = 0) -> list[str]:
        """A ``product.analyze.*`` series of an offer as of ``epoch`` (:mod:`trends`): one value a day from
        ``start`` to ``end``, ``""`` where there is none.

        Raises :class:`UnknownOffer` for offers gone by ``epoch`` and :class:`trends.TrendRequestError` for
        dates the pages refuse.
        """
        trends.check_window(start, end, sales.today(epoch))
        index = self.live_index(offer_id, epoch)
        if index is None:
            raise UnknownOffer(offer_id)
        base = self.offer(offer_id)
        listing = self.listing(index)
        return self._trends.values(
            metric,
            index,
            start,
            end,
            today=epoch,
            created=-listing.create_days,
            past=self.sales.past(index, listing),
            days=self.drift.history(base, index, epoch).days,
            price=base.price,
            repurchase=listing.repurchase_percent,
        )

    # --- categories -------------------------------------------------------

    def hot_keywords(self, category_id: int, limit: int) -> list[tuple[str, str, int]]:
        """``product.search.topKeyword``: keywords of a category, Chinese and English, and the offers each finds
        in it (epoch 0), most first.

        Each leaf category's own term is always listed (it is in every title of the leaf, so searching the list
        with ``categoryId`` covers the category); then, up to ``limit`` keywords in all, the commonest of a
        kind or trait with a leaf's term (``磁吸手机壳``), each a keyword search finds as two terms.
        """
        tokeniser = self._engine.tokeniser
        heads: list[tuple[str, str, int]] = []
        combinations: list[tuple[str, str, int]] = []
        for leaf in self.category_tree.leaves_under(category_id):
            block = self._blocks_by_category.get(leaf.id)
            if block is None:
                continue
            heads.append((leaf.head, vocabulary.TERMS[leaf.head], block.size))
            kinds, traits = self._engine.term_counts(block)
            for terms, counts in ((leaf.kinds, kinds), (leaf.traits, traits)):
                for term, count in zip(terms, counts, strict=True):
                    keyword = term + leaf.head
                    expected = tuple(sorted({term, leaf.head}))
                    if count and tokeniser.terms(keyword, True) == tokeniser.terms(keyword) == expected:
                        combinations.append((keyword, f"{vocabulary.TERMS[term]} {vocabulary.TERMS[leaf.head]}", count))

        def hottest(entry: tuple[str, str, int]) -> tuple[int, str]:
            return -entry[2], entry[0]

        combinations.sort(key=hottest)
        return sorted(heads + combinations[: max(0, limit - len(heads))], key=hottest)

    # --- images -----------------------------------------------------------

    def image_jpeg(self, offer_id: int, image_no: int = 0) -> bytes:
        """The JPEG of one of an offer's images (0 = main image); every image carries the offer's visual code."""
        index = self.index_of(offer_id)
        if index is None:
            raise UnknownOffer(offer_id)
        return self._jpegs(index, image_no)

    def image_at(self, path: str) -> bytes | None:
        """The JPEG an image path of an answer points at, or ``None`` for a path that is not ours."""
        decoded = self.image_paths.decode(path)
        if decoded is None or decoded[0] >= self.size:
            return None
        index, number = decoded
        if number in (SELLER_BANNER, SELLER_BANNER_COPY):
            # A seller's banner: both uploads serve the same bytes.
            return self._jpegs(index, SELLER_BANNER) if index < self.layout.seller_count else None
        return self._jpegs(index, number)

    def video_at(self, path: str) -> bytes | None:
        """The MP4 a video path of an answer points at, or ``None`` for a path that is not an offer's video."""
        decoded = self.video_paths.decode(path)
        if decoded is None or decoded[0] >= self.size:
            return None
        offer = self.offer(self.offer_id(decoded[0]))
        if path not in (offer.main_video_path, offer.detail_video_path):
            return None
        return self._videos(*decoded)

    def _film(self, index: int, kind: int) -> bytes:
        """A main video shows the first three pictures, a detail video the first two in reverse."""
        numbers = (0, 1, 2) if kind == MAIN else (1, 0)
        return mp4(frame(self._jpegs(index, number)) for number in numbers)

    def match_image(self, data: bytes) -> ImageMatch | None:
        """The offer an uploaded image shows; raises ``ValueError`` when the bytes are not an image."""
        return self.visual_codes.match(data)

    def _render(self, index: int, image_no: int) -> bytes:
        hue = (self.layout.block_of(index).position * _HUE_STEP) % 1.0
        return self.visual_codes.render(index, image_no, hue)


def _epochs(from_epoch: int, to_epoch: int) -> None:
    if not 0 <= from_epoch <= to_epoch:
        raise ValueError(f"epochs {from_epoch} to {to_epoch}: give 0 <= from <= to")
