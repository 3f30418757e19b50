"""The switch: HARVEST_DISTRIBUTED installs the distributed parts (scheduler, unit feed, seen-sets, split ledger)."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from harvester import settings as project_settings
from harvester.distributed.addon import PARTS, Distributed
from harvester.distributed.keys import CrawlKeys, shared_crawl_id
from harvester.exceptions import ArgumentError, ConfigurationError
from harvester.spiders.keyword import KeywordSpider
from harvester.spiders.monitor import MonitorSpider
from harvester.spiders.offers import OffersSpider


def test_the_add_on_is_listed_and_does_nothing_when_off():
    assert "harvester.distributed.addon.Distributed" in project_settings.ADDONS
    settings = project()
    Distributed().update_settings(settings)
    assert all(settings[name] != value for name, value in PARTS.items())
    assert settings["HARVEST_SEEN_SET"] == "harvester.crawl.seen.MemorySeenSet"


def test_on_it_installs_the_distributed_parts():
    settings = distributed()
    assert settings["SCHEDULER"] == "harvester.distributed.scheduler.LeasedScheduler"
    assert settings.getbool("SCHEDULER_PERSIST") is True
    assert settings["HARVEST_UNIT_SOURCE"] == "harvester.distributed.units.UnitFeed"
    assert settings["HARVEST_SPLIT_LEDGER"] == "harvester.distributed.splits.RedisSplitLedger"
    assert settings["HARVEST_SEEN_SET"] == "harvester.distributed.seen.RedisSeenSet"


def test_a_seen_set_chosen_on_purpose_is_kept():
    settings = project()
    settings.set("HARVEST_SEEN_SET", "my.SeenSet", priority="cmdline")
    settings.set("HARVEST_DISTRIBUTED", True)
    Distributed().update_settings(settings)
    assert settings["HARVEST_SEEN_SET"] == "my.SeenSet"


def project() -> Settings:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    return settings


def distributed() -> Settings:
    """The project's settings with the switch on, as the add-on leaves them."""
    settings = project()
    settings.set("HARVEST_DISTRIBUTED", True)
    Distributed().update_settings(settings)
    return settings


def test_keys_live_under_the_prefix_and_the_shared_crawl_id():
    settings = Settings({"HARVEST_REDIS_PREFIX": "h", "HARVEST_CRAWL_ID": "20261128T190000Z-kites"})
    assert CrawlKeys.from_settings(settings, "keyword").queue == "h:20261128T190000Z-kites:keyword:queue"
    with pytest.raises(ConfigurationError, match="HARVEST_CRAWL_ID"):
        shared_crawl_id(Settings({"HARVEST_CRAWL_ID": ""}))


def test_a_worker_needs_no_argument_but_checks_those_given():
    KeywordSpider.check_arguments({}, distributed())
    OffersSpider.check_arguments({}, distributed())
    with pytest.raises(ArgumentError, match="no keyword"):
        KeywordSpider.check_arguments({}, project())
    with pytest.raises(ArgumentError, match="price"):
        KeywordSpider.check_arguments({"keywords": "风筝", "price_start": "abc"}, distributed())


def test_a_worker_may_be_given_only_how_to_fetch_details():
    # A distributed re-harvest: workers wait for queued keywords and fetch only the details that changed.
    KeywordSpider.check_arguments({"details": "changed"}, distributed())
    KeywordSpider.check_arguments({"details": "new", "dry_run": "1"}, distributed())
    with pytest.raises(ArgumentError, match="details='sometimes'"):
        KeywordSpider.check_arguments({"details": "sometimes"}, distributed())
    with pytest.raises(ArgumentError, match="no keyword"):
        KeywordSpider.check_arguments({"details": "changed"}, project())


def test_a_spider_without_units_cannot_run_distributed():
    with pytest.raises(ArgumentError, match="cannot run distributed"):
        MonitorSpider.check_arguments({}, distributed())


def test_units_and_payload_fields_agree():
    spider = KeywordSpider(keywords="风筝,算盘", price_start="10")
    assert [set(unit) <= KeywordSpider.unit_fields for unit in spider.units()] == [True, True]
