"""Every spider's arguments checked as ``scrapy crawl`` checks them: one line saying what to fix, before any call.

The end-to-end tests run one refusal per spider through the real command
(exit status 2, nothing called, nothing written); the other cases are
checked here, in process.
"""

from __future__ import annotations

import pytest
from PIL import Image
from scrapy.settings import Settings

from harvester import settings as project_settings
from harvester.distributed.addon import Distributed
from harvester.exceptions import ArgumentError
from harvester.spiders.image import ImageSpider
from harvester.spiders.keyword import KeywordSpider
from harvester.spiders.monitor import MonitorSpider
from harvester.spiders.offers import OffersSpider
from harvester.spiders.seller import SellerSpider
from tests.builders import write_crawl


@pytest.fixture
def settings(tmp_path):
    values = {name: value for name, value in vars(project_settings).items() if name.isupper()}
    return Settings({**values, "HARVEST_DATA_DIR": str(tmp_path / "data")})


@pytest.fixture
def picture(tmp_path):
    path = tmp_path / "p.png"
    Image.new("RGB", (40, 30), "red").save(path)
    return str(path)


@pytest.mark.parametrize(
    ("spider", "arguments", "message"),
    [
        (OffersSpider, {"ids": "1,x"}, "-a ids: 'x' is not an offer id"),
        (OffersSpider, {"ids": " , "}, "no offer id: give -a ids=624108453870,... or -a ids_file=PATH"),
        (OffersSpider, {"ids_file": "/no/such/file"}, "-a ids_file=/no/such/file: no such file"),
        (
            OffersSpider,
            {"id": "1"},
            "unknown argument -a id=...: the offers spider accepts freight_quantity, freight_to, ids, ids_file, media, trends",
        ),
        (SellerSpider, {"seller_open_id": ""}, "no seller: give -a seller_open_id=ID"),
        (SellerSpider, {"seller_open_id": "BBBa", "keyword": " "}, "empty keyword"),
        (SellerSpider, {"seller_open_id": "BBBa", "max_pages": "0"}, "max_pages='0' must be a positive whole number"),
        (ImageSpider, {"image": " , "}, "no image: give -a image=PATH_OR_URL"),
        (ImageSpider, {"image": "ftp://example.com/a.jpg"}, "-a image=ftp://example.com/a.jpg: give a file or an"),
        (ImageSpider, {"image": "http://"}, "-a image=http://: give a file or an http(s) URL"),
        (ImageSpider, {"image": "/no/such.jpg"}, "-a image=/no/such.jpg: no such file"),
        (ImageSpider, {"image": "http://h/a.jpg", "crop": "1,2,3"}, "crop='1,2,3': give x,y,width,height"),
        (ImageSpider, {"image": "http://h/a.jpg", "crop": "0,0,0,9"}, "crop='0,0,0,9': x and y must be >= 0"),
        (
            MonitorSpider,
            {"ids": "1"},
            "unknown argument -a ids=...: the monitor spider accepts details, dry_run, ids_file",
        ),
        (MonitorSpider, {"ids_file": "/no/such/file"}, "-a ids_file=/no/such/file: no such file"),
    ],
)
def test_bad_arguments(settings, spider, arguments, message):
    with pytest.raises(ArgumentError) as refused:
        spider.check_arguments(arguments, settings)
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)


def test_a_crop_outside_a_local_picture_is_refused_with_its_size(settings, picture):
    with pytest.raises(ArgumentError, match=r"crop 0,0,50,10 falls outside .*p\.png \(40x30 once upright\)"):
        ImageSpider.check_arguments({"image": picture, "crop": "0,0,50,10"}, settings)
    ImageSpider.check_arguments({"image": picture, "crop": "0,0,40,30"}, settings)


def test_a_local_picture_is_prepared_only_once_settings_are_known(picture, settings):
    settings.set("OPEN1688_IMAGE_MAX_BYTES", 100)
    ImageSpider.check_arguments({"image": picture})  # without settings (a spider built in code): format only
    with pytest.raises(ArgumentError, match="still over 100 bytes"):
        ImageSpider.check_arguments({"image": picture}, settings)


def test_the_monitor_needs_a_crawl_or_a_list(settings, tmp_path):
    with pytest.raises(ArgumentError, match="nothing to monitor: HARVEST_DATA_DIR=.* holds no crawl yet"):
        MonitorSpider.check_arguments({}, settings)
    ids = tmp_path / "ids.txt"
    ids.write_text("1\n")
    MonitorSpider.check_arguments({"ids_file": str(ids)}, settings)
    write_crawl(tmp_path / "data", "20250501T000000Z-000001", [])
    with pytest.raises(ArgumentError):  # a crawl that wrote no products is nothing to watch either
        MonitorSpider.check_arguments({}, settings)


@pytest.mark.parametrize(
    ("spider", "arguments"),
    [
        (OffersSpider, {"ids": "624108453870，https://detail.1688.com/offer/1.html"}),
        (SellerSpider, {"seller_open_id": "BBBa,BBB-b_c", "keyword": "杯", "max_pages": "2"}),
        (ImageSpider, {"image": "https://cbu01.alicdn.com/img/ibank/a.jpg", "keyword": "杯", "max_pages": "1"}),
    ],
)
def test_good_arguments(settings, spider, arguments):
    spider.check_arguments(arguments, settings)


def test_scrapyds_own_arguments_are_not_the_spiders(settings):
    """scrapyd runs `scrapy crawl SPIDER -a _job=ID [-a _version=V] -a ...`: neither is refused as unknown, and
    neither stands for a unit of work."""
    KeywordSpider.check_arguments(
        {"keywords": "风筝", "_job": "6487ec79947edab326d6db28a2d86511", "_version": "1"}, settings
    )
    with pytest.raises(ArgumentError, match="no keyword"):
        KeywordSpider.check_arguments({"_job": "6487ec79947edab326d6db28a2d86511"}, settings)
    settings.set("HARVEST_DISTRIBUTED", True)
    Distributed().update_settings(settings)
    KeywordSpider.check_arguments({"_job": "6487ec79947edab326d6db28a2d86511"}, settings)  # a worker: units from Redis
    with pytest.raises(ArgumentError, match="unknown argument -a _jobs"):
        KeywordSpider.check_arguments({"_jobs": "x"}, settings)
