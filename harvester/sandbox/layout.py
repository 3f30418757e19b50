"""Where things live in the index space: category blocks and the sellers inside them.

Each leaf category owns one contiguous block of offer indexes, so "all offers
of a category" is a range. Sellers own offers inside one block, assigned
through a keyed affine permutation of the block: a seller's offers look
scattered, yet listing them is arithmetic, O(offers of that seller), and
finding an offer's seller is O(1). Seller sizes vary from half to one and a
half times the average of 40 offers.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator
from dataclasses import dataclass

from . import vocabulary
from .records import Category
from .scramble import Hasher

OFFERS_PER_SELLER = 40


@dataclass(frozen=True)
class Block:
    position: int
    leaf: vocabulary.LeafCategory
    category: Category
    start: int
    stop: int
    #: Global number of the block's first seller.
    first_seller: int
    sellers: int
    #: Affine permutation ``p = (a*j + b) mod n`` of local indexes, and ``a``'s inverse.
    a: int
    b: int
    a_inverse: int

    @property
    def size(self) -> int:
        return self.stop - self.start

    def local_seller(self, index: int) -> int:
        """The seller (0-based within the block) owning an offer of this block."""
        n, m = self.size, self.sellers
        p = (self.a * (index - self.start) + self.b) % n
        # Seller s owns p in [bound(s), bound(s+1)) with bound(s) = n*(s*m + s*s) // (2*m*m).
        s = (math.isqrt(m * m + 8 * m * m * p // n) - m) // 2
        while s + 1 < m and self._bound(s + 1) <= p:
            s += 1
        while s > 0 and self._bound(s) > p:
            s -= 1
        return s

    def _bound(self, s: int) -> int:
        m = self.sellers
        return self.size * (s * m + s * s) // (2 * m * m)

    def seller_indexes(self, local: int) -> Iterator[int]:
        """The offer indexes of one seller, in the seller's own (permuted) order."""
        n = self.size
        for p in range(self._bound(local), self._bound(local + 1)):
            yield self.start + (self.a_inverse * (p - self.b)) % n


def _category(leaf: vocabulary.LeafCategory) -> Category:
    second_name, _second_en, top_id = vocabulary.SECOND_CATEGORIES[leaf.second_id]
    return Category(
        id=leaf.id,
        name=leaf.head,
        name_en=vocabulary.TERMS[leaf.head],
        second_id=leaf.second_id,
        second_name=second_name,
        top_id=top_id,
        top_name=vocabulary.TOP_CATEGORIES[top_id][0],
    )


def _coprime_multiplier(n: int, draw: int) -> int:
    a = 1 + draw % max(1, n - 1)
    while math.gcd(a, n) != 1:
        a += 1
    return a


class Layout:
    """The category blocks of a catalogue of ``size`` offers."""

    def __init__(self, seed: int, size: int):
        if size < 1:
            raise ValueError("a catalogue needs at least one offer")
        hasher = Hasher(seed, "layout")
        blocks: list[Block] = []
        cumulative = 0
        start = 0
        first_seller = 0
        for position, leaf in enumerate(vocabulary.LEAF_CATEGORIES):
            cumulative += leaf.offers_per_million
            stop = cumulative * size // vocabulary.PER_MILLION
            n = stop - start
            if n:
                draw = hasher(position)
                a = _coprime_multiplier(n, draw)
                sellers = max(1, n // OFFERS_PER_SELLER)
                blocks.append(
                    Block(
                        position=position,
                        leaf=leaf,
                        category=_category(leaf),
                        start=start,
                        stop=stop,
                        first_seller=first_seller,
                        sellers=sellers,
                        a=a,
                        b=(draw >> 64) % n,
                        a_inverse=pow(a, -1, n),
                    )
                )
                first_seller += sellers
            start = stop
        self.size = size
        self.blocks: tuple[Block, ...] = tuple(blocks)
        self.seller_count = first_seller
        self._starts = [block.start for block in self.blocks]
        self._seller_starts = [block.first_seller for block in self.blocks]
        self.by_position: dict[int, Block] = {block.position: block for block in self.blocks}

    def block_of(self, index: int) -> Block:
        return self.blocks[bisect.bisect_right(self._starts, index) - 1]

    def seller_of(self, index: int) -> int:
        """The global seller number of an offer."""
        block = self.block_of(index)
        return block.first_seller + block.local_seller(index)

    def seller_block(self, seller: int) -> Block:
        return self.blocks[bisect.bisect_right(self._seller_starts, seller) - 1]

    def seller_indexes(self, seller: int) -> list[int]:
        block = self.seller_block(seller)
        return list(block.seller_indexes(seller - block.first_seller))
