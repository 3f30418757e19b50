"""Item pipelines that fail on purpose, for the tests that a failing component never passes for a complete crawl."""

from __future__ import annotations

from typing import Any

from harvester.items import Product


class FailsAsTheCrawlCloses:
    """Its synchronous ``close_spider`` raises: Scrapy then never awaits the dataset pipeline's own closing."""

    def close_spider(self) -> None:
        raise RuntimeError("a component that fails as the crawl closes")


class FailsOnOneProduct:
    """Raises on the first product it sees: Scrapy logs the error and the item never reaches the dataset."""

    def __init__(self) -> None:
        self.failed = False

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Product) and not self.failed:
            self.failed = True
            raise RuntimeError(f"a component that fails on offer {item.offer_id}")
        return item
