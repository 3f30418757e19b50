"""Throughput and memory of normalise -> de-duplicate -> Parquet dataset, without the network.

    python -m benchmarks.pipeline_throughput --products 1000000
    python -m benchmarks.pipeline_throughput --products 100000 --repeat 5 --baseline main

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
threads: the "per core" figure), the CPU split between the main thread
(normalise, de-duplicate, take items apart) and the others (the writer
thread converting and writing), the garbage collections the run set off,
and the peak RSS (psutil, sampled every 20 ms, and the kernel's
high-water mark).

The machine this runs on is usually shared and noisy: compare CPU figures,
not wall time, and compare in one go. ``--repeat N`` runs the benchmark N
times, each in a fresh process, and prints the medians; ``--baseline REV``
also runs the benchmark as git revision REV had it (its files exported
with ``git archive`` to a temporary folder), alternating the two, so both
see the same machine.

Measured here (2 shared cores, CPython 3.11, pyarrow 26), medians of
alternating runs against 887e4be (before the performance work) on
2026-11-28: 100,000 offers 15,600 -> 18,900 offers/s per CPU second (3
runs each), 1,000,000 offers 14,700 -> 18,500 (2 runs each); peak RSS
~305-315 MB either way, independent of the number of offers. The
machine's load varies from day to day (the same 887e4be measured 11,100
on another day): compare within one run. See docs/dataset.md for where
the time goes.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import shutil
import statistics
import subprocess
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
from harvester.crawl.identity import crawl_identity  # noqa: E402
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

    collections0 = [generation["collections"] for generation in gc.get_stats()]
    cpu0 = time.process_time()
    main0 = time.thread_time()
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
        normalise.close_spider()
        writer.close()
    wall = time.perf_counter() - wall0
    main = time.thread_time() - main0
    cpu = time.process_time() - cpu0
    collections = [generation["collections"] - before for generation, before in zip(gc.get_stats(), collections0)]
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
        "rows_per_s_cpu": (writer.rows_written["products"] + writer.rows_written["skus"]) / cpu,
        "main_us": main / products * 1e6,
        "other_us": (cpu - main) / products * 1e6,
        "gc_young": collections[0],
        "gc_middle": collections[1],
        "gc_full": collections[2],
        "rss_before_mb": rss_before / 2**20,
        "peak_rss_mb": rss.peak / 2**20,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


#: The lines a run prints: label and format, in order; ``--repeat`` and ``--baseline`` read them back.
LINES: list[tuple[str, str, str]] = [
    ("products", "offers in", "{:>12,}"),
    ("duplicates", "duplicates dropped", "{:>12,}"),
    ("rows_products", "products rows", "{:>12,}"),
    ("rows_skus", "skus rows", "{:>12,}"),
    ("mb_written", "written (MB)", "{:>12.1f}"),
    ("wall_s", "wall time (s)", "{:>12.1f}"),
    ("cpu_s", "CPU time (s)", "{:>12.1f}"),
    ("per_s_wall", "offers/s (wall)", "{:>12,.0f}"),
    ("per_s_cpu", "offers/s per CPU second", "{:>12,.0f}"),
    ("rows_per_s_cpu", "rows/s per CPU second", "{:>12,.0f}"),
    ("main_us", "CPU main thread (us/offer)", "{:>12.1f}"),
    ("other_us", "CPU other threads (us/offer)", "{:>12.1f}"),
    ("gc_young", "GC young collections", "{:>12,}"),
    ("gc_full", "GC full collections", "{:>12,}"),
    ("rss_before_mb", "RSS before (MB)", "{:>12.0f}"),
    ("peak_rss_mb", "peak RSS (MB, psutil)", "{:>12.0f}"),
    ("maxrss_mb", "max RSS (MB, kernel)", "{:>12.0f}"),
]
#: Lines compared by ``--repeat``/``--baseline``; an older revision may not print all of them.
COMPARED = ["per_s_cpu", "rows_per_s_cpu", "main_us", "other_us", "gc_young", "gc_full", "peak_rss_mb", "maxrss_mb"]


def _print(result: dict[str, float]) -> None:
    for key, label, number in LINES:
        print(f"{label:>30} {number.format(result[key])}")


def run_in(tree: Path, args: argparse.Namespace) -> dict[str, float]:
    """One run of the benchmark as ``tree`` has it, in a fresh process; its printed figures by key."""
    command = [sys.executable, "-m", "benchmarks.pipeline_throughput", "--products", str(args.products)]
    command += ["--pool", str(args.pool), "--seed", str(args.seed)]
    out = subprocess.run(command, cwd=tree, capture_output=True, text=True, check=True).stdout
    by_label = {label: key for key, label, _ in LINES}
    result = {}
    for line in out.splitlines():
        label, _, value = line.strip().rpartition(" ")
        key = by_label.get(label.strip())
        if key is not None:
            result[key] = float(value.replace(",", ""))
    if "rows_per_s_cpu" not in result and result.get("cpu_s"):  # an older revision: work it out
        result["rows_per_s_cpu"] = (result["rows_products"] + result["rows_skus"]) / result["cpu_s"]
    return result


def _export(revision: str, into: Path) -> Path:
    """The files of git ``revision`` of this repository, under ``into``."""
    root = Path(__file__).resolve().parents[1]
    archive = subprocess.run(["git", "archive", revision], cwd=root, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def _compare(args: argparse.Namespace) -> None:
    trees = {"this tree": Path(__file__).resolve().parents[1]}
    with tempfile.TemporaryDirectory(prefix="harvester-baseline-") as folder:
        if args.baseline:
            trees = {args.baseline: _export(args.baseline, Path(folder)), **trees}
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for attempt in range(args.repeat):
            for name, tree in trees.items():
                result = run_in(tree, args)
                runs[name].append(result)
                rate = result.get("per_s_cpu", 0)
                print(f"run {attempt + 1} {name:>12}: {rate:>8,.0f} offers/s per CPU second", flush=True)
    print(f"\nmedians of {args.repeat} run(s) of {args.products:,} offers")
    labels = {key: label for key, label, _ in LINES}
    print(f"{'':>30} " + " ".join(f"{name:>14}" for name in runs))
    for key in COMPARED:
        values = [[run[key] for run in results if key in run] for results in runs.values()]
        decimals = 1 if key.endswith("_us") else 0
        cells = [f"{statistics.median(v):>14,.{decimals}f}" if v else f"{'-':>14}" for v in values]
        print(f"{labels[key]:>30} " + " ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000, help="offers to push through (default 1,000,000)")
    parser.add_argument("--pool", type=int, default=5_000, help="distinct offer templates (default 5,000)")
    parser.add_argument("--seed", type=int, default=1688)
    parser.add_argument("--data-dir", type=Path, help="where to write the dataset (default: a temporary folder)")
    parser.add_argument("--repeat", type=int, default=1, help="runs, each in a fresh process; medians are printed")
    parser.add_argument("--baseline", metavar="REV", help="also run git revision REV's benchmark, alternating")
    args = parser.parse_args()
    if args.repeat > 1 or args.baseline:
        _compare(args)
        return
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="harvester-bench-"))
    try:
        result = run(args.products, args.pool, data_dir, args.seed)
    finally:
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    _print(result)


if __name__ == "__main__":
    main()
