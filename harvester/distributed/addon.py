"""The switch: ``HARVEST_DISTRIBUTED=1`` (or ``scrapy crawl SPIDER --distributed``) makes a crawl one worker of many.

One add-on, always listed in ``ADDONS``, that does nothing unless the
setting is on; then it installs the distributed parts through their
settings: the leased Redis scheduler and scrapy-redis's
``SCHEDULER_PERSIST=True`` (the queue outlives any one worker), the
seen-sets and the split ledger in Redis, and the Redis unit feed (units and
the finishing of the workers: ``harvester.distributed.units``) in place of
the ``-a`` arguments. Spiders and stages only read those settings and know
nothing of Redis. Every key lives under ``HARVEST_REDIS_PREFIX`` and the shared crawl id
(``harvester.distributed.keys``), which is why ``scrapy crawl`` refuses a
distributed worker without ``HARVEST_CRAWL_ID`` (or whose Redis does not
answer) before it starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

#: What the add-on installs: setting -> the distributed component.
PARTS = {
    "SCHEDULER": "harvester.distributed.scheduler.LeasedScheduler",
    "SCHEDULER_PERSIST": True,
    "HARVEST_UNIT_SOURCE": "harvester.distributed.units.UnitFeed",
    "HARVEST_SPLIT_LEDGER": "harvester.distributed.splits.RedisSplitLedger",
}
#: The seen-set class that becomes the Redis one when left at its default (a chosen one is kept).
MEMORY_SEEN_SET = "harvester.crawl.seen.MemorySeenSet"
REDIS_SEEN_SET = "harvester.distributed.seen.RedisSeenSet"


class Distributed:
    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.getbool("HARVEST_DISTRIBUTED"):
            return
        # At the project's priority: they replace the defaults of harvester/settings.py, and a setting given
        # on the command line (-s) still wins.
        for name, value in PARTS.items():
            settings.set(name, value, priority="project")
        if settings["HARVEST_SEEN_SET"] == MEMORY_SEEN_SET:
            settings.set("HARVEST_SEEN_SET", REDIS_SEEN_SET, priority="project")
