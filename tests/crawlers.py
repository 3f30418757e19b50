"""Crawlers for component tests, with the project's own settings underneath the test's."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from harvester import settings as project_settings

PROJECT_SETTINGS = {name: value for name, value in vars(project_settings).items() if name.isupper()}

GATEWAY_SETTINGS = {
    "OPEN1688_GATEWAY": "http://127.0.0.1:9",
    "OPEN1688_APP_KEY": "8668866",
    "OPEN1688_APP_SECRET": "sandbox-secret-1",
    "OPEN1688_ACCESS_TOKEN": "token-placeholder-1",
}


def project_crawler(spidercls: Any = None, **overrides: Any) -> Crawler:
    return get_crawler(spidercls, settings_dict={**PROJECT_SETTINGS, **GATEWAY_SETTINGS, **overrides})
