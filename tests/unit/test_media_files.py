"""What a downloaded file is (width, height, extension), and the store that keeps each content once."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from scrapy.settings import Settings

from harvester import settings as project_settings
from harvester.media.probe import Probe, probe, video_size
from harvester.media.store import MediaStore, relative_path
from harvester.sandbox.videos import FRAME_SIZE, frame, mp4


def _picture(kind: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind)
    return out.getvalue()


def test_pictures_by_their_header() -> None:
    assert probe(_picture("JPEG", (640, 480)), "image/jpeg") == Probe(640, 480, ".jpg")
    # The content type may be missing or wrong: Pillow's reading of the file names the extension.
    found = probe(_picture("PNG", (3, 7)), "application/octet-stream")
    assert (found.width, found.height, found.extension, found.problem) == (3, 7, ".png", None)


def test_a_video_by_its_track_header() -> None:
    film = mp4([frame(_picture("JPEG", (400, 400)))] * 2)
    assert video_size(film) == (FRAME_SIZE, FRAME_SIZE)
    assert probe(film, "video/mp4") == Probe(FRAME_SIZE, FRAME_SIZE, ".mp4")
    assert video_size(b"\x00\x00\x00\x08free") is None and video_size(b"junk") is None


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"<!DOCTYPE html><html><body>blocked</body></html>", "image/jpeg"),
        (b"{}", "text/plain"),
        (b"\xff\xd8\xff\xe0 not really a jpeg", "image/jpeg"),
    ],
)
def test_what_is_not_media_says_why(data: bytes, kind: str) -> None:
    found = probe(data, kind)
    assert found.problem and found.width is None


def test_paths_come_from_the_checksum() -> None:
    checksum = "ab" * 32
    assert relative_path(checksum, ".jpg") == f"ab/ab/{checksum}.jpg"


def _settings(**overrides: object) -> Settings:
    settings = Settings()
    settings.setmodule(project_settings)
    settings.update(overrides)
    return settings


def test_the_default_store_sits_beside_the_tables(tmp_path: Path) -> None:
    store = MediaStore.from_settings(_settings(HARVEST_DATA_DIR=str(tmp_path / "data")))
    assert store.show() == str(tmp_path / "data" / "media_files")
    assert not store.has("ab/cd/x.jpg")
    store.put("ab/cd/x.jpg", b"bytes")
    assert store.has("ab/cd/x.jpg")
    assert (tmp_path / "data" / "media_files" / "ab" / "cd" / "x.jpg").read_bytes() == b"bytes"
    # Written whole: no temporary left beside it.
    assert [p.name for p in (tmp_path / "data" / "media_files" / "ab" / "cd").iterdir()] == ["x.jpg"]


def test_a_store_of_its_own(tmp_path: Path) -> None:
    store = MediaStore.from_settings(
        _settings(HARVEST_DATA_DIR=str(tmp_path / "data"), HARVEST_MEDIA_STORE=str(tmp_path / "pictures"))
    )
    store.put("x.png", b"png")
    assert (tmp_path / "pictures" / "x.png").exists() and not (tmp_path / "data").exists()


def test_a_store_in_a_bucket(s3_server, s3_bucket: str, tmp_path: Path) -> None:
    store = MediaStore.from_settings(
        _settings(
            HARVEST_DATA_DIR=f"s3://{s3_bucket}/datasets/1688",
            HARVEST_SPOOL_DIR=str(tmp_path / "spool"),
            **s3_server.env(),
        )
    )
    assert store.show() == f"s3://{s3_bucket}/datasets/1688/media_files"
    assert not store.has("ab/cd/x.jpg")
    store.put("ab/cd/x.jpg", b"bytes")
    assert store.has("ab/cd/x.jpg") and store.modified("ab/cd/x.jpg")
    with s3_server.filesystem().open_input_stream(f"{s3_bucket}/datasets/1688/media_files/ab/cd/x.jpg") as stream:
        assert stream.read() == b"bytes"
