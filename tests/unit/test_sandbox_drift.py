import dataclasses
from collections import Counter

import pytest

from harvester.sandbox.catalogue import Catalogue, UnknownOffer

SAMPLE = range(3, 1_000_000, 211)


def _changed_fields(before, after) -> set[str]:
    return {f.name for f in dataclasses.fields(before) if getattr(before, f.name) != getattr(after, f.name)}


@pytest.fixture(scope="module")
def epochs(sandbox_catalogue):
    """Records of a sample at epochs 0, 1 and 2 (``None`` when gone)."""
    result = {}
    for index in SAMPLE:
        offer_id = sandbox_catalogue.offer_id(index)
        states = []
        for epoch in range(3):
            try:
                states.append(sandbox_catalogue.offer(offer_id, epoch))
            except UnknownOffer:
                states.append(None)
        result[offer_id] = states
    return result


def test_epoch_zero_is_the_generated_catalogue(sandbox_catalogue):
    offer_id = sandbox_catalogue.offer_id(42)
    assert sandbox_catalogue.offer(offer_id, 0) == sandbox_catalogue.builder.build(42)


def test_about_five_percent_change_per_epoch(epochs):
    changed = sum(states[0] != states[1] for states in epochs.values())
    share = changed / len(epochs)
    assert 0.04 <= share <= 0.06, share


def test_every_kind_of_change_happens(epochs):
    kinds = Counter()
    for before, after, _ in epochs.values():
        if after is None:
            kinds["gone"] += 1
        elif before != after:
            fields = _changed_fields(before, after)
            assert "modify_date" in fields and after.modify_date > before.modify_date
            kinds.update(fields - {"modify_date"})
    assert {"price", "skus", "stock", "status", "title", "gone"} <= set(kinds), kinds
    assert kinds["gone"] < 0.01 * len(epochs)


def test_sku_added_or_removed(epochs):
    counts = [(len(before.skus), len(after.skus)) for before, after, _ in epochs.values()
              if after is not None and before.skus != after.skus]
    assert any(b > a for a, b in counts) and any(b < a for a, b in counts)


def test_changes_keep_the_records_consistent(epochs):
    for states in epochs.values():
        for offer in states:
            if offer is None:
                continue
            prices = [tier.price for tier in offer.price_tiers] + [sku.price for sku in offer.skus]
            assert offer.price == min(prices)
            assert all(a.price > b.price for a, b in zip(offer.price_tiers, offer.price_tiers[1:]))
            if offer.skus:
                assert offer.stock == sum(sku.stock for sku in offer.skus)
                assert len({sku.sku_id for sku in offer.skus}) == len(offer.skus)


def test_gone_offers_stay_gone_and_leave_search(sandbox_catalogue, epochs):
    gone = [offer_id for offer_id, states in epochs.items() if states[1] is None]
    assert gone
    for offer_id in gone:
        assert epochs[offer_id][2] is None
        assert sandbox_catalogue.exists(offer_id, 0) and not sandbox_catalogue.exists(offer_id, 1)
    offer_id = gone[0]
    category = sandbox_catalogue.offer(offer_id).category.name
    assert offer_id in sandbox_catalogue.search(keyword=category)
    assert offer_id not in sandbox_catalogue.search(keyword=category, epoch=1)


def test_drift_is_deterministic(epochs):
    other = Catalogue()
    for offer_id, states in list(epochs.items())[:300]:
        if states[2] is not None:
            assert other.offer(offer_id, 2) == states[2]
