"""Fuzz the way an answer travels: bytes -> ``errors.classify`` -> the data -> ``normalise_offer``.

Whatever the gateway (or something pretending to be it) sends, the parser
returns an outcome and the normaliser returns a Product or a Reject; neither
raises. CI runs a bounded, derandomised number of examples; set
HARVEST_FUZZ_EXAMPLES to run longer (e.g. 200000 before a release).
"""

from __future__ import annotations

import copy
import functools
import json
import os
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from harvester.items import Product, RawOffer, Reject
from harvester.normalise import normalise_offer
from harvester.open1688 import endpoints
from harvester.open1688.outcomes import Action, Outcome, classify
from harvester.sandbox.answers import Renderer
from harvester.sandbox.catalogue import Catalogue

EXAMPLES = int(os.environ.get("HARVEST_FUZZ_EXAMPLES", "400"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NOW = datetime(2026, 1, 1, tzinfo=UTC)

_keys = st.sampled_from([
    "result", "success", "code", "message", "productList", "data", "totalRecords", "productID", "offerId",
    "subject", "skuInfos", "productSkuInfos", "price", "priceRanges", "saleInfo", "productSaleInfo", "amountOnSale",
    "attributes", "skuAttributes", "image", "images", "error_code", "error_message", "error", "specId", "skuId",
]) | st.text(max_size=6)
_leaves = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12)
           | st.sampled_from(["面议", "true", "false", "10%", "１２.５", "-3", "1e400", "NaN", "ＸＬ"]))
_json = st.recursive(_leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=6),
                     max_leaves=40)
_statuses = st.sampled_from([200, 200, 200, 400, 401, 403, 429, 500, 502, 503, 504]) | st.integers(100, 599)
_content_types = st.sampled_from(["application/json;charset=UTF-8", "application/json;charset=GBK", "text/html",
                                  "", "application/json;charset=nonsense"])


def _bodies() -> st.SearchStrategy[bytes]:
    encoded = _json.map(lambda doc: json.dumps(doc, ensure_ascii=False).encode())
    return st.one_of(
        encoded,
        encoded.flatmap(lambda body: st.integers(0, len(body)).map(lambda cut: body[:cut])),  # truncated
        encoded.map(lambda body: body.decode().encode("gb18030")),
        st.binary(max_size=200),
        st.integers(1, 5000).map(lambda depth: b"[" * depth + b"]" * depth),
    )


@functools.cache
def _real_products() -> list[tuple[str, dict]]:
    """Answers as the sandbox renders them, both detail shapes: the starting points of mutation."""
    catalogue = Catalogue(seed=1688, size=50_000)
    renderer = Renderer(1688, "https://cbu01.alicdn.com")
    ids = [catalogue.offer_id(index) for index in range(0, 50_000, 2_500)]
    offers = [catalogue.offer(i) for i in ids if catalogue.exists(i)]
    return ([("batch_detail", renderer.product_list_item(o)) for o in offers]
            + [("product_detail", renderer.detail(o)) for o in offers])


def _mutate(document: Any, choices: list[tuple[int, Any]]) -> Any:
    """Replace, drop or retype the leaves or containers picked by ``choices`` (index into a walk, new value)."""
    document = copy.deepcopy(document)
    for target, value in choices:
        places: list[tuple[Any, Any]] = []
        stack = [document]
        while stack:
            node = stack.pop()
            keys = list(node) if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else []
            for key in keys:
                places.append((node, key))
                stack.append(node[key])
        if not places:
            break
        node, key = places[target % len(places)]
        if value == "<drop>":
            node.pop(key) if isinstance(node, dict) else node.__setitem__(key, None)
        else:
            node[key] = value
    return document


@FUZZ
@given(start=st.integers(0, 10**6), choices=st.lists(st.tuples(st.integers(0, 10**6), _json | st.just("<drop>")),
                                                   min_size=1, max_size=6))
def test_mutated_real_answers_normalise_to_a_row_or_a_reject(start, choices) -> None:
    products = _real_products()
    source_api, product = products[start % len(products)]
    raw = RawOffer(source_api=source_api, data=_mutate(product, choices), fetched_at=NOW, query="fuzz")
    result = normalise_offer(raw, lambda reason: None, crawl_id="fuzz")
    assert isinstance(result, (Product, Reject))
    event(f"normalised to {type(result).__name__}")


def _products(outcome: Outcome) -> list[object]:
    data = outcome.data
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        return [data, *(data.get("data") or [] if isinstance(data.get("data"), list) else [])]
    return [data]


@FUZZ
@given(status=_statuses, body=_bodies(), content_type=_content_types,
       retry_after=st.none() | st.text(max_size=6),
       endpoint=st.sampled_from([endpoints.BATCH_DETAIL, endpoints.PRODUCT_DETAIL, endpoints.KEYWORD_SEARCH]))
def test_any_answer_gives_an_outcome_and_any_product_a_row_or_a_reject(status, body, content_type, retry_after,
                                                                      endpoint) -> None:
    headers = {"Content-Type": content_type}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    outcome = classify(status, body, headers=headers, endpoint=endpoint)
    assert isinstance(outcome.action, Action)
    assert isinstance(outcome.message, str) and "\n" not in outcome.message
    event(f"outcome: {outcome.action.value}")
    if not outcome.ok:
        return
    for product in _products(outcome):
        raw = RawOffer(source_api=endpoint.key, data=product if isinstance(product, dict) else {"value": product},
                       fetched_at=NOW, query="fuzz")
        result = normalise_offer(raw, lambda reason: None, crawl_id="fuzz")
        assert isinstance(result, (Product, Reject))
        event(f"normalised to {type(result).__name__}")
