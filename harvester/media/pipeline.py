"""Downloads the pictures and videos of every fetched offer (``-a media=...``) and writes one ``media`` row per
reference.

A :class:`~scrapy.pipelines.files.FilesPipeline`, so downloads go through
Scrapy's own media machinery: its downloader (with the retry of 5xx and
timeouts, ``DOWNLOAD_MAXSIZE`` per request), and its per-crawl cache that
downloads each distinct URL once however many offers, SKUs and
descriptions name it (a URL's later references wait for the first
download, or take its result), and Scrapy's retry (``RETRY_TIMES``) and
redirects (``MEDIA_ALLOW_REDIRECTS``). What differs from the stock pipeline, and why:

- **stored by content**: a file's path is its SHA-256 (``harvester.media.store``),
  known only once downloaded; the same bytes at two URLs are stored once.
  So nothing is looked up before a download (``media_to_download`` says
  "download"): within a crawl each URL is downloaded once, and a later crawl
  downloads a URL again but writes nothing when its content is already in
  the store. Deciding from the URL alone would need an index of URLs, and
  alicdn serves resized variants of one picture at many URLs anyway.
- **no Referer**: alicdn refuses a foreign one; media requests are made here,
  not by the spider, so Scrapy's referer middleware never adds one, and
  the pipeline sends none.
- **not API calls**: media requests carry no API meta, so the quota, signing
  and API-errors middlewares let them through untouched; they run in their
  own downloader slot (``harvester.media.slot``).
- **a failure is a row**: a 404, a timeout, a file too large, an HTML page
  served as a picture: the reference's row says ``failed`` with the error,
  the offer goes on to the dataset, the failure is counted
  (``harvester/media/failed``, a gap: the crawl exits 4), never an exception
  in the log.

The offer waits for its media before it goes on to the dataset writer, as
with every Scrapy media pipeline, and downloads waiting in the downloader
count against ``CONCURRENT_REQUESTS``: a media backlog holds back new calls,
so a crawl goes at the pace of the slower of the two (never above the quota).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import Counter, OrderedDict
from datetime import UTC, datetime
from io import BytesIO
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from ..checks import guards
from ..crawl import stats as keys
from ..items import MediaFile, Product
from .probe import probe
from .references import Reference, references
from .roles import ARGUMENT, parse_roles
from .slot import MEDIA_SLOT
from .store import MediaStore, relative_path

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.pipelines.media import MediaPipeline as ScrapyMediaPipeline

logger = logging.getLogger(__name__)

STORED, FAILED = "stored", "failed"
#: Failed downloads logged one by one; past this many they are only counted.
LOGGED_FAILURES = 20
#: URLs (and contents) whose outcome the crawl remembers, the most recently used: enough for the pictures many
#: offers share (a seller's banner, a category's swatches) to be downloaded once, without memory growing with a
#: crawl of millions of pictures (~0.9 KB each, so ~90 MB at most). A URL forgotten and met again is downloaded
#: again; its content is still stored once (the store is looked at before any write).
REMEMBERED = 100_000


class _Outcome(dict):
    """What one URL's download gave (Scrapy's cache hands the same to every reference of the URL)."""


class _Recent(OrderedDict):  # type: ignore[type-arg]
    """A mapping of at most ``limit`` entries that forgets the least recently used."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __getitem__(self, key: Any) -> Any:
        value = super().__getitem__(key)
        self.move_to_end(key)
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        if len(self) > self.limit:
            self.popitem(last=False)


class _StoreAdapter:
    """The media store as FilesPipeline's ``store`` (``FilesStoreProtocol``): blocking calls go to a thread."""

    def __init__(self, store: MediaStore) -> None:
        self.store = store

    def persist_file(self, path: str, buf: BytesIO, info: Any, meta: Any = None, headers: Any = None) -> Any:
        return deferToThread(self.store.put, path, buf.getvalue())

    def stat_file(self, path: str, info: Any) -> Any:
        def stat() -> dict[str, float]:
            modified = self.store.modified(path)
            return {} if modified is None else {"last_modified": modified}

        return deferToThread(stat)


class MediaPipeline(FilesPipeline):
    """Stats: ``harvester/media/references`` (rows, and ``.../references/<role>``), ``.../urls`` (distinct URLs
    downloaded or tried), ``.../downloaded`` and ``.../downloaded_bytes``, ``.../stored`` and
    ``.../stored_bytes`` (new files), ``.../already_stored`` (downloads whose content was in the store),
    ``.../failed`` (URLs, a gap) with ``.../failed_references`` and ``.../failed_by/<error>``."""

    def __init__(
        self,
        crawler: Crawler,
        store: MediaStore,
        roles: frozenset[str],
        *,
        image_base: str,
        max_bytes: int,
        timeout: float,
    ) -> None:
        self.media_store = store
        self.roles = roles
        self.image_base = image_base
        self.max_bytes = max_bytes
        self.timeout = timeout
        #: Content (SHA-256 digests) this crawl knows is in the store, and content being written: a second URL with
        #: the same bytes waits for the first one's write instead of writing again.
        self._stored: _Recent = _Recent(REMEMBERED)
        self._writing: dict[bytes, asyncio.Future[bool]] = {}
        #: URLs whose download got no answer, with what to write in their rows.
        self._failures: _Recent = _Recent(REMEMBERED)
        self._failures_logged = 0
        self._counts: Counter[str] = Counter()
        super().__init__(store.show(), crawler=crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        spider = crawler.spider
        roles = parse_roles(getattr(spider, ARGUMENT, None))
        if not roles:
            raise NotConfigured("no -a media: no media downloaded")
        if getattr(spider, "dry_run", False):
            raise NotConfigured("-a dry_run: nothing downloaded")
        settings = crawler.settings
        return cls(
            crawler,
            MediaStore.from_settings(settings),
            roles,
            image_base=settings.get("HARVEST_IMAGE_BASE_URL"),
            max_bytes=guards.value(settings, "HARVEST_MEDIA_MAX_BYTES"),
            timeout=guards.value(settings, "HARVEST_MEDIA_TIMEOUT"),
        )

    def _get_store(self, uri: str) -> Any:
        # FilesPipeline builds its store from a URI through its own classes (FSFilesStore writes in place, and a
        # crash would leave half a file under a content name); ours is the dataset's storage, written whole.
        return _StoreAdapter(self.media_store)

    def open_spider(self) -> None:
        super().open_spider()
        # Scrapy's per-crawl cache of outcomes by request fingerprint, bounded (see REMEMBERED).
        self.spiderinfo.downloaded = _Recent(REMEMBERED)
        logger.info("Downloading media (%s) into %s", ",".join(sorted(self.roles)), self.media_store.show())

    # --- which downloads -----------------------------------------------------------

    async def process_item(self, item: Any) -> Any:
        if type(item) is not Product:
            return item
        return await super().process_item(item)

    def _references(self, item: Product) -> list[Reference]:
        return references(item, self.roles, self.image_base)

    def get_media_requests(self, item: Any, info: ScrapyMediaPipeline.SpiderInfo) -> list[Request]:
        urls = dict.fromkeys(reference.url for reference in self._references(item))
        return [self._request(url) for url in urls]

    def _request(self, url: str) -> Request:
        return Request(
            url,
            callback=NO_CALLBACK,
            meta={
                "download_slot": MEDIA_SLOT,
                "download_maxsize": self.max_bytes,
                "download_timeout": self.timeout,
                # A media host answer is never worth caching beside the API answers.
                "dont_cache": True,
            },
        )

    def media_to_download(
        self, request: Request, info: ScrapyMediaPipeline.SpiderInfo, *, item: Any = None
    ) -> defer.Deferred[Any] | None:
        # Stored by content: nothing to look up before the bytes are here (see the module's docstring).
        return None

    # --- one URL's download ---------------------------------------------------------

    async def media_downloaded(
        self, response: Response, request: Request, info: ScrapyMediaPipeline.SpiderInfo, *, item: Any = None
    ) -> _Outcome:
        self._count(keys.MEDIA_URLS)
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
        if response.status != 200:
            return self._failed(request, f"http {response.status}", response.status, content_type)
        data = response.body
        if not data:
            return self._failed(request, "empty", response.status, content_type)
        found = probe(data, content_type)
        if found.problem:
            return self._failed(request, found.problem, response.status, content_type)
        self._count(keys.MEDIA_DOWNLOADED)
        self._count(keys.MEDIA_DOWNLOADED_BYTES, len(data))
        checksum = hashlib.sha256(data).hexdigest()
        path = relative_path(checksum, found.extension)
        try:
            await self._store(path, checksum, data)
        except OSError as error:
            return self._failed(request, f"not stored: {error}", response.status, content_type)
        return _Outcome(
            url=request.url,
            status=STORED,
            path=path,
            bytes=len(data),
            width=found.width,
            height=found.height,
            checksum=checksum,
            content_type=content_type,
            http_status=response.status,
        )

    async def _store(self, path: str, checksum: str, data: bytes) -> None:
        """Write the content unless this crawl or an earlier one already did (an OSError when that fails)."""
        key = bytes.fromhex(checksum)
        if key in self._stored:
            self._stored.move_to_end(key)
            self._count(keys.MEDIA_ALREADY_STORED)
            return
        pending = self._writing.get(key)
        first = pending is None
        if pending is None:
            pending = self._writing[key] = asyncio.ensure_future(self._write_once(path, data))
        try:
            written = await asyncio.shield(pending)
        except OSError:
            # The next download of the same bytes tries again.
            if self._writing.get(key) is pending:
                del self._writing[key]
            raise
        if first:
            del self._writing[key]
            self._stored[key] = True
        if first and written:
            self._count(keys.MEDIA_STORED)
            self._count(keys.MEDIA_STORED_BYTES, len(data))
        else:
            self._count(keys.MEDIA_ALREADY_STORED)

    async def _write_once(self, path: str, data: bytes) -> bool:
        """True when this crawl wrote the file, False when it was already in the store."""
        if await maybe_deferred_to_future(self.store.stat_file(path, self.spiderinfo)):
            return False
        await maybe_deferred_to_future(self.store.persist_file(path, BytesIO(data), self.spiderinfo))
        return True

    def media_failed(self, failure: Failure, request: Request, info: ScrapyMediaPipeline.SpiderInfo) -> None:
        """A download that got no answer: recorded for ``item_completed`` (returning, not raising, keeps Scrapy
        from logging a traceback per missing picture)."""
        self._count(keys.MEDIA_URLS)
        self._failures[request.url] = self._failed(request, _reason(failure), None, None)

    def _failed(self, request: Request, error: str, status: int | None, content_type: str | None) -> _Outcome:
        self._count(keys.MEDIA_FAILED)
        self._count(f"{keys.MEDIA_FAILED_BY}/{_kind(error)}")
        if self._failures_logged < LOGGED_FAILURES:
            self._failures_logged += 1
            logger.warning(
                "Media %s not downloaded: %s%s",
                request.url,
                error,
                ""
                if self._failures_logged < LOGGED_FAILURES
                else " (further failures are only counted: harvester/media/failed)",
            )
        return _Outcome(url=request.url, status=FAILED, error=error, http_status=status, content_type=content_type)

    # --- the offer's rows -----------------------------------------------------------

    def item_completed(self, results: list[Any], item: Any, info: ScrapyMediaPipeline.SpiderInfo) -> Any:
        by_url: dict[str, _Outcome] = {}
        for ok, value in results:
            if ok and isinstance(value, _Outcome):
                by_url[value["url"]] = value
        now = datetime.now(UTC)
        rows = []
        for reference in self._references(item):
            outcome = (
                by_url.get(reference.url)
                or self._failures.get(reference.url)
                or _Outcome(status=FAILED, error="not downloaded (the reason is no longer remembered)")
            )
            fields = {name: value for name, value in outcome.items() if name != "url"}
            rows.append(
                MediaFile(
                    reference.offer_id,
                    reference.sku_id,
                    reference.role,
                    reference.position,
                    reference.url,
                    crawled_at=now,
                    **fields,
                )
            )
            self._count(keys.MEDIA_REFERENCES)
            self._count(f"{keys.MEDIA_REFERENCES}/{reference.role}")
            if outcome["status"] == FAILED:
                self._count(keys.MEDIA_FAILED_REFERENCES)
        item.media = rows
        self._flush()
        return item

    def _count(self, key: str, value: int = 1) -> None:
        self._counts[key] += value

    def _flush(self) -> None:
        stats = self.crawler.stats
        assert stats is not None
        for key, value in self._counts.items():
            stats.inc_value(key, value)
        self._counts.clear()

    def close_spider(self) -> None:
        self._flush()


def _reason(failure: Failure) -> str:
    """A failed download's error, short: ``timeout``, ``too large``, ``not sent: ...`` or the exception's class and
    message."""
    error = failure.value
    if isinstance(error, (DownloadTimeoutError, TwistedTimeoutError, defer.TimeoutError)):
        return "timeout"
    if isinstance(error, IgnoreRequest):
        return f"not sent: {error}"
    text = str(error)
    if isinstance(error, DownloadCancelledError) and "max size" in text:
        return "too large"
    return f"{type(error).__name__}: {text}"[:200]


def _kind(error: str) -> str:
    """The kind of an error, for its stats key (``http 404``, ``timeout``, ``not a picture or video``): no detail,
    no ``/``."""
    return error.split(" (", 1)[0].split(":", 1)[0].replace("/", "-")
