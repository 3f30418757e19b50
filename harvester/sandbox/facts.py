"""An offer's facts beyond its listing and pricing: trade figures, service rates, identities, terms, media.

The official answer models (keywordQuery items, queryProductDetail) carry
these; the truth record holds them so that a test compares what a client
normalised with the truth exactly. They come from draw streams of their own
(keyed ``offer-facts``), so adding them moved none of the facts drawn before,
and the documented keyword counts did not change. Figures that must agree
with the listing are derived from it: trade counts never exceed the sales
they describe, an offer that sold nothing has no fulfilment rates (the
pages say an empty rate means 0), patented offers list a certificate.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from . import vocabulary
from .images import CERTIFICATE_IMAGE, IMAGE_HOST, TRANS_IMAGE_BASE, WHITE_TRANS_IMAGE, ImagePaths
from .layout import Block
from .listing import Listing
from .records import Attribute, Certificate, Dropship, Measure, MixSetting, Seller, ServiceRates, TradeStats
from .scramble import Draws, Hasher, base62
from .videos import DETAIL, MAIN, VideoPaths

PREDICTED, DECLARED, MEASURED = "预测-同款放大", "商家自填", "官方测量"
FEATURED_SERVICES = ("C", "D", "S", "W")
PATENT_CERTIFICATE = "外观专利证书或授权书证书"
_ZERO = Decimal(0)


def _fraction(draws: Draws, low: int, high: int) -> Decimal:
    """A fraction with four decimals drawn in ``low..high`` ten-thousandths."""
    return Decimal(draws.between(low, high)).scaleb(-4)


class OfferFacts:
    def __init__(self, seed: int, image_paths: ImagePaths, video_paths: VideoPaths):
        self._draws = Hasher(seed, "offer-facts")
        self._image_paths = image_paths
        self._video_paths = video_paths

    def shipping(
        self, index: int, block: Block, weight_kg: Decimal, length: int, width: int, height: int
    ) -> dict[str, Any]:
        """Where the package sizes come from, and the platform's measurement when it made one."""
        draws = Draws(self._draws, index, 0)
        pick = draws.below(100)
        source = PREDICTED if pick < 40 else DECLARED if pick < 85 else MEASURED
        official = None
        if source == MEASURED:

            def near(value: int) -> Decimal:
                return Decimal(value * draws.between(90, 110)).scaleb(-2)

            official = Measure(
                near(length),
                near(width),
                near(height),
                (weight_kg * draws.between(95, 110) / 100).quantize(Decimal("0.001")),
            )
        return {
            "size_source": source,
            "official": official,
            "ai_accuracy_percent": 60 + block.position * 7 % 36,
        }

    def trade(self, index: int, sales_7d: int, month_sold: int) -> TradeStats:
        """``productTradeInfo`` for other sales figures (drift moves sales every epoch), from the same draws."""
        return _trade(Draws(self._draws, index, 1), sales_7d, month_sold)

    def offer(
        self,
        index: int,
        listing: Listing,
        seller: Seller,
        images: Sequence[str],
        white: str | None,
        attributes: Sequence[Attribute],
        traits: Sequence[str],
        translated: bool,
        mixes: bool,
        subject_en: str,
    ) -> dict[str, Any]:
        """The new fields of an offer's truth record, as keyword arguments of :class:`Offer`."""
        draws = Draws(self._draws, index, 1)
        member = seller.member_id
        sold = listing.month_sold
        trade = _trade(draws, listing.sales_7d, sold)
        if sold:
            rates = ServiceRates(
                perfect_fulfillment_30d=_fraction(draws, 8500, 10000),
                pickup_24h_30d=_fraction(draws, 6000, 10000),
                quality_return_30d=_ZERO if draws.chance(0.4) else _fraction(draws, 1, 500),
                perfect_fulfillment_7d=_fraction(draws, 8000, 10000),
                pickup_24h_7d=_fraction(draws, 5000, 10000),
                delayed_shipping_7d=_ZERO if draws.chance(0.5) else _fraction(draws, 1, 1500),
            )
            applause = Decimal(draws.between(900, 1000)).scaleb(-3)
        else:
            rates = ServiceRates(_ZERO, _ZERO, _ZERO, _ZERO, _ZERO, _ZERO)
            applause = _ZERO
        cross_select = draws.chance(0.12)
        yx = draws.chance(0.08)
        patent = draws.chance(0.05)
        certificates = ()
        if patent:
            year, kind, serial = draws.between(15, 24), draws.between(1, 3), draws.between(0, 9_999_999)
            code = f"ZL 20{year} {kind} {serial:07d}.{draws.below(10)}"
            photo = self._image_paths.path(index, CERTIFICATE_IMAGE, member)
            certificates = (Certificate(PATENT_CERTIFICATE, code, (photo,)),)
        material = next((a for a in attributes if a.name == "材质"), None)
        points: tuple[str, ...] = ()
        if draws.chance(0.7):
            points = ((f"Material:{material.value_en}",) if material else ()) + tuple(
                f"Feature:{vocabulary.TERMS[trait]}" for trait in traits
            )
        trans = (
            tuple(self._image_paths.path(index, TRANS_IMAGE_BASE + n, member) for n in range(len(images)))
            if translated
            else ()
        )
        return {
            "sales_7d": listing.sales_7d,
            "sales_14d": listing.sales_14d,
            "total_sales": listing.total_sales,
            "trade_score": Decimal(draws.between(30, 50)).scaleb(-1),
            "trade": trade,
            "rates": rates,
            "applause_rate": applause,
            "featured_services": tuple(draws.sample(FEATURED_SERVICES, draws.below(3))),
            "jxhy": draws.chance(0.1),
            "cross_select": cross_select,
            "offer_identities": (("yx",) if yx else ()) + (("select",) if cross_select else ()),
            "patent": patent,
            "certificates": certificates,
            "token": base62(self._draws(index, 2) >> 48, 35),
            "image_trans_paths": trans,
            "white_image_trans_path": self._image_paths.path(index, WHITE_TRANS_IMAGE, member)
            if translated and white
            else None,
            "description_trans_html": _description_trans(subject_en, trans or images),
            "selling_points": points,
            "dropship": Dropship(
                free_postage=draws.chance(0.6 if listing.one_psale else 0.3),
                start_quantity=1 if listing.one_psale else draws.between(1, 3),
                postage=Decimal(draws.between(3, 12)),
            ),
            "mix": MixSetting(general=mixes, amount=draws.pick((50, 100, 200, 500)), number=draws.pick((2, 3, 5, 10))),
            "retail_markup_percent": draws.between(150, 300),
            "main_video_path": self._video_paths.path(index, MAIN, member) if draws.chance(0.4) else None,
            "detail_video_path": self._video_paths.path(index, DETAIL, member) if draws.chance(0.2) else None,
        }


def _trade(draws: Draws, sales_7d: int, sold: int) -> TradeStats:
    """Shopping-cart additions and paying buyers: paying buyers are at most the units sold; 30 days hold the last 7.

    The first draws of an offer's stream: :meth:`OfferFacts.trade` replays them for other sales figures.
    """
    carts_7d = sales_7d * draws.between(100, 400) // 100 + draws.below(5)
    buyers_7d = sales_7d * draws.between(30, 90) // 100
    return TradeStats(
        add_cart_7d=carts_7d,
        pay_buyers_7d=buyers_7d,
        add_cart_30d=max(carts_7d, sold * draws.between(100, 400) // 100 + draws.below(20)),
        pay_buyers_30d=max(buyers_7d, sold * draws.between(30, 90) // 100),
    )


def _description_trans(subject_en: str, images: Sequence[str]) -> str:
    """The description as AIGC translation leaves it: the English title and the (translated) pictures."""
    pictures = "".join(f'<p><img src="{IMAGE_HOST}/{path}" alt=""/></p>' for path in images)
    return f'<div class="offer-desc"><p>{html.escape(subject_en)}</p>{pictures}</div>'
