"""The image spider over loopback: a catalogue offer's own pictures find it first; bad pictures cost no call."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from harvester.crawl import exitcodes
from harvester.sandbox.catalogue import Catalogue
from tests.integration.crawling import run_crawl

pytestmark = pytest.mark.e2e

#: EXIF orientation "rotate 90 degrees clockwise to display".
ROTATE_CW = 6


@pytest.fixture(scope="module")
def catalogue(sandbox_process):
    config = sandbox_process.initial_config
    return Catalogue(config["seed"], config["offers"])


@pytest.fixture(scope="module")
def offer_id(catalogue):
    return catalogue.search(keyword="风筝")[7]


def _copy(jpeg: bytes, *, scale: float = 1.0, quality: int = 95, sideways: bool = False) -> bytes:
    """A resized, recompressed copy; ``sideways``: pixels turned a quarter, EXIF saying how to turn them back."""
    image = Image.open(io.BytesIO(jpeg))
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    if sideways:
        exif = Image.Exif()
        exif[0x0112] = ROTATE_CW
        image.rotate(90, expand=True).save(out, "JPEG", quality=quality, exif=exif.tobytes())
    else:
        image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_an_offers_own_pictures_find_it_first(sandbox, catalogue, offer_id, tmp_path):
    own = tmp_path / "own.jpg"
    own.write_bytes(catalogue.image_jpeg(offer_id))
    copy = tmp_path / "copy.jpg"
    copy.write_bytes(_copy(catalogue.image_jpeg(offer_id, 1), scale=0.6, quality=55))
    turned = tmp_path / "turned.jpg"
    turned.write_bytes(_copy(catalogue.image_jpeg(offer_id), scale=1.5, quality=80, sideways=True))
    crawl = run_crawl(sandbox, "image", tmp_path / "data", f"image={own},{copy},{turned}", "max_pages=2")
    assert crawl.returncode == exitcodes.OK, crawl.stderr
    products = sorted(crawl.rows("products"), key=lambda p: p["search_rank"])
    labels = [f"image:{own}", f"image:{copy}", f"image:{turned}"]
    first = products[0]
    # All three found it first; its query is the best of them, ties going by label.
    assert (first["offer_id"], first["search_rank"], first["query"]) == (offer_id, 1, min(labels))
    assert sorted(first["found_by"]) == sorted(labels)
    assert [p["search_rank"] for p in products] == list(range(1, len(products) + 1))
    # Offers found by more images come first.
    counts = [len(p["found_by"]) for p in products]
    assert counts == sorted(counts, reverse=True)
    hits = crawl.rows("search_hits")
    assert {h["query"] for h in hits} == set(labels)
    assert {(h["query"], h["page"], h["position"]) for h in hits if h["offer_id"] == offer_id} == {
        (label, 1, 1) for label in labels
    }
    assert crawl.stat("harvester/image/uploaded") == 3
    assert sandbox.admin.stats()["calls_by_api"]["product.image.upload"] == 3


def test_a_picture_by_url_is_downloaded_without_a_referer(sandbox, catalogue, offer_id, tmp_path):
    url = f"{sandbox.base_url}/{catalogue.offer(offer_id).image_paths[0]}"
    crawl = run_crawl(sandbox, "image", tmp_path / "data", f"image={url}", "max_pages=1", "keyword=风筝")
    assert crawl.returncode == exitcodes.OK, crawl.stderr
    first = min(crawl.rows("products"), key=lambda p: p["search_rank"])
    assert (first["offer_id"], first["found_by"]) == (offer_id, [f"image:{url}"])
    stats = sandbox.admin.stats()
    assert stats["images_served"] == 1  # the image host refuses a foreign Referer with 403


def test_a_keyword_narrows_the_image_search(sandbox, catalogue, offer_id, tmp_path):
    own = tmp_path / "own.jpg"
    own.write_bytes(catalogue.image_jpeg(offer_id))
    crawl = run_crawl(sandbox, "image", tmp_path / "data", f"image={own}", "keyword=保温杯")
    assert crawl.returncode == exitcodes.OK, crawl.stderr
    assert crawl.stat("harvester/search/reported") == 0


def test_a_bad_downloaded_picture_is_reported_and_never_uploaded(sandbox, tmp_path):
    not_an_image = f"{sandbox.base_url}/_sandbox/config"
    absent = f"{sandbox.base_url}/img/ibank/absent.jpg"
    crawl = run_crawl(sandbox, "image", tmp_path / "data", f"image={not_an_image},{absent}")
    assert crawl.returncode == exitcodes.INCOMPLETE
    assert sorted(crawl.errors()) == [
        f"Could not download the image {absent}: HTTP 404",
        f"Skipped an image: {not_an_image} is not an image (JPEG, PNG, WebP, GIF or BMP expected)",
    ]
    assert (crawl.stat("harvester/image/bad_images"), crawl.stat("harvester/image/downloads_failed")) == (1, 1)
    assert sandbox.admin.stats()["calls_total"] == 0


def _noise(side: int) -> bytes:
    """A picture JPEG cannot compress: random pixels."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), random.Random(5).randbytes(side * side * 3)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "settings", "message"),
    [
        (b"GIF89a? no, a text file", {}, "{path} is not an image (JPEG, PNG, WebP, GIF or BMP expected)"),
        (b"", {}, "{path} is empty"),
        (
            _noise(600),
            {"OPEN1688_IMAGE_MAX_BYTES": 20_000},
            "{path} is still over 20,000 bytes as a 600x600 JPEG; crop it or lower OPEN1688_IMAGE_MAX_SIDE",
        ),
    ],
    ids=["not-an-image", "empty", "too-large-after-preparation"],
)
def test_a_bad_local_picture_is_refused_before_any_call(sandbox, tmp_path, content, settings, message):
    path = tmp_path / "picture.jpg"
    path.write_bytes(content)
    crawl = run_crawl(sandbox, "image", tmp_path / "data", f"image={path}", settings=settings)
    assert crawl.returncode == exitcodes.USAGE
    assert crawl.errors() == ["harvester: " + message.format(path=path)]
    assert sandbox.admin.stats()["calls_total"] == 0
    assert not (tmp_path / "data").exists()
