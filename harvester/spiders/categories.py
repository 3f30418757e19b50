"""The category tree, walked from the root into the ``categories`` table: what ``products.category_id`` joins to.

``alibaba.category.get`` answers one category a call with its children
(``categoryID`` 0: the first level); 1688 has three levels, the third
being leaves, so the walk asks for every category that is not a leaf and
takes the leaves from their parents' answers. Each parent's children are
named in ``OPEN1688_COUNTRY`` by one ``category.translation.getById`` call
(none when that language is ``zh``: the category API's names are Chinese).
Cost: two calls per category that has children (one with ``zh``); a row per
category, written once its own answer (or, for a leaf, its parent's) is in.

What could not be asked is never lost in silence: a category whose
children could not be listed is written from its parent's answer and
counted (``harvester/enrichment/categories/lost``, a gap: exit status 4),
and so are children whose names could not be translated (``names_lost``);
a resume with the same JOBDIR asks again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from ..crawl import stats as keys
from ..crawl.resume import resume
from ..gateway.calls import api_request, outcome_of
from ..items import Category
from ..normalise.enrichment import CategoryPath, category_info, child_rows, complete, translations
from ..open1688 import endpoints
from .base import HarvestSpider

#: The language whose names the category API gives itself: no translation call.
CHINESE = "zh"


class CategoriesSpider(HarvestSpider):
    name = "categories"
    description = "the category tree (alibaba.category.get from the root, names translated) into the categories table"
    arguments: dict[str, str] = {}

    def units(self) -> Iterator[dict[str, Any]]:
        yield {}

    def seeds(self, unit: Mapping[str, Any]) -> Iterator[Request]:
        yield self._category(0, CategoryPath(), None)

    @property
    def language(self) -> str:
        return str(self.settings.get("OPEN1688_COUNTRY") or CHINESE)

    def _inc(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(key, count)  # type: ignore[union-attr]

    def _note(self, what: str) -> None:
        self._inc(f"{keys.ENRICHMENT_NORMALISE}/{what}")

    # --- alibaba.category.get ----------------------------------------------------

    def _category(self, category_id: int, path: CategoryPath, row: Category | None) -> Request:
        """The call listing ``category_id``'s children; ``row`` is its own row, completed by the answer."""
        self._inc(keys.CATEGORIES_CALLS)
        return api_request(
            self.access,
            endpoints.CATEGORY,
            {"categoryID": category_id},
            method=self.settings.get("OPEN1688_HTTP_METHOD"),
            meta={"category_id": category_id, "path": path.as_meta(), "row": row},
            callback=self.parse_category,
            errback=self.category_failed,
        )

    def parse_category(self, response: Response) -> Iterator[Any]:
        outcome = outcome_of(response)
        meta = response.meta
        info = category_info(outcome.data, meta["category_id"])
        if info is None:
            yield from self._lost(meta, f"no CategoryInfo in the answer for {meta['category_id']}")
            return
        row = meta["row"]
        if row is not None:
            complete(row, info, self._note)
        if self.language == CHINESE:
            yield from self._children(info, meta, {}, None)
            return
        self._inc(keys.CATEGORIES_TRANSLATION_CALLS)
        yield api_request(
            self.access,
            endpoints.CATEGORY_TRANSLATION,
            {"language": self.language, "categoryId": meta["category_id"]},
            method=self.settings.get("OPEN1688_HTTP_METHOD"),
            meta={**{k: meta[k] for k in ("category_id", "path", "row")}, "info": info},
            callback=self.parse_translation,
            errback=self.translation_failed,
        )

    def category_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        resume(self.crawler).retry_next_run(request)
        yield from self._lost(request.meta, str(failure.value))

    def _lost(self, meta: Mapping[str, Any], why: str) -> Iterator[Category]:
        """A category whose children could not be listed: its own row as its parent gave it, and a gap."""
        self._inc(keys.CATEGORIES_LOST)
        self.logger.warning("Could not list the children of category %s: %s", meta["category_id"], why)
        if meta["row"] is not None:
            self._inc(keys.CATEGORIES_ROWS)
            yield meta["row"]

    # --- category.translation.getById --------------------------------------------

    def parse_translation(self, response: Response) -> Iterator[Any]:
        outcome = outcome_of(response)
        names, language = translations(outcome.data, self._note, outcome.document)
        yield from self._children(response.meta["info"], response.meta, names, language, translated=True)

    def translation_failed(self, failure: Failure) -> Iterator[Any]:
        meta = failure.request.meta  # type: ignore[attr-defined]
        self._inc(keys.CATEGORIES_NAMES_LOST)
        self.logger.warning(
            "Could not translate the names of category %s's children: %s", meta["category_id"], failure.value
        )
        yield from self._children(meta["info"], meta, {}, None)

    # --- rows ----------------------------------------------------------------

    def _children(
        self,
        info: dict[str, Any],
        meta: Mapping[str, Any],
        names: dict[int, str],
        language: str | None,
        *,
        translated: bool = False,
    ) -> Iterator[Any]:
        """The category's own row, its leaves' rows, and the calls listing its other children. ``translated``: the
        names are a translation's answer, which must name every child (one it left out is a gap, as a failed
        translation is)."""
        row = meta["row"]
        if row is not None:
            self._inc(keys.CATEGORIES_ROWS)
            yield row
        path = CategoryPath.from_meta(meta["path"])
        children = child_rows(info, path, names, language, crawled_at=datetime.now(UTC), note=self._note)
        unnamed = [child.category_id for child, _path in children if child.category_id not in names]
        if translated and unnamed:
            self._inc(keys.CATEGORIES_NAMES_LOST)
            self.logger.warning(
                "The translation of category %s named %d of its %d children (not %s)",
                meta["category_id"],
                len(children) - len(unnamed),
                len(children),
                ", ".join(map(str, unnamed[:5])),
            )
        for child, child_path in children:
            if child.is_leaf:
                self._inc(keys.CATEGORIES_ROWS)
                yield child
            else:
                yield self._category(child.category_id, child_path, child)
