from decimal import Decimal

from harvester.stages.search import price_boundaries

D = Decimal


def test_limits_sit_on_unlikely_prices_between_the_quantiles():
    prices = [D(p) for p in ("9.0", "9.0", "9.5", "10", "12.5", "15", "15", "20", "35", "99")]
    bounds = price_boundaries(prices, 4, D(0), None)
    assert bounds == sorted(bounds) and len(bounds) == 3
    assert all(b.as_tuple().exponent == -4 and str(b).endswith("5") for b in bounds)
    assert not set(bounds) & set(prices)


def test_a_price_sampled_on_both_sides_goes_to_the_lower_band():
    assert price_boundaries([D("9.9")] * 50, 3, D(0), None) == [D("9.9005")]


def test_limits_stay_inside_the_band():
    assert price_boundaries([D("5")] * 10, 2, D("5"), D("5.0004")) == []
    bounds = price_boundaries([D("1"), D("2"), D("3")], 2, D("1"), D("3"))
    assert all(D(1) < b < D(3) for b in bounds)
