"""The switch: HARVEST_DISTRIBUTED installs the leased Redis scheduler; spiders then take units from Redis."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from harvester import settings as project_settings
from harvester.distributed.addon import SCHEDULER, Distributed
from harvester.distributed.keys import CrawlKeys, shared_crawl_id
from harvester.exceptions import ArgumentError, ConfigurationError
from harvester.spiders.keyword import KeywordSpider
from harvester.spiders.monitor import MonitorSpider
from harvester.spiders.offers import OffersSpider


def test_the_add_on_is_listed_and_does_nothing_when_off():
    assert "harvester.distributed.addon.Distributed" in project_settings.ADDONS
    settings = Settings({"HARVEST_DISTRIBUTED": False})
    Distributed().update_settings(settings)
    assert settings["SCHEDULER"] != SCHEDULER and not settings.getbool("SCHEDULER_PERSIST")


def test_on_it_installs_the_leased_scheduler_and_persists_the_queue():
    settings = Settings({"HARVEST_DISTRIBUTED": True})
    Distributed().update_settings(settings)
    assert settings["SCHEDULER"] == SCHEDULER
    assert settings.getbool("SCHEDULER_PERSIST") is True


def test_keys_live_under_the_prefix_and_the_shared_crawl_id():
    settings = Settings({"HARVEST_REDIS_PREFIX": "h", "HARVEST_CRAWL_ID": "20261128T190000Z-kites"})
    assert CrawlKeys.from_settings(settings, "keyword").queue == "h:20261128T190000Z-kites:keyword:queue"
    with pytest.raises(ConfigurationError, match="HARVEST_CRAWL_ID"):
        shared_crawl_id(Settings({"HARVEST_CRAWL_ID": ""}))


def test_a_worker_needs_no_argument_but_checks_those_given():
    distributed = Settings({"HARVEST_DISTRIBUTED": True})
    KeywordSpider.check_arguments({}, distributed)
    OffersSpider.check_arguments({}, distributed)
    with pytest.raises(ArgumentError, match="no keyword"):
        KeywordSpider.check_arguments({}, Settings())
    with pytest.raises(ArgumentError, match="price"):
        KeywordSpider.check_arguments({"keywords": "风筝", "price_start": "abc"}, distributed)


def test_a_spider_without_units_cannot_run_distributed():
    with pytest.raises(ArgumentError, match="cannot run distributed"):
        MonitorSpider.check_arguments({}, Settings({"HARVEST_DISTRIBUTED": True}))


def test_units_and_payload_fields_agree():
    spider = KeywordSpider(keywords="风筝,算盘", price_start="10")
    assert [set(unit) <= KeywordSpider.unit_fields for unit in spider.units()] == [True, True]
