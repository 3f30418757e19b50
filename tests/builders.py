"""Crawlers, fixtures and small datasets for the tests of items, normaliser, pipelines and the dataset."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from harvester import settings as project_settings
from harvester.crawl import CrawlIdentity, started_at_of
from harvester.dataset.writer import DatasetWriter, WriterOptions
from harvester.items import RawOffer
from harvester.normalise import normalise_offer

FIXTURES = Path(__file__).parent / "fixtures"


def make_crawler(**settings: Any) -> Crawler:
    """A crawler with the project's settings (spiders left out) and ``settings`` on top."""
    values = {name: value for name, value in vars(project_settings).items() if name.isupper()}
    values["SPIDER_MODULES"] = []
    values.update(settings)
    return get_crawler(settings_dict=values)


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def fixture_offers(fetched_at: datetime) -> list[RawOffer]:
    """Every offer of the fixtures as a spider would yield it: details found by keywords, a batch, search-only ones."""
    search = load("search_items.json")["data"]
    by_id = {str(item["offerId"]): item for item in search}
    offers = [RawOffer("product_detail", load("product_detail.json"), "保温杯", by_id["624108453870"], fetched_at)]
    for data in load("batch_detail.json")["productList"]:
        offers.append(RawOffer("batch_detail", data, None, by_id.get(str(data.get("productID"))), fetched_at))
    for item in search[2:]:
        offers.append(RawOffer("keyword_search", item, "保温杯", item, fetched_at))
    return offers


def normalised(offers: Iterable[RawOffer], crawl_id: str | None = None) -> tuple[list[Any], Counter[str]]:
    notes: Counter[str] = Counter()

    def note(what: str) -> None:
        notes[what] += 1

    return [normalise_offer(raw, note, crawl_id=crawl_id) for raw in offers], notes


def write_crawl(root: Path, crawl_id: str, items: Iterable[Any], **options: Any) -> DatasetWriter:
    """Write ``items`` as one complete crawl, as the dataset pipeline would."""
    started = started_at_of(crawl_id) or datetime.now(UTC)
    writer = DatasetWriter(root, CrawlIdentity(crawl_id, started, "test"), WriterOptions(**options))
    writer.open()
    for item in items:
        writer.add(item)
        writer.hand_off(wait=True)
    writer.close()
    assert writer.error is None, writer.error
    return writer
