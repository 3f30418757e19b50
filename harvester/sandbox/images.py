"""Offer images: their paths, their pixels, and recognising them again from any faithful copy.

Each offer has a 64-bit *visual code*, a keyed Feistel permutation of its
index. Its images are an 8x8 grid of dark and light blocks spelling that code
in the category's colour, overlaid with a texture that averages to zero over
every block. An 8x8 grey average hash (Pillow's box filter, threshold at the
mean) of the image, or of a resized, recompressed or EXIF-rotated copy,
therefore reads the code back; inverting the permutation gives the index, and
an index outside the catalogue means "no match". Decoding tolerates up to two
flipped bits, trying the least certain bits first, and needs no precomputed
table: a million offers are recognisable at no memory cost. A random image
decodes into the catalogue with probability about 2,000 x size / 2**64.
"""

from __future__ import annotations

import colorsys
import io
import itertools
import re
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from .scramble import Feistel, Hasher, base62, unbase62

#: Image host that relative image paths are relative to (PROTOCOL.md section 9).
IMAGE_HOST = "https://cbu01.alicdn.com"
IMAGE_SIZE = 400
GRID = 8
_BLOCK = IMAGE_SIZE // GRID
#: Grey levels of dark and light blocks, and the texture's amplitude: far enough apart that
#: JPEG at quality 60 and a halving never move a block across the mean.
_DARK, _LIGHT, _TEXTURE = 62, 192, 22
#: Image numbers: 0-15 main images, 16-30 SKU images (by spec value), 31 the white-background image,
#: 32-37 the AIGC-translated main images, 39 the translated white image, 40 a certificate's photo,
#: 41 and 42 a seller's shop banner (the path's index is then the seller's number), 48-62 the translated SKU images.
SKU_IMAGE_BASE = 16
WHITE_IMAGE = 31
TRANS_IMAGE_BASE = 32
WHITE_TRANS_IMAGE = 39
CERTIFICATE_IMAGE = 40
#: Every description of a seller's offers ends with its shop banner, shared by all of them; half the offers link
#: a second upload of the same picture (another path, the same bytes), as sellers who upload it twice do.
SELLER_BANNER = 41
SELLER_BANNER_COPY = 42
SKU_TRANS_BASE = 48

#: 48 * 2**42 + 2**42 still fits 8 base-62 digits (62**8 ~ 2.18e14).
_HEAD_SPREAD = 48
_PATH = re.compile(r"img/ibank/O1CN01([0-9A-Za-z]{17})_!!(\d+)-0-cib\.jpg")


class ImagePaths:
    """``img/ibank/O1CN01…_!!{member}-0-cib.jpg`` paths that decode back to (offer index, image number)."""

    def __init__(self, seed: int):
        self._permutation = Feistel(seed, "image-path", 42)
        self._mac = Hasher(seed, "image-path-mac")

    def path(self, index: int, image_no: int, member_id: int) -> str:
        code = index << 6 | image_no
        mac = self._mac(code)
        # The 42-bit scrambled code fills 8 base-62 digits only with a MAC share in its top: else every
        # token would start with 0 or 1.
        head = (mac % _HEAD_SPREAD) << 42 | self._permutation.encrypt(code)
        token = base62(head, 8) + base62((mac >> 8) % 62**9, 9)
        return f"img/ibank/O1CN01{token}_!!{member_id}-0-cib.jpg"

    def decode(self, path: str) -> tuple[int, int] | None:
        """(index, image number) of a path made by :meth:`path`, or ``None`` for any other path."""
        match = _PATH.search(path)
        if not match:
            return None
        token = match.group(1)
        head = unbase62(token[:8])
        if head is None:
            return None
        code = self._permutation.decrypt(head & ((1 << 42) - 1))
        mac = self._mac(code)
        if head >> 42 != mac % _HEAD_SPREAD or base62((mac >> 8) % 62**9, 9) != token[8:]:
            return None
        return code >> 6, code & 63


@dataclass(frozen=True)
class ImageMatch:
    index: int
    #: How many bits of the read code had to be flipped (0-2): lower is more certain.
    flipped_bits: int


def _palette(hue: float, luminance: int) -> tuple[int, int, int]:
    """A colour of the given hue whose grey level (ITU-R 601) is ``luminance``."""
    r, g, b = (round(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.75, 1.0))
    own = (299 * r + 587 * g + 114 * b) / 1000
    if own >= luminance:
        scale = luminance / own
        return tuple(min(255, round(c * scale)) for c in (r, g, b))  # type: ignore[return-value]
    t = (luminance - own) / (255 - own)
    return tuple(min(255, round(c + t * (255 - c))) for c in (r, g, b))  # type: ignore[return-value]


class VisualCodes:
    """Renders offer images from their visual code and reads the code back from pixels."""

    def __init__(self, seed: int, size: int):
        self._permutation = Feistel(seed, "visual-code", 64)
        self._size = size
        self._masks = [self._texture(style) for style in range(4)]

    @staticmethod
    def _texture(style: int) -> Image.Image:
        """A 0/255 mask with exactly half of every block set, so the texture averages out per block."""
        tests = (
            lambda x, y: y % 10 < 5,
            lambda x, y: x % 10 < 5,
            lambda x, y: (x // 5 + y // 5) % 2 == 0,
            lambda x, y: (x + y) % 10 < 5,
        )
        test = tests[style]
        rows = [bytes(255 if test(x, y) else 0 for x in range(10)) * (IMAGE_SIZE // 10) for y in range(10)]
        return Image.frombytes("L", (IMAGE_SIZE, IMAGE_SIZE), b"".join(rows[y % 10] for y in range(IMAGE_SIZE)))

    def code(self, index: int) -> int:
        return self._permutation.encrypt(index)

    def render(self, index: int, image_no: int, hue: float) -> bytes:
        """The JPEG of one image of an offer: all images of an offer carry the same code."""
        code = self.code(index)
        tint = (hue + 0.03 * (image_no % 5)) % 1.0
        dark, light = _palette(tint, _DARK), _palette(tint, _LIGHT)
        grid = Image.new("RGB", (GRID, GRID))
        grid.putdata([light if code >> bit & 1 else dark for bit in range(GRID * GRID)])
        base = grid.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.NEAREST)
        brighter = base.point([min(255, v + _TEXTURE) for v in range(256)] * 3)
        darker = base.point([max(0, v - _TEXTURE) for v in range(256)] * 3)
        picture = Image.composite(brighter, darker, self._masks[(index + image_no) % len(self._masks)])
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=90)
        return out.getvalue()

    def read(self, data: bytes) -> tuple[int, list[int]]:
        """The 64-bit average hash of an image, and its bits ordered from least to most certain.

        Raises ``ValueError`` when the bytes are not an image Pillow can read.
        """
        try:
            with Image.open(io.BytesIO(data)) as image:
                upright = ImageOps.exif_transpose(image)
                grey = upright.convert("L").resize((GRID, GRID), Image.Resampling.BOX)
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
            raise ValueError(f"not an image: {error}") from None
        values = grey.tobytes()
        mean = sum(values) / len(values)
        code = sum(1 << bit for bit, value in enumerate(values) if value > mean)
        uncertain = sorted(range(len(values)), key=lambda bit: abs(values[bit] - mean))
        return code, uncertain

    def match(self, data: bytes) -> ImageMatch | None:
        """The offer an image shows, or ``None`` when no code within two bit flips is an offer's."""
        code, uncertain = self.read(data)
        for flips in range(3):
            for bits in itertools.combinations(uncertain, flips):
                candidate = code
                for bit in bits:
                    candidate ^= 1 << bit
                index = self._permutation.decrypt(candidate)
                if index < self._size:
                    return ImageMatch(index, flips)
        return None
