"""`scrapy crawl`, with arguments checked before any call and an exit status that says how it ended.

Settings that guard spending or data (``harvester.checks.guards``) and
spider arguments are checked in ``process_options``, before Scrapy builds
the crawler process (and prints its start-up banner), so a typo is answered
by one line and exit status 2. ``--distributed`` (``HARVEST_DISTRIBUTED``)
makes the crawl one worker of a distributed crawl (docs/distributed.md); a
worker whose Redis does not answer, that has no ``HARVEST_CRAWL_ID``, or
whose scrapy-redis start key (``REDIS_START_URLS_KEY``) cannot hold units, is
refused there too, with one line and exit status 1.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.misc import load_object

from ..checks import doctor, guards
from ..checks.dataset import check_readable_inputs
from ..crawl import exitcodes, jobdir
from ..crawl import stats as keys
from ..crawl.allocator import fix_mmap_threshold
from ..dataset.storage import protect_secrets, resolve
from ..distributed import connection, start_urls
from ..distributed.keys import shared_crawl_id
from ..exceptions import HarvestError
from ..gateway.access import GatewayAccess
from ..history.plan import plan_summary
from ..stages.enrichment import enrichment_summary
from . import fail


def apply_addons(settings: BaseSettings) -> None:
    """Run the add-ons' ``update_settings`` now (the distributed one swaps components), so the settings are what
    the crawl runs with before anything is checked against them or built from them.

    Scrapy 2.19 applies add-ons after it has built the spider, whose ``from_crawler`` chooses where its units
    come from (``HARVEST_UNIT_SOURCE``): without this a ``--distributed`` worker given no ``-a`` argument was
    refused as a spider with nothing to do. Running them again later changes nothing.
    """
    for path, _priority in sorted(settings.getdict("ADDONS").items(), key=lambda item: item[1]):
        load_object(path)().update_settings(settings)


class Command(ScrapyCrawlCommand):
    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--distributed",
            action="store_true",
            help="run as one worker of a distributed crawl through Redis (HARVEST_DISTRIBUTED=1)",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if opts.distributed:
            self.settings.set("HARVEST_DISTRIBUTED", True, priority="cmdline")
        if len(args) != 1:
            raise UsageError("give exactly one spider: scrapy crawl keyword -a keywords=保温杯", print_help=False)
        assert self.settings is not None
        try:
            guards.check(self.settings)
            if self.settings.get("JOBDIR"):
                jobdir.claim(self.settings["JOBDIR"])
        except HarvestError as error:
            self._refuse(str(error))
        try:
            spidercls = get_spider_loader(self.settings).load(args[0])
        except KeyError:
            self._refuse(f"no spider named {args[0]!r}; `scrapy list` shows them")
        apply_addons(self.settings)
        try:
            # A URI that cannot work is refused first: checking some arguments (the monitor's) reads the dataset.
            resolve(self.settings["HARVEST_DATA_DIR"] or "", self.settings)
            check = getattr(spidercls, "check_arguments", None)
            if check is not None:
                check(opts.spargs, self.settings)
            check_readable_inputs(self.settings, spidercls, opts.spargs)
        except HarvestError as error:
            self._refuse(str(error))
        writable = doctor.data_dir(self.settings["HARVEST_DATA_DIR"], self.settings)
        if writable.status is not doctor.Status.OK:
            self._refuse(writable.message)
        if self.settings.getbool("HARVEST_DISTRIBUTED"):
            try:
                connection.check(self.settings)
                shared_crawl_id(self.settings)
                start_urls.check(self.settings, args[0])
            except HarvestError as error:
                # Configuration, not usage: the same command works once Redis answers and the crawl id is set.
                fail(str(error))
                sys.exit(exitcodes.ERROR)

    @staticmethod
    def _refuse(message: str) -> None:
        fail(message)
        sys.exit(exitcodes.USAGE)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process is not None
        # Before the crawl allocates anything large: see harvester.crawl.allocator for why.
        fix_mmap_threshold()
        crawler = self.crawler_process.create_crawler(args[0])
        try:
            GatewayAccess.from_crawler(crawler)
        except HarvestError as error:
            fail(str(error))
            self.exitcode = exitcodes.USAGE
            return
        protect_secrets(crawler.settings)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed or crawler.stats is None:
            self.exitcode = exitcodes.ERROR
            return
        stats = crawler.stats.get_stats()
        if "finish_reason" not in stats:
            # The reactor stopped before the spider closed: only a second Ctrl-C (or SIGTERM) does that. Nothing
            # buffered was committed and the JOBDIR is marked unclean: a resume recovers from the dataset.
            self.exitcode = exitcodes.INTERRUPTED
            fail(
                "interrupted before the crawl could close: what was not committed will be fetched again by a "
                "resume with the same JOBDIR"
            )
            return
        self.exitcode = exitcodes.for_crawl(stats)
        if exitcodes.dataset_unclosed(stats):
            fail(
                "the dataset was not completed: a component failed as the crawl closed (the ERROR lines above say "
                "which), so its last rows were not committed; fix it and resume with the same JOBDIR"
            )
            return
        if stats.get(keys.PLAN_DRY_RUN):
            print(plan_summary(stats))
            enrichment = enrichment_summary(stats)
            if enrichment:
                print(enrichment)
        message = stats.get(keys.STOP_MESSAGE)
        if message:
            fail(f"stopped: {message}")
