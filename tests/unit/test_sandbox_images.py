import io
import random

import pytest
from PIL import Image, ImageOps

from harvester.sandbox.catalogue import Catalogue

SAMPLE = [0, 24_999, 25_000, 333_333, 612_345, 999_999]


def _jpeg(image: Image.Image, quality: int = 90, exif: Image.Exif | None = None) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def test_images_are_deterministic_400px_jpegs(sandbox_catalogue):
    offer_id = sandbox_catalogue.offer_id(7)
    data = sandbox_catalogue.image_jpeg(offer_id)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (400, 400)
    assert Catalogue().image_jpeg(offer_id) == data
    assert sandbox_catalogue.image_jpeg(offer_id, 1) != data


@pytest.mark.parametrize("index", SAMPLE)
def test_own_images_match(sandbox_catalogue, index):
    offer = sandbox_catalogue.offer(sandbox_catalogue.offer_id(index))
    for path in offer.image_paths[:2]:
        match = sandbox_catalogue.match_image(sandbox_catalogue.image_at(path))
        assert match is not None and match.index == index and match.flipped_bits == 0


@pytest.mark.parametrize("index", SAMPLE)
def test_resized_recompressed_copy_matches(sandbox_catalogue, index):
    original = Image.open(io.BytesIO(sandbox_catalogue.image_jpeg(sandbox_catalogue.offer_id(index))))
    copy = _jpeg(original.resize((200, 200), Image.Resampling.BILINEAR), quality=60)
    assert sandbox_catalogue.match_image(copy).index == index


@pytest.mark.parametrize("index", SAMPLE)
def test_exif_rotated_copy_matches(sandbox_catalogue, index):
    original = Image.open(io.BytesIO(sandbox_catalogue.image_jpeg(sandbox_catalogue.offer_id(index))))
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera held sideways: viewers rotate 90 degrees clockwise
    rotated = _jpeg(original.transpose(Image.Transpose.ROTATE_90), exif=exif)
    corrected = ImageOps.exif_transpose(Image.open(io.BytesIO(rotated)))
    assert corrected.size == (400, 400)
    assert sandbox_catalogue.match_image(_jpeg(corrected)).index == index
    assert sandbox_catalogue.match_image(rotated).index == index, "the sandbox applies EXIF orientation itself"


def test_png_and_odd_sizes_match(sandbox_catalogue):
    original = Image.open(io.BytesIO(sandbox_catalogue.image_jpeg(sandbox_catalogue.offer_id(5))))
    out = io.BytesIO()
    original.resize((333, 333)).convert("RGBA").save(out, "PNG")
    assert sandbox_catalogue.match_image(out.getvalue()).index == 5


def test_foreign_images_do_not_match(sandbox_catalogue):
    rnd = random.Random(1688)
    for _ in range(5):
        image = Image.new("RGB", (300, 240))
        image.putdata([(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) for _ in range(300 * 240)])
        assert sandbox_catalogue.match_image(_jpeg(image)) is None
    gradient = Image.linear_gradient("L").resize((400, 400)).convert("RGB")
    assert sandbox_catalogue.match_image(_jpeg(gradient)) is None


def test_not_an_image_is_refused(sandbox_catalogue):
    with pytest.raises(ValueError, match="not an image"):
        sandbox_catalogue.match_image(b"definitely not a picture")


def test_image_paths_decode_and_reject_forgeries(sandbox_catalogue):
    offer = sandbox_catalogue.offer(sandbox_catalogue.offer_id(99))
    path = offer.image_paths[0]
    assert sandbox_catalogue.image_paths.decode(path) == (99, 0)
    forged = path.replace(path[20], "A" if path[20] != "A" else "B", 1)
    assert sandbox_catalogue.image_at(forged) is None
    assert sandbox_catalogue.image_at("img/ibank/O1CN01Lq0CXy1Hj5HZM1Rdb_!!2208857268871-0-cib.jpg") is None
