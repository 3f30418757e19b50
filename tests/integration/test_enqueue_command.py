"""``scrapy enqueue``: JSON units in the crawl's Redis list, a count on stdout, one line and a status for bad input."""

from __future__ import annotations

import json

import pytest
import redis

from harvester.distributed.keys import CrawlKeys
from harvester.spiders.offers import IDS_PER_UNIT

from .commands import closed_port, environment, last_line, scrapy

pytestmark = pytest.mark.redis

CRAWL = "20261128T190000Z-enqueue"


@pytest.fixture
def enqueue(redis_server, redis_prefix, tmp_path):
    def run(*arguments: str, crawl_id: str = CRAWL, url: str = redis_server.url):
        return scrapy(
            "enqueue",
            *arguments,
            "-s",
            f"REDIS_URL={url}",
            "-s",
            f"HARVEST_REDIS_PREFIX={redis_prefix}",
            *(["-s", f"HARVEST_CRAWL_ID={crawl_id}"] if crawl_id else []),
            env=environment(tmp_path),
        )

    return run


def queued(redis_server, redis_prefix: str, spider: str) -> list[dict]:
    client = redis.Redis.from_url(redis_server.url)
    return [json.loads(p) for p in client.lrange(CrawlKeys(f"{redis_prefix}:{CRAWL}:{spider}").units, 0, -1)]


def test_keywords_with_filters(enqueue, redis_server, redis_prefix):
    done = enqueue("keyword", "保温杯", "数据线", "--price-start", "10", "--sort", "price:asc")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("queued 2 keyword unit(s) in ")
    assert queued(redis_server, redis_prefix, "keyword") == [
        {"keyword": "保温杯", "price_start": "10", "sort": "price:asc"},
        {"keyword": "数据线", "price_start": "10", "sort": "price:asc"},
    ]


def test_offer_ids_from_a_file_in_units_with_bad_lines_by_number(enqueue, redis_server, redis_prefix, tmp_path):
    ids = [str(624108453870 + n) for n in range(IDS_PER_UNIT + 5)]
    path = tmp_path / "ids.txt"
    path.write_text("\n".join([*ids[:3], "abc", "", *ids[3:], "https://detail.1688.com/offer/1.html"]) + "\n")
    done = enqueue("offers", "--file", str(path))
    assert done.returncode == 2, "bad lines make the status say so"
    assert "queued 2 offers unit(s)" in done.stdout
    assert f"{path} line 4: 'abc' is not an offer id" in done.stderr
    assert last_line(done.stderr) == f"harvester: 1 bad line(s) of {path} skipped"
    units = queued(redis_server, redis_prefix, "offers")
    assert [len(unit["ids"]) for unit in units] == [IDS_PER_UNIT, 6]
    assert [i for unit in units for i in unit["ids"]] == [int(i) for i in ids] + [1]


def test_sellers_and_images(enqueue, redis_server, redis_prefix, tmp_path):
    assert enqueue("seller", "b2b-2218149753", "--keyword", "风筝").returncode == 0
    assert queued(redis_server, redis_prefix, "seller") == [{"seller_open_id": "b2b-2218149753", "keyword": "风筝"}]
    done = enqueue("image", str(tmp_path / "missing.jpg"))
    assert done.returncode == 2 and "no such file" in last_line(done.stderr)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("keyword", "保温杯", "--price-start", "abc"), "is not a price"),
        (("offers", "12x"), "is not an offer id"),
        (("monitor", "x"), "give a spider first"),
        (("keyword",), "nothing to queue"),
    ],
)
def test_bad_input_is_one_line_and_status_2(enqueue, arguments, message):
    done = enqueue(*arguments)
    assert done.returncode == 2 and message in last_line(done.stderr), done.stderr


def test_no_crawl_id_or_no_redis(enqueue):
    done = enqueue("keyword", "保温杯", crawl_id="")
    assert done.returncode == 1 and "HARVEST_CRAWL_ID" in last_line(done.stderr)
    with closed_port() as port:
        url = f"redis://127.0.0.1:{port}/0"
        done = enqueue("keyword", "保温杯", url=url)
    assert done.returncode == 1 and last_line(done.stderr).startswith(
        f"harvester: cannot reach Redis at REDIS_URL={url}"
    )
