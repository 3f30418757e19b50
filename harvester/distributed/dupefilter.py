"""scrapy-redis's dupefilter, with the crawl's own request fingerprints.

scrapy-redis 0.9.1 hashes method, URL and body itself and ignores
``REQUEST_FINGERPRINTER_CLASS``; the harvester's fingerprinter leaves the
per-attempt ``_aop_timestamp`` and ``_aop_signature`` out, so without it
the same call signed twice would pass the filter twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from scrapy_redis.dupefilter import RFPDupeFilter

from .keys import CrawlKeys

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.utils.request import RequestFingerprinterProtocol


class FingerprintDupeFilter(RFPDupeFilter):
    def __init__(self, server: Any, key: str, fingerprinter: RequestFingerprinterProtocol, debug: bool = False):
        super().__init__(server, key, debug)
        self.fingerprinter = fingerprinter

    @classmethod
    def for_spider(cls, crawler: Crawler, server: Any, spider_name: str) -> Self:
        assert crawler.request_fingerprinter is not None
        keys = CrawlKeys.from_settings(crawler.settings, spider_name)
        return cls(server, keys.dupefilter, crawler.request_fingerprinter, crawler.settings.getbool("DUPEFILTER_DEBUG"))

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()
