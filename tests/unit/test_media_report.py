"""The crawl report's media section: what was referenced, downloaded, stored once and lost."""

from __future__ import annotations

from harvester.crawl import exitcodes
from harvester.crawl import stats as keys
from harvester.report.page import render
from tests.report_documents import document, with_stats

MEDIA_STATS = {
    keys.MEDIA_REFERENCES: 526,
    keys.MEDIA_URLS: 268,
    keys.MEDIA_DOWNLOADED: 252,
    keys.MEDIA_DOWNLOADED_BYTES: 13_000_000,
    keys.MEDIA_STORED: 244,
    keys.MEDIA_STORED_BYTES: 12_331_125,
    keys.MEDIA_ALREADY_STORED: 8,
    keys.MEDIA_FAILED: 16,
    keys.MEDIA_FAILED_REFERENCES: 31,
    f"{keys.MEDIA_FAILED_BY}/http 404": 16,
}


def _text(page: str) -> str:
    return page.split("<h2>Media</h2>", 1)[1].split("<h2>", 1)[0]


def test_a_media_crawl_shows_its_figures() -> None:
    given = {key.replace("/", "__"): value for key, value in MEDIA_STATS.items()}
    section = _text(render(with_stats(document(), **given)))
    for figure in ("526", "268", "244", "11.8 MB", "16", "(31)", "failed: http 404"):
        assert figure in section, figure


def test_no_media_section_without_media() -> None:
    assert "<h2>Media</h2>" not in render(document())


def test_a_failed_download_is_a_gap() -> None:
    assert exitcodes.for_crawl({keys.MEDIA_FAILED: 1}) == exitcodes.INCOMPLETE
    assert exitcodes.for_crawl({keys.MEDIA_REFERENCES: 10, keys.MEDIA_STORED: 10}) == exitcodes.OK
