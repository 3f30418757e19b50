"""``scrapy enqueue SPIDER ...``: queue units of work for the workers of a distributed crawl.

    scrapy enqueue keyword 保温杯 数据线 [--price-start 10 --price-end 50 --category-id .. --sort .. --filter ..]
    scrapy enqueue offers 624108453870 ... | --file ids.txt
    scrapy enqueue image photo.jpg https://... [--keyword .. --crop x,y,w,h]
    scrapy enqueue seller OPEN_ID ... [--keyword ..]

``--file`` adds one value per line (keywords, ids, images or sellers). The
units go to the crawl's list in Redis (``HARVEST_CRAWL_ID`` and
``REDIS_URL``, as the workers are given them), in chunks, as they are read.
A bad value stops the command with one line and exit status 2 (what was
queued before it stays queued, and the line says how much); bad lines of a
file are reported with their numbers, skipped, and make the exit status 2.
No crawl id or no Redis: one line, exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from itertools import islice
from typing import Any

import redis
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from ..crawl import exitcodes
from ..distributed import connection, enqueue
from ..distributed.keys import CrawlKeys
from ..distributed.units import PUSH_CHUNK, payload_of
from ..exceptions import ConfigurationError, HarvestError
from ..inputs.lines import BadLine
from . import fail

#: Bad lines of a file reported one by one; past this many they are only counted.
REPORTED_BAD_LINES = 100


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "keyword|offers|image|seller [VALUE ...] [--file PATH] [options]"

    def short_desc(self) -> str:
        return "Queue units of work (keywords, offer ids, images, sellers) for a distributed crawl"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--file", help="a file with one value per line (streamed)")
        for name in ("price-start", "price-end", "category-id", "sort", "filter"):
            parser.add_argument(f"--{name}", help=f"keyword units: {name.replace('-', '_')}")
        parser.add_argument("--keyword", help="image and seller units: narrow the search with a keyword")
        parser.add_argument("--crop", help="image units: x,y,width,height")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args or args[0] not in enqueue.SPIDERS:
            raise UsageError(f"give a spider first: one of {', '.join(enqueue.SPIDERS)}", print_help=False)
        spider, words = args[0], args[1:]
        if not words and not opts.file:
            raise UsageError(
                f"nothing to queue: give values or --file PATH (scrapy enqueue {spider} ...)", print_help=False
            )
        assert self.settings is not None
        self.bad_lines = 0
        queued = 0
        try:
            keys = CrawlKeys.from_settings(self.settings, spider)
            client = connection.sync_client(self.settings)
            for chunk in _chunks(self._units(spider, words, opts)):
                queued += len(chunk)
                client.rpush(keys.units, *chunk)
        except HarvestError as error:
            fail(f"{error}{f' ({queued} unit(s) queued before it)' if queued else ''}")
            # A missing crawl id or an unreachable Redis is configuration (1); a bad value, usage (2).
            self.exitcode = exitcodes.ERROR if isinstance(error, ConfigurationError) else exitcodes.USAGE
            return
        except redis.RedisError as error:
            fail(str(connection.RedisUnavailable.of(self.settings["REDIS_URL"], error)))
            self.exitcode = exitcodes.ERROR
            return
        print(f"queued {queued} {spider} unit(s) in {keys.units}")
        if self.bad_lines:
            fail(f"{self.bad_lines} bad line(s) of {opts.file} skipped")
            self.exitcode = exitcodes.USAGE

    def _units(self, spider: str, words: list[str], opts: argparse.Namespace) -> Iterator[dict[str, Any]]:
        if spider == "keyword":
            filters = {name: getattr(opts, name) for name in enqueue.FILTER_ARGUMENTS}
            return enqueue.keyword_units(words, opts.file, filters, self._bad_line)
        if spider == "offers":
            return enqueue.offer_units(words, opts.file, self._bad_line)
        if spider == "image":
            return enqueue.image_units(words, opts.file, opts.keyword, opts.crop, self._bad_line)
        return enqueue.seller_units(words, opts.file, opts.keyword, self._bad_line)

    def _bad_line(self, path: str, line: BadLine) -> None:
        self.bad_lines += 1
        if self.bad_lines <= REPORTED_BAD_LINES:
            print(f"harvester: {path} line {line.number}: {line.reason}", file=sys.stderr)


def _chunks(units: Iterator[dict[str, Any]]) -> Iterator[list[str]]:
    payloads = (payload_of(unit) for unit in units)
    while chunk := list(islice(payloads, PUSH_CHUNK)):
        yield chunk
