"""The media pipeline without a network: which requests it makes, what one download gives, and the rows of an
offer (one per reference, a failure included)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, NotConfigured
from scrapy.http import Request, Response
from scrapy.settings import Settings
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

from harvester.crawl import stats as keys
from harvester.gateway.calls import endpoint_of
from harvester.items import Product
from harvester.media.pipeline import FAILED, REMEMBERED, STORED, MediaPipeline, _Recent
from harvester.media.slot import MEDIA_SLOT, MediaSlot
from harvester.spiders.offers import OffersSpider
from tests.crawlers import project_crawler

URL = "https://cbu01.alicdn.com/img/ibank/a.jpg"
COPY = "https://cbu01.alicdn.com/img/ibank/a-again.jpg"
GONE = "https://cbu01.alicdn.com/img/ibank/gone.jpg"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(out, "JPEG")
    return out.getvalue()


def _pipeline(tmp_path: Path, media: str | None = "main,description", **settings: object) -> MediaPipeline:
    crawler = project_crawler(OffersSpider, HARVEST_DATA_DIR=str(tmp_path), **settings)
    arguments = {"ids": "624108453870", **({"media": media} if media else {})}
    crawler.spider = OffersSpider(**arguments)
    crawler.stats.open_spider()
    pipeline = MediaPipeline.from_crawler(crawler)
    pipeline.open_spider()
    return pipeline


def test_switched_off_without_media_or_in_a_dry_run(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        _pipeline(tmp_path, media=None)
    crawler = project_crawler(OffersSpider, HARVEST_DATA_DIR=str(tmp_path))
    crawler.spider = OffersSpider(ids="624108453870", media="main")
    crawler.spider.dry_run = True
    with pytest.raises(NotConfigured):
        MediaPipeline.from_crawler(crawler)


def test_one_request_per_url_no_api_call_no_referer(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path, HARVEST_MEDIA_MAX_BYTES=1000, HARVEST_MEDIA_TIMEOUT=5)
    product = Product(offer_id=1, image_urls=[URL, COPY], description=f'<img src="{URL}">')
    requests = pipeline.get_media_requests(product, pipeline.spiderinfo)
    assert [r.url for r in requests] == [URL, COPY]
    for request in requests:
        assert endpoint_of(request) is None, "the quota, signing and API-errors middlewares must leave it alone"
        assert b"Referer" not in request.headers
        assert request.meta["download_slot"] == MEDIA_SLOT
        assert (request.meta["download_maxsize"], request.meta["download_timeout"]) == (1000, 5)


def test_the_slot_add_on_gives_media_their_concurrency_and_rate() -> None:
    settings = Settings(
        {"HARVEST_MEDIA_CONCURRENCY": 3, "HARVEST_MEDIA_RATE": 4, "DOWNLOAD_SLOTS": {"other": {"concurrency": 1}}}
    )
    MediaSlot().update_settings(settings)
    assert settings.getdict("DOWNLOAD_SLOTS") == {
        "other": {"concurrency": 1},
        MEDIA_SLOT: {"concurrency": 3, "delay": 0.25, "jitter": 0.0},
    }


def test_the_same_bytes_at_two_urls_are_stored_once_and_every_reference_is_a_row(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path)
    written: list[str] = []

    async def write_once(path: str, data: bytes) -> bool:
        written.append(path)
        return True

    pipeline._write_once = write_once  # type: ignore[method-assign]
    data = _jpeg()

    def answer(url: str, status: int = 200, body: bytes = data) -> dict:
        response = Response(url, status=status, body=body, headers={"Content-Type": "image/jpeg"})
        return asyncio.run(pipeline.media_downloaded(response, Request(url), pipeline.spiderinfo))

    first, second, gone = answer(URL), answer(COPY), answer(GONE, 404, b"")
    assert written == [first["path"]] and first["path"] == second["path"]
    assert (first["status"], first["width"], first["height"], first["bytes"]) == (STORED, 40, 30, len(data))
    assert first["path"] == f"{first['checksum'][:2]}/{first['checksum'][2:4]}/{first['checksum']}.jpg"
    assert (gone["status"], gone["error"], gone["http_status"]) == (FAILED, "http 404", 404)
    pipeline.media_failed(Failure(TwistedTimeoutError()), Request(GONE + "?slow"), pipeline.spiderinfo)

    product = Product(offer_id=9, image_urls=[URL, COPY, GONE, GONE + "?slow"], description=f'<img src="{URL}">')
    done = pipeline.item_completed(
        [(True, first), (True, second), (True, gone), (True, None)], product, pipeline.spiderinfo
    )
    rows = [(r.role, r.position, r.url, r.status, r.error) for r in done.media]
    assert rows == [
        ("main", 0, URL, STORED, None),
        ("main", 1, COPY, STORED, None),
        ("main", 2, GONE, FAILED, "http 404"),
        ("main", 3, GONE + "?slow", FAILED, "timeout"),
        ("description", 0, URL, STORED, None),
    ]
    stats = pipeline.crawler.stats.get_stats()
    assert stats[keys.MEDIA_STORED] == 1 and stats[keys.MEDIA_ALREADY_STORED] == 1
    assert stats[keys.MEDIA_FAILED] == 2 and stats[keys.MEDIA_FAILED_REFERENCES] == 2
    assert stats[keys.MEDIA_REFERENCES] == 5 and stats[f"{keys.MEDIA_REFERENCES}/description"] == 1
    assert stats[f"{keys.MEDIA_FAILED_BY}/http 404"] == 1 and stats[f"{keys.MEDIA_FAILED_BY}/timeout"] == 1


def test_an_html_page_served_as_a_picture_is_a_failure(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path)
    response = Response(
        URL, status=200, body=b"<html><body>slide to verify</body></html>", headers={"Content-Type": "text/html"}
    )
    outcome = asyncio.run(pipeline.media_downloaded(response, Request(URL), pipeline.spiderinfo))
    assert outcome["status"] == FAILED and outcome["error"].startswith("not a picture or video")


def test_what_a_crawl_remembers_is_bounded(tmp_path: Path) -> None:
    recent = _Recent(2)
    recent["a"], recent["b"] = 1, 2
    assert recent["a"] == 1
    recent["c"] = 3
    assert list(recent) == ["a", "c"], "the least recently used goes first"
    pipeline = _pipeline(tmp_path)
    assert isinstance(pipeline.spiderinfo.downloaded, _Recent) and pipeline.spiderinfo.downloaded.limit == REMEMBERED


def test_why_a_download_got_no_answer(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path)
    for error, expected in (
        (DownloadTimeoutError("Getting x took longer than 60 seconds."), "timeout"),
        (
            DownloadCancelledError(
                "Expected to receive 99 bytes which is larger than download max size (10) in request <GET x>."
            ),
            "too large",
        ),
        (ConnectionRefusedError("refused"), "ConnectionRefusedError: refused"),
    ):
        pipeline.media_failed(Failure(error), Request(URL), pipeline.spiderinfo)
        assert pipeline._failures[URL]["error"] == expected
    response = Response(URL, status=200, body=b"<html></html>", headers={"Content-Type": "text/html"})
    asyncio.run(pipeline.media_downloaded(response, Request(URL), pipeline.spiderinfo))
    pipeline._flush()
    stats = pipeline.crawler.stats.get_stats()
    kinds = {key.rsplit("/", 1)[1] for key in stats if key.startswith(keys.MEDIA_FAILED_BY)}
    assert kinds == {"timeout", "too large", "ConnectionRefusedError", "not a picture or video"}
