"""Keyed hashes and keyed bijections: how the catalogue turns (seed, index) into anything.

Every generated fact is a pure function of the seed and small integers (offer
index, epoch, SKU number), computed on demand: nothing is stored, so a
million offers cost no memory and no start-up time. Identifiers that must be
decoded back (offer ids, image codes, image paths, seller ids) come from
Feistel permutations, which are bijective by construction and invertible in
O(1); an identifier that does not decode into the catalogue is unknown.
"""

from __future__ import annotations

import base64
import hashlib
import string
import struct
from collections.abc import Sequence
from typing import TypeVar

_M64 = (1 << 64) - 1
_T = TypeVar("_T")


def derive_key(seed: int, purpose: str, size: int = 16) -> bytes:
    """A key per (seed, purpose), so that streams for different facts never correlate."""
    return hashlib.blake2b(
        purpose.encode("utf-8"), key=seed.to_bytes(16, "little", signed=True), digest_size=size
    ).digest()


class Hasher:
    """A keyed hash of a tuple of non-negative integers into a 256-bit integer."""

    __slots__ = ("_key",)

    def __init__(self, seed: int, purpose: str):
        self._key = derive_key(seed, purpose)

    def __call__(self, *numbers: int) -> int:
        data = self._key + _pack(numbers)
        return int.from_bytes(hashlib.blake2b(data, digest_size=32).digest(), "little")

    def hex(self, *numbers: int, length: int = 32) -> str:
        return hashlib.blake2b(self._key + _pack(numbers), digest_size=length // 2).hexdigest()


_PACKERS = [struct.Struct(f"<{count}Q") for count in range(8)]


def _pack(numbers: tuple[int, ...]) -> bytes:
    """The numbers as little-endian 64-bit words (the hashes' input; struct is the fast way)."""
    return _PACKERS[len(numbers)].pack(*numbers)


class Draws:
    """Successive uniform draws from one keyed hash of some numbers.

    The pool is refilled by hashing the numbers with a block counter, so any
    number of draws is available and every draw is reproducible from the
    numbers alone.
    """

    __slots__ = ("_hasher", "_numbers", "_pool", "_left", "_block")

    def __init__(self, hasher: Hasher, *numbers: int):
        self._hasher = hasher
        self._numbers = numbers
        self._pool = hasher(*numbers)
        self._left = 256
        self._block = 0

    def bits(self, count: int) -> int:
        if count > self._left:
            self._block += 1
            self._pool = self._hasher(*self._numbers, 1 << 62 | self._block)
            self._left = 256
        value = self._pool & ((1 << count) - 1)
        self._pool >>= count
        self._left -= count
        return value

    def below(self, n: int) -> int:
        """Uniform in ``range(n)`` (32 bits of entropy; the bias is far below anything a test sees)."""
        return self.bits(32) * n >> 32

    def between(self, low: int, high: int) -> int:
        """Uniform in ``low..high`` inclusive."""
        return low + self.below(high - low + 1)

    def chance(self, probability: float) -> bool:
        return self.bits(32) < probability * (1 << 32)

    def pick(self, items: Sequence[_T]) -> _T:
        return items[self.below(len(items))]

    def sample(self, items: Sequence[_T], count: int) -> list[_T]:
        """``count`` distinct items, in the order they appear in ``items``."""
        chosen = list(range(len(items)))
        for position in range(count):
            swap = position + self.below(len(chosen) - position)
            chosen[position], chosen[swap] = chosen[swap], chosen[position]
        return [items[i] for i in sorted(chosen[:count])]


class Feistel:
    """A keyed permutation of ``range(2**bits)`` (``bits`` even), with its inverse.

    Four rounds of a multiply-xorshift round function (inlined: ids are made
    by the hundred thousand per search): not cryptographic, but consecutive
    indexes land far apart, which is all a plausible identifier needs.
    """

    __slots__ = ("_half", "_mask", "_keys")

    def __init__(self, seed: int, purpose: str, bits: int, rounds: int = 4):
        if bits % 2 or not 2 <= bits <= 128:
            raise ValueError(f"a Feistel permutation needs an even bit width up to 128, got {bits}")
        self._half = bits // 2
        self._mask = (1 << self._half) - 1
        key = int.from_bytes(derive_key(seed, f"feistel:{purpose}", 8 * rounds), "little")
        self._keys = tuple((key >> (64 * i)) & _M64 for i in range(rounds))

    def encrypt(self, value: int) -> int:
        half, mask = self._half, self._mask
        left, right = value >> half, value & mask
        for key in self._keys:
            z = (right * 0x9E3779B97F4A7C15 + key) & _M64
            z = ((z ^ (z >> 32)) * 0xBF58476D1CE4E5B9) & _M64
            left, right = right, left ^ ((z ^ (z >> 29)) & mask)
        return left << half | right

    def decrypt(self, value: int) -> int:
        half, mask = self._half, self._mask
        left, right = value >> half, value & mask
        for key in reversed(self._keys):
            z = (left * 0x9E3779B97F4A7C15 + key) & _M64
            z = ((z ^ (z >> 32)) * 0xBF58476D1CE4E5B9) & _M64
            left, right = right ^ ((z ^ (z >> 29)) & mask), left
        return left << half | right


_BASE62 = string.digits + string.ascii_letters
_BASE62_INDEX = {char: i for i, char in enumerate(_BASE62)}


_BASE62_PAIRS = [a + b for a in _BASE62 for b in _BASE62]


def base62(value: int, width: int) -> str:
    """``value`` in ``width`` base-62 digits, two digits per step (image paths are made by the thousand)."""
    pieces = []
    for _ in range(width // 2):
        value, pair = divmod(value, 3844)
        pieces.append(_BASE62_PAIRS[pair])
    if width % 2:
        value, digit = divmod(value, 62)
        pieces.append(_BASE62[digit])
    if value:
        raise ValueError("value does not fit the width")
    return "".join(reversed(pieces))


def unbase62(text: str) -> int | None:
    value = 0
    for char in text:
        digit = _BASE62_INDEX.get(char)
        if digit is None:
            return None
        value = value * 62 + digit
    return value


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        return None
