"""Crawlers, fixtures and small datasets for the tests of items, normaliser, pipelines and the dataset."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from harvester import settings as project_settings
from harvester.crawl.identity import CrawlIdentity, started_at_of
from harvester.dataset.writer import DatasetWriter, WriterOptions
from harvester.items import Listing, MissingOffer, Product, RawListing, RawOffer, SearchHit
from harvester.normalise import normalise_listing, normalise_offer

FIXTURES = Path(__file__).parent / "fixtures"


def make_crawler(**settings: Any) -> Crawler:
    """A crawler with the project's settings (spiders left out) and ``settings`` on top."""
    values = {name: value for name, value in vars(project_settings).items() if name.isupper()}
    values["SPIDER_MODULES"] = []
    values.update(settings)
    return get_crawler(settings_dict=values)


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def fixture_offers(fetched_at: datetime) -> list[RawListing | RawOffer]:
    """Every record of the fixtures as a spider would yield it: one keyword's search page (a listing per item),
    the details of what it found (with the item that found each), and details fetched by id (no listing)."""
    search = load("search_items.json")["data"]
    by_id = {str(item.get("offerId")): item for item in search}
    raws: list[RawListing | RawOffer] = [RawListing("keyword_search", item, "保温杯", fetched_at) for item in search]
    raws.append(RawOffer("product_detail", load("product_detail.json"), "保温杯", by_id["624108453870"], fetched_at))
    for data in load("product_details.json"):
        item = by_id.get(str(data.get("offerId")))
        raws.append(RawOffer("product_detail", data, "保温杯" if item else None, item, fetched_at))
    return raws


def normalised(raws: Iterable[RawListing | RawOffer], crawl_id: str | None = None) -> tuple[list[Any], Counter[str]]:
    """Each raw record through its tier's normaliser, and how often each value was repaired or dropped."""
    notes: Counter[str] = Counter()

    def note(what: str) -> None:
        notes[what] += 1

    items = [
        normalise_listing(raw, note, crawl_id=crawl_id)
        if type(raw) is RawListing
        else normalise_offer(raw, note, crawl_id=crawl_id)  # type: ignore[arg-type]
        for raw in raws
    ]
    return items, notes


def write_crawl(
    root: Path,
    crawl_id: str,
    items: Iterable[Any],
    worker: str = "test",
    started: datetime | None = None,
    **options: Any,
) -> DatasetWriter:
    """Write ``items`` as one complete crawl (or one worker's share of it), as the dataset pipeline would."""
    started = started_at_of(crawl_id) or started or datetime.now(UTC)
    writer = DatasetWriter(root, CrawlIdentity(crawl_id, started, worker), WriterOptions(**options))
    writer.open()
    for item in items:
        writer.add(item)
        writer.hand_off(wait=True)
    writer.close()
    assert writer.error is None, writer.error
    return writer


# --- A dataset that compaction has work in: several workers of one crawl, overlapping ----------------------

COMPACT_CRAWL = "20261128T080000Z-c0ffee"
COMPACT_OTHER_CRAWL = "20261128T200000Z-0ther0"
_COMPACT_FETCHED = datetime(2026, 11, 28, 8, 5, tzinfo=UTC)


def many_products(offer_ids: range, crawl_id: str = COMPACT_CRAWL) -> list[Product]:
    """Products with their SKUs and seller, one per offer id, made from the fixture's first detailed offer."""
    items, _ = normalised(fixture_offers(_COMPACT_FETCHED), crawl_id=crawl_id)
    model = next(item for item in items if type(item) is Product and item.skus)
    made = []
    for offer_id in offer_ids:
        skus = [dataclasses.replace(sku, offer_id=offer_id) for sku in model.skus]
        made.append(dataclasses.replace(model, offer_id=offer_id, skus=skus))
    return made


def _hits_and_missing(offer_ids: range) -> list[Any]:
    """Search hits and listings of ``offer_ids``, and as many missing offers."""
    hits: list[Any] = [SearchHit("保温杯", offer_id, 1, offer_id % 50, _COMPACT_FETCHED) for offer_id in offer_ids]
    hits += [
        Listing(
            offer_id,
            price=Decimal("9.9"),
            sales_7d=offer_id,
            query="保温杯",
            source_api="keyword_search",
            crawled_at=_COMPACT_FETCHED,
        )
        for offer_id in offer_ids
    ]
    return hits + [MissingOffer(offer_id + 10_000, "商品不存在", _COMPACT_FETCHED) for offer_id in offer_ids]


def write_worker(root: Path, crawl_id: str, worker: str, items: Iterable[Any]) -> None:
    """One worker's part files, tiny (row groups of 3, files of 6), so that each worker leaves several."""
    write_crawl(root, crawl_id, items, worker, _COMPACT_FETCHED, row_group_rows=3, file_rows=6)


def two_workers_dataset(root: Path) -> Path:
    """Two workers of COMPACT_CRAWL that both wrote offers 10..19 (products, SKUs, seller, search hits, listings,
    missing),
    and five offers of COMPACT_OTHER_CRAWL the same day."""
    write_worker(root, COMPACT_CRAWL, "host_a_1", [*many_products(range(20)), *_hits_and_missing(range(20))])
    write_worker(root, COMPACT_CRAWL, "host_b_2", [*many_products(range(10, 30)), *_hits_and_missing(range(10, 30))])
    write_worker(root, COMPACT_OTHER_CRAWL, "host_c_3", many_products(range(5), COMPACT_OTHER_CRAWL))
    return root
