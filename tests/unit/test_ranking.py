"""Ranking what several image searches found: more images first, then best position, then the sum, then the id."""

from __future__ import annotations

from datetime import UTC, datetime

from harvester.items import SearchHit
from harvester.stages.details import Wanted
from harvester.stages.ranking import ResultRanking

NOW = datetime(2025, 5, 1, tzinfo=UTC)


def _found(ranking: ResultRanking, query: str, offer_id: int, page: int, position: int) -> None:
    ranking.hit(SearchHit(query, offer_id, page, position, NOW))
    assert ranking.want([Wanted(offer_id, query, {"monthSold": offer_id})]) == []


def test_offers_found_by_more_images_come_first():
    ranking = ResultRanking(page_size=50)
    _found(ranking, "image:a", 1, 1, 1)  # a's best, found by a only
    _found(ranking, "image:a", 2, 2, 1)  # position 51 for a
    _found(ranking, "image:b", 2, 1, 3)  # ... and 3 for b: found by two images
    _found(ranking, "image:a", 3, 1, 2)
    _found(ranking, "image:b", 3, 1, 9)  # found by two, best 2: before offer 2 (best 3)
    _found(ranking, "image:b", 4, 1, 1)
    _found(ranking, "image:a", 3, 1, 40)  # seen again further down: the best position counts
    ranked = ranking.release()
    assert [(w.offer_id, w.rank, w.query, w.queries) for w in ranked] == [
        (3, 1, "image:a", ["image:a", "image:b"]),
        (2, 2, "image:b", ["image:b", "image:a"]),
        (1, 3, "image:a", ["image:a"]),
        (4, 4, "image:b", ["image:b"]),  # ties on best position (1) and sum (1): the lower offer id first
    ]
    assert ranked[0].listing == {"monthSold": 3}  # what the first search that found it said
    assert ranking.released and ranking.release() == []
