"""A dataset writer on a bucket in its own process, for the kill-mid-upload test.

``python -m tests.integration.s3_writer_child URI SPOOL``, with the AWS
variables in its environment: writes one part file big enough for a multipart
upload (uncompressed, incompressible titles) and completes it. The test routes
its requests through a proxy that holds them once a part is being uploaded,
then kills this process with SIGKILL.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime
from decimal import Decimal

from harvester.crawl.identity import CrawlIdentity
from harvester.dataset.storage import resolve
from harvester.dataset.writer import DatasetWriter, WriterOptions
from harvester.items import Product, Sku

CRAWL = "20250501T080000Z-dead01"
#: Products, and bytes of title each: ~12 MB, above pyarrow's 10 MB part size, so the upload has parts.
PRODUCTS = 3000
TITLE_BYTES = 4096


def main(uri: str, spool: str) -> None:
    rng = random.Random(1688)
    writer = DatasetWriter(
        resolve(uri, spool=spool),
        CrawlIdentity(CRAWL, datetime(2025, 5, 1, 8, tzinfo=UTC), "dying"),
        WriterOptions(row_group_rows=PRODUCTS, file_rows=PRODUCTS, compression="none"),
    )
    writer.open()
    for n in range(PRODUCTS):
        title = rng.randbytes(TITLE_BYTES // 2).hex()
        writer.add(Product(n, title=title, price_min=Decimal("1.25"), skus=[Sku(n, n, None, "", [], Decimal("1.25"))]))
        writer.hand_off(wait=True)
    writer.close()
    sys.exit("the upload completed: the test's proxy should have held it")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
