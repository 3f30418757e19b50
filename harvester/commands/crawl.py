"""`scrapy crawl`, with arguments checked before any call and an exit status that says how it ended."""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from .. import exitcodes
from ..access import GatewayAccess
from ..exceptions import HarvestError
from . import fail


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider: scrapy crawl keyword -a keywords=保温杯")
        assert self.crawler_process is not None
        try:
            spidercls = self.crawler_process.spider_loader.load(args[0])
        except KeyError:
            fail(f"no spider named {args[0]!r}; `scrapy list` shows them")
            self.exitcode = exitcodes.USAGE
            return
        crawler = self.crawler_process.create_crawler(spidercls)
        try:
            check = getattr(spidercls, "check_arguments", None)
            if check is not None:
                check(opts.spargs)
            GatewayAccess.from_crawler(crawler)
        except HarvestError as error:
            fail(str(error))
            self.exitcode = exitcodes.USAGE
            return
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed or crawler.stats is None:
            self.exitcode = exitcodes.ERROR
            return
        stats = crawler.stats.get_stats()
        self.exitcode = exitcodes.for_crawl(stats)
        message = stats.get("harvester/stop/message")
        if message:
            fail(f"stopped: {message}")
