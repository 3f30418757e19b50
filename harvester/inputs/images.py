"""Prepare a picture for ``product.image.upload``: upright, cropped, small enough, JPEG.

The gateway takes the image as base64 inside a signed JSON parameter, with
size limits that are not published; phone photos are often rotated by EXIF
only and several megabytes large. Preparing them here (rather than letting
the gateway refuse them after a paid call) also keeps hostile files (not an
image, zero bytes, decompression bombs) from costing anything.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from ..exceptions import ArgumentError

#: Pictures above this many pixels are refused before they are decoded.
MAX_PIXELS = 40_000_000
_QUALITIES = (90, 80, 70, 60, 50)


class ImageError(ArgumentError):
    """An image that cannot be used for a search; the message says what is wrong with it."""


@dataclass(frozen=True)
class Crop:
    x: int
    y: int
    width: int
    height: int

    @classmethod
    def parse(cls, text: str) -> Crop:
        try:
            x, y, width, height = (int(part) for part in text.split(","))
        except ValueError:
            raise ImageError(f"crop={text!r}: give x,y,width,height in pixels, e.g. crop=10,20,300,300") from None
        if x < 0 or y < 0 or width <= 0 or height <= 0:
            raise ImageError(f"crop={text!r}: x and y must be >= 0, width and height > 0")
        return cls(x, y, width, height)


def prepare(data: bytes, *, name: str, max_side: int, max_bytes: int, crop: Crop | None = None) -> bytes:
    """JPEG bytes ready to upload, or ``ImageError`` naming the file and the problem."""
    if not data:
        raise ImageError(f"{name} is empty")
    image = _open(data, name)
    image = ImageOps.exif_transpose(image)
    if crop is not None:
        if crop.x + crop.width > image.width or crop.y + crop.height > image.height:
            raise ImageError(
                f"crop {crop.x},{crop.y},{crop.width},{crop.height} falls outside {name} "
                f"({image.width}x{image.height} once upright)"
            )
        image = image.crop((crop.x, crop.y, crop.x + crop.width, crop.y + crop.height))
    image = _rgb(image)
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    for quality in _QUALITIES:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, optimize=True)
        if buffer.tell() <= max_bytes:
            return buffer.getvalue()
    raise ImageError(
        f"{name} is still over {max_bytes:,} bytes as a {image.width}x{image.height} JPEG; "
        "crop it or lower OPEN1688_IMAGE_MAX_SIDE"
    )


def _open(data: bytes, name: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise ImageError(
                    f"{name} is {image.width}x{image.height} pixels, over the {MAX_PIXELS:,} accepted; shrink it first"
                )
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        if isinstance(error, UnidentifiedImageError):
            raise ImageError(f"{name} is not an image (JPEG, PNG, WebP, GIF or BMP expected)") from None
        raise ImageError(f"{name} has too many pixels to be a photo (a decompression bomb?)") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageError(f"{name} is a damaged image ({error})") from None
    return image


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image
