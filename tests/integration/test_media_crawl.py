"""``-a media`` end to end: a small keyword crawl on the sandbox stores every distinct picture once, and its media
table accounts for every reference its products and SKUs make (a missing picture included, as a failed row)."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

import pytest

from harvester.sandbox.process import SandboxProcess
from tests.support.crawls import ROOT

from .crawling import run_crawl

pytestmark = pytest.mark.e2e

#: A keyword whose offers show colour swatches (SKU pictures); one page of 20 offers.
ARGUMENTS = ("keywords=发夹", "max_pages=1", "media=main,sku,description,video")
SETTINGS = {"OPEN1688_PAGE_SIZE": 20}
_SRC = re.compile(r'<img src="([^"]+)"')


def _readme_example() -> str:
    """The README's media reading example (the Python block that opens with ``# media``), as written."""
    (block,) = re.findall(r"```python\n(# media\n.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.S)
    return block


def _expected_references(run) -> Counter:
    """(offer, SKU, role, position, URL) of every reference the crawl's products and SKUs make."""
    found: Counter = Counter()
    for product in run.rows("products"):
        offer = product["offer_id"]
        for position, url in enumerate(product["image_urls"]):
            found[(offer, None, "main", position, url)] += 1
        for position, url in enumerate(_SRC.findall(product["description"] or "")):
            found[(offer, None, "description", position, url)] += 1
        for position, url in enumerate((product["main_video_url"], product["detail_video_url"])):
            if url:
                found[(offer, None, "video", position, url)] += 1
    for sku in run.rows("skus"):
        for position, attribute in enumerate(sku["attributes"]):
            if attribute["image_url"]:
                found[(sku["offer_id"], sku["sku_id"], "sku", position, attribute["image_url"])] += 1
    return found


def test_every_distinct_picture_stored_once_and_every_reference_a_row(
    sandbox: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.admin.config(image_host="sandbox", video_host="sandbox", media_missing=0.04)
    data = tmp_path / "data"
    run = run_crawl(sandbox, "keyword", data, *ARGUMENTS, settings=SETTINGS)
    # Some pictures are missing (404): a gap, so the crawl exits 4 with every offer in the dataset.
    assert run.returncode == 4, run.stderr[-3000:]
    products = run.rows("products")
    assert len(products) == 20

    media = run.rows("media")
    references = Counter((r["offer_id"], r["sku_id"], r["role"], r["position"], r["url"]) for r in media)
    assert references == _expected_references(run)
    assert {r["role"] for r in media} == {"main", "sku", "description", "video"}

    stored = [r for r in media if r["status"] == "stored"]
    failed = [r for r in media if r["status"] == "failed"]
    assert failed and all((r["error"], r["http_status"], r["path"]) == ("http 404", 404, None) for r in failed)
    # Content-addressed: one file per distinct content, named by its SHA-256, holding exactly those bytes.
    store = data / "media_files"
    files = {path.relative_to(store).as_posix(): path for path in store.rglob("*") if path.is_file()}
    assert set(files) == {r["path"] for r in stored}
    for row in stored:
        content = files[row["path"]].read_bytes()
        assert hashlib.sha256(content).hexdigest() == row["checksum"] and len(content) == row["bytes"]
        assert row["width"] and row["height"]
    checksums = {r["checksum"] for r in stored}
    assert len(files) == len(checksums)
    # Dedupe is visible: shared URLs (swatches, a seller's banner, pictures repeated in descriptions) and the
    # same bytes at two URLs (a banner uploaded twice).
    urls = {r["url"] for r in stored}
    assert len(urls) < len(stored) and len(checksums) < len(urls)

    stats = run.stats
    assert stats["harvester/media/references"] == len(media)
    assert stats["harvester/media/failed"] == len({r["url"] for r in failed})
    assert stats["harvester/media/stored"] == len(files)
    # Each distinct URL was asked of the media hosts once; none of it went through the gateway's quota.
    served = sandbox.admin.stats()
    assert served["images_served"] + served["videos_served"] == len(urls)
    assert stats["harvester/quota/calls"] == stats["harvester/search/pages"] + len(products)
    assert "Media" in (data / "_reports").joinpath(f"{run.crawl_id}-{run.report['worker_id']}.html").read_text()

    # The README's example reads it as the tests read it.
    monkeypatch.chdir(tmp_path)
    example: dict = {}
    exec(_readme_example(), example)  # noqa: S102 (the README's own code)
    pictures = example["pictures"].fetchall()
    assert len(pictures) == len(checksums) and sum(row[-1] for row in pictures) == len(stored)
    assert sum(row[1] for row in example["failed"].fetchall()) == stats["harvester/media/failed"]

    # A second crawl downloads again and writes nothing new: the content is in the store already.
    again = run_crawl(sandbox, "keyword", data, *ARGUMENTS, settings=SETTINGS)
    assert again.returncode == 4, again.stderr[-3000:]
    assert again.stat("harvester/media/stored") == 0
    assert again.stat("harvester/media/already_stored") == again.stat("harvester/media/downloaded") > 0
    assert {p.relative_to(store).as_posix() for p in store.rglob("*") if p.is_file()} == set(files)


def test_a_bad_media_argument_is_refused_before_any_call(sandbox: SandboxProcess, tmp_path: Path) -> None:
    run = run_crawl(sandbox, "keyword", tmp_path / "data", "keywords=发夹", "media=main,thumbnails")
    assert run.returncode == 2
    assert run.error_lines() == [
        "harvester: -a media=main,thumbnails: thumbnails is not a kind of media; give any "
        "of main,sku,description,video (e.g. -a media=main,sku)"
    ]
    assert sandbox.admin.stats()["calls_total"] == 0


def test_downloads_that_all_fail_lose_no_offer(sandbox: SandboxProcess, tmp_path: Path) -> None:
    sandbox.admin.config(image_host="sandbox")
    run = run_crawl(
        sandbox,
        "keyword",
        tmp_path / "data",
        "keywords=发夹",
        "max_pages=1",
        "media=main",
        settings={"OPEN1688_PAGE_SIZE": 5, "HARVEST_MEDIA_MAX_BYTES": 1000},
    )
    assert run.returncode == 4, run.stderr[-3000:]
    assert len(run.rows("products")) == 5
    media = run.rows("media")
    assert media and {(r["status"], r["error"]) for r in media} == {("failed", "too large")}
    assert run.stat("harvester/media/failed_by/too large") == len({r["url"] for r in media})
    assert "gaps: media downloads failed" in run.stderr
    assert not any((tmp_path / "data" / "media_files").rglob("*.jpg"))
