"""A resumed crawl's seen-sets start with what its earlier runs already wrote: details and listings alike.

After a kill Scrapy's JOBDIR state is dropped, so the seeding is what keeps
offers from being written twice; after a clean stop the dupefilter would,
but the seen-sets (in memory) were lost with the run, so they are seeded too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from harvester.crawl.jobdir import JobState, save
from harvester.crawl.resume import build_seen_set
from harvester.items import Listing, MissingOffer, Product, Sku
from tests.builders import make_crawler, write_crawl

CRAWL = "20250501T080000Z-4e5a3e"
NOW = datetime(2025, 5, 1, 8, 5, tzinfo=UTC)


def _product(offer_id: int) -> Product:
    return Product(offer_id, price_min=Decimal(1), skus=[Sku(offer_id, None, None, "", [], Decimal(1))], crawled_at=NOW)


def _killed_crawl(tmp_path):
    """A dataset with the killed run's committed files, and its JOBDIR as a kill leaves it."""
    data, jobdir = tmp_path / "data", tmp_path / "job"
    write_crawl(
        data,
        CRAWL,
        [
            _product(1),
            _product(2),
            MissingOffer(3, "商品不存在", NOW),
            Listing(1, crawled_at=NOW),
            Listing(4, crawled_at=NOW),
            Listing(5, crawled_at=NOW),
        ],
    )
    write_crawl(data, "20250401T080000Z-0ther0", [Listing(6, crawled_at=NOW)])  # another crawl's: not this one's
    save(str(jobdir), JobState(CRAWL, clean=False))
    (jobdir / "requests.seen").write_text("")
    return make_crawler(HARVEST_DATA_DIR=str(data), JOBDIR=str(jobdir))


def test_listings_already_written_are_not_written_again(tmp_path):
    crawler = _killed_crawl(tmp_path)
    listings = build_seen_set(crawler, "listings")
    assert [listings.add(offer_id) for offer_id in (1, 4, 5, 6, 2)] == [False, False, False, True, True]


def test_details_already_written_are_not_fetched_again(tmp_path):
    crawler = _killed_crawl(tmp_path)
    offers = build_seen_set(crawler, "offers")
    assert [offers.add(offer_id) for offer_id in (1, 2, 3, 4)] == [False, False, False, True]


def test_after_a_clean_stop_too(tmp_path):
    crawler = _killed_crawl(tmp_path)
    save(crawler.settings["JOBDIR"], JobState(CRAWL, clean=True))
    assert [build_seen_set(crawler, "listings").add(offer_id) for offer_id in (1, 6)] == [False, True]
    assert [build_seen_set(crawler, "offers").add(offer_id) for offer_id in (3, 4)] == [False, True]


def test_a_fresh_crawl_seeds_nothing(tmp_path):
    crawler = _killed_crawl(tmp_path)
    fresh = make_crawler(HARVEST_DATA_DIR=crawler.settings["HARVEST_DATA_DIR"], JOBDIR=str(tmp_path / "other"))
    assert build_seen_set(fresh, "listings").add(1) and build_seen_set(fresh, "offers").add(1)
