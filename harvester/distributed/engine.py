"""The two places the harvester reaches into Scrapy's engine, because Scrapy offers no public way.

- Which requests are still in progress: a leased request may be acked only
  once Scrapy is done with it (callback or errback run, its requests
  scheduled, its items through the pipelines); no signal marks that moment,
  but the engine's slot keeps exactly that set (``_slot.inprogress``).
- Waking the engine: an idle engine looks at its scheduler only on its own
  5 s heartbeat; requests other workers put in the shared queue should be
  taken at once, so the unit feed pokes it (``_slot.nextcall.schedule()``,
  what ``engine.crawl`` does after scheduling a request).

Both degrade safely if Scrapy renames them: without the set, leases are
renewed until the worker closes and then given back (work may be done
twice, never lost); without the wake-up, the 5 s heartbeat.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.core.engine import ExecutionEngine


def in_progress(engine: ExecutionEngine | None) -> set[Request] | None:
    """The requests the engine has not finished with; None when it cannot tell (not running)."""
    slot = getattr(engine, "_slot", None)
    return getattr(slot, "inprogress", None)


def wake(engine: ExecutionEngine | None) -> None:
    """Have the engine ask its scheduler for requests now rather than at its next heartbeat."""
    slot = getattr(engine, "_slot", None)
    nextcall = getattr(slot, "nextcall", None)
    if nextcall is not None:
        nextcall.schedule()
