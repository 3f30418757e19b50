"""product.freight.estimate: an address from the page's codes, freight from the seller's template and the offer's
weights as its detail states them."""

import math
from decimal import Decimal

import pytest

from harvester.open1688 import endpoints
from harvester.sandbox import regions
from harvester.sandbox.catalogue import UnknownOffer

from .sandbox_calls import business, call, make_gateway

HANGZHOU = ("330000", "330100", "330108")
URUMQI = ("650000", "650100", "650102")


@pytest.fixture
def gateway(sandbox_catalogue):
    return make_gateway(sandbox_catalogue)


def estimate(gateway, offer_id, address=HANGZHOU, total=1, skus=()):
    province, city, district = address
    return business(
        call(
            gateway,
            endpoints.FREIGHT_ESTIMATE,
            {
                "productFreightQueryParamsNew": {
                    "offerId": offer_id,
                    "toProvinceCode": province,
                    "toCityCode": city,
                    "toCountryCode": district,
                    "totalNum": total,
                    "logisticsSkuNumModels": [{"skuId": str(sku), "number": n} for sku, n in skus],
                }
            },
        )
    )


def detail(gateway, offer_id):
    return business(
        call(gateway, endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": offer_id, "country": "en"}})
    )["result"]


def expected_freight(result, amount):
    """The page's fields, read as the page describes them: first fee up to the first unit, next fee per unit more."""
    if result["freePostage"]:
        return Decimal(0)
    first, first_unit = Decimal(result["firstFee"]), Decimal(result["firstUnit"])
    following, next_unit = Decimal(result["nextFee"]), Decimal(result["nextUnit"])
    fee = first if amount <= first_unit else first + math.ceil((amount - first_unit) / next_unit) * following
    return (fee * Decimal(result["discount"] or "1")).quantize(Decimal("0.01"))  # empty: none (the page)


def offers_with(catalogue, test, count=40, start=3):
    found = []
    for index in range(start, 1_000_000, 7_919):
        offer = catalogue.offer(catalogue.offer_id(index))
        if test(offer):
            found.append(offer)
            if len(found) == count:
                break
    return found


def test_freight_follows_the_weights_and_sizes_of_the_detail(gateway, sandbox_catalogue):
    charges, discounts = set(), set()
    for offer in offers_with(sandbox_catalogue, lambda offer: not offer.dropship.free_postage):
        shown = detail(gateway, offer.offer_id)
        answer = estimate(gateway, offer.offer_id, total=7)
        assert answer["success"] in (True, "true") and answer["code"] == "S0000", answer
        result = answer["result"]
        shipping = shown.get("productShippingInfo")
        weight = Decimal(str(shipping["weight"])) if shipping else offer.shipping.weight_kg
        amount = weight * 7 if result["chargeType"] == "0" else Decimal(7)
        assert Decimal(result["freight"]) == expected_freight(result, amount)
        assert (int(result["offerId"]), int(result["sizeValueType"])) == (offer.offer_id, 1)
        assert result["singleProductWeight"] == float(offer.shipping.weight_kg)
        assert result["singleProductLength"] == offer.shipping.length_cm
        assert [entry["skuId"] for entry in result["productFreightSkuInfoModels"]] == [
            str(sku.sku_id) for sku in offer.skus
        ]
        assert result["discount"] in ("", "1", "0.8", "0.9", "0.95")
        discounts.add(result["discount"])
        charges.add(result["chargeType"])
    assert charges == {"0", "1"}, "templates by weight and by the piece"
    assert {"", "1"} <= discounts, "no discount said both ways the page allows"


def test_freight_of_named_skus_weighs_their_packages(gateway, sandbox_catalogue):
    tried = 0
    for offer in offers_with(sandbox_catalogue, lambda offer: len(offer.skus) >= 2 and not offer.dropship.free_postage):
        first, second = offer.skus[:2]
        result = estimate(gateway, offer.offer_id, total=5, skus=[(first.sku_id, 2), (second.sku_id, 3)])["result"]
        assert int(result["sizeValueType"]) == 2
        if result["chargeType"] != "0":
            continue
        models = {entry["skuId"]: entry for entry in result["productFreightSkuInfoModels"]}
        weight = (
            Decimal(str(models[str(first.sku_id)]["singleSkuWeight"])) * 2
            + Decimal(str(models[str(second.sku_id)]["singleSkuWeight"])) * 3
        )
        assert weight == Decimal(first.package.weight_g * 2 + second.package.weight_g * 3) / 1000
        assert Decimal(result["freight"]) == expected_freight(result, weight)
        tried += 1
    assert tried >= 5


def test_fees_grow_with_distance_and_free_postage_stops_at_the_remote_west(gateway, sandbox_catalogue):
    offer = offers_with(
        sandbox_catalogue, lambda offer: not offer.dropship.free_postage and offer.seller.province == "浙江省", count=1
    )[0]
    firsts = [
        Decimal(estimate(gateway, offer.offer_id, address)["result"]["firstFee"])
        for address in (HANGZHOU, ("320000", "320100", "320102"), ("110000", "110100", "110105"), URUMQI)
    ]
    assert firsts == sorted(firsts) and firsts[0] < firsts[-1], "same province, region, country, remote west"
    free = offers_with(sandbox_catalogue, lambda offer: offer.dropship.free_postage, count=5)
    assert free
    for offer in free:
        near = estimate(gateway, offer.offer_id, total=9)["result"]
        far = estimate(gateway, offer.offer_id, URUMQI, total=9)["result"]
        assert (near["freePostage"], near["freight"], int(near["templateType"])) == (True, "0.0", 1)
        assert far["freePostage"] is False and Decimal(far["freight"]) > 0 and int(far["templateType"]) == 1
        assert near["templateId"] == far["templateId"] and near["templateName"] == "包邮模板"


def test_the_answer_is_the_truth_of_catalogue_freight(gateway, sandbox_catalogue):
    offer = offers_with(sandbox_catalogue, lambda offer: bool(offer.skus), count=1)[0]
    sku = offer.skus[0]
    truth = sandbox_catalogue.freight(offer.offer_id, *URUMQI, 4, [(sku.sku_id, 4)])
    result = estimate(gateway, offer.offer_id, URUMQI, total=4, skus=[(sku.sku_id, 4)])["result"]
    assert Decimal(result["freight"]) == truth.freight and result["freePostage"] is truth.free_postage
    assert int(result["templateId"]) == truth.template.id and truth.zone == regions.REMOTE


@pytest.mark.parametrize(
    ("address", "fragment"),
    [
        (("339999", "330100", "330108"), "toProvinceCode"),
        (("330000", "650100", "650102"), "toCityCode"),
        (("330000", "330100", "330107"), "toCountryCode"),
        (("330000", "330100", ""), "toCountryCode"),
    ],
)
def test_bad_address_codes_are_refused(gateway, sandbox_catalogue, address, fragment):
    answer = estimate(gateway, sandbox_catalogue.offer_id(5), address)
    assert answer["success"] in (False, "false") and answer["code"] == "INVALID_PARAMETER"
    assert fragment in answer["message"]


def test_bad_quantities_are_refused(gateway, sandbox_catalogue):
    offer = offers_with(sandbox_catalogue, lambda offer: len(offer.skus) >= 2, count=1)[0]
    first, second = (sku.sku_id for sku in offer.skus[:2])
    other = offers_with(sandbox_catalogue, lambda o: bool(o.skus) and o.offer_id != offer.offer_id, count=1)[0]
    cases = [
        (0, [], "totalNum"),
        (3, [(first, 1), (second, 1)], "add up to totalNum"),
        (2, [(first, 1), (first, 1)], "each SKU once"),
        (1, [(other.skus[0].sku_id, 1)], "not a SKU"),
        (1, [(first, 0), (second, 1)], "number must be at least 1"),
    ]
    for total, skus, fragment in cases:
        answer = estimate(gateway, offer.offer_id, total=total, skus=skus)
        assert answer["code"] == "INVALID_PARAMETER" and fragment in answer["message"], (fragment, answer)
    missing = business(
        call(
            gateway,
            endpoints.FREIGHT_ESTIMATE,
            {
                "productFreightQueryParamsNew": {
                    "offerId": offer.offer_id,
                    "toProvinceCode": "330000",
                    "toCityCode": "330100",
                    "toCountryCode": "330108",
                    "totalNum": 1,
                }
            },
        )
    )
    assert missing["code"] == "INVALID_PARAMETER" and "logisticsSkuNumModels" in missing["message"]


def test_unknown_and_gone_offers(gateway, sandbox_catalogue):
    assert estimate(gateway, 600_000_000_001)["code"] == "OFFER_NOT_FOUND"
    gone = next(sandbox_catalogue.offer_id(i) for i in range(100_000) if sandbox_catalogue.drift.change(i, 1) == "gone")
    assert estimate(gateway, gone)["success"] in (True, "true")
    gateway.advance_epoch()
    assert estimate(gateway, gone)["message"] == "商品不存在"
    with pytest.raises(UnknownOffer):
        sandbox_catalogue.freight(gone, *HANGZHOU, 1, epoch=1)


def test_the_code_table_is_consistent():
    assert len(regions.PROVINCES) == 31
    assert regions.destination(*HANGZHOU).name == "浙江省", "the page's own example"
    for code, province in regions.PROVINCES.items():
        assert code.endswith("0000") and province.cities
        for city, (_name, districts) in province.cities.items():
            assert city[:2] == code[:2] and city.endswith("00") and city != code and districts
            assert all(district[:4] == city[:4] and not district.endswith("00") for district in districts)
    zhejiang, jiangsu, beijing = (regions.PROVINCES[code] for code in ("330000", "320000", "110000"))
    assert [regions.zone(zhejiang, target) for target in (zhejiang, jiangsu, beijing, regions.PROVINCES["540000"])] == [
        regions.SAME_PROVINCE,
        regions.SAME_REGION,
        regions.NATIONAL,
        regions.REMOTE,
    ]
