"""Fuzz the way an answer travels: bytes -> ``outcomes.classify`` -> the data -> the listing or detail normaliser.

Whatever the gateway (or something pretending to be it) sends, the parser
returns an outcome and the normaliser returns a row (Listing, Product) or a
Reject; neither raises. Mutations start from answers taken from the
official pages (their output samples) and from the noisy fixtures written
in their shapes. CI runs a bounded, derandomised number of examples; set
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

from harvester.items import Listing, Product, RawListing, RawOffer, Reject
from harvester.normalise import normalise_listing, normalise_offer
from harvester.open1688 import endpoints
from harvester.open1688.outcomes import Action, Outcome, classify
from tests.builders import FIXTURES, load

EXAMPLES = int(os.environ.get("HARVEST_FUZZ_EXAMPLES", "400"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NOW = datetime(2026, 1, 1, tzinfo=UTC)

_keys = st.sampled_from(
    [
        "result",
        "success",
        "code",
        "message",
        "data",
        "totalRecords",
        "offerId",
        "subject",
        "productSkuInfos",
        "price",
        "priceRangeList",
        "productSaleInfo",
        "amountOnSale",
        "skuAttributes",
        "productImage",
        "images",
        "error_code",
        "error_message",
        "error",
        "specId",
        "skuId",
        "priceInfo",
        "monthSold",
        "repurchaseRate",
        "productShippingInfo",
        "skuShippingDetails",
        "weight",
        "sellerDataInfo",
        "createDate",
        "fenxiaoPriceInfo",
    ]
) | st.text(max_size=6)
_leaves = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["面议", "true", "false", "10%", "１２.５", "-3", "1e400", "NaN", "ＸＬ"])
)
_json = st.recursive(
    _leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=6), max_leaves=40
)
_statuses = st.sampled_from([200, 200, 200, 400, 401, 403, 429, 500, 502, 503, 504]) | st.integers(100, 599)
_content_types = st.sampled_from(
    [
        "application/json;charset=UTF-8",
        "application/json;charset=GBK",
        "text/html",
        "",
        "application/json;charset=nonsense",
    ]
)


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
def _real_answers() -> list[tuple[str, dict]]:
    """Search items and details as the official pages show them and as the noisy fixtures write them: the starting
    points of mutation."""
    answers: list[tuple[str, dict]] = []
    for doc, key in (
        ("keywordQuery", "keyword_search"),
        ("imageQuery", "image_search"),
        ("querySellerOfferList", "seller_offers"),
        ("queryProductDetail", "product_detail"),
    ):
        page = json.loads(
            (FIXTURES / "official" / f"com.alibaba.fenxiao.crossborder.product.search.{doc}-1.json").read_text(
                encoding="utf-8"
            )
        )
        result = page["output_sample"]["result"]["result"]
        answers += [(key, item) for item in result["data"]] if "data" in result else [(key, result)]
    answers += [("keyword_search", item) for item in load("search_items.json")["data"]]
    answers += [("product_detail", load("product_detail.json"))]
    answers += [("product_detail", detail) for detail in load("product_details.json")]
    return answers


def _normalised(source_api: str, data: Any) -> Listing | Product | Reject:
    if source_api == "product_detail":
        return normalise_offer(RawOffer(source_api, data, "fuzz", None, NOW), lambda reason: None, crawl_id="fuzz")
    return normalise_listing(RawListing(source_api, data, "fuzz", NOW), lambda reason: None, crawl_id="fuzz")


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
@given(
    start=st.integers(0, 10**6),
    choices=st.lists(st.tuples(st.integers(0, 10**6), _json | st.just("<drop>")), min_size=1, max_size=6),
)
def test_mutated_real_answers_normalise_to_a_row_or_a_reject(start, choices) -> None:
    answers = _real_answers()
    source_api, answer = answers[start % len(answers)]
    result = _normalised(source_api, _mutate(answer, choices))
    assert isinstance(result, (Listing, Product, Reject))
    event(f"normalised to {type(result).__name__}")


def _records(outcome: Outcome, endpoint: endpoints.Endpoint) -> list[object]:
    """What a spider would hand the normaliser: a detail's model, or each element of a search page's ``data``."""
    data = outcome.data
    if endpoint is endpoints.PRODUCT_DETAIL:
        return [data]
    items = data.get("data") if isinstance(data, dict) else None
    return items if isinstance(items, list) else [data]


@FUZZ
@given(
    status=_statuses,
    body=_bodies(),
    content_type=_content_types,
    retry_after=st.none() | st.text(max_size=6),
    endpoint=st.sampled_from(
        [endpoints.PRODUCT_DETAIL, endpoints.KEYWORD_SEARCH, endpoints.IMAGE_SEARCH, endpoints.SELLER_OFFERS]
    ),
)
def test_any_answer_gives_an_outcome_and_any_record_a_row_or_a_reject(
    status, body, content_type, retry_after, endpoint
) -> None:
    headers = {"Content-Type": content_type}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    outcome = classify(status, body, headers=headers, endpoint=endpoint)
    assert isinstance(outcome.action, Action)
    assert isinstance(outcome.message, str) and "\n" not in outcome.message
    event(f"outcome: {outcome.action.value}")
    if not outcome.ok:
        return
    for record in _records(outcome, endpoint):
        result = _normalised(endpoint.key, record)
        assert isinstance(result, (Listing, Product, Reject))
        event(f"normalised to {type(result).__name__}")
