import sys
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from harvester.sandbox import vocabulary
from harvester.sandbox.catalogue import DOCUMENTED_KEYWORDS, OFFER_ID_BASE, Catalogue, UnknownOffer
from harvester.sandbox.layout import Layout

SAMPLE = range(0, 1_000_000, 9973)
T = TypeVar("T")


def test_vocabulary_is_consistent():
    assert sum(leaf.offers_per_million for leaf in vocabulary.LEAF_CATEGORIES) == vocabulary.PER_MILLION
    assert 60 <= len(vocabulary.LEAF_CATEGORIES) <= 150
    for leaf in vocabulary.LEAF_CATEGORIES:
        terms = (leaf.head, *leaf.kinds, *leaf.traits)
        assert len(set(terms)) == len(terms), leaf.head
        assert all(term in vocabulary.TERMS for term in terms)
        assert len(leaf.traits) >= 2 and 1 <= len(leaf.specs) <= 3
        assert leaf.unit in vocabulary.UNITS and leaf.material in vocabulary.MATERIALS
    assert not set(vocabulary.TERMS) & vocabulary.STOPWORDS


def python_calls(action: Callable[[], T]) -> tuple[T, int]:
    """What ``action`` returns, and how many Python function calls it made: work counted, not timed."""
    calls = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    previous = sys.getprofile()
    sys.setprofile(count)
    try:
        result = action()
    finally:
        sys.setprofile(previous)
    return result, calls


def test_startup_does_no_work_per_offer_and_holds_no_offers():
    """Why start-up is fast (its speed is the benchmarks' business): a million offers, a few thousand calls."""
    catalogue, calls = python_calls(lambda: Catalogue(seed=1688, size=1_000_000))
    assert calls < 100_000, f"{calls:,} calls to start a catalogue of 1,000,000 offers"
    assert catalogue.offer(catalogue.offer_id(999_999)).offer_id == catalogue.offer_id(999_999)


def test_same_seed_same_offers_other_seed_other_offers(sandbox_catalogue):
    again = Catalogue(seed=1688)
    other = Catalogue(seed=7)
    for index in SAMPLE[:20]:
        assert again.offer(again.offer_id(index)) == sandbox_catalogue.offer(sandbox_catalogue.offer_id(index))
    assert [other.offer_id(i) for i in SAMPLE] != [sandbox_catalogue.offer_id(i) for i in SAMPLE]
    titles = {other.offer(other.offer_id(i)).title for i in SAMPLE[:20]}
    assert titles != {sandbox_catalogue.offer(sandbox_catalogue.offer_id(i)).title for i in SAMPLE[:20]}


def test_offer_ids_look_real_and_decode_back(sandbox_catalogue):
    ids = [sandbox_catalogue.offer_id(index) for index in SAMPLE]
    assert len(set(ids)) == len(ids)
    for index, offer_id in zip(SAMPLE, ids):
        assert len(str(offer_id)) == 12 and str(offer_id).startswith("5")
        assert sandbox_catalogue.index_of(offer_id) == index
    consecutive = [sandbox_catalogue.offer_id(i) for i in range(5)]
    assert max(consecutive) - min(consecutive) > 1_000_000, "ids must be scrambled, not sequential"


def test_unknown_ids_are_detected(sandbox_catalogue):
    for unknown in (600_000_000_001, 1, OFFER_ID_BASE - 1, 599_999_999_999, "574325651942"):
        assert sandbox_catalogue.index_of(unknown) is None
        assert not sandbox_catalogue.exists(unknown)
    misses = sum(sandbox_catalogue.index_of(OFFER_ID_BASE + n * 7_919_999) is None for n in range(1000))
    assert misses > 990, "a random id in the id range is almost never an offer"
    with pytest.raises(UnknownOffer):
        sandbox_catalogue.offer(600_000_000_001)


def test_small_catalogues_keep_every_category_block_contiguous():
    layout = Layout(1688, 5_000)
    assert layout.blocks[0].start == 0 and layout.blocks[-1].stop == 5_000
    for before, after in zip(layout.blocks, layout.blocks[1:]):
        assert before.stop == after.start
    catalogue = Catalogue(size=5_000)
    assert catalogue.index_of(catalogue.offer_id(4_999)) == 4_999
    assert catalogue.index_of(Catalogue().offer_id(900_000)) is None


def test_documented_keyword_counts(sandbox_catalogue):
    for keyword, count in DOCUMENTED_KEYWORDS.items():
        assert len(sandbox_catalogue.search(keyword=keyword)) == count, keyword
    assert 20_000 <= DOCUMENTED_KEYWORDS["保温杯"] <= 30_000
    assert sum(10_000 <= n < 100_000 for n in DOCUMENTED_KEYWORDS.values()) >= 3
    assert any(50 <= n <= 70 for n in DOCUMENTED_KEYWORDS.values())


def test_keywords_are_terms_and_intersect(sandbox_catalogue):
    both = set(sandbox_catalogue.search(keyword="不锈钢保温杯"))
    assert both == set(sandbox_catalogue.search(keyword="不锈钢")) & set(sandbox_catalogue.search(keyword="保温杯"))
    assert set(sandbox_catalogue.search(keyword="保温杯 不锈钢")) == both
    assert len(sandbox_catalogue.search(keyword="保温")) == 0, "not a vocabulary term"
    assert len(sandbox_catalogue.search(keyword="保温杯xyz")) == 0
    assert len(sandbox_catalogue.search(keyword="批发")) == 0, "marketing words alone match nothing"
    assert len(sandbox_catalogue.search(keyword="保温杯批发")) == 25_000, "marketing words narrow nothing"
    assert len(sandbox_catalogue.search(keyword="ｔ恤")) == 48_000, "full-width and case are folded"
    assert len(sandbox_catalogue.search(keyword="Insulated Cup")) == 25_000, "keywords are translated by default"
    assert len(sandbox_catalogue.search(keyword="儿童 insulated cup")) == 5_037
    assert len(sandbox_catalogue.search(keyword="Insulated Cup", keyword_translate=True)) == 0, (
        "keywordTranslate: the keyword is taken as already translated (Chinese)"
    )
    assert len(sandbox_catalogue.search(keyword="保温杯", keyword_translate=True)) == 25_000
    for offer_id in list(both)[:50]:
        title = sandbox_catalogue.offer(offer_id).title
        assert "不锈钢" in title and "保温杯" in title


def test_generic_keyword_spans_categories(sandbox_catalogue):
    ids = sandbox_catalogue.search(keyword="不锈钢")
    categories = {sandbox_catalogue.block(sandbox_catalogue.index_of(i)).category.id for i in ids}
    assert len(categories) == 7
    split = sum(len(sandbox_catalogue.search(keyword="不锈钢", category_ids=[c])) for c in categories)
    assert split == len(ids)


def test_offer_records_are_clean_and_consistent(sandbox_catalogue):
    for index in SAMPLE:
        offer = sandbox_catalogue.offer(sandbox_catalogue.offer_id(index))
        texts = [offer.title, offer.title_en, offer.category.name, offer.seller.company_name]
        texts += [value for sku in offer.skus for a in sku.attributes for value in (a.value, a.value_en)]
        texts += [a.value for a in offer.attributes]
        for text in texts:
            assert text == unicodedata.normalize("NFKC", text).strip(), text
        prices = [tier.price for tier in offer.price_tiers] + [sku.price for sku in offer.skus]
        assert offer.price == min(prices) == sandbox_catalogue.listing(index).price
        tiers = offer.price_tiers
        assert 1 <= len(tiers) <= 3
        assert all(a.start_quantity < b.start_quantity and a.price > b.price for a, b in zip(tiers, tiers[1:]))
        assert tiers[0].start_quantity == offer.min_order_quantity
        assert offer.stock == (sum(sku.stock for sku in offer.skus) if offer.skus else offer.stock)
        assert len({sku.sku_id for sku in offer.skus}) == len(offer.skus)
        for sku in offer.skus:
            assert len(sku.spec_id) == 32 and int(sku.spec_id, 16) >= 0
            assert 1 <= len(sku.attributes) <= 3
            assert sku.consign_price >= sku.price
        assert offer.image_paths and all(p.startswith("img/ibank/O1CN01") for p in offer.image_paths)
        assert offer.seller.open_id.startswith("BBB")
        assert Decimal(0) <= offer.repurchase_rate < 1
        assert offer.create_date <= offer.modify_date
        assert offer.sales_7d <= offer.sales_14d <= offer.month_sold <= offer.total_sales
        assert offer.trade.pay_buyers_7d <= offer.trade.pay_buyers_30d <= offer.month_sold
        assert offer.trade.add_cart_7d <= offer.trade.add_cart_30d
        rates = vars_of(offer.rates)
        assert all(Decimal(0) <= rate <= 1 for rate in rates) and (offer.month_sold or not any(rates))
        assert ("select" in offer.offer_identities) == offer.cross_select == dict(offer.tags)["select"]
        assert offer.patent == bool(offer.certificates)
        assert offer.quote_type == (1 if offer.quote_type == 1 else 2 if offer.skus else 0)
        assert offer.one_piece_price(offer.consign_price) >= offer.consign_price
        assert offer.retail_price(offer.price) >= offer.price
        assert len(offer.image_trans_paths) in (0, len(offer.image_paths))
        for sku in offer.skus:
            package = sku.package
            assert package.weight_g > 0 and min(package.length_cm, package.width_cm, package.height_cm) > 0
            assert all(
                (a.image_trans_path is None) == (a.image_path is None or not offer.image_trans_paths)
                for a in sku.attributes
            )
        if offer.shipping.official is not None:
            assert offer.shipping.size_source == "官方测量"


def vars_of(record):
    return [getattr(record, name) for name in record.__slots__]


def test_catalogue_has_the_variety_a_normaliser_must_handle(sandbox_catalogue):
    offers = [sandbox_catalogue.offer(sandbox_catalogue.offer_id(index)) for index in range(0, 1_000_000, 997)]
    assert any(not offer.skus for offer in offers), "some offers have no SKUs"
    assert {len(offer.skus[0].attributes) for offer in offers if offer.skus} == {1, 2, 3}
    exponents = {offer.price.as_tuple().exponent for offer in offers}
    assert {0, -1, -2, -3, -4} <= exponents, "whole, 1, 2, 3 and 4 decimal prices"
    assert sum(offer.price.as_tuple().exponent == -2 for offer in offers) > len(offers) / 2
    assert {len(offer.price_tiers) for offer in offers} == {1, 2, 3}
    assert any(offer.promotion_price for offer in offers) and any(not offer.promotion_price for offer in offers)
    assert any(a.image_path for offer in offers for sku in offer.skus for a in sku.attributes)
    assert {offer.unit for offer in offers} >= {"个", "件", "套", "双"}


def test_sellers_own_their_offers(sandbox_catalogue):
    offer = sandbox_catalogue.offer(sandbox_catalogue.offer_id(123_456))
    seller = sandbox_catalogue.seller(offer.seller.open_id)
    assert seller == offer.seller
    assert seller.company_name.endswith(("有限公司", "商行"))
    ids = sandbox_catalogue.search(seller_open_id=seller.open_id)
    assert offer.offer_id in ids and 10 <= len(ids) <= 80
    assert all(sandbox_catalogue.seller_of(i) == seller for i in ids)
    assert sandbox_catalogue.seller("BBBnot-a-seller-id-at-all00") is None
    assert len(sandbox_catalogue.search(seller_open_id="BBBnot-a-seller-id-at-all00")) == 0
    assert 20_000 <= sandbox_catalogue.layout.seller_count <= 30_000


def test_categories_and_spec_keys(sandbox_catalogue):
    categories = sandbox_catalogue.categories
    assert len({category.id for category in categories}) == len(categories) == len(vocabulary.LEAF_CATEGORIES)
    assert all(category.name_en and category.top_name for category in categories)
    offer = next(
        o
        for o in (sandbox_catalogue.offer(sandbox_catalogue.offer_id(i)) for i in SAMPLE)
        if o.skus and len(o.skus[0].attributes) >= 2
    )
    names = sorted(a.name for a in offer.skus[0].attributes)
    assert [part.split("=")[0] for part in offer.skus[0].spec_key.split(";")] == names
