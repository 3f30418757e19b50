"""``-a media``: the kinds it names, refused in one line before any call when wrong."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from harvester import settings as project_settings
from harvester.exceptions import ArgumentError, ConfigurationError
from harvester.media.checks import check_arguments
from harvester.media.roles import parse_roles
from harvester.spiders.keyword import KeywordSpider
from harvester.spiders.offers import OffersSpider


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checking a store writes a probe into it: the default ./data is under a temporary folder."""
    monkeypatch.chdir(tmp_path)


def _settings(**overrides: object) -> Settings:
    settings = Settings()
    settings.setmodule(project_settings)
    settings.update(overrides)
    return settings


def test_any_subset_in_any_case_with_full_width_commas() -> None:
    assert parse_roles("main,sku") == {"main", "sku"}
    assert parse_roles(" Video，description ") == {"video", "description"}
    assert parse_roles(None) == parse_roles("") == frozenset()


@pytest.mark.parametrize("value", ["main,pictures", "all", ",,", "mian"])
def test_a_kind_that_does_not_exist_is_one_line_naming_the_kinds(value: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_roles(value)
    message = str(error.value)
    assert "\n" not in message and "main,sku,description,video" in message


@pytest.mark.parametrize("spider", [KeywordSpider, OffersSpider])
def test_every_spider_takes_media_and_refuses_a_bad_one(spider: type) -> None:
    assert "media" in spider.arguments
    given = {"keywords": "保温杯"} if spider is KeywordSpider else {"ids": "624108453870"}
    spider.check_arguments({**given, "media": "main,sku"})
    with pytest.raises(ArgumentError, match="-a media=main,pics: pics is not a kind of media"):
        spider.check_arguments({**given, "media": "main,pics"})


def test_the_built_in_sandbox_must_serve_its_own_media() -> None:
    with pytest.raises(ArgumentError, match="OPEN1688_SANDBOX_IMAGE_HOST=sandbox -s OPEN1688_SANDBOX_VIDEO_HOST"):
        check_arguments({"media": "main,video"}, _settings())
    with pytest.raises(ArgumentError) as error:
        check_arguments({"media": "video"}, _settings())
    assert "VIDEO_HOST" in str(error.value) and "IMAGE_HOST" not in str(error.value)
    check_arguments(
        {"media": "main,video"}, _settings(OPEN1688_SANDBOX_IMAGE_HOST="sandbox", OPEN1688_SANDBOX_VIDEO_HOST="sandbox")
    )
    # A real gateway's media hosts are the CDN's own.
    check_arguments({"media": "main"}, _settings(OPEN1688_GATEWAY="https://gw.open.1688.com"))


def test_a_store_that_cannot_work_is_named_by_its_own_setting() -> None:
    with pytest.raises(ConfigurationError, match="^HARVEST_MEDIA_STORE=s3:/bucket is neither a URI"):
        check_arguments(
            {"media": "main"}, _settings(OPEN1688_GATEWAY="https://gw.open.1688.com", HARVEST_MEDIA_STORE="s3:/bucket")
        )


def test_no_media_asked_checks_nothing_else() -> None:
    check_arguments({}, _settings(HARVEST_MEDIA_STORE="s3:/bucket"))


def test_a_distributed_worker_may_be_given_media_alone() -> None:
    distributed = _settings(
        HARVEST_UNIT_SOURCE="harvester.distributed.units.UnitFeed", OPEN1688_GATEWAY="https://gw.open.1688.com"
    )
    KeywordSpider.check_arguments({"media": "main"}, distributed)
    with pytest.raises(ArgumentError, match="is not a kind of media"):
        KeywordSpider.check_arguments({"media": "mains"}, distributed)
    with pytest.raises(ArgumentError, match="no keyword"):
        KeywordSpider.check_arguments({"media": "main"}, _settings(OPEN1688_GATEWAY="https://gw.open.1688.com"))


def test_a_store_that_cannot_be_written_is_refused(tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigurationError, match="^HARVEST_MEDIA_STORE: cannot write to .*a-file/pictures"):
        check_arguments(
            {"media": "main"},
            _settings(OPEN1688_GATEWAY="https://gw.open.1688.com", HARVEST_MEDIA_STORE=str(blocker / "pictures")),
        )
    check_arguments(
        {"media": "main"},
        _settings(OPEN1688_GATEWAY="https://gw.open.1688.com", HARVEST_MEDIA_STORE=str(tmp_path / "pictures")),
    )
    assert (tmp_path / "pictures").is_dir()
