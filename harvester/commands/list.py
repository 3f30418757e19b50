"""`scrapy list`: one spider name per line, as Scrapy prints them, with each spider's description on a terminal.

Programs read this list: scrapyd runs ``scrapy list`` to learn a deployed
project's spiders and refuses to schedule a name it did not find there, and
scripts pipe it. So the descriptions are for people only: printed when the
output is a terminal, or with ``--long``.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.list import Command as ScrapyListCommand
from scrapy.spiderloader import get_spider_loader


class Command(ScrapyListCommand):
    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-l",
            "--long",
            action="store_true",
            help="each spider's one-line description too (the default on a terminal)",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        loader = get_spider_loader(self.settings)
        names = sorted(loader.list())
        if not (opts.long or sys.stdout.isatty()):
            for name in names:
                print(name)
            return
        width = max(map(len, names), default=0)
        for name in names:
            description = getattr(loader.load(name), "description", "")
            print(f"{name:<{width}}  {description}".rstrip())
