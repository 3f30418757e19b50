"""The garbage collector is settled once a crawl (or the sandbox) has started, and can be left alone."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from harvester.crawl import steady_gc
from harvester.extensions.steady_gc import SteadyGc


@pytest.fixture
def collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_settle_freezes_start_up_objects_and_makes_full_collections_rare(collector: None) -> None:
    gc.unfreeze()
    settled_before = gc.get_freeze_count()
    steady_gc.settle()
    assert gc.get_freeze_count() > settled_before
    assert gc.get_threshold()[2] == steady_gc.FULL_COLLECTION_EVERY


def test_the_extension_settles_when_the_engine_starts(collector: None) -> None:
    gc.unfreeze()
    crawler = get_crawler(settings_dict={"HARVEST_STEADY_GC": True})
    extension = SteadyGc.from_crawler(crawler)
    assert gc.get_freeze_count() == 0, "nothing happens before the engine starts"
    extension.engine_started()
    assert gc.get_freeze_count() > 0


def test_it_can_be_turned_off() -> None:
    with pytest.raises(NotConfigured):
        SteadyGc.from_crawler(get_crawler(settings_dict={"HARVEST_STEADY_GC": False}))
