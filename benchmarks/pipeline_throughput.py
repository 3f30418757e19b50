"""Throughput and memory of normalise -> de-duplicate -> Parquet dataset, without the network.

    python -m benchmarks.pipeline_throughput --products 1000000
    python -m benchmarks.pipeline_throughput --products 100000 --repeat 5 --baseline main

Synthetic offers in queryProductDetail's answer shape as the official page
defines it (~5 SKUs with two specs each and their packages in both
shipping lists, distribution prices, three price tiers, four images, the
seller's scores and terms, numbers as strings, some full-width specs, 1
offer in 20 found twice), each with the search item that found it (the
detail tier: a RawOffer carrying its listing), go through the same
pipeline components a crawl uses: NormalisePipeline and
DeduplicatePipeline built from a crawler, then the DatasetWriter that
DatasetPipeline drives (the pipeline itself needs a running reactor only to
wait for room in a thread; here the loop waits in place). ``--listings``
also pushes each offer's search item as a RawListing (the listing tier, as
a crawl that details every offer it lists does).

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

Measured here (2 shared cores, CPython 3.11, pyarrow 26), 100,000 offers,
medians of alternating runs on 2026-12-06 (a busy day: compare within one
run): these detail answers through df5e80c's code 6,951 offers/s per CPU
second, through this code (every documented field kept, schema version 4)
4,102; with each search item as a listing too 3,278. Peak RSS 344 ->
372 MB, independent of the number of offers. See docs/dataset.md for
where the time goes and why. To compare with a revision from before the
listing tier on the same answers, copy this script into that revision's
tree (``git archive``) and run both, alternating; ``--baseline`` runs the
revision's own script and answers.
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
WORDS = [
    "保温杯",
    "数据线",
    "收纳盒",
    "手机壳",
    "垃圾袋",
    "T恤",
    "运动鞋",
    "雨伞",
    "文具",
    "玩具",
    "304不锈钢",
    "大容量",
]


def _price(rng: random.Random) -> str:
    cents = rng.randint(50, 50_000)
    if rng.random() < 0.1:
        return f"{cents // 100}.{cents % 100:02d}{rng.randint(0, 99):02d}"
    return f"{cents // 100}.{cents % 100:02d}"


def _image(rng: random.Random) -> str:
    return f"https://cbu01.alicdn.com/img/ibank/O1CN01{rng.getrandbits(40):x}.jpg"


def _date(rng: random.Random) -> str:
    return (
        f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00"
    )


def template(rng: random.Random) -> dict:
    """One queryProductDetail ``result.result`` as the gateway answers it, noise included."""
    skus, infos, details = [], [], []
    for i in range(rng.randint(3, 7)):
        sku_id, spec_id = str(rng.getrandbits(45)), f"{rng.getrandbits(128):032x}"
        skus.append(
            {
                "skuAttributes": [
                    {
                        "attributeId": "3216",
                        "attributeName": "颜色",
                        "attributeNameTrans": "Color",
                        "value": rng.choice(COLOURS),
                        "valueTrans": "colour",
                        "skuImageUrl": _image(rng),
                        "skuImageUrlTrans": _image(rng) if rng.random() < 0.3 else None,
                    },
                    {
                        "attributeId": 450,
                        "attributeName": "尺码 ",
                        "attributeNameTrans": "Size",
                        "value": SIZES[i % len(SIZES)],
                        "valueTrans": SIZES[i % len(SIZES)],
                    },
                ],
                "price": _price(rng),
                "promotionPrice": _price(rng) if rng.random() < 0.2 else None,
                "retailPrice": _price(rng),
                "fenxiaoPriceInfo": {"onePiecePrice": _price(rng), "offerPrice": _price(rng)},
                "consignPrice": None,
                "amountOnSale": str(rng.randint(-1, 5000)),
                "skuId": sku_id,
                "specId": spec_id,
                "cargoNumber": f"C-{i}",
            }
        )
        size = [float(rng.randint(5, 40)) for _ in range(3)]
        grams = rng.randint(50, 5000)
        infos.append(
            {
                "specId": spec_id,
                "skuId": sku_id,
                "width": size[0],
                "length": size[1],
                "height": size[2],
                "weight": str(grams),
            }
        )
        details.append(
            {
                "skuId": sku_id,
                "width": size[0],
                "length": size[1],
                "height": size[2],
                "weight": grams / 1000,
                "pkgSizeSource": "商家自填",
                "aiWeight": grams / 1000,
                "aiWeightAccuracy": "80%",
            }
        )
    return {
        "offerId": "0",
        "subject": " ".join(rng.choices(WORDS, k=4)) + " ",
        "subjectTrans": "thermos cup large capacity",
        "categoryId": str(rng.randint(1, 2_000_000)),
        "categoryName": "保温杯",
        "topCategoryId": "7",
        "secondCategoryId": "1031912",
        "thirdCategoryId": str(rng.randint(1, 2_000_000)),
        "description": "<div><p>" + "".join(rng.choices(WORDS, k=8)) + "</p></div>",
        "productImage": {"images": [_image(rng) for _ in range(4)], "whiteImage": _image(rng)},
        "productAttribute": [
            {
                "attributeId": "2176",
                "attributeName": "品牌",
                "value": "其他",
                "attributeNameTrans": "Brand",
                "valueTrans": "Other",
            },
            {
                "attributeId": "100000691",
                "attributeName": "材质",
                "value": "304不锈钢",
                "attributeNameTrans": "Material",
                "valueTrans": "stainless steel",
            },
        ],
        "productSkuInfos": skus,
        "productSaleInfo": {
            "priceRangeList": [
                {"startQuantity": str(q), "price": _price(rng), "promotionPrice": None} for q in (1, 10, 100)
            ],
            "amountOnSale": str(rng.randint(0, 100_000)),
            "quoteType": "1",
            "unitInfo": {"unit": "个", "transUnit": "piece"},
            "fenxiaoSaleInfo": {
                "onePieceFreePostage": True,
                "startQuantity": "1",
                "onePiecePrice": _price(rng),
                "offerPrice": _price(rng),
            },
            "retailPrice": _price(rng),
        },
        "productShippingInfo": {
            "sendGoodsAddressText": "浙江省 金华市",
            "weight": 0.45,
            "length": 8.0,
            "width": 8.0,
            "height": 25.0,
            "shippingTimeGuarantee": "shipIn48Hours",
            "pkgSizeSource": "商家自填",
            "skuShippingInfoList": infos,
            "skuShippingDetails": details,
        },
        "isJxhy": False,
        "sellerOpenId": f"BBB{rng.getrandbits(60):x}",
        "companyName": "义乌市某某日用品有限公司",
        "sellerDataInfo": {
            "tradeMedalLevel": "4",
            "compositeServiceScore": "4.5",
            "logisticsExperienceScore": "4.0",
            "disputeComplaintScore": "5.0",
            "offerExperienceScore": "4.5",
            "consultingExperienceScore": "3.5",
            "afterSalesExperienceScore": "4.0",
            "repeatPurchasePercent": "0.4137",
            "collect30DayWithin48HPercent": "0.95",
            "qualityRefundWithin30Day": "0.002",
        },
        "sellerMixSetting": {"generalHunpi": True, "mixAmount": "100", "mixNumber": "2"},
        "minOrderQuantity": "1",
        "batchNumber": "1",
        "status": "published",
        "soldOut": str(rng.randint(0, 100_000)),
        "tradeScore": "4.8",
        "tagInfoList": [{"key": "isOnePsale", "value": True}],
        "offerIdentities": ["yx"],
        "promotionModel": {"hasPromotion": False, "promotionType": None},
        "invoiceInfo": {
            "supportOnlineInvoice": True,
            "supportFastInvoice": False,
            "invoiceTypes": ["普票"],
            "taxpayerType": "一般纳税人",
        },
        "isSelect": "false",
        "createDate": _date(rng),
        "traceInfo": "object_id@1^object_type@offer",
    }


def listing_template(rng: random.Random) -> dict:
    """One keywordQuery search item as the gateway answers it: what a detail lacks, and the listing tier's row."""
    return {
        "offerId": 0,
        "subject": " ".join(rng.choices(WORDS, k=4)),
        "subjectTrans": "thermos cup",
        "imageUrl": _image(rng),
        "priceInfo": {
            "price": _price(rng),
            "consignPrice": _price(rng),
            "promotionPrice": None,
            "jxhyPrice": None,
            "pfJxhyPrice": None,
        },
        "monthSold": rng.randint(0, 20_000),
        "sales7d": str(rng.randint(0, 5_000)),
        "repurchaseRate": f"{rng.randint(0, 60)}%",
        "tradeScore": "4.8",
        "productTradeInfo": {
            "addCartCount7d": "12",
            "payBuyerCount7d": "5",
            "addCartCount30d": "40",
            "payBuyerCount30d": "19",
        },
        "minOrderQuantity": 1,
        "isOnePsale": True,
        "isJxhy": False,
        "isSelect": False,
        "isPatentProduct": False,
        "sellerIdentities": ["tp_member"],
        "offerIdentities": [],
        "promotionModel": {"hasPromotion": False, "promotionType": None},
        "topCategoryId": 7,
        "secondCategoryId": 1031912,
        "thirdCategoryId": rng.randint(1, 2_000_000),
        "createDate": _date(rng),
        "modifyDate": _date(rng),
        "sellerDataInfo": {
            "tradeMedalLevel": "4",
            "compositeServiceScore": "4.5",
            "logisticsExperienceScore": "4.0",
            "disputeComplaintScore": "5.0",
            "offerExperienceScore": "4.5",
            "afterSalesExperienceScore": "4.0",
            "consultingExperienceScore": "3.5",
            "repeatPurchasePercent": "41",
            "tpYear": 6,
        },
        "productSimpleShippingInfo": {
            "shippingTimeGuarantee": "shipIn48Hours",
            "perfectFulfillmentRate30d": "99.12%",
            "pickupWithin24hRate30d": "",
            "qualityReturnRate30d": "0.12%",
            "perfectFulfillmentRate7d": "100.00%",
            "pickupWithin24hRate7d": "95.00%",
            "delayedShippingRate7d": "1.20%",
        },
        "invoiceInfo": {
            "supportOnlineInvoice": True,
            "supportFastInvoice": False,
            "invoiceTypes": ["普票"],
            "taxpayerType": "一般纳税人",
        },
        "traceInfo": "object_id@1^object_type@offer",
        "token": "abc",
        "promotionURL": "https://detail.1688.com/",
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


def run(products: int, pool_size: int, data_dir: Path, seed: int, listings: bool = False) -> dict[str, float]:
    if listings:
        # Imported only when asked for, so that the script also runs in a tree from before the listing tier
        # (how the before/after figures in docs/dataset.md were taken).
        from harvester.items import RawListing
    rng = random.Random(seed)
    pool = [(template(rng), listing_template(rng)) for _ in range(pool_size)]
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
            detail, search_item = pool[n % pool_size]
            data, found_by = dict(detail), dict(search_item)
            # One offer in 20 was already found by an earlier query.
            data["offerId"] = found_by["offerId"] = base_id + (n - 7 if n % 20 == 19 else n)
            raws = [RawOffer("product_detail", data, "bench", found_by, fetched_at)]
            if listings:
                raws.append(RawListing("keyword_search", found_by, "bench", fetched_at))
            for raw in raws:
                item = normalise.process_item(raw)
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
        "rows_listings": writer.rows_written["listings"],
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
    ("rows_listings", "listings rows", "{:>12,}"),
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
    command += ["--pool", str(args.pool), "--seed", str(args.seed)] + (
        ["--listings"] if getattr(args, "listings", False) else []
    )
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
    parser.add_argument("--listings", action="store_true", help="also push each offer's search item as a listing")
    parser.add_argument("--data-dir", type=Path, help="where to write the dataset (default: a temporary folder)")
    parser.add_argument("--repeat", type=int, default=1, help="runs, each in a fresh process; medians are printed")
    parser.add_argument("--baseline", metavar="REV", help="also run git revision REV's benchmark, alternating")
    args = parser.parse_args()
    if args.repeat > 1 or args.baseline:
        _compare(args)
        return
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="harvester-bench-"))
    try:
        result = run(args.products, args.pool, data_dir, args.seed, args.listings)
    finally:
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    _print(result)


if __name__ == "__main__":
    main()
