"""The add-on that gives media downloads a downloader slot of their own.

Media requests carry ``download_slot`` = :data:`MEDIA_SLOT` (one slot for
every media host: alicdn serves pictures from many host names, and a limit
per host name would not be a limit). Scrapy's ``DOWNLOAD_SLOTS`` gives that
slot ``HARVEST_MEDIA_CONCURRENCY`` and a delay of ``1 / HARVEST_MEDIA_RATE``
without jitter, so the gateway's pace (the quota middleware, which leaves
media requests alone: they are no API calls) and the media pace never mix.
Always listed in ``ADDONS``: without media requests the slot is never made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.settings import SETTINGS_PRIORITIES

from ..checks import guards

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

#: ``download_slot`` of every media request.
MEDIA_SLOT = "harvester-media"


class MediaSlot:
    def update_settings(self, settings: BaseSettings) -> None:
        rate = guards.value(settings, "HARVEST_MEDIA_RATE")
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        slots[MEDIA_SLOT] = {
            "concurrency": guards.value(settings, "HARVEST_MEDIA_CONCURRENCY"),
            "delay": 1 / rate if rate else 0.0,
            "jitter": 0.0,
        }
        # At the priority DOWNLOAD_SLOTS already has: slots given with -s are kept, beside this one.
        priority = max(settings.getpriority("DOWNLOAD_SLOTS") or 0, SETTINGS_PRIORITIES["project"])
        settings.set("DOWNLOAD_SLOTS", slots, priority=priority)
