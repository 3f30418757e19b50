"""China-domestic freight of one offer to an address (``product.freight.estimate``), from the seller's templates.

Every seller has two freight templates, drawn from its number: its own
(``templateType`` 2, or 3 for an official template, one seller in five),
charging by weight (``chargeType`` 0, the first kilogram then each further
kilogram) or, one seller in three, by the piece (``chargeType`` 1, the
first one or two pieces then each further piece), with fees that grow with
the distance (:func:`regions.zone`: same province, same region, another
region, the remote west); and a free-postage template (``templateType`` 1,
包邮) that offers with free one-piece postage (``onePieceFreePostage``) use:
free everywhere but the remote west, which it charges at the seller's own
rates. One template in seven gives a discount (0.8, 0.9 or 0.95).

The estimate: a weight template bills the parcel's weight, the SKUs'
packed weights times their quantities when the request names SKUs
(``sizeValueType`` 2), else the offer's weight times ``totalNum``
(``sizeValueType`` 1); a piece template bills ``totalNum``. Up to the
first unit costs the first fee; every further unit begun costs the next
fee; the discount applies to the sum, rounded to the fen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from . import regions
from .records import Offer, Sku
from .scramble import Draws, Hasher

WEIGHT, PIECES = 0, 1
SELLER_PAYS, CUSTOM, OFFICIAL = 1, 2, 3
EXPRESS = 0
_TEMPLATE_ID_BASE = 10_000_000
_FEN = Decimal("0.01")
_GRAM = Decimal("0.001")


class FreightRequestError(ValueError):
    """SKUs or quantities an estimate refuses; the message names the field."""


@dataclass(frozen=True)
class Fee:
    """What a parcel to one zone costs: ``first_fee`` up to ``first_unit``, ``next_fee`` per ``next_unit`` more."""

    first_fee: Decimal
    first_unit: int
    next_fee: Decimal
    next_unit: int

    def cost(self, amount: Decimal) -> Decimal:
        if amount <= self.first_unit:
            return self.first_fee
        steps = ((amount - self.first_unit) / self.next_unit).to_integral_value(ROUND_CEILING)
        return self.first_fee + steps * self.next_fee


FREE = Fee(Decimal(0), 1, Decimal(0), 1)


@dataclass(frozen=True)
class Template:
    id: int
    name: str
    #: 1 the seller pays the postage, 2 the seller's own, 3 an official template.
    type: int
    #: 0 express (快递): the sandbox's sellers ship every parcel by express.
    sub_type: int
    sub_name: str
    #: 0 by weight (kilograms), 1 by the piece.
    charge: int
    #: The fee to each zone of :mod:`regions`, in zone order.
    fees: tuple[Fee, Fee, Fee, Fee]
    discount: Decimal | None


@dataclass(frozen=True)
class Estimate:
    """One estimate, as its answer states it."""

    offer: Offer
    template: Template
    zone: int
    fee: Fee
    free_postage: bool
    freight: Decimal
    #: The SKUs the request named (``sizeValueType`` 2) rather than the offer's own weight (1).
    from_skus: bool


class FreightTemplates:
    def __init__(self, seed: int):
        self._draws = Hasher(seed, "freight")

    def own(self, seller: int) -> Template:
        draws = Draws(self._draws, seller)
        kind = OFFICIAL if draws.chance(0.2) else CUSTOM
        charge = PIECES if draws.chance(0.3) else WEIGHT
        first_unit = draws.pick((1, 2)) if charge == PIECES else 1
        # Fees in dimes, each zone's above the nearer one's.
        first, following = draws.between(30, 50), draws.between(5, 20) if charge == PIECES else draws.between(10, 20)
        fees = []
        for low, high in ((0, 0), (5, 20), (10, 40), (80, 150)):
            first += draws.between(low, high)
            following += draws.between(low, high) // 2
            fees.append(Fee(Decimal(first).scaleb(-1), first_unit, Decimal(following).scaleb(-1), 1))
        discount = Decimal(draws.pick(("0.8", "0.9", "0.95"))) if draws.chance(1 / 7) else None
        if kind == OFFICIAL:
            name = "官方运费模板"
        else:
            name = "按件计费模板" if charge == PIECES else draws.pick(("默认运费模板", "快递运费模板", "全国快递"))
        return Template(
            _TEMPLATE_ID_BASE + 2 * seller,
            name,
            kind,
            EXPRESS,
            "快递",
            charge,
            (fees[0], fees[1], fees[2], fees[3]),
            discount,
        )

    def free(self, seller: int) -> Template:
        """The seller's 包邮 template: free but to the remote west, charged there at the seller's own rates."""
        own = self.own(seller)
        return Template(
            own.id + 1,
            "包邮模板",
            SELLER_PAYS,
            EXPRESS,
            "快递",
            own.charge,
            (FREE, FREE, FREE, own.fees[regions.REMOTE]),
            None,
        )

    def estimate(
        self, offer: Offer, seller: int, target: regions.Province, total: int, quantities: Sequence[tuple[int, int]]
    ) -> Estimate:
        """Freight of ``total`` pieces (``quantities``: (SKU id, pieces) when the request names SKUs)."""
        skus = _named_skus(offer, total, quantities)
        template = self.free(seller) if offer.dropship.free_postage else self.own(seller)
        zone = regions.zone(regions.province_named(offer.seller.province), target)
        fee = template.fees[zone]
        free = template.type == SELLER_PAYS and zone != regions.REMOTE
        if template.charge == PIECES:
            amount = Decimal(total)
        elif skus:
            amount = sum((Decimal(sku.package.weight_g) * number * _GRAM for sku, number in skus), Decimal(0))
        else:
            amount = offer.shipping.weight_kg * total
        freight = Decimal(0) if free else fee.cost(amount)
        if template.discount is not None:
            freight = (freight * template.discount).quantize(_FEN, ROUND_HALF_UP)
        return Estimate(offer, template, zone, fee, free, freight, bool(skus))


def _named_skus(offer: Offer, total: int, quantities: Sequence[tuple[int, int]]) -> list[tuple[Sku, int]]:
    if total < 1:
        raise FreightRequestError(f"totalNum={total} 至少为 1 (totalNum must be at least 1)")
    by_id = {sku.sku_id: sku for sku in offer.skus}
    named: list[tuple[Sku, int]] = []
    seen: set[int] = set()
    for sku_id, number in quantities:
        if sku_id not in by_id:
            raise FreightRequestError(
                f"skuId={sku_id} 不是商品 {offer.offer_id} 的 SKU (not a SKU on sale of the offer)"
            )
        if sku_id in seen:
            raise FreightRequestError(f"skuId={sku_id} 重复 (each SKU once, with its number)")
        if number < 1:
            raise FreightRequestError(f"skuId={sku_id} 的 number={number} 至少为 1 (number must be at least 1)")
        seen.add(sku_id)
        named.append((by_id[sku_id], number))
    if named and sum(number for _sku, number in named) != total:
        raise FreightRequestError(
            f"logisticsSkuNumModels 件数之和 {sum(n for _s, n in named)} 不等于 totalNum={total} "
            "(the SKUs' numbers must add up to totalNum)"
        )
    return named
