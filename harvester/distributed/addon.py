"""The switch: ``HARVEST_DISTRIBUTED=1`` (or ``scrapy crawl SPIDER --distributed``) makes a crawl one worker of many.

One add-on, always listed in ``ADDONS``, that does nothing unless the
setting is on; then it installs the leased Redis scheduler and scrapy-redis's
``SCHEDULER_PERSIST=True`` (the queue outlives any one worker). The seen-sets
switch to Redis by themselves (``harvester.crawl.resume.seen_set_class``), the
spiders take their units from Redis (``harvester.distributed.units``), and
every key lives under ``HARVEST_REDIS_PREFIX`` and the shared crawl id
(``harvester.distributed.keys``), which is why ``scrapy crawl`` refuses a
distributed worker without ``HARVEST_CRAWL_ID`` (or whose Redis does not
answer) before it starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

SCHEDULER = "harvester.distributed.scheduler.LeasedScheduler"


class Distributed:
    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.getbool("HARVEST_DISTRIBUTED"):
            return
        settings.set("SCHEDULER", SCHEDULER, priority="addon")
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
