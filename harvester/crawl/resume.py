"""Resuming a crawl from its JOBDIR, after a clean stop or after ``kill -9``.

Scrapy's JOBDIR keeps the scheduler's queue and the dupefilter, but writes
their bookkeeping only when the crawl stops cleanly: after a hard kill the
queue on disk re-delivers or forgets requests and the dupefilter has lost
its tail. So the harvester keeps files of its own in the JOBDIR:
``harvester-crawl.json`` (the crawl id, so a resumed crawl writes into the
same crawl, and whether the crawl stopped cleanly) and
``harvester-carry.pickle`` (what a run hands to the next, below).

- Stopped cleanly (finished, Ctrl-C, budget spent, a fatal error): Scrapy's
  own JOBDIR state is exact and is used as is. Scrapy's state is not all a
  crawl holds, though, and what else a run holds is handed over: the calls
  it lost for good (the next run sends them again: the dupefilter would
  otherwise keep them from ever being asked for), what the search stage was
  waiting for (capped queries waiting for their keyword's facets, the facets
  known, the open split ledgers), and the gaps no later run can fill (a
  query at the search cap stays one), so a resumed crawl's exit status is
  the whole crawl's.
- Killed (``kill -9``, or a second Ctrl-C): none of that state can be
  trusted, so it is dropped and the crawl starts again from its units: search
  pages are fetched again, details only for offers not yet written. Rows in
  files that were never committed died with the process (their temporary
  files are swept), so nothing is lost and nothing written twice.

Either way, every offer already in a committed file of this crawl
(``products``, ``missing``) is marked as seen before the run starts, so a
resumed crawl never writes an offer twice, whatever its requests look like.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import tempfile
import weakref
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
from scrapy import signals
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.request import request_from_dict

from ..dataset.snapshot import DataDir, latest_snapshot
from ..dataset.storage import storage_of
from ..dataset.tables import SEARCH_ONLY_SOURCES
from . import exitcodes
from . import stats as keys
from .identity import crawl_identity
from .jobdir import JobState, claim, load, save

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

    from .seen import SeenSet

logger = logging.getLogger(__name__)

#: What Scrapy keeps in a JOBDIR for the scheduler (and the spider): stale after a hard kill.
SCRAPY_STATE = ("requests.queue", "requests.seen", "spider.state")
#: What a run hands to the next run of the same JOBDIR (written when it stops cleanly).
CARRY_FILE = "harvester-carry.pickle"
#: Seen-sets that are seeded with the offers this crawl already wrote.
SEEDED = ("wanted", "offers")
#: The seen-set seeded with the offers a resumed crawl already wrote a listing of.
LISTINGS = "listings"
#: Calls the previous run lost for good and this run sends again, and the offers a resumed run found written.
RESUME_RETRIED = f"{keys.PREFIX}/resume/retried"
RESUME_WRITTEN = f"{keys.PREFIX}/resume/written_offers"
#: Gaps a later run cannot fill, so they are handed over: the calls behind the others are sent again instead.
CARRIED_GAPS = tuple(gap.key for gap in keys.GAPS if not gap.retried)
_RETRIES = "retries"
_GAPS = "gaps"


class _Resume:
    """Per crawler: how this run starts (fresh, resumed, recovered), what it was handed, what it hands over."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        #: Offers already written in committed files of this crawl (empty for a fresh crawl).
        self.done: set[int] = set()
        #: Offers whose listing is already written.
        self.listed: set[int] = set()
        #: What the previous run handed over, by name (empty unless it stopped cleanly).
        self.handed: dict[str, Any] = {}
        self._providers: dict[str, Callable[[], Any]] = {}
        self._retries: list[bytes] = []
        jobdir = crawler.settings.get("JOBDIR")
        if jobdir:
            claim(jobdir)
        state = load(jobdir) if jobdir else None
        self.resumed = state is not None
        #: Whether this run recovers from a kill (Scrapy's state and the hand-over dropped).
        self.recovering = bool(jobdir) and state is not None and not state.clean and _scrapy_state_exists(jobdir)
        if jobdir:
            crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
            crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        if state is None:
            return
        assert jobdir is not None
        self.done = written_offers(storage_of(crawler), state.crawl_id)
        self.listed = listed_offers(storage_of(crawler), state.crawl_id)
        if self.recovering:
            for name in (*SCRAPY_STATE, CARRY_FILE):
                target = Path(jobdir) / name
                shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
            logger.warning(
                "JOBDIR %s belongs to crawl %s, which did not stop cleanly: starting it again from its "
                "units; %d offers already written are not fetched again",
                jobdir,
                state.crawl_id,
                len(self.done),
            )
        elif state.clean:
            self.handed = _load_carry(Path(jobdir) / CARRY_FILE)

    # --- what runs hand each other ------------------------------------------------

    def hand_over(self, name: str, provider: Callable[[], Any]) -> Any:
        """Register what the component ``name`` hands to the next run (``provider`` is asked when this run
        stops); returns what the previous run handed over under that name, or None."""
        self._providers[name] = provider
        return self.handed.get(name)

    def retry_next_run(self, request: Request) -> None:
        """A call this run lost for good (its gap is counted): the next run of this JOBDIR sends it again."""
        if not self.crawler.settings.get("JOBDIR") or self.crawler.spider is None:
            return
        try:
            # Pickled now, as Scrapy's disk queue pickles a request: one that cannot be must not cost the others.
            self._retries.append(pickle.dumps(request.to_dict(spider=self.crawler.spider)))
        except (pickle.PicklingError, TypeError, AttributeError, ValueError) as error:
            logger.warning("Cannot keep a lost call for the next run (%s): %s", error, request)

    def retries(self, spider: Spider) -> Iterator[Request]:
        """The calls the previous run lost for good, to send again first (past the dupefilter, with fresh retries)."""
        handed = self.handed.pop(_RETRIES, None) or []
        if handed and self.crawler.stats is not None:
            self.crawler.stats.inc_value(RESUME_RETRIED, len(handed))
            logger.info("Sending again %d call(s) the previous run of this crawl lost", len(handed))
        for data in handed:
            request = request_from_dict(pickle.loads(data), spider=spider)  # noqa: S301 (pickled by our last run)
            for meta in ("retry_times", "open1688_throttled_times", "open1688_token_refreshed"):
                request.meta.pop(meta, None)
            yield request.replace(dont_filter=True)

    # --- signals ---------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        save(self.crawler.settings["JOBDIR"], JobState(crawl_identity(self.crawler).crawl_id, clean=False))
        stats = self.crawler.stats
        assert stats is not None
        if self.resumed:
            stats.set_value(RESUME_WRITTEN, len(self.done))
        for key, count in (self.handed.get(_GAPS) or {}).items():
            stats.inc_value(key, count)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Hand over (this run stopped cleanly: every component is done), then mark the JOBDIR clean; unless rows
        were fetched and not written (a full disk): Scrapy's state counts their calls as done, so the JOBDIR stays
        unclean and the next run recovers from the dataset, as after a kill, and fetches them again."""
        jobdir = self.crawler.settings["JOBDIR"]
        stats = self.crawler.stats
        assert stats is not None
        lost = sum(
            count for key, count in stats.get_stats().items() if key.startswith(f"{keys.DATASET_LOST_ROWS}/") and count
        )
        if lost or exitcodes.dataset_unclosed(stats.get_stats()):
            logger.warning(
                "%s rows were fetched and not written: the next run of JOBDIR %s starts again from its "
                "units and fetches them again",
                f"{lost:,}" if lost else "Some",
                jobdir,
            )
            return
        carry = {name: provider() for name, provider in self._providers.items()}
        carry[_RETRIES] = self._retries
        carry[_GAPS] = {key: stats.get_value(key) for key in CARRIED_GAPS if stats.get_value(key)}
        _save_carry(Path(jobdir) / CARRY_FILE, carry)
        save(jobdir, JobState(crawl_identity(self.crawler).crawl_id, clean=True))


def _scrapy_state_exists(jobdir: str) -> bool:
    return any((Path(jobdir) / name).exists() for name in SCRAPY_STATE[:2])


def _load_carry(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            carry = pickle.load(handle)  # noqa: S301 (our own file, in the user's JOBDIR, as Scrapy's queue is)
    except FileNotFoundError:
        return {}
    return carry if isinstance(carry, dict) else {}


def _save_carry(path: Path, carry: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(carry, handle, protocol=pickle.HIGHEST_PROTOCOL)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def written_offers(data_dir: DataDir, crawl_id: str) -> set[int]:
    """Offers this crawl is done with: a detailed ``products`` row or a ``missing`` row in a committed file. A
    products row made from a search listing alone (older versions wrote them) is a gap, not done."""
    tables = latest_snapshot(
        data_dir,
        ("products", "missing"),
        crawl_id=crawl_id,
        columns={"products": ["offer_id", "source_api"], "missing": ["offer_id"]},
    )
    products = tables["products"]
    detailed = pc.invert(pc.is_in(products.column("source_api"), pa.array(sorted(SEARCH_ONLY_SOURCES))))
    done = set(products.filter(pc.fill_null(detailed, True)).column("offer_id").to_pylist())
    return done | set(tables["missing"].column("offer_id").to_pylist())


def listed_offers(data_dir: DataDir, crawl_id: str) -> set[int]:
    """Offers of crawl ``crawl_id`` whose listing is already in a committed ``listings`` file."""
    read = latest_snapshot(data_dir, ("listings",), crawl_id=crawl_id, columns={"listings": ["offer_id"]})
    return set(read["listings"].column("offer_id").to_pylist())


_resumes: weakref.WeakKeyDictionary[Crawler, _Resume] = weakref.WeakKeyDictionary()


def resume(crawler: Crawler) -> _Resume:
    """Decided once per crawl, by whichever component asks first (the spider, before the scheduler opens)."""
    if crawler not in _resumes:
        _resumes[crawler] = _Resume(crawler)
    return _resumes[crawler]


def build_seen_set(crawler: Crawler, name: str) -> SeenSet:
    """The crawl's ``HARVEST_SEEN_SET`` called ``name``; on a resume, already holding the offers written."""
    seen: SeenSet = build_from_crawler(load_object(crawler.settings["HARVEST_SEEN_SET"]), crawler, name=name)
    state = resume(crawler)
    if name in SEEDED or name == LISTINGS:
        done: list[Hashable] = list(state.done if name in SEEDED else state.listed)
        seen.add_many(done)
    return seen
