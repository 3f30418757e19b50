import io
import zlib

import pytest
from PIL import Image

from harvester.inputs.images import Crop, ImageError, prepare


def picture(width=800, height=600, fmt="JPEG", exif_orientation=None, mode="RGB"):
    image = Image.new(mode, (width, height), "red" if mode == "RGB" else None)
    for x in range(0, width // 2):
        for y in range(0, height // 4):
            image.putpixel((x, y), (0, 0, 255) if mode == "RGB" else (0, 0, 255, 128))
    buffer = io.BytesIO()
    kwargs = {}
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kwargs["exif"] = exif
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def decode(data):
    return Image.open(io.BytesIO(data))


def test_downscaled_jpeg_under_limits():
    out = decode(prepare(picture(3000, 2000), name="a.jpg", max_side=1000, max_bytes=3_000_000))
    assert out.format == "JPEG" and max(out.size) == 1000


def test_exif_orientation_applied():
    out = decode(prepare(picture(400, 200, exif_orientation=6), name="a.jpg", max_side=1000, max_bytes=3_000_000))
    assert out.size == (200, 400)


def test_crop_after_orientation_and_bounds():
    out = decode(prepare(picture(), name="a.jpg", max_side=1000, max_bytes=3_000_000, crop=Crop(0, 0, 100, 50)))
    assert out.size == (100, 50)
    with pytest.raises(ImageError, match="falls outside"):
        prepare(picture(), name="a.jpg", max_side=1000, max_bytes=3_000_000, crop=Crop(700, 0, 200, 10))


def test_transparent_png_flattened():
    out = decode(prepare(picture(fmt="PNG", mode="RGBA"), name="a.png", max_side=1000, max_bytes=3_000_000))
    assert out.mode == "RGB"


@pytest.mark.parametrize(
    "data,fragment", [(b"", "is empty"), (b"hello, not a picture", "not an image"), (picture()[:200], "damaged")]
)
def test_bad_files(data, fragment):
    with pytest.raises(ImageError, match=fragment) as info:
        prepare(data, name="x.jpg", max_side=1000, max_bytes=3_000_000)
    assert "\n" not in str(info.value)


def test_decompression_bomb_refused_without_decoding():
    # The header alone declares 20000x20000 pixels: refused before any pixel data is inflated.
    import struct

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(b"\x00" * 1_000_000, 9)) + chunk(b"IEND", b"")
    with pytest.raises(ImageError, match="pixels"):
        prepare(png, name="bomb.png", max_side=1000, max_bytes=3_000_000)


def test_too_large_after_preparation():
    noisy = Image.effect_noise((1000, 1000), 120).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG")
    with pytest.raises(ImageError, match="still over"):
        prepare(buffer.getvalue(), name="noise.png", max_side=1000, max_bytes=10_000)


def test_crop_parse():
    assert Crop.parse("1,2,3,4") == Crop(1, 2, 3, 4)
    for bad in ("1,2,3", "a,b,c,d", "0,0,0,5", "-1,0,5,5"):
        with pytest.raises(ImageError):
            Crop.parse(bad)
