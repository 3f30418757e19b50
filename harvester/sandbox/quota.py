"""Calls-per-second limits (the app's, and each API's) and the app's total call budget.

The limit is a sliding window: a call is admitted when fewer than ``limit``
calls were admitted in the window before it, so no window of that length
ever holds more than ``limit`` admitted calls, which is what a client's own
pacing is tested against. The window is one second, or ``1/qps`` seconds
for rates below one call per second; refused calls do not occupy it (a
client retrying too early is refused again without being locked out).
"""

from __future__ import annotations

import math
from collections import deque


class RateWindow:
    def __init__(self, qps: float):
        self.qps = qps
        self.window = 1.0 if qps >= 1 else (1.0 / qps if qps > 0 else 1.0)
        self.limit = max(1, math.floor(qps * self.window + 1e-9))
        self._admitted: deque[float] = deque()

    def admit(self, now: float) -> float | None:
        """Admit a call at ``now``; when refused, the seconds until a slot frees."""
        wait = self.wait(now)
        if wait is None:
            self.record(now)
        return wait

    def wait(self, now: float) -> float | None:
        """Whether a call at ``now`` would be admitted (``None``), else the seconds until a slot frees."""
        if self.qps <= 0:
            return None
        admitted = self._admitted
        while admitted and admitted[0] <= now - self.window:
            admitted.popleft()
        if len(admitted) >= self.limit:
            return admitted[0] + self.window - now
        return None

    def record(self, now: float) -> None:
        """Count a call admitted at ``now`` (after :meth:`wait` said it may go)."""
        if self.qps > 0:
            self._admitted.append(now)


class Budget:
    """A total number of calls (0 = unlimited); only calls that are served spend it."""

    def __init__(self, total: int, used: int = 0):
        self.total = total
        self.used = used

    def spend(self) -> bool:
        if self.total and self.used >= self.total:
            return False
        self.used += 1
        return True

    @property
    def left(self) -> int | None:
        return None if not self.total else max(0, self.total - self.used)
