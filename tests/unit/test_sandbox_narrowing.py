"""keywordQuery's narrowing parameters and keywordSNQuery's facets, through the gateway: every narrowing agrees
with what the items it returns show, and with the catalogue's truth."""

import json
from decimal import Decimal

import pytest

from harvester.open1688 import endpoints
from harvester.sandbox import facets

from .sandbox_calls import business, call, make_gateway, search

BIG = 100_000


@pytest.fixture
def gateway(sandbox_catalogue):
    """No cap in the way: these tests compare whole result sets."""
    return make_gateway(sandbox_catalogue, search_cap=BIG)


def all_items(gateway, keyword="保温杯", **query):
    items, page = [], 1
    while True:
        data = business(search(gateway, keyword, beginPage=page, **query))["result"]["data"]
        items.extend(data)
        if len(data) < 50:
            return items
        page += 1


def total(gateway, keyword="保温杯", **query):
    return int(business(search(gateway, keyword, pageSize=1, **query))["result"]["totalRecords"])


def navigation(gateway, keyword="保温杯", **params):
    param = {"keyword": keyword, "language": "en_US", "region": "US", "currency": "USD", **params}
    return call(gateway, endpoints.KEYWORD_NAVIGATION, {"snParams": param})


def test_navigation_answer_shape(gateway):
    answer = navigation(gateway)
    envelope = answer.json()["result"]
    assert (envelope["retCode"], envelope["retMsg"]) == ("S0000", "成功")
    assert str(envelope["success"]).lower() == "true"
    navigations = envelope["result"]
    assert [n["id"] for n in navigations] == ["970", "973", "978"]
    for nav in navigations:
        assert set(nav) == {"id", "name", "translateName", "children"}
        assert all(isinstance(nav[key], str) for key in ("id", "name", "translateName"))
        for child in nav["children"]:
            assert set(child) == {"id", "name", "translateName"}
            assert child["id"].startswith(nav["id"] + ":") and all(isinstance(v, str) for v in child.values())
    kinds = {child["name"] for child in navigations[0]["children"]}
    assert kinds == {"吸管", "弹盖", "智能显温", "车载", "咖啡"}


def test_navigation_needs_its_parameters(gateway):
    for missing in ("keyword", "language", "region", "currency"):
        envelope = navigation(gateway, **{missing: ""}).json()["result"]
        assert str(envelope["success"]).lower() == "false"
        assert envelope["retCode"] == "INVALID_PARAMETER" and missing in envelope["retMsg"]


def test_facets_are_not_a_partition_and_agree_with_titles(gateway, sandbox_catalogue):
    everything = total(gateway, "茶具")
    styles = navigation(gateway, keyword="茶具").json()["result"]["result"][1]
    assert styles["name"] == "风格"
    counted = 0
    for child in styles["children"]:
        items = all_items(gateway, "茶具", snId=child["id"])
        counted += len(items)
        assert items and all(child["name"] in item["subject"] for item in items)
        assert total(gateway, "茶具", snId=child["id"]) == len(items)
    any_style = total(gateway, "茶具", snId=styles["id"])
    assert counted > any_style, "an offer with two traits matches two children"
    assert any_style < everything, "offers without a trait match no child"


def test_material_facet_follows_the_material_attribute(gateway, sandbox_catalogue):
    materials = navigation(gateway, keyword="餐具").json()["result"]["result"][2]
    assert len(materials["children"]) > 1
    for child in materials["children"][:3]:
        for item in business(search(gateway, "餐具", snId=child["id"]))["result"]["data"]:
            offer = sandbox_catalogue.offer(int(item["offerId"]))
            material = next(a for a in offer.attributes if a.name == "材质")
            assert material.value == child["name"]


def test_snid_errors_and_unknown_ids(gateway):
    assert total(gateway, snId="970:1") == 0, "a well-formed id the catalogue does not know finds nothing"
    assert total(gateway, snId="555") == 0
    for bad in ("978:", "abc", "978:1352,973:1", "9:9:9"):
        envelope = business(search(gateway, snId=bad))
        assert envelope["code"] == "INVALID_PARAMETER" and "snId" in envelope["message"]
    assert business(search(gateway, snId=978))["code"] == "INVALID_PARAMETER", "snId is a String"


@pytest.mark.parametrize(("sale_type", "field"), [("sales30", "monthSold"), ("sales7", "sales7d")])
def test_sale_filter_shows_in_the_items(gateway, sale_type, field):
    ranges = [{"saleType": sale_type, "saleStart": "10", "saleEnd": "100"}]
    items = all_items(gateway, "风筝", saleFilterList=ranges)
    assert items
    shown = [int(item[field]) for item in items if field in item]
    assert shown and all(10 <= value <= 100 for value in shown)


def test_sale_filter_matches_the_truth_and_intersects(gateway, sandbox_catalogue):
    ranges = [{"saleType": "sales30", "saleStart": "50"}, {"saleType": "totalSales", "saleEnd": "5000"}]
    found = {int(item["offerId"]) for item in all_items(gateway, "茶具", saleFilterList=ranges)}
    for offer_id in sandbox_catalogue.search(keyword="茶具"):
        offer = sandbox_catalogue.offer(offer_id)
        assert (offer_id in found) == (offer.month_sold >= 50 and offer.total_sales <= 5000)
    as_text = total(gateway, "茶具", saleFilterList=json.dumps(ranges))
    assert as_text == len(found), "saleFilterList given as JSON text works too"


def test_sale_filter_bounds_are_a_setting(gateway, sandbox_catalogue):
    offer = sandbox_catalogue.offer(sandbox_catalogue.search(keyword="紫砂茶具")[0])
    exact = [{"saleType": "sales14", "saleStart": str(offer.sales_14d), "saleEnd": str(offer.sales_14d)}]
    ids = lambda: {int(i["offerId"]) for i in all_items(gateway, "紫砂茶具", saleFilterList=exact)}  # noqa: E731
    assert offer.offer_id in ids(), "inclusive by default"
    gateway.configure({"sale_filter_inclusive": False})
    assert ids() == set(), "exclusive bounds: nothing lies strictly between equal bounds"


@pytest.mark.parametrize(
    "entry",
    [
        {"saleType": "sales60", "saleStart": "1"},
        {"saleType": "sales7", "saleStart": "ten"},
        {"saleType": "sales7", "saleStart": "9", "saleEnd": "3"},
        {"saleType": "sales7", "saleStart": "-1"},
    ],
)
def test_bad_sale_filters(gateway, entry):
    envelope = business(search(gateway, saleFilterList=[entry]))
    assert envelope["code"] == "INVALID_PARAMETER" and "saleFilterList" in envelope["message"]


def test_price_band_is_inclusive_and_shows_in_the_items(gateway):
    items = all_items(gateway, "茶具", priceStart="50", priceEnd="120.5")
    assert items and all(Decimal("50") <= Decimal(i["priceInfo"]["price"]) <= Decimal("120.5") for i in items)
    below, above = total(gateway, "茶具", priceEnd="80"), total(gateway, "茶具", priceStart="80.0001")
    assert below + above == 380


def test_category_list_is_a_union(gateway, sandbox_catalogue):
    cup, wok = (
        next(b.category for b in sandbox_catalogue.layout.blocks if b.category.name == name)
        for name in ("保温杯", "炒锅")
    )
    union = total(gateway, "不锈钢", categoryIdList=f"{cup.id},{wok.id}")
    assert union == total(gateway, "不锈钢", categoryId=cup.id) + total(gateway, "不锈钢", categoryId=wok.id)


def test_every_narrowing_at_once_agrees_with_the_detail(gateway):
    narrowed = all_items(
        gateway,
        "苹果数据线",
        priceStart="2",
        priceEnd="15",
        filter="isOnePsale",
        snId=facets.child_id(facets.NAVIGATIONS[0], "快充"),
        sort='{"price":"asc"}',
        saleFilterList=[{"saleType": "sales30", "saleStart": "1"}],
    )
    assert narrowed
    prices = [Decimal(item["priceInfo"]["price"]) for item in narrowed]
    assert prices == sorted(prices)
    for item in narrowed[:10]:
        detail = business(
            call(gateway, endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": item["offerId"], "country": "en"}})
        )["result"]
        assert "快充" in detail["subject"] and int(item["monthSold"]) >= 1 and item.get("isOnePsale", True) is True
        lowest = min(
            Decimal(entry["price"]) for entry in detail["productSaleInfo"]["priceRangeList"] + detail["productSkuInfos"]
        )
        assert lowest == Decimal(item["priceInfo"]["price"]), "the listing's price is the detail's lowest"
        tags = {tag["key"]: tag["value"] for tag in detail.get("tagInfoList", [])}
        assert tags.get("isOnePsale", True) is True


def test_accepted_parameters_that_narrow_nothing(gateway):
    plain = total(gateway)
    assert total(gateway, outMemberId="u-1", regionOpp="x", productCollectionId="174316138") == plain


def test_search_items_show_the_current_epoch_while_filters_lag(gateway, sandbox_catalogue):
    moved = next(
        i
        for i in range(2_000)
        if sandbox_catalogue.drift.change(i, 1) == "price"
        and not sandbox_catalogue.offer(sandbox_catalogue.offer_id(i)).skus
    )
    offer_id = sandbox_catalogue.offer_id(moved)
    old = sandbox_catalogue.offer(offer_id)
    keyword = old.category.name
    band = {"priceStart": str(old.price), "priceEnd": str(old.price)}
    gateway.advance_epoch()
    new = sandbox_catalogue.offer(offer_id, 1)
    assert new.price != old.price
    item = next(i for i in all_items(gateway, keyword, **band) if int(i["offerId"]) == offer_id)
    assert Decimal(item["priceInfo"]["price"]) == new.price, "the item shows today's price"
    if "modifyDate" in item:
        assert item["modifyDate"] == new.modify_date.strftime("%Y-%m-%d %H:%M:%S")


def test_parameters_a_page_does_not_list_are_ignored(gateway, sandbox_catalogue):
    offer = sandbox_catalogue.offer(sandbox_catalogue.search(keyword="风筝")[0])
    query = {
        "sellerOpenId": offer.seller.open_id,
        "beginPage": 1,
        "pageSize": 50,
        "country": "en",
        "keyword": offer.category.name_en,
    }

    def found(**extra):
        answer = call(gateway, endpoints.SELLER_OFFERS, {"offerQueryParam": {**query, **extra}})
        return int(business(answer)["result"]["totalRecords"])

    everything = found()
    assert everything > 0, "an English keyword is translated"
    assert found(keywordTranslate=True) == everything, "querySellerOfferList has no keywordTranslate"
    assert found(snId="970:1", saleFilterList=[{"saleType": "sales7", "saleStart": "999999"}]) == everything
