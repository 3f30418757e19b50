"""The daily call budget of an app key, remembered across crawls of the same day.

A crawl resumed the same day must not spend the budget again, so the count
lives in a small file per app key and UTC day (or in Redis when workers
share it). The count is written on every call with one ``pwrite`` of a
fixed-width number: cheap, and a killed crawl loses at most the call in flight.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

_WIDTH = 20


def utc_day(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")


class Budget(Protocol):
    """The daily budget as the quota middleware spends it: coroutines, so that a budget shared through Redis
    (``harvester.quota.shared.RedisBudget``) answers without blocking the reactor."""

    limit: int

    async def try_spend(self, now: float) -> bool:
        """Count one call; False (and nothing counted) when today's budget is spent."""

    async def spent(self, now: float) -> int: ...

    async def close(self) -> None: ...


class FileBudget:
    """One machine's budget (a crawl, or several on one machine one after the other)."""

    def __init__(self, limit: int, state_dir: str | os.PathLike[str], app_key: str):
        self.limit = limit
        self._dir = Path(state_dir).expanduser()
        self._app_key = "".join(c for c in app_key if c.isalnum() or c in "-_") or "app"
        self._day: str | None = None
        self._fd: int | None = None
        self._count = 0

    def _open(self, day: str) -> None:
        self.close()
        self._dir.mkdir(parents=True, exist_ok=True)
        path = self._dir / f"budget-{self._app_key}-{day}.count"
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        raw = os.pread(self._fd, _WIDTH, 0).strip()
        self._count = int(raw) if raw.isdigit() else 0
        self._day = day

    def _roll(self, now: float) -> None:
        day = utc_day(now)
        if day != self._day:
            self._open(day)

    def spent(self, now: float) -> int:
        self._roll(now)
        return self._count

    def try_spend(self, now: float) -> bool:
        self._roll(now)
        if self._count >= self.limit:
            return False
        self._count += 1
        assert self._fd is not None
        os.pwrite(self._fd, str(self._count).rjust(_WIDTH).encode(), 0)
        return True

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class LocalBudget:
    """:class:`FileBudget` as a :class:`Budget`: a ``pwrite`` is cheap enough to do on the reactor thread."""

    def __init__(self, budget: FileBudget):
        self._budget = budget
        self.limit = budget.limit

    async def try_spend(self, now: float) -> bool:
        return self._budget.try_spend(now)

    async def spent(self, now: float) -> int:
        return self._budget.spent(now)

    async def close(self) -> None:
        self._budget.close()
