import dataclasses
from collections import Counter
from decimal import Decimal

import pytest

from harvester.sandbox import admin, sales
from harvester.sandbox.catalogue import Catalogue, UnknownOffer
from harvester.sandbox.drift import SELLER_EDITS

from .sandbox_calls import business, make_gateway, search

SAMPLE = range(3, 1_000_000, 211)
#: Fields that move with sales every day for every offer that sells: daily life, not drift.
SALES = {"sales_7d", "sales_14d", "month_sold", "total_sales", "trade", "rates", "applause_rate"}


def _changed_fields(before, after) -> set[str]:
    return {f.name for f in dataclasses.fields(before) if getattr(before, f.name) != getattr(after, f.name)}


def _only_stock_moved(before, after) -> bool:
    if _changed_fields(before, after) - SALES - {"stock", "skus"}:
        return False
    return [dataclasses.replace(sku, stock=0) for sku in before.skus] == [
        dataclasses.replace(sku, stock=0) for sku in after.skus
    ]


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


def test_about_five_percent_are_edited_per_epoch_and_sales_move_for_most(epochs):
    edited = sum(states[1] is None or bool(_changed_fields(states[0], states[1]) - SALES) for states in epochs.values())
    assert 0.04 <= edited / len(epochs) <= 0.06, edited / len(epochs)
    selling = [states for states in epochs.values() if states[1] is not None and states[0].month_sold >= 30]
    moved = sum(states[0].month_sold != states[1].month_sold for states in selling)
    assert moved > 0.5 * len(selling), "monthSold moves a little every epoch for offers that sell"


@pytest.mark.parametrize(("share", "offers"), [(0.01, 20_000), (0.2, 5_000)])
def test_the_share_of_offers_drifted_is_configurable(share, offers):
    catalogue = Catalogue(drift_share=share)
    events, cursor = catalogue.drift_page(0, 1, 0, offers)
    assert cursor == offers
    changed = len({event.offer_id for event in events}) / offers
    assert share * 0.8 <= changed <= share * 1.2, changed
    assert catalogue.offer(catalogue.offer_id(7)) == Catalogue().offer(catalogue.offer_id(7)), "epoch 0 is shared"


def test_every_kind_of_change_happens_and_only_seller_edits_move_the_modify_date(epochs):
    kinds = Counter()
    for before, after, _ in epochs.values():
        if after is None:
            kinds["gone"] += 1
            continue
        fields = _changed_fields(before, after) - SALES
        if not fields:
            continue
        kinds.update(fields - {"modify_date"})
        if _only_stock_moved(before, after):
            assert "modify_date" not in fields, "a stock level moving is no seller edit"
        else:
            assert "modify_date" in fields and after.modify_date > before.modify_date, fields
    assert {"price", "skus", "stock", "status", "title", "gone"} <= set(kinds), kinds
    assert kinds["gone"] < 0.01 * len(epochs)


def test_sku_added_or_removed(epochs):
    counts = [
        (len(before.skus), len(after.skus))
        for before, after, _ in epochs.values()
        if after is not None and before.skus != after.skus
    ]
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
            assert offer.sales_7d <= offer.sales_14d <= offer.month_sold <= offer.total_sales
            assert offer.trade.pay_buyers_7d <= offer.trade.pay_buyers_30d <= offer.month_sold
            assert offer.month_sold or not any(getattr(offer.rates, name) for name in offer.rates.__slots__)


def test_the_past_days_add_up_to_the_listing(sandbox_catalogue):
    for index in range(11, 1_000_000, 9_973):
        listing = sandbox_catalogue.listing(index)
        past = sandbox_catalogue.sales.past(index, listing)
        assert len(past) == sales.HISTORY_DAYS
        sold = [day or 0 for day in past]
        assert (sum(sold[-7:]), sum(sold[-14:]), sum(sold[-30:])) == (
            listing.sales_7d,
            listing.sales_14d,
            listing.month_sold,
        )
        assert sum(sold) <= listing.total_sales
        existed = [day is not None for day in past]
        assert existed == [position >= sales.HISTORY_DAYS - 1 - listing.create_days for position in range(90)], (
            "no day before the offer was created"
        )


def test_sales_of_later_days_add_up_and_stop_while_not_published(sandbox_catalogue):
    drift = sandbox_catalogue.drift
    seen_expired = False
    for index in range(5, 400_000, 1_999):
        offer_id = sandbox_catalogue.offer_id(index)
        try:
            offers = [sandbox_catalogue.offer(offer_id, epoch) for epoch in range(4)]
        except UnknownOffer:
            continue
        history = drift.history(offers[0], index, 3)
        past = sandbox_catalogue.sales.past(index, sandbox_catalogue.listing(index))
        for epoch in (1, 2, 3):
            day = history.days[epoch - 1]
            assert offers[epoch].total_sales == offers[epoch - 1].total_sales + day.sold
            dropped = past[epoch - 30 + sales.HISTORY_DAYS - 1] or 0
            assert offers[epoch].month_sold == offers[epoch - 1].month_sold + day.sold - dropped
            if offers[epoch].status != "published":
                seen_expired = True
                assert day.sold == 0
            if not offers[0].month_sold:
                assert day.sold == 0, "an offer that sold nothing keeps selling nothing"
    assert seen_expired


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


# --- the drift log -------------------------------------------------------------------------------------------


def _diff_rows(before, after) -> set[tuple]:
    """What the log must say changed between two records, by the test's own reading of the records."""
    rows = set()
    for name in ("title", "status", "price", "consign_price", "promotion_price", "stock", "modify_date"):
        if getattr(before, name) != getattr(after, name):
            rows.add((None, name))
    if before.price_tiers != after.price_tiers:
        rows.add((None, "price_tiers"))
    old, new = {s.sku_id: s for s in before.skus}, {s.sku_id: s for s in after.skus}
    rows |= {(sku_id, "sku") for sku_id in old.keys() ^ new.keys()}
    rows |= {
        (sku_id, name)
        for sku_id in old.keys() & new.keys()
        for name in ("price", "consign_price", "promotion_price", "stock")
        if getattr(old[sku_id], name) != getattr(new[sku_id], name)
    }
    return rows


def test_the_log_says_what_changed_and_nothing_else(sandbox_catalogue, epochs):
    log = sandbox_catalogue.drift_log(0, 2, epochs)
    by_offer: dict[int, list] = {}
    for event in log:
        by_offer.setdefault(event.offer_id, []).append(event)
    for offer_id, states in epochs.items():
        events = by_offer.get(offer_id, [])
        for epoch in (1, 2):
            before, after = states[epoch - 1], states[epoch]
            found = [event for event in events if event.epoch == epoch]
            if before is None:
                assert not found
            elif after is None:
                assert [(e.kind, e.changes[0].field, e.changes[0].new) for e in found] == [("gone", "offer", "gone")]
            else:
                rows = {(change.sku_id, change.field) for event in found for change in event.changes}
                assert rows == _diff_rows(before, after), (offer_id, epoch)
                for event in found:
                    assert (
                        event.seller_edit
                        == (event.kind in SELLER_EDITS)
                        == any(change.field == "modify_date" for change in event.changes)
                    )
                    assert event.kind in ("price", "stock", "status", "title", "skus")
    assert {event.kind for event in log} == {"price", "stock", "status", "title", "skus", "gone"}


def test_the_log_of_two_epochs_is_the_logs_of_each(sandbox_catalogue):
    ids = list(sandbox_catalogue.search(keyword="风筝"))
    both = sandbox_catalogue.drift_log(0, 2, ids)
    assert both == sorted(
        sandbox_catalogue.drift_log(0, 1, ids) + sandbox_catalogue.drift_log(1, 2, ids),
        key=lambda event: (event.offer_id, event.epoch),
    )
    assert sandbox_catalogue.drift_log(1, 1, ids) == []
    assert sandbox_catalogue.drift_log(0, 1, [600_000_000_001]) == [], "ids the catalogue never had"


def test_paging_covers_the_catalogue_and_agrees_with_the_log_by_id():
    catalogue = Catalogue(size=3_000)
    pages, cursor = [], 0
    while cursor is not None:
        events, cursor = catalogue.drift_page(0, 1, cursor, 1_000)
        pages.extend(events)
    everyone = [catalogue.offer_id(index) for index in range(3_000)]
    assert sorted(pages, key=lambda event: (event.offer_id, event.epoch)) == catalogue.drift_log(0, 1, everyone)
    assert len(pages) > 100
    with pytest.raises(ValueError, match="from <= to"):
        catalogue.drift_log(2, 1, everyone)


def test_the_admin_api_serves_the_log_of_a_keyword_or_a_page(sandbox_catalogue):
    gateway = make_gateway(sandbox_catalogue)
    gateway.advance_epoch(2)

    def get(**query):
        answer = admin.handle(gateway, "GET", "/_sandbox/drift", b"", {k: str(v) for k, v in query.items()})
        return answer.status, answer.json()

    status, log = get(keyword="毛笔")
    ids = sandbox_catalogue.search(keyword="毛笔")
    expected = [event.to_dict() for event in sandbox_catalogue.drift_log(0, 2, ids)]
    assert status == 200 and log["events"] == expected and log["offers"] == len(ids) == 450
    assert (log["from"], log["to"], log["drift_share"], log["scope"]) == (0, 2, 0.05, {"keyword": "毛笔"})
    assert log["changed_offers"] == len({event["offer_id"] for event in expected})
    assert sum(log["by_kind"].values()) == len(expected)
    status, page = get(**{"from": 1, "to": 2, "cursor": 999_000})
    assert status == 200 and page["next_cursor"] is None and page["offers"] == 1_000
    assert page["events"] == [event.to_dict() for event in sandbox_catalogue.drift_page(1, 2, 999_000, 1_000)[0]]
    for query, fragment in (
        ({"limit": 0}, "limit"),
        ({"from": 3, "to": 1}, "from <= to"),
        ({"keyword": "x", "cursor": 0}, "not both"),
        ({"epoch": 1}, "unknown"),
    ):
        status, error = get(**query)
        assert status == 400 and fragment in error["error"]


def test_search_items_follow_the_drifted_offer(sandbox_catalogue):
    """The listing shows seller edits as the real site does: priceInfo and modifyDate of today's offer."""
    gateway = make_gateway(sandbox_catalogue, epoch=1)
    items = {}
    for page in range(1, 19):
        answer = business(search(gateway, "风筝", beginPage=page))["result"]
        items.update({int(item["offerId"]): item for item in answer["data"]})
    found = sandbox_catalogue.search(keyword="风筝")
    events = {event.offer_id: event for event in sandbox_catalogue.drift_log(0, 1, found)}
    kinds = Counter(event.kind for event in events.values())
    assert len(items) == len(found) - kinds["gone"] and kinds["price"] and kinds["stock"] and kinds["gone"]
    for offer_id, item in items.items():
        before, now = sandbox_catalogue.offer(offer_id), sandbox_catalogue.offer(offer_id, 1)
        assert Decimal(item["priceInfo"]["price"]) == now.price
        assert Decimal(item["priceInfo"]["consignPrice"]) == now.consign_price
        assert int(item["monthSold"]) == now.month_sold
        if "modifyDate" not in item:
            continue
        assert item["modifyDate"] == now.modify_date.strftime("%Y-%m-%d %H:%M:%S")
        event = events.get(offer_id)
        assert (now.modify_date != before.modify_date) == (event is not None and event.seller_edit)
