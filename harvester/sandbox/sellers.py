"""Sellers: who they are, what they score, how they invoice, and their ``sellerOpenId`` in both directions.

A seller is a number (its position in the layout); everything else is drawn
from it. Open ids carry the scrambled number and a keyed check, so a made-up
or mistyped id is recognised as unknown instead of landing on some seller.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from . import vocabulary
from .layout import Layout
from .records import Invoice, Seller, SellerScores
from .scramble import Draws, Feistel, Hasher, b64url, unb64url

_MEMBER_ID_BASE = 2_200_000_000_000


class SellerDirectory:
    def __init__(self, seed: int, layout: Layout):
        self._layout = layout
        self._open_ids = Feistel(seed, "seller-open-id", 32)
        self._member_ids = Feistel(seed, "seller-member-id", 32)
        self._mac = Hasher(seed, "seller-open-id-mac")
        self._draws = Hasher(seed, "seller")
        self._brands = Hasher(seed, "seller-brand")
        self.seller = lru_cache(maxsize=65536)(self._seller)

    def open_id(self, seller: int) -> str:
        scrambled = self._open_ids.encrypt(seller)
        return "BBB" + b64url(scrambled.to_bytes(4, "big") + self._mac(seller).to_bytes(32, "big")[:12])

    def number(self, open_id: str) -> int | None:
        """The seller number behind an open id, or ``None`` when the id is not one of ours."""
        if not open_id.startswith("BBB"):
            return None
        raw = unb64url(open_id[3:])
        if raw is None or len(raw) != 16:
            return None
        seller = self._open_ids.decrypt(int.from_bytes(raw[:4], "big"))
        if seller >= self._layout.seller_count or self._mac(seller).to_bytes(32, "big")[:12] != raw[4:]:
            return None
        return seller

    def brand(self, seller: int) -> tuple[str, str]:
        """The two-character brand in the company name, with its pinyin."""
        first, second = Draws(self._brands, seller).sample(vocabulary.BRAND_CHARACTERS, 2)
        return first[0] + second[0], first[1] + second[1]

    def _seller(self, seller: int) -> Seller:
        block = self._layout.seller_block(seller)
        industry = vocabulary.INDUSTRIES[block.leaf.industry]
        draws = Draws(self._draws, seller)
        brand, brand_pinyin = self.brand(seller)
        place = vocabulary.PLACES[draws.pick(industry.places)]
        legal = draws.pick(vocabulary.LEGAL_FORMS)
        business = "" if legal == "贸易有限公司" else industry.word
        identities = ["tp_member"]
        if draws.chance(0.15):
            identities.append("super_factory")
        if draws.chance(0.2):
            identities.append("powerful_merchants")

        def score() -> Decimal:
            return Decimal(draws.between(30, 50)).scaleb(-1)

        # A stream of its own: facts added later must not move the ones drawn above.
        more = Draws(self._draws, seller, 1)
        general_taxpayer = more.chance(0.6)
        invoice = Invoice(
            online=more.chance(0.55),
            fast=more.chance(0.2),
            types=("普票", "专票") if general_taxpayer and more.chance(0.7) else ("普票",),
            taxpayer_type=None if more.chance(0.1) else "一般纳税人" if general_taxpayer else "小规模纳税人",
        )

        return Seller(
            open_id=self.open_id(seller),
            login_id=f"{place.pinyin}{brand_pinyin}{draws.between(1, 999)}",
            member_id=_MEMBER_ID_BASE + self._member_ids.encrypt(seller),
            company_name=f"{place.company_prefix}{brand}{business}{legal}",
            province=place.province,
            city=place.city,
            district=place.district,
            identities=tuple(identities),
            scores=SellerScores(
                trade_medal_level=draws.between(1, 5),
                composite_service=score(),
                logistics_experience=score(),
                dispute_complaint=score(),
                offer_experience=score(),
                consulting_experience=score(),
                after_sales_experience=score(),
                repeat_purchase_percent=Decimal(draws.between(5, 60)).scaleb(-2),
                pickup_48h_30d=Decimal(more.between(8000, 10000)).scaleb(-4),
                quality_refund_30d=Decimal(more.below(400)).scaleb(-4),
            ),
            tp_year=more.between(1, 16),
            invoice=invoice,
        )
