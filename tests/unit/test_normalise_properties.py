"""Properties of the normaliser over generated API answers (fixed seed: the same examples every run).

- Noisy answers of both detail shapes never crash it, and whatever it
  returns can be written: no value it lets through breaks the writer.
- Prices survive exactly: API text -> Decimal -> Parquet -> read back.
- ``spec_key`` does not depend on attribute order, full-width characters or
  stray whitespace, nor on which detail API answered.
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
from harvester.items import Product, RawOffer, Reject
from harvester.normalise import normalise_offer
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
    skuImageUrl=_scalars,
)  # fmt: skip
_list_attribute = _obj(
    attributeID=_scalars, attributeValue=_scalars, skuImageUrl=_scalars, attributeDisplayName=_scalars
)

DETAILS = st.fixed_dictionaries(
    {
        "offerId": _id,
        "productSkuInfos": _many(
            _obj(
                skuId=_id, specId=_scalars, amountOnSale=_scalars, price=_price, consignPrice=_price,
                promotionPrice=_price, cargoNumber=_scalars, skuAttributes=_many(_detail_attribute),
            )
        ),
        "productSaleInfo": _obj(
            amountOnSale=_scalars, priceRangeList=_many(_tier), quoteType=_scalars,
            unitInfo=_obj(unit=_scalars, transUnit=_scalars),
        ),
    },
    optional={
        "categoryId": _scalars, "categoryName": _scalars, "subject": _scalars, "subjectTrans": _scalars,
        "description": _scalars, "productImage": _obj(images=_many(_scalars)),
        "productAttribute": _many(_obj(attributeName=_scalars, value=_scalars, attributeNameTrans=_scalars)),
        "sellerOpenId": _scalars, "companyName": _scalars, "minOrderQuantity": _scalars,
        "monthSold": _scalars, "repurchaseRate": _scalars,
        "sellerDataInfo": _obj(
            tradeMedalLevel=_scalars, compositeServiceScore=_scalars, repeatPurchasePercent=_scalars,
            afterSalesExperienceScore=_scalars,
        ),
    },
)  # fmt: skip
PRODUCT_LIST_ITEMS = st.fixed_dictionaries(
    {
        "productID": _id,
        "skuInfos": _many(
            _obj(
                attributes=_many(_list_attribute), price=_price, consignPrice=_price, amountOnSale=_scalars,
                skuId=_id, specId=_scalars,
            )
        ),
        "saleInfo": _obj(
            priceRanges=_many(_tier), minOrderQuantity=_scalars, amountOnSale=_scalars, unit=_scalars,
            quoteType=_scalars,
        ),
    },
    optional={
        "subject": _scalars, "categoryID": _scalars, "image": _obj(images=_many(_scalars)), "supplierLoginId": _scalars,
    },
)  # fmt: skip
SEARCH_ITEMS = st.fixed_dictionaries(
    {"offerId": _id, "priceInfo": _obj(price=_price, consignPrice=_price)},
    optional={
        "subject": _scalars, "imageUrl": _scalars,
        "monthSold": _scalars, "repurchaseRate": _scalars, "thirdCategoryId": _scalars, "topCategoryId": _scalars,
    },
)  # fmt: skip
ANSWERS = st.one_of(
    DETAILS.map(lambda d: ("product_detail", d)),
    PRODUCT_LIST_ITEMS.map(lambda d: ("batch_detail", d)),
    SEARCH_ITEMS.map(lambda d: ("keyword_search", d)),
)


def _writable(product: Product) -> None:
    for table, items in (("products", [product]), ("skus", product.skus), ("sellers", [product.seller])):
        rows = RowGroup(TABLES[table])
        rows.add_many(i for i in items if i is not None)
        rows.to_batch({"crawl_id": CRAWL})


@seed(1688)
@PROPERTIES
@given(answer=ANSWERS, search_item=st.one_of(st.none(), SEARCH_ITEMS))
def test_noisy_answers_never_crash_and_always_write(answer, search_item):
    source_api, data = answer
    result = normalise_offer(RawOffer(source_api, data, "q", search_item, NOW), _ignore, crawl_id=CRAWL)
    if isinstance(result, Reject):
        assert result.reason in {"no_offer_id", "no_price", "not_an_object"}
        return
    assert isinstance(result, Product) and result.offer_id > 0
    assert result.price_min <= result.price_max
    assert result.skus and all(s.offer_id == result.offer_id for s in result.skus)
    prices = [r.price for r in result.price_ranges] + [s.price for s in result.skus if s.price is not None]
    assert all(p.as_tuple().exponent >= -4 and p > 0 for p in prices)
    assert [r.start_quantity for r in result.price_ranges] == sorted({r.start_quantity for r in result.price_ranges})
    assert result.repurchase_rate is None or 0 <= result.repurchase_rate <= 1
    _writable(result)


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
        "productID": 7,
        "skuInfos": [
            {"skuId": i + 1, "price": text, "attributes": [{"attributeDisplayName": "n", "attributeValue": str(i)}]}
            for i, (text, _) in enumerate(sku_prices)
        ],
        "saleInfo": {"priceRanges": [{"startQuantity": q + 1, "price": text} for q, (text, _) in enumerate(tiers)]},
    }
    product = normalise_offer(RawOffer("batch_detail", data, None, None, NOW), _ignore)
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

_spec_text = st.text(alphabet=st.sampled_from(list("abcXYZ019-_. ") + list("红蓝黑白色尺码容量长度款式")), min_size=1, max_size=6)
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


def _key(source_api: str, specs: list[tuple[str, str]]) -> str:
    if source_api == "product_detail":
        data = {
            "offerId": 1,
            "productSkuInfos": [
                {"skuId": 1, "price": "1", "skuAttributes": [{"attributeName": n, "value": v} for n, v in specs]}
            ],
        }
    else:
        data = {
            "productID": 1,
            "skuInfos": [
                {
                    "skuId": 1,
                    "price": "1",
                    "attributes": [{"attributeDisplayName": n, "attributeValue": v} for n, v in specs],
                }
            ],
        }
    product = normalise_offer(RawOffer(source_api, data), _ignore)
    assert isinstance(product, Product)
    return product.skus[0].spec_key


@seed(1688)
@PROPERTIES
@given(specs=_specs, data=st.data())
def test_spec_key_ignores_order_width_whitespace_and_api(specs, data):
    canonical = _key("batch_detail", specs)
    shuffled = data.draw(st.permutations(specs))
    noisy = [(data.draw(_noisy(n)), data.draw(_noisy(v))) for n, v in shuffled]
    assert _key("product_detail", noisy) == canonical
    assert _key("batch_detail", noisy) == canonical
    nfkc = [(unicodedata.normalize("NFKC", n).strip(), unicodedata.normalize("NFKC", v).strip()) for n, v in specs]
    pairs = sorted(nfkc)
    assert canonical == ";".join(f"{n}={v}" for n, v in pairs)
