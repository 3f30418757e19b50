"""The sandbox's media for bulk downloads: pictures shared across offers, the same bytes at two URLs, and a fixed
share of media paths that answer 404."""

from __future__ import annotations

import re

from harvester.open1688 import endpoints

from .sandbox_calls import business, call, make_gateway

_SRC = re.compile(r'<img src="([^"]+)"')


def _description_paths(catalogue, index: int) -> list[str]:
    offer = catalogue.offer(catalogue.offer_id(index))
    return [url.split("alicdn.com/", 1)[1] for url in _SRC.findall(offer.description_html)]


def test_a_sellers_offers_share_its_banner_uploaded_twice(sandbox_catalogue):
    by_seller: dict[int, list[int]] = {}
    for offer_id in sandbox_catalogue.search(keyword="茶具")[:100]:
        offer = sandbox_catalogue.offer(int(offer_id))
        by_seller.setdefault(offer.seller.member_id, []).append(sandbox_catalogue.index_of(int(offer_id)))
    indexes = max(by_seller.values(), key=len)
    assert len(indexes) >= 4
    banners = {_description_paths(sandbox_catalogue, i)[-1] for i in indexes}
    # One picture, two uploads: two paths, the same bytes; the other pictures of a description are the offer's own.
    assert len(banners) == 2
    assert len({sandbox_catalogue.image_at(path) for path in banners}) == 1
    first = indexes[0]
    offer = sandbox_catalogue.offer(sandbox_catalogue.offer_id(first))
    assert _description_paths(sandbox_catalogue, first)[:-1] == list(offer.image_paths)


def test_descriptions_follow_the_image_host(sandbox_catalogue):
    gateway = make_gateway(sandbox_catalogue, image_host="http://127.0.0.1:9")
    offer_id = sandbox_catalogue.offer_id(3)
    detail = business(
        call(gateway, endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": offer_id, "country": "en"}})
    )
    sources = _SRC.findall(detail["result"]["description"])
    assert sources and all(src.startswith("http://127.0.0.1:9/img/ibank/") for src in sources)


def test_a_fixed_share_of_media_paths_is_missing(sandbox_catalogue):
    paths = [path for i in range(60) for path in sandbox_catalogue.offer(sandbox_catalogue.offer_id(i)).image_paths]
    whole = make_gateway(sandbox_catalogue)
    assert all(whole.handle("GET", "/" + path, {}).status == 200 for path in paths[:20])
    gateway = make_gateway(sandbox_catalogue, media_missing=0.1)
    missing = [path for path in paths if gateway.handle("GET", "/" + path, {}).status == 404]
    assert 0 < len(missing) < len(paths) * 0.25
    again = make_gateway(sandbox_catalogue, media_missing=0.1)
    assert [path for path in paths if again.handle("GET", "/" + path, {}).status == 404] == missing
