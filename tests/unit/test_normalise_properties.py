"""Properties of the normaliser over generated API answers (fixed seed: the same examples every run).

- Noisy details and search items never crash it, and whatever it returns
  can be written: no value it lets through breaks the writer.
- Prices survive exactly: API text -> Decimal -> Parquet -> read back.
- ``spec_key`` does not depend on attribute order, full-width characters or
  stray whitespace.
"""

from __future__ import annotations

import tempfile
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from harvester.dataset.convert import RowGroup
from harvester.items import Listing, Product, RawListing, RawOffer, Reject
from harvester.normalise import normalise_listing, normalise_offer
from harvester.schema import TABLES
from tests.builders import write_crawl

NOW = datetime(2025, 5, 1, tzinfo=UTC)
CRAWL = "20250501T000000Z-0a0b0c"
PROPERTIES = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def _ignore(_: str) -> None:
    pass


# --- noisy answers -----------------------------------------------------------------

_digits = st.from_regex(r"-?[0-9]{1,6}(\.[0-9]{0,6})?", fullmatch=True)
_wide_digits = _digits.map(lambda s: "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in s))
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    _digits,
    _wide_digits,
    _digits.map(lambda s: f"  {s}\u3000"),
    st.sampled_from(["面议", "", " ", "10%", "abc", "NaN", "1e3", "Infinity", "ＸＬ", "红色"]),
    st.text(max_size=8),
)
_noise = st.one_of(_scalars, st.lists(_scalars, max_size=2), st.dictionaries(st.text(max_size=3), _scalars, max_size=2))


def _mostly(usable: st.SearchStrategy, noise: st.SearchStrategy) -> st.SearchStrategy:
    """Usable values 4 times in 5, so most answers get past the rejects and exercise the rest."""
    return st.integers(0, 4).flatmap(lambda draw: noise if draw == 4 else usable)


_id = _mostly(
    st.one_of(
        st.integers(1, 2**63 - 1), st.integers(1, 10**12).map(str), st.integers(1, 10**12).map(lambda i: f" {i} ")
    ),
    _scalars,
)
_price = _mostly(
    st.one_of(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**6), places=2).map(str),
        st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(100), places=6).map(str),
        st.floats(min_value=0.01, max_value=1e6),
    ),
    _scalars,
)


def _obj(**fields: st.SearchStrategy) -> st.SearchStrategy:
    """A dict with some of ``fields``, or now and then something that is not a dict at all."""
    return _mostly(st.fixed_dictionaries({}, optional=fields), _noise)


def _many(element: st.SearchStrategy) -> st.SearchStrategy:
    return _mostly(st.lists(element, min_size=1, max_size=4), _noise)


_tier = _obj(startQuantity=_scalars, price=_price, promotionPrice=_price)
_detail_attribute = _obj(
    attributeId=_scalars, attributeName=_scalars, value=_scalars, attributeNameTrans=_scalars, valueTrans=_scalars,
    skuImageUrl=_scalars, skuImageUrlTrans=_scalars,
)  # fmt: skip
_package = {"width": _scalars, "length": _scalars, "height": _scalars, "weight": _scalars}
_rates = st.one_of(_scalars, st.sampled_from(["99.12%", "", "0.00%", "100%", "0.4666", "11"]))
_dates = st.one_of(_scalars, st.sampled_from(["2024-04-20 08:00:00", "2024-02-30 00:00:00", "2024-04-20"]))

DETAILS = st.fixed_dictionaries(
    {
        "offerId": _id,
        "productSkuInfos": _many(
            _obj(
                skuId=_id, specId=_scalars, amountOnSale=_scalars, price=_price, consignPrice=_price,
                promotionPrice=_price, retailPrice=_price, cargoNumber=_scalars, skuAttributes=_many(_detail_attribute),
                fenxiaoPriceInfo=_obj(onePiecePrice=_price, offerPrice=_price),
            )
        ),
        "productSaleInfo": _obj(
            amountOnSale=_scalars, priceRangeList=_many(_tier), quoteType=_scalars,
            unitInfo=_obj(unit=_scalars, transUnit=_scalars), retailPrice=_price,
            fenxiaoSaleInfo=_obj(onePieceFreePostage=_scalars, startQuantity=_scalars, onePiecePrice=_price,
                                 offerPrice=_price),
        ),
    },
    optional={
        "categoryId": _scalars, "categoryName": _scalars, "subject": _scalars, "subjectTrans": _scalars,
        "topCategoryId": _scalars, "secondCategoryId": _scalars, "thirdCategoryId": _scalars,
        "description": _scalars, "descriptionTrans": _scalars, "sellingPoint": _many(_scalars),
        "mainVideo": _scalars, "detailVideo": _scalars,
        "productImage": _obj(images=_many(_scalars), whiteImage=_scalars),
        "productImageTrans": _obj(images=_many(_scalars), whiteImage=_scalars),
        "productAttribute": _many(_obj(attributeId=_scalars, attributeName=_scalars, value=_scalars,
                                       attributeNameTrans=_scalars)),
        "productShippingInfo": _obj(
            sendGoodsAddressText=_scalars, shippingTimeGuarantee=_scalars, pkgSizeSource=_scalars,
            officialWeight=_scalars, **_package,
            skuShippingInfoList=_many(_obj(specId=_scalars, skuId=_id, **_package)),
            skuShippingDetails=_many(_obj(skuId=_id, aiWeight=_scalars, aiWeightAccuracy=_rates, **_package)),
        ),
        "channelPrice": _obj(channelSkuPriceList=_many(_obj(skuId=_id, currentPrice=_price))),
        "sellerOpenId": _scalars, "companyName": _scalars, "minOrderQuantity": _scalars, "batchNumber": _scalars,
        "soldOut": _scalars, "tradeScore": _scalars, "createDate": _dates, "isJxhy": _scalars, "isSelect": _scalars,
        "tagInfoList": _many(_obj(key=_scalars, value=_scalars)), "offerIdentities": _many(_scalars),
        "promotionModel": _obj(hasPromotion=_scalars, promotionType=_scalars),
        "certificateList": _many(_obj(certificateName=_scalars, certificateCode=_scalars,
                                      certificatePhotoList=_many(_scalars))),
        "invoiceInfo": _obj(supportOnlineInvoice=_scalars, invoiceTypes=_many(_scalars), taxpayerType=_scalars),
        "sellerDataInfo": _obj(
            tradeMedalLevel=_scalars, compositeServiceScore=_scalars, repeatPurchasePercent=_rates,
            afterSalesExperienceScore=_scalars, collect30DayWithin48HPercent=_rates, qualityRefundWithin30Day=_rates,
        ),
        "sellerMixSetting": _obj(generalHunpi=_scalars, mixAmount=_scalars, mixNumber=_scalars),
    },
)  # fmt: skip
SEARCH_ITEMS = st.fixed_dictionaries(
    {"offerId": _id, "priceInfo": _obj(price=_price, consignPrice=_price, jxhyPrice=_price, pfJxhyPrice=_price)},
    optional={
        "subject": _scalars, "imageUrl": _scalars, "aigcImageUrl": _scalars, "whiteImage": _scalars,
        "monthSold": _scalars, "sales7d": _scalars, "repurchaseRate": _rates, "tradeScore": _scalars,
        "thirdCategoryId": _scalars, "topCategoryId": _scalars, "isOnePsale": _scalars, "isSelect": _scalars,
        "createDate": _dates, "modifyDate": _dates, "sellerIdentities": _many(_scalars),
        "sellerDataInfo": _obj(tradeMedalLevel=_scalars, repeatPurchasePercent=_rates, tpYear=_scalars),
        "productSimpleShippingInfo": _obj(shippingTimeGuarantee=_scalars, perfectFulfillmentRate30d=_rates,
                                          delayedShippingRate7d=_rates),
        "productTradeInfo": _obj(addCartCount7d=_scalars, payBuyerCount30d=_scalars),
        "offerDataInfo": _obj(offerApplauseRate=_rates, kjFeaturedServices=_scalars, repurchaseRate30d=_rates),
        "invoiceInfo": _obj(supportFastInvoice=_scalars, invoiceTypes=_many(_scalars)),
        "promotionModel": _obj(hasPromotion=_scalars, promotionType=_scalars),
    },
)  # fmt: skip
_RATE_COLUMNS = {
    table: [name for name in TABLES[table].names if name.endswith("_rate") or "_rate_" in name]
    for table in ("products", "skus", "sellers", "listings")
}


def _writable(table: str, items: list) -> None:
    rows = RowGroup(TABLES[table])
    rows.add_many(i for i in items if i is not None)
    rows.to_batch({"crawl_id": CRAWL})
    for item in items:
        if item is not None:
            assert all(getattr(item, name) is None or 0 <= getattr(item, name) <= 1 for name in _RATE_COLUMNS[table])


@seed(1688)
@PROPERTIES
@given(data=DETAILS, listing=st.one_of(st.none(), SEARCH_ITEMS, _scalars))
def test_noisy_details_never_crash_and_always_write(data, listing):
    result = normalise_offer(RawOffer("product_detail", data, "q", listing, NOW), _ignore, crawl_id=CRAWL)
    if isinstance(result, Reject):
        assert result.reason in {"no_offer_id", "no_price"}
        return
    assert isinstance(result, Product) and result.offer_id > 0
    assert result.price_min <= result.price_max
    assert result.skus and all(s.offer_id == result.offer_id for s in result.skus)
    assert all(len(s.attribute_ids) == len(s.attributes) == len(s.attribute_image_urls_translated) for s in result.skus)
    assert len(result.attribute_ids) == len(result.attributes)
    prices = [r.price for r in result.price_ranges] + [s.price for s in result.skus if s.price is not None]
    assert all(p.as_tuple().exponent >= -4 and p > 0 for p in prices)
    assert [r.start_quantity for r in result.price_ranges] == sorted({r.start_quantity for r in result.price_ranges})
    _writable("products", [result])
    _writable("skus", result.skus)
    _writable("sellers", [result.seller])


@seed(1688)
@PROPERTIES
@given(data=SEARCH_ITEMS, source_api=st.sampled_from(["keyword_search", "image_search", "seller_offers"]))
def test_noisy_search_items_never_crash_and_always_write(data, source_api):
    result = normalise_listing(RawListing(source_api, data, "q", NOW), _ignore, crawl_id=CRAWL)
    if isinstance(result, Reject):
        assert result.reason == "no_offer_id"
        return
    assert isinstance(result, Listing) and result.offer_id > 0 and result.source_api == source_api
    assert result.price is None or (result.price > 0 and result.price.as_tuple().exponent >= -4)
    _writable("listings", [result])


# --- exact prices ---------------------------------------------------------------------

_exact = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99999999999999.9999"), places=4)


@st.composite
def _price_texts(draw: st.DrawFn) -> tuple[str, Decimal]:
    """A price as the API may write it (trailing zeros, padding) and the exact value it means."""
    value = draw(_exact)
    text = format(value.normalize(), "f")
    if "." in text or draw(st.booleans()):
        text = (text if "." in text else text + ".") + "0" * draw(st.integers(0, 4 - len(text.partition(".")[2])))
    return draw(st.sampled_from(["{}", " {} ", "{}\u3000"])).format(text), value


@seed(1688)
@settings(max_examples=25, deadline=None, derandomize=True)
@given(sku_prices=st.lists(_price_texts(), min_size=1, max_size=6), tiers=st.lists(_price_texts(), max_size=3))
def test_prices_survive_exactly_through_parquet(sku_prices, tiers):
    data = {
        "offerId": 7,
        "productSkuInfos": [
            {"skuId": i + 1, "price": text, "skuAttributes": [{"attributeName": "n", "value": str(i)}]}
            for i, (text, _) in enumerate(sku_prices)
        ],
        "productSaleInfo": {
            "priceRangeList": [{"startQuantity": q + 1, "price": text} for q, (text, _) in enumerate(tiers)]
        },
    }
    product = normalise_offer(RawOffer("product_detail", data, None, None, NOW), _ignore)
    assert isinstance(product, Product)
    with tempfile.TemporaryDirectory() as folder:
        write_crawl(Path(folder), CRAWL, [product])
        skus = pq.read_table(Path(folder) / "skus").sort_by("sku_id").column("price").to_pylist()
        row = pq.read_table(Path(folder) / "products").to_pylist()[0]
    assert skus == [value for _, value in sku_prices]
    assert [r["price"] for r in row["price_ranges"]] == [value for _, value in tiers]
    everything = [value for _, value in sku_prices + tiers]
    assert (row["price_min"], row["price_max"]) == (min(everything), max(everything))


# --- canonical specs --------------------------------------------------------------------

_spec_text = st.text(
    alphabet=st.sampled_from(list("abcXYZ019-_. ") + list("红蓝黑白色尺码容量长度款式")), min_size=1, max_size=6
)
_specs = st.lists(st.tuples(_spec_text, _spec_text), min_size=1, max_size=4).filter(
    lambda specs: all(name.strip() and value.strip() for name, value in specs)
)


def _widen(text: str, mask: list[bool]) -> str:
    """Full-width forms of ASCII characters where ``mask`` says so."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" and m else c for c, m in zip(text, mask))


@st.composite
def _noisy(draw: st.DrawFn, text: str) -> str:
    mask = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    pad = st.sampled_from(["", " ", "\u3000", "\t", "  "])
    return draw(pad) + _widen(text, mask) + draw(pad)


def _key(specs: list[tuple[str, str]]) -> str:
    data = {
        "offerId": 1,
        "productSkuInfos": [
            {"skuId": 1, "price": "1", "skuAttributes": [{"attributeName": n, "value": v} for n, v in specs]}
        ],
    }
    product = normalise_offer(RawOffer("product_detail", data), _ignore)
    assert isinstance(product, Product)
    return product.skus[0].spec_key


@seed(1688)
@PROPERTIES
@given(specs=_specs, data=st.data())
def test_spec_key_ignores_order_width_and_whitespace(specs, data):
    canonical = _key(specs)
    shuffled = data.draw(st.permutations(specs))
    noisy = [(data.draw(_noisy(n)), data.draw(_noisy(v))) for n, v in shuffled]
    assert _key(noisy) == canonical
    nfkc = [(unicodedata.normalize("NFKC", n).strip(), unicodedata.normalize("NFKC", v).strip()) for n, v in specs]
    pairs = sorted(nfkc)
    assert canonical == ";".join(f"{n}={v}" for n, v in pairs)
