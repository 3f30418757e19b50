"""A keyword harvest written the way popular 1688 API tutorials do it: the baseline the harvester is measured against.

Naive on purpose, so that the comparison shows what the tutorial style costs:
one ``requests`` call at a time; keyword search pages of 20 (the tutorials'
default) until a page comes back empty; then one ``queryProductDetail`` call
per offer; a fixed ``time.sleep(1 / QPS)`` after every call as the rate limit
(it ignores how long the call itself took); no retries; one JSON file per
offer. The one thing it does right is the signing (``harvester.open1688``'s
endpoint catalogue and signer): the tutorials' MD5 recipe and made-up API
names would only collect ``gw.SignatureInvalid`` answers, which measures
nothing.

    OPEN1688_APP_SECRET=... OPEN1688_ACCESS_TOKEN=... \\
    python -m benchmarks.naive_baseline --gateway http://127.0.0.1:8688 --app-key 1234567 \\
        --keyword 紫砂茶具 --qps 10 --out /tmp/naive

It prints one JSON line: offers saved, calls made, calls that failed, seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from harvester.open1688 import endpoints

PAGE_SIZE = 20


@dataclass(frozen=True)
class App:
    gateway: str
    app_key: str
    app_secret: str
    access_token: str


def call(app: App, endpoint: endpoints.Endpoint, params: dict[str, Any]) -> dict[str, Any]:
    """One signed call, as a fresh ``requests.post`` (no session, no retry)."""
    built = endpoints.build_call(endpoint, params, gateway=app.gateway, app_key=app.app_key)
    form = built.signed_params(
        secret=app.app_secret, access_token=app.access_token, timestamp_ms=int(time.time() * 1000)
    )
    return requests.post(built.url, data=form, timeout=30).json()


def harvest(app: App, keyword: str, qps: float, out: Path, max_pages: int = 0) -> dict[str, Any]:
    """Search pages, then one detail call per offer, sleeping 1/QPS after each call; returns the counts."""
    out.mkdir(parents=True, exist_ok=True)
    pause = 1 / qps if qps else 0.0
    started = time.time()
    calls = failed = 0
    offer_ids = []
    page = 1
    while not max_pages or page <= max_pages:
        answer = call(
            app,
            endpoints.KEYWORD_SEARCH,
            {"offerQueryParam": {"keyword": keyword, "beginPage": page, "pageSize": PAGE_SIZE, "country": "en"}},
        )
        calls += 1
        time.sleep(pause)
        items = (answer.get("result") or {}).get("result", {}).get("data") or []
        if not items:
            failed += "error_code" in answer
            break
        offer_ids += [item["offerId"] for item in items]
        page += 1
    saved = 0
    for offer_id in offer_ids:
        answer = call(app, endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": offer_id, "country": "en"}})
        calls += 1
        time.sleep(pause)
        detail = (answer.get("result") or {}).get("result")
        if not detail:
            failed += 1
            continue
        with open(out / f"{offer_id}.json", "w", encoding="utf-8") as file:
            json.dump(detail, file, ensure_ascii=False)
        saved += 1
    return {"offers": saved, "calls": calls, "failed": failed, "seconds": time.time() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--app-key", required=True)
    parser.add_argument("--keyword", required=True)
    parser.add_argument("--qps", type=float, default=10.0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--max-pages", type=int, default=0, help="search pages at most (0: until an empty page)")
    options = parser.parse_args()
    app = App(options.gateway, options.app_key, os.environ["OPEN1688_APP_SECRET"], os.environ["OPEN1688_ACCESS_TOKEN"])
    print(json.dumps(harvest(app, options.keyword, options.qps, options.out, options.max_pages)))


if __name__ == "__main__":
    main()
