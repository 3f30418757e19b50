"""A dataset writer in its own process, for the crash tests: ``python -m tests.integration.writer_child MODE DIR``.

``crash``: writes products without end and prints READY once a part file is
complete and the next one is half written; the test then kills it with
SIGKILL. ``hold``: writes one row group into a part file, prints READY and
keeps the file open (as a live worker does) until its stdin closes, then
completes it.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from harvester.crawl.identity import CrawlIdentity
from harvester.dataset.writer import DatasetWriter, WriterOptions
from harvester.items import Product, Sku

CRAWL = "20250501T080000Z-dead00"


def product(n: int) -> Product:
    return Product(n, title=f"offer {n}", price_min=Decimal("1.25"), skus=[Sku(n, n, None, "", [], Decimal("1.25"))])


def main(mode: str, root: Path) -> None:
    identity = CrawlIdentity(CRAWL, datetime(2025, 5, 1, 8, tzinfo=UTC), mode)
    writer = DatasetWriter(root, identity, WriterOptions(row_group_rows=50, file_rows=200))
    writer.open()
    if mode == "hold":
        for n in range(50):
            writer.add(product(n))
        writer.hand_off(wait=True)
        # Spin (a few milliseconds) until the writer thread has put both row groups (products, skus) into their
        # temporary files.
        deadline = time.monotonic() + 60
        while sum(p.stat().st_size > 4 for p in root.glob("*/crawl_date=2025-05-01/.part-*.tmp")) < 2:
            if time.monotonic() > deadline:
                sys.exit("the row group never reached the temporary file")
        print("READY", flush=True)
        sys.stdin.read()
        writer.close()
        return
    folder = root / "products" / "crawl_date=2025-05-01"
    ready = False
    for n in range(10**9):
        writer.add(product(n))
        writer.hand_off(wait=True)
        if ready or not writer.files_written["products"]:
            continue
        if any(p.stat().st_size > 4 for p in folder.glob(".part-*.tmp")):
            print("READY", flush=True)
            ready = True


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
