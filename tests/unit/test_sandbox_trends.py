"""product.analyze.*: per-day series that agree with the offer's listing and detail, and the pages' date limits."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from harvester.open1688 import endpoints
from harvester.sandbox import trends
from harvester.sandbox.catalogue import UnknownOffer

from .sandbox_calls import business, call, make_gateway, search

SELL, PRICE, REPURCHASE = endpoints.SELL_TREND, endpoints.PRICE_TREND, endpoints.REPURCHASE_TREND
PARAM = {SELL.key: "tendQueryParam", PRICE.key: "trendQueryParam", REPURCHASE.key: "trendQueryParam"}
DAY_ZERO = date(2025, 6, 30)


@pytest.fixture
def gateway(sandbox_catalogue):
    return make_gateway(sandbox_catalogue)


def trend(gateway, endpoint, offer_id, start, end):
    envelope = business(
        call(
            gateway,
            endpoint,
            {PARAM[endpoint.key]: {"offerId": offer_id, "startDate": f"{start:%Y%m%d}", "endDate": f"{end:%Y%m%d}"}},
        )
    )
    if str(envelope["success"]).lower() != "true":
        return envelope
    series = envelope["result"]
    assert [entry["date"] for entry in series] == [
        f"{start + timedelta(days=n):%Y%m%d}" for n in range((end - start).days + 1)
    ]
    assert envelope["retCode"] == "S000"
    return [entry["value"] for entry in series]


def items(gateway, keyword, page_size=50):
    return business(search(gateway, keyword, pageSize=page_size))["result"]["data"]


def units(values):
    return sum(int(value) for value in values if value != "")


def test_units_sold_add_up_to_the_listings_figures(gateway):
    checked = 0
    for item in items(gateway, "保温杯"):
        if "sales7d" not in item:
            continue
        values = trend(gateway, SELL, item["offerId"], DAY_ZERO - timedelta(days=29), DAY_ZERO)
        assert units(values) == int(item["monthSold"]) and units(values[-7:]) == int(item["sales7d"])
        checked += 1
    assert checked > 40


def test_after_drift_the_last_30_days_are_todays_month(gateway, sandbox_catalogue):
    gateway.advance_epoch(4)
    today = DAY_ZERO + timedelta(days=4)
    for item in items(gateway, "数据线"):
        values = trend(gateway, SELL, item["offerId"], today - timedelta(days=29), today)
        offer = sandbox_catalogue.offer(int(item["offerId"]), 4)
        assert units(values) == offer.month_sold == int(item["monthSold"])
        assert units(values[-7:]) == offer.sales_7d
        later = trend(gateway, SELL, item["offerId"], today - timedelta(days=2), today + timedelta(days=3))
        assert later[3:] == ["", "", ""], "no data after today"
        if offer.status != "published":
            assert later[2] == "0", "an offer not published sells nothing"


def test_no_data_before_the_offer_was_created(gateway, sandbox_catalogue):
    young = next(
        offer
        for offer in map(sandbox_catalogue.offer, sandbox_catalogue.search(keyword="手机壳"))
        if 3 <= (DAY_ZERO - offer.create_date.date()).days <= 20
    )
    created = young.create_date.date()
    start = DAY_ZERO - timedelta(days=29)
    for endpoint in (SELL, PRICE, REPURCHASE):
        values = trend(gateway, endpoint, young.offer_id, start, DAY_ZERO)
        before = (created - start).days
        assert values[:before] == [""] * before and "" not in values[before:], endpoint.name
    assert units(trend(gateway, SELL, young.offer_id, start, DAY_ZERO)) == young.month_sold


def test_the_median_price_follows_price_edits(gateway, sandbox_catalogue):
    drift = sandbox_catalogue.drift
    index = next(
        i
        for i in range(200_000)
        if drift.change(i, 1) == "price"
        and all(drift.change(i, epoch) is None for epoch in range(2, 17))
        and sandbox_catalogue.offer(sandbox_catalogue.offer_id(i)).create_date.year < 2025
    )
    offer_id = sandbox_catalogue.offer_id(index)
    old, new = sandbox_catalogue.offer(offer_id).price, sandbox_catalogue.offer(offer_id, 1).price
    assert old != new
    gateway.advance_epoch(16)
    values = trend(gateway, PRICE, offer_id, DAY_ZERO, DAY_ZERO + timedelta(days=16))
    assert Decimal(values[0]) == old and Decimal(values[1]) == old, "one day of the new price moves no median"
    assert Decimal(values[-1]) == new, "16 of 30 days at the new price"


def test_the_repurchase_rate_of_today_is_the_listings(gateway):
    for item in items(gateway, "茶具"):
        values = trend(gateway, REPURCHASE, item["offerId"], DAY_ZERO - timedelta(days=20), DAY_ZERO)
        assert values[-1] == item["repurchaseRate"]
        assert all(value.endswith("%") and 0 <= int(value[:-1]) <= 100 for value in values if value)


def test_the_truth_is_catalogue_trend(gateway, sandbox_catalogue):
    offer_id = sandbox_catalogue.search(keyword="风筝")[3]
    start = DAY_ZERO - timedelta(days=10)
    for endpoint, metric in ((SELL, trends.SELL), (PRICE, trends.PRICE), (REPURCHASE, trends.REPURCHASE)):
        assert trend(gateway, endpoint, offer_id, start, DAY_ZERO) == sandbox_catalogue.trend(
            offer_id, metric, start, DAY_ZERO
        )


@pytest.mark.parametrize(
    ("start", "end", "fragment"),
    [
        ("20250601", "20250702", "one month apart"),
        ("20250131", "20250301", "one month apart"),
        ("20250331", "20250401", "90 days back"),
        ("20250701", "20250702", "after today"),
        ("20250610", "20250609", "before startDate"),
        ("2025-06-01", "20250602", "yyyyMMdd"),
        ("20250631", "20250701", "calendar date"),
    ],
)
def test_dates_the_pages_refuse(gateway, sandbox_catalogue, start, end, fragment):
    offer_id = sandbox_catalogue.offer_id(5)
    envelope = business(
        call(gateway, SELL, {"tendQueryParam": {"offerId": offer_id, "startDate": start, "endDate": end}})
    )
    assert envelope["success"] in (False, "false") and envelope["retCode"] == "INVALID_PARAMETER"
    assert fragment in envelope["retMsg"]


def test_the_limits_at_their_edges(gateway, sandbox_catalogue):
    offer_id = sandbox_catalogue.offer_id(5)
    assert len(trend(gateway, SELL, offer_id, date(2025, 4, 2), date(2025, 5, 2))) == 31, "90 days back, a month"
    assert trends.month_after(date(2025, 1, 31)) == date(2025, 2, 28)
    assert trends.month_after(date(2024, 12, 15)) == date(2025, 1, 15)
    with pytest.raises(trends.TrendRequestError):
        sandbox_catalogue.trend(offer_id, trends.SELL, date(2025, 4, 1), date(2025, 4, 2))


def test_each_api_reads_its_own_spelling(gateway, sandbox_catalogue):
    query = {"offerId": sandbox_catalogue.offer_id(5), "startDate": "20250620", "endDate": "20250630"}
    wrong = business(call(gateway, SELL, {"trendQueryParam": query}))
    assert wrong["retCode"] == "INVALID_PARAMETER" and "reads tendQueryParam" in wrong["retMsg"]
    wrong = business(call(gateway, PRICE, {"tendQueryParam": query}))
    assert wrong["retCode"] == "INVALID_PARAMETER" and "reads trendQueryParam" in wrong["retMsg"]


def test_unknown_and_gone_offers(gateway, sandbox_catalogue):
    assert trend(gateway, PRICE, 600_000_000_001, DAY_ZERO, DAY_ZERO)["retCode"] == "OFFER_NOT_FOUND"
    gone = next(sandbox_catalogue.offer_id(i) for i in range(100_000) if sandbox_catalogue.drift.change(i, 1) == "gone")
    gateway.advance_epoch()
    assert trend(gateway, SELL, gone, DAY_ZERO, DAY_ZERO)["retMsg"] == "商品不存在"
    with pytest.raises(UnknownOffer):
        sandbox_catalogue.trend(gone, trends.SELL, DAY_ZERO, DAY_ZERO, epoch=1)
