"""Throughput and memory of normalise -> de-duplicate -> Parquet dataset, without the network.

    python benchmarks/pipeline_throughput.py --products 1000000

Synthetic offers in alibaba.cross.productList's answer shape (~5 SKUs with
two specs each, three price tiers, relative image paths, numbers as
strings, some full-width specs, 1 offer in 20 found twice) go through the
same pipeline components a crawl uses: NormalisePipeline and
DeduplicatePipeline built from a crawler, then the DatasetWriter that
DatasetPipeline drives (the pipeline itself needs a running reactor only to
wait for room in a thread; here the loop waits in place).

Offers are made from a pool of distinct templates (so prices, titles and
specs vary as in a real catalogue, and generating them is not what is
timed); each one handed to the pipeline is a fresh copy with its own offer
id. Reported: offers/s over wall time and over process CPU time (all
threads: the "per core" figure), and the peak RSS (psutil, sampled every
20 ms, and the kernel's high-water mark).
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scrapy.exceptions import DropItem  # noqa: E402
from scrapy.utils.misc import build_from_crawler  # noqa: E402
from scrapy.utils.test import get_crawler  # noqa: E402

from harvester import settings as project_settings  # noqa: E402
from harvester.crawl import crawl_identity  # noqa: E402
from harvester.dataset.writer import DatasetWriter, WriterOptions  # noqa: E402
from harvester.items import RawOffer  # noqa: E402
from harvester.pipelines.dedupe import DeduplicatePipeline  # noqa: E402
from harvester.pipelines.normalise import NormalisePipeline  # noqa: E402

COLOURS = ["红色", "蓝色", "黑色", "白色", "灰色", "粉色", "绿色", "黄色", "紫色", "卡其色"]
SIZES = ["S", "M", "L", "XL", "XXL", "ＸＬ", "ＸＸＬ", "500ml", "１０００ml", "均码"]
WORDS = ["保温杯", "数据线", "收纳盒", "手机壳", "垃圾袋", "T恤", "运动鞋", "雨伞", "文具", "玩具", "304不锈钢", "大容量"]


def _price(rng: random.Random) -> str:
    cents = rng.randint(50, 50_000)
    if rng.random() < 0.1:
        return f"{cents // 100}.{cents % 100:02d}{rng.randint(0, 99):02d}"
    return f"{cents // 100}.{cents % 100:02d}"


def template(rng: random.Random) -> dict:
    """One productList element as the gateway answers it, noise included."""
    skus = []
    for i in range(rng.randint(3, 7)):
        skus.append(
            {
                "attributes": [
                    {
                        "attributeID": 1627207,
                        "attributeValue": rng.choice(COLOURS),
                        "skuImageUrl": f"img/ibank/O1CN01{rng.getrandbits(40):x}.jpg",
                        "attributeDisplayName": "颜色",
                    },
                    {"attributeID": 450, "attributeValue": SIZES[i % len(SIZES)], "attributeDisplayName": "尺码 "},
                ],
                "price": _price(rng),
                "consignPrice": _price(rng) if rng.random() < 0.7 else None,
                "amountOnSale": str(rng.randint(-1, 5000)),
                "skuId": rng.getrandbits(45),
                "specId": f"{rng.getrandbits(128):032x}",
            }
        )
    return {
        "productID": 0,
        "subject": " ".join(rng.choices(WORDS, k=4)) + " ",
        "categoryID": str(rng.randint(1, 2_000_000)),
        "image": {"images": [f"img/ibank/2024/{rng.getrandbits(32)}/{rng.getrandbits(32)}.jpg" for _ in range(4)]},
        "skuInfos": skus,
        "saleInfo": {
            "priceRanges": [{"startQuantity": q, "price": _price(rng)} for q in (1, 10, 100)],
            "minOrderQuantity": "1",
            "amountOnSale": str(rng.randint(0, 100_000)),
            "unit": "个",
            "quoteType": 1,
        },
        "shippingInfo": {"sendGoodsAddressText": "浙江省 金华市"},
        "supplierLoginId": f"seller{rng.randint(1, 50_000)}",
    }


class PeakRss:
    """Samples the process's RSS with psutil from a thread."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._process = psutil.Process()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def run(products: int, pool_size: int, data_dir: Path, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    pool = [template(rng) for _ in range(pool_size)]
    # The template pool is scaffolding: keep the cyclic GC from re-scanning it
    # (the pipeline's own objects are collected as usual).
    gc.freeze()
    settings = {name: value for name, value in vars(project_settings).items() if name.isupper()}
    settings["SPIDER_MODULES"] = []
    settings.update(HARVEST_DATA_DIR=str(data_dir), HARVEST_WORKER_ID="bench")
    crawler = get_crawler(settings_dict=settings)
    crawler.stats.open_spider()
    normalise = build_from_crawler(NormalisePipeline, crawler)
    dedupe = build_from_crawler(DeduplicatePipeline, crawler)
    writer = DatasetWriter(data_dir, crawl_identity(crawler), WriterOptions())
    writer.open()
    fetched_at = datetime.now(UTC)
    rss_before = psutil.Process().memory_info().rss
    base_id = 600_000_000_000
    dropped = 0

    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    with PeakRss() as rss:
        for n in range(products):
            data = dict(pool[n % pool_size])
            # One offer in 20 was already found by an earlier query.
            data["productID"] = base_id + (n - 7 if n % 20 == 19 else n)
            item = normalise.process_item(RawOffer("batch_detail", data, "bench", None, fetched_at))
            try:
                item = dedupe.process_item(item)
            except DropItem:
                dropped += 1
                continue
            writer.add(item)
            if writer.has_ready:
                writer.hand_off(wait=True)
        writer.close()
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    assert writer.error is None, writer.error
    return {
        "products": products,
        "duplicates": dropped,
        "rows_products": writer.rows_written["products"],
        "rows_skus": writer.rows_written["skus"],
        "mb_written": sum(writer.bytes_written.values()) / 1e6,
        "wall_s": wall,
        "cpu_s": cpu,
        "per_s_wall": products / wall,
        "per_s_cpu": products / cpu,
        "rss_before_mb": rss_before / 2**20,
        "peak_rss_mb": rss.peak / 2**20,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000, help="offers to push through (default 1,000,000)")
    parser.add_argument("--pool", type=int, default=5_000, help="distinct offer templates (default 5,000)")
    parser.add_argument("--seed", type=int, default=1688)
    parser.add_argument("--data-dir", type=Path, help="where to write the dataset (default: a temporary folder)")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="harvester-bench-"))
    try:
        result = run(args.products, args.pool, data_dir, args.seed)
    finally:
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(f"{'offers in':>24} {result['products']:>12,}")
    print(f"{'duplicates dropped':>24} {result['duplicates']:>12,}")
    print(f"{'products rows':>24} {result['rows_products']:>12,}")
    print(f"{'skus rows':>24} {result['rows_skus']:>12,}")
    print(f"{'written (MB)':>24} {result['mb_written']:>12.1f}")
    print(f"{'wall time (s)':>24} {result['wall_s']:>12.1f}")
    print(f"{'CPU time (s)':>24} {result['cpu_s']:>12.1f}")
    print(f"{'offers/s (wall)':>24} {result['per_s_wall']:>12,.0f}")
    print(f"{'offers/s per CPU second':>24} {result['per_s_cpu']:>12,.0f}")
    print(f"{'RSS before (MB)':>24} {result['rss_before_mb']:>12.0f}   (imports, crawler, template pool)")
    print(f"{'peak RSS (MB, psutil)':>24} {result['peak_rss_mb']:>12.0f}")
    print(f"{'max RSS (MB, kernel)':>24} {result['maxrss_mb']:>12.0f}")


if __name__ == "__main__":
    main()
