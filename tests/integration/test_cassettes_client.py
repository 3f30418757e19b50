"""The synchronous client over recorded sandbox answers: search, details, image search, errors, refresh.

Recorded against the sandbox and replayed offline: see ``tests/integration/cassettes.py``
for how to re-record and why replay does not depend on time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harvester.open1688 import endpoints
from harvester.open1688.client import Client
from harvester.open1688.outcomes import Action, GatewayError

from .cassettes import (
    ACCESS_TOKEN,
    APP_KEY,
    APP_SECRET,
    CASSETTES,
    REFRESH_TOKEN,
    Tape,
    frozen_clock,
    no_sleep,
)

#: An offer of the seed-1688 catalogue ("儿童木质算盘") and its main picture, downscaled.
ABACUS = 566322502263
ABACUS_IMAGE = CASSETTES / f"abacus-{ABACUS}.jpg"
#: An id no offer has.
NO_SUCH_OFFER = 999_999_999_999


def client(tape: Tape) -> Client:
    return Client(
        tape.gateway,
        APP_KEY,
        APP_SECRET,
        ACCESS_TOKEN,
        REFRESH_TOKEN,
        session=tape.session,
        clock=frozen_clock,
        sleep=no_sleep,
    )


def test_client_keyword_search(tape):
    page = client(tape).keyword_search("保温杯", page_size=5, price_end="30", sort="price:asc")
    # Paging numbers as the wire sends them: numbers or digit strings; the total reported capped at 2,000.
    assert (int(page["totalPage"]), int(page["pageSize"]), int(page["currentPage"])) == (401, 5, 1)  # not to trust
    assert int(page["totalRecords"]) == 2000
    prices = [float(item["priceInfo"]["price"]) for item in page["data"]]
    assert len(prices) == 5 and prices == sorted(prices) and max(prices) <= 30


def test_client_search_all_pages_through(tape):
    items = list(client(tape).search_all("算盘", page_size=50))
    assert len(items) == len({int(item["offerId"]) for item in items}) == 60
    assert ABACUS in {int(item["offerId"]) for item in items}


def test_client_product_details_with_a_missing_id(tape):
    products, missing = client(tape).product_details([ABACUS, NO_SUCH_OFFER])
    assert [int(product["offerId"]) for product in products] == [ABACUS]
    assert products[0]["subject"].strip() == "儿童木质算盘"
    assert list(missing) == [NO_SUCH_OFFER] and "商品不存在" in missing[NO_SUCH_OFFER]


def test_client_image_upload_and_search(tape):
    api = client(tape)
    image_id = api.upload_image(Path(ABACUS_IMAGE).read_bytes())
    assert image_id.isdigit()
    page = api.image_search(image_id, page_size=5)
    assert int(page["data"][0]["offerId"]) == ABACUS
    assert {"companyName", "companyAddress"} <= set(page["data"][0])


def test_client_gateway_error_names_the_api(tape):
    if tape.sandbox is not None:
        tape.sandbox.admin.config(acl_deny=[endpoints.PRODUCT_DETAIL.name])
    with pytest.raises(GatewayError) as refused:
        client(tape).product_detail(ABACUS)
    outcome = refused.value.outcome
    assert (outcome.action, outcome.code, outcome.status) == (Action.FATAL, "gw.APIACLDecline", 400)
    assert endpoints.PRODUCT_DETAIL.qualified_name in str(refused.value)
    assert "request it for this app key" in str(refused.value)


def test_client_refreshes_a_rejected_token_and_replays(tape):
    if tape.sandbox is not None:
        tape.sandbox.admin.expire_tokens()
    api = client(tape)
    detail = api.product_detail(ABACUS)
    assert int(detail["offerId"]) == ABACUS
    assert api.tokens is not None and api.tokens.refresh_token == REFRESH_TOKEN
    tape.issued("<REFRESHED_ACCESS_TOKEN>", api.tokens.access_token)
