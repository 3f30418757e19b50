"""``scrapy compact``: merge each partition's small part files into large ones, dropping duplicate rows.

The work is done by :mod:`harvester.dataset.compact` (which explains the
order of steps that keeps readers and crashes safe); this command chooses
what to compact and says what it did, one line per merged group.
"""

from __future__ import annotations

import argparse

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from ..crawl import exitcodes
from ..dataset.compact import CompactBusy, Merged, compact
from ..dataset.storage import Storage, StorageError, resolve
from ..dataset.writer import WriterOptions
from ..schema import TABLES
from . import fail


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--data DIR] [--table TABLE] [--crawl-id ID] [--dry-run]"

    def short_desc(self) -> str:
        return "Merge the dataset's small part files per partition and crawl, dropping duplicate rows"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--data", metavar="DIR", help="dataset root, a folder or s3://bucket/prefix (default: HARVEST_DATA_DIR)"
        )
        parser.add_argument(
            "--table",
            action="append",
            choices=sorted(TABLES),
            metavar="TABLE",
            help=f"only this table (repeatable): {', '.join(sorted(TABLES))}",
        )
        parser.add_argument("--crawl-id", metavar="ID", help="only the part files of this crawl")
        parser.add_argument("--dry-run", action="store_true", help="say what would be merged, change nothing")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}", print_help=False)
        assert self.settings is not None
        try:
            storage = resolve(opts.data or self.settings["HARVEST_DATA_DIR"], self.settings)
            found = storage.is_folder(storage.root)
        except StorageError as error:
            fail(str(error))
            self.exitcode = exitcodes.USAGE
            return
        except OSError as error:
            fail(
                f"cannot read {opts.data or self.settings['HARVEST_DATA_DIR']} ({_first_line(error)}): check "
                "AWS_ENDPOINT_URL, AWS_REGION and the credentials (`scrapy doctor` tells which)"
            )
            self.exitcode = exitcodes.ERROR
            return
        if not found:
            fail(f"no dataset at {storage.show()}: give --data DIR or set HARVEST_DATA_DIR")
            self.exitcode = exitcodes.USAGE
            return
        try:
            options = WriterOptions.from_settings(self.settings)
        except ValueError as error:
            fail(str(error))
            self.exitcode = exitcodes.USAGE
            return
        try:
            report = compact(storage, options, tables=opts.table, crawl_id=opts.crawl_id, dry_run=opts.dry_run)
        except CompactBusy as error:
            fail(str(error))
            self.exitcode = exitcodes.ERROR
            return
        for path in report.swept:
            print(f"swept {_relative(storage, path)} (a temporary file left by a dead writer)")
        for path in report.repaired:
            print(f"repaired: removed {_relative(storage, path)} (left by an interrupted compact)")
        for merged in report.merged:
            print(_line(merged, opts.dry_run))
        print(_total(report.merged, opts.dry_run))
        self.exitcode = exitcodes.OK


def _relative(storage: Storage, path: str) -> str:
    """A dataset file relative to the root; a spool file (outside it) as it is."""
    prefix = storage.root.rstrip("/") + "/"
    return path.removeprefix(prefix)


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0][:300]


def _line(merged: Merged, dry_run: bool) -> str:
    group = merged.group
    return (
        f"{'would merge' if dry_run else 'merged'} {group.table}/{group.partition} crawl {group.crawl_id}: "
        f"{len(group.parts)} files -> {merged.files_after}, {merged.rows_before:,} rows -> "
        f"{merged.rows_after:,} ({merged.duplicates:,} duplicates dropped)"
    )


def _total(merged: list[Merged], dry_run: bool) -> str:
    if not merged:
        return "nothing to compact"
    before = sum(len(m.group.parts) for m in merged)
    after = sum(m.files_after for m in merged)
    dropped = sum(m.duplicates for m in merged)
    verb = "would leave" if dry_run else "left"
    return f"{len(merged)} group(s): {before} files {verb} {after}, {dropped:,} duplicate rows dropped"
