"""A distributed crawl whose Redis cannot be reached stops before any call, with one line naming REDIS_URL."""

from __future__ import annotations

from .commands import closed_port, environment, last_line, scrapy


def test_crawl_refuses_to_start_without_its_redis(tmp_path):
    env = environment(
        tmp_path,
        OPEN1688_APP_KEY="8668866",
        OPEN1688_APP_SECRET="secret",
        OPEN1688_ACCESS_TOKEN="token",
        OPEN1688_GATEWAY="http://127.0.0.1:9",
    )
    with closed_port() as port:
        url = f"redis://127.0.0.1:{port}/0"
        done = scrapy(
            "crawl",
            "offers",
            "-a",
            "ids=1,2",
            "-s",
            "HARVEST_DISTRIBUTED=True",
            "-s",
            f"REDIS_URL={url}",
            "-s",
            f"HARVEST_DATA_DIR={tmp_path / 'data'}",
            env=env,
        )
    assert done.returncode == 1, done.stderr
    assert last_line(done.stderr).startswith(f"harvester: cannot reach Redis at REDIS_URL={url} ")
    assert "Traceback" not in done.stderr
