"""Offers that look like given pictures: prepare, upload, page through image search, rank, fetch details.

Each image (a file, or an http(s) URL downloaded through Scrapy with no
``Referer``: alicdn refuses foreign ones) is prepared by
``harvester.inputs.images.prepare`` (upright, cropped, downscaled, JPEG under the
size limit), uploaded with ``product.image.upload`` and searched with
``product.search.imageQuery``, page by page, never split (similarity order
has no price bands). The offers every image found are ranked together (see
``harvester.stages.ranking``) and then their details fetched, best first.

A local file that is not an image, is empty or stays too large is refused
before the crawl starts (``scrapy crawl`` exits with status 2); a downloaded
one is refused in one line, counted (``harvester/image/bad_images``), and
never uploaded. The same picture given twice is searched once.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from ..checks import guards
from ..crawl import stats as keys
from ..exceptions import ArgumentError
from ..gateway.calls import ApiCallFailed, api_request, outcome_of
from ..inputs.images import Crop, ImageError, prepare
from ..inputs.lines import check_readable
from ..items import SearchHit
from ..open1688 import endpoints
from ..open1688.queries import QueryError, SearchQuery, parse_positive_int
from ..stages.enrichment import ARGUMENTS as ENRICHMENT_ARGUMENTS
from ..stages.ranking import ResultRanking
from ..stages.search import SearchPager
from .base import HarvestSpider

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

STATS = keys.IMAGE
#: Uploads go before search pages: every image should be searching before pages pile up.
UPLOAD_PRIORITY = 5


@dataclass(frozen=True)
class PictureLimits:
    """What a picture may be: read from the settings once, for the argument check and for the crawl alike."""

    #: Largest file or download (DOWNLOAD_MAXSIZE; 0 = no limit).
    max_file_bytes: int
    max_side: int
    max_bytes: int

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> PictureLimits:
        return cls(
            settings.getint("DOWNLOAD_MAXSIZE"),
            guards.value(settings, "OPEN1688_IMAGE_MAX_SIDE"),
            guards.value(settings, "OPEN1688_IMAGE_MAX_BYTES"),
        )

    def read(self, source: str) -> bytes:
        try:
            size = os.path.getsize(source)
            if self.max_file_bytes and size > self.max_file_bytes:
                raise ArgumentError(
                    f"{source} is {size:,} bytes, more than a photo needs (DOWNLOAD_MAXSIZE={self.max_file_bytes:,})"
                )
            with open(source, "rb") as handle:
                return handle.read()
        except OSError as error:
            raise ArgumentError(f"-a image={source}: cannot read it ({error.strerror})") from None

    def prepare(self, data: bytes, source: str, crop: Crop | None) -> bytes:
        return prepare(data, name=source, max_side=self.max_side, max_bytes=self.max_bytes, crop=crop)


def split_images(text: str) -> list[str]:
    """Comma-separated files or URLs, each once, in the order given."""
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def is_url(source: str) -> bool:
    return "://" in source


class ImageSpider(HarvestSpider):
    name = "image"
    description = "offers that look like pictures (files or URLs), ranked across images, with details and SKUs"
    arguments = {
        "image": "comma-separated image files or http(s) URLs",
        "keyword": "narrow the image search with a keyword",
        "crop": "x,y,width,height in pixels: search for this part of every image",
        "max_pages": "result pages per image at most (default: every page the gateway serves)",
        "details": "which offers get a detail call: all (default), new, changed or none (listings only)",
        "dry_run": "1: search and plan the details, fetch and write nothing, print what they would cost",
        **ENRICHMENT_ARGUMENTS,
    }
    enriches = True
    plans_details = True
    unit_fields = frozenset(("image", "keyword", "crop"))
    unit_subject = "image"

    ranking: ResultRanking
    limits: PictureLimits
    #: HTTP method of API calls (OPEN1688_HTTP_METHOD).
    http_method: str
    #: Each picture's digest (as prepared) -> the image it came from: the same picture is searched once.
    _pictures: dict[str, str]

    @classmethod
    def validate(cls, arguments: Mapping[str, Any]) -> None:
        images = split_images(str(arguments.get("image") or ""))
        if not images:
            raise ArgumentError("no image: give -a image=PATH_OR_URL (several separated by commas)")
        for source in images:
            if is_url(source):
                parts = urlsplit(source)
                if parts.scheme not in ("http", "https") or not parts.netloc:
                    raise ArgumentError(f"-a image={source}: give a file or an http(s) URL")
            else:
                check_readable(source, "image")
        if arguments.get("crop"):
            Crop.parse(str(arguments["crop"]))
        try:
            SearchQuery.from_arguments(image_id="-", keyword=arguments.get("keyword"))
            parse_positive_int(arguments.get("max_pages"), "max_pages")
        except QueryError as error:
            raise ArgumentError(str(error)) from None

    @classmethod
    def validate_inputs(cls, arguments: Mapping[str, Any], settings: BaseSettings) -> None:
        """Prepare every local file as the crawl will, so a bad one is refused before any call."""
        crop = Crop.parse(str(arguments["crop"])) if arguments.get("crop") else None
        limits = PictureLimits.from_settings(settings)
        for source in split_images(str(arguments.get("image") or "")):
            if not is_url(source):
                limits.prepare(limits.read(source), source, crop)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.limits = PictureLimits.from_settings(crawler.settings)
        spider.http_method = crawler.settings.get("OPEN1688_HTTP_METHOD")
        spider.ranking = ResultRanking(crawler.settings.getint("OPEN1688_PAGE_SIZE"))
        spider.pager = SearchPager.for_spider(crawler, spider, kwargs, offers=spider.ranking)
        spider._pictures = {}
        return spider

    def units(self) -> Iterator[dict[str, Any]]:
        for source in split_images(str(getattr(self, "image", "") or "")):
            yield {"image": source, "keyword": getattr(self, "keyword", None), "crop": getattr(self, "crop", None)}

    def seeds(self, unit: Mapping[str, Any]) -> Iterator[Request]:
        source = str(unit.get("image") or "")
        if not source:
            raise ArgumentError("a unit of the image spider needs an image")
        self.crawler.stats.inc_value(f"{STATS}/images")  # type: ignore[union-attr]
        if is_url(source):
            yield Request(
                source,
                callback=self.parse_image_download,
                errback=self.image_download_failed,
                # alicdn answers 403 to a foreign Referer: send none at all.
                meta={"unit": dict(unit), "referrer_policy": "no-referrer"},
                priority=UPLOAD_PRIORITY,
            )
            return
        yield from self._upload(unit, self.limits.read(source))

    # --- pictures -----------------------------------------------------------

    def _upload(self, unit: Mapping[str, Any], data: bytes) -> Iterator[Request]:
        source = str(unit["image"])
        crop = Crop.parse(str(unit["crop"])) if unit.get("crop") else None
        jpeg = self.limits.prepare(data, source, crop)
        digest = hashlib.blake2b(jpeg, digest_size=16).hexdigest()
        if digest in self._pictures:
            self.crawler.stats.inc_value(f"{STATS}/duplicates")  # type: ignore[union-attr]
            logger.info("%s is the same picture as %s: searched once", source, self._pictures[digest])
            return
        self._pictures[digest] = source
        yield api_request(
            self.access,
            endpoints.IMAGE_UPLOAD,
            {"uploadImageParam": {"imageBase64": base64.b64encode(jpeg).decode("ascii")}},
            method=self.http_method,
            meta={"unit": dict(unit)},
            callback=self.parse_image_upload,
            errback=self.image_upload_failed,
            priority=UPLOAD_PRIORITY,
        )

    def parse_image_download(self, response: Response) -> Iterator[Request]:
        unit = response.meta["unit"]
        self.crawler.stats.inc_value(f"{STATS}/downloaded")  # type: ignore[union-attr]
        try:
            yield from self._upload(unit, response.body)
        except ImageError as error:
            self.crawler.stats.inc_value(keys.IMAGE_BAD_IMAGES)  # type: ignore[union-attr]
            logger.error("Skipped an image: %s", error)

    def image_download_failed(self, failure: Failure) -> None:
        source = failure.request.meta["unit"]["image"]  # type: ignore[attr-defined]
        self.crawler.stats.inc_value(keys.IMAGE_DOWNLOADS_FAILED)  # type: ignore[union-attr]
        error = failure.value
        reason = f"HTTP {error.response.status}" if isinstance(error, HttpError) else failure.getErrorMessage()
        logger.error("Could not download the image %s: %s", source, reason)

    def parse_image_upload(self, response: Response) -> Iterator[Request]:
        unit = response.meta["unit"]
        image_id = outcome_of(response).data
        if not isinstance(image_id, (str, int)) or not str(image_id).strip():
            self.crawler.stats.inc_value(keys.IMAGE_UPLOADS_FAILED)  # type: ignore[union-attr]
            logger.error("The gateway gave no image id for %s", unit["image"])
            return
        self.crawler.stats.inc_value(f"{STATS}/uploaded")  # type: ignore[union-attr]
        query = SearchQuery(
            keyword=unit.get("keyword") or None, image_id=str(image_id).strip(), image_name=str(unit["image"])
        )
        yield self.pager.first_page(query)

    def image_upload_failed(self, failure: Failure) -> None:
        source = failure.request.meta["unit"]["image"]  # type: ignore[attr-defined]
        self.crawler.stats.inc_value(keys.IMAGE_UPLOADS_FAILED)  # type: ignore[union-attr]
        error = failure.value
        reason = error.outcome.message if isinstance(error, ApiCallFailed) else failure.getErrorMessage()
        logger.error("The gateway refused the image %s: %s", source, reason)

    # --- ranking --------------------------------------------------------------

    def parse_search_page(self, response: Response) -> Iterator[Any]:
        for output in super().parse_search_page(response):
            if type(output) is SearchHit:
                self.ranking.hit(output)
            yield output

    def idle(self) -> None:
        """Once every image's search is done (the crawl went idle), rank and ask for details best first."""
        if not self.ranking.released:
            ranked = self.ranking.release()
            self.crawler.stats.set_value(f"{STATS}/ranked", len(ranked))  # type: ignore[union-attr]
            engine = self.crawler.engine
            assert engine is not None
            for request in self.details.want(ranked):
                engine.crawl(request)
            if ranked:
                raise DontCloseSpider
        super().idle()
