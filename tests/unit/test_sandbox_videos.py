"""Offer videos are real MP4 files: a box structure a demuxer reads, JPEG frames that show the offer."""

import io
import struct

from PIL import Image

from harvester.sandbox import videos


def boxes(data, start=0, end=None):
    """The (type, payload start, payload end) of the ISO-BMFF boxes in ``data[start:end]``."""
    end = len(data) if end is None else end
    found = []
    while start < end:
        size, kind = struct.unpack(">I4s", data[start : start + 8])
        assert size >= 8 and start + size <= end, (kind, size)
        found.append((kind.decode("ascii"), start + 8, start + size))
        start += size
    return found


def child(data, parent, kind, full=False):
    """The payload range of the one ``kind`` box inside ``parent``'s payload (after a full box's 4 bytes)."""
    (found,) = [(s, e) for k, s, e in boxes(data, *parent) if k == kind]
    return (found[0] + 4, found[1]) if full else found


def read(data):
    top = boxes(data)
    assert [kind for kind, _s, _e in top] == ["ftyp", "mdat", "moov"]
    moov = next((s, e) for k, s, e in top if k == "moov")
    mvhd = child(data, moov, "mvhd", full=True)
    timescale, duration = struct.unpack(">II", data[mvhd[0] + 8 : mvhd[0] + 16])
    stbl = child(data, child(data, child(data, child(data, moov, "trak"), "mdia"), "minf"), "stbl")
    stsd = child(data, stbl, "stsd", full=True)
    entry = boxes(data, stsd[0] + 4, stsd[1])[0]
    assert entry[0] == "mp4v"
    width, height = struct.unpack(">HH", data[entry[1] + 24 : entry[1] + 28])
    esds = child(data, (entry[1] + 78, entry[2]), "esds", full=True)
    object_type = data[esds[0] + 2 + 3 + 2]
    stsz = child(data, stbl, "stsz", full=True)
    count = struct.unpack(">I", data[stsz[0] + 4 : stsz[0] + 8])[0]
    sizes = struct.unpack(f">{count}I", data[stsz[0] + 8 : stsz[0] + 8 + 4 * count])
    stco = child(data, stbl, "stco", full=True)
    offset = struct.unpack(">I", data[stco[0] + 4 : stco[0] + 8])[0]
    frames, position = [], offset
    for size in sizes:
        frames.append(data[position : position + size])
        position += size
    return {"seconds": duration / timescale, "size": (width, height), "object_type": object_type, "frames": frames}


def test_a_main_video_is_an_mp4_of_the_offers_pictures(sandbox_catalogue):
    offer = next(
        o for o in (sandbox_catalogue.offer(sandbox_catalogue.offer_id(i)) for i in range(300)) if o.main_video_path
    )
    movie = read(sandbox_catalogue.video_at(offer.main_video_path))
    assert movie["seconds"] == 3 and movie["size"] == (videos.FRAME_SIZE, videos.FRAME_SIZE)
    assert movie["object_type"] == 0x6C, "Motion JPEG"
    index = sandbox_catalogue.index_of(offer.offer_id)
    for frame in movie["frames"]:
        with Image.open(io.BytesIO(frame)) as picture:
            assert picture.format == "JPEG" and picture.size == (videos.FRAME_SIZE, videos.FRAME_SIZE)
        assert sandbox_catalogue.match_image(frame).index == index, "every frame shows the offer"


def test_videos_are_deterministic_and_paths_decode(sandbox_catalogue):
    offer = next(
        o for o in (sandbox_catalogue.offer(sandbox_catalogue.offer_id(i)) for i in range(300)) if o.detail_video_path
    )
    first = sandbox_catalogue.video_at(offer.detail_video_path)
    assert read(first)["seconds"] == 2
    paths = videos.VideoPaths(sandbox_catalogue.seed)
    assert paths.decode(offer.detail_video_path) == (sandbox_catalogue.index_of(offer.offer_id), videos.DETAIL)
    assert paths.decode("play/u/1/p/1/e/6/t/1/99999999.mp4") is None
    assert paths.decode("img/ibank/x.jpg") is None
    again = type(sandbox_catalogue)(sandbox_catalogue.seed, sandbox_catalogue.size)
    assert again.video_at(offer.detail_video_path) == first
