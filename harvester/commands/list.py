"""`scrapy list`, with each spider's one-line description."""

from __future__ import annotations

import argparse

from scrapy.commands.list import Command as ScrapyListCommand
from scrapy.spiderloader import get_spider_loader


class Command(ScrapyListCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        loader = get_spider_loader(self.settings)
        names = sorted(loader.list())
        width = max(map(len, names), default=0)
        for name in names:
            description = getattr(loader.load(name), "description", "")
            print(f"{name:<{width}}  {description}".rstrip())
