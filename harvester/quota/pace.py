"""Call pacing: GCRA for the calls-per-second limit, AIMD for when the gateway disagrees.

GCRA (the generic cell rate algorithm) keeps one number, the theoretical
arrival time of the next call, so a limit can be held exactly without a
fixed sleep and shared across workers by keeping that number in Redis. The
policy is kept apart from the middleware (as Scrapy's AutoThrottle keeps its
delay policy in one method) so it can be tested with a fake clock.

The quota middleware talks to a :class:`Pacer`, whose methods are
coroutines so that a pacer shared through Redis
(``harvester.quota.shared.RedisPacer``) answers without blocking the
reactor; :class:`LocalPacer` is the single-machine one, the in-process GCRA
and AIMD below on the monotonic clock.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

#: AIMD defaults, shared by the in-process policy and the one kept in Redis.
AIMD_FLOOR = 0.2
AIMD_RECOVERY = 5.0
AIMD_COOLDOWN = 1.0
AIMD_DECREASE = 0.75


class Limiter(Protocol):
    def reserve(self, now: float) -> float:
        """Take the next call slot; seconds to wait before using it."""

    def pause_until(self, moment: float) -> None:
        """No call may be sent before ``moment`` (the gateway asked us to wait)."""

    def set_rate(self, rate: float) -> None: ...


class Gcra:
    """Calls spaced ``1/rate`` apart, with ``burst`` calls allowed at once."""

    def __init__(self, rate: float, burst: int = 1):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._burst = max(1, burst)
        self._tat = 0.0
        self.set_rate(rate)

    def set_rate(self, rate: float) -> None:
        self.rate = rate
        self._interval = 1.0 / rate
        self._tolerance = (self._burst - 1) * self._interval

    def reserve(self, now: float) -> float:
        tat = max(self._tat, now)
        self._tat = tat + self._interval
        return max(0.0, tat - self._tolerance - now)

    def pause_until(self, moment: float) -> None:
        self._tat = max(self._tat, moment + self._tolerance)


class SendWindow:
    """At most ``limit`` sends in any ``window`` seconds, counted when calls actually leave.

    GCRA plans when each call may go, but a reactor busy with a large answer
    (or a writer thread holding the GIL) wakes several planned calls at
    once; a gateway counting calls per second would see that bunch. This
    guard checks the real send times just before sending and holds a call
    back until the oldest of the last ``limit`` sends is a window old.
    """

    def __init__(self, limit: int, window: float = 1.0):
        self.limit = max(1, limit)
        self.window = window
        self._sent: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Seconds to hold the next call back (0: it may go now)."""
        sent = self._sent
        while sent and now - sent[0] >= self.window:
            sent.popleft()
        return 0.0 if len(sent) < self.limit else sent[0] + self.window - now

    def record(self, now: float) -> None:
        self._sent.append(now)

    def add(self, now: float) -> int:
        """Record a send; how many sends the window now holds."""
        self.wait(now)
        self._sent.append(now)
        return len(self._sent)


class Aimd:
    """Additive increase, multiplicative decrease of the rate we ask the limiter for.

    Holding the configured rate exactly should never be throttled, but a
    gateway whose own window differs from ours, or another app sharing the
    key, can still answer ``gw.QosAppFrequencyLimit``. Then we halve the rate
    (once per ``cooldown``, since one burst brings several such answers) and
    win it back linearly, reaching the configured rate again after
    ``recovery`` seconds without complaints.
    """

    def __init__(
        self,
        limiter: Limiter,
        target: float,
        *,
        floor: float = AIMD_FLOOR,
        recovery: float = AIMD_RECOVERY,
        cooldown: float = AIMD_COOLDOWN,
        decrease: float = AIMD_DECREASE,
    ):
        self.limiter = limiter
        self.target = target
        self.rate = target
        self.floor = min(floor, target)
        self.recovery = recovery
        self.cooldown = cooldown
        self.decrease = decrease
        self._last_decrease = float("-inf")
        self._last_update = 0.0

    def throttled(self, now: float, retry_after: float | None = None) -> bool:
        """Record a throttled answer; True when it lowered the rate."""
        if retry_after:
            self.limiter.pause_until(now + retry_after)
        self._last_update = now
        if now - self._last_decrease < self.cooldown:
            return False
        self._last_decrease = now
        self._apply(max(self.floor, self.rate * self.decrease))
        return True

    def succeeded(self, now: float) -> None:
        if self.rate >= self.target:
            self._last_update = now
            return
        elapsed = max(0.0, now - self._last_update)
        self._last_update = now
        self._apply(min(self.target, self.rate + self.target * elapsed / self.recovery))

    def _apply(self, rate: float) -> None:
        self.rate = rate
        self.limiter.set_rate(rate)


class Pacer(Protocol):
    """The calls-per-second limit as the quota middleware uses it, one process or many."""

    #: The configured pace (calls per second) that a slow-down recovers to.
    target: float

    async def reserve(self) -> float:
        """Take the next call slot; seconds to wait before using it."""

    async def throttled(self, retry_after: float | None) -> float | None:
        """The gateway throttled a call: pause ``retry_after`` seconds, slow down; the new rate when lowered."""

    def succeeded(self) -> None:
        """A call was answered (recovery after a slow-down)."""

    async def close(self) -> None: ...


class LocalPacer:
    """One process's pacer: :class:`Gcra` slowed down by :class:`Aimd`, on the monotonic clock."""

    def __init__(self, rate: float, burst: int = 1, clock: Callable[[], float] = time.monotonic):
        self.target = rate
        self.gcra = Gcra(rate, burst)
        self.aimd = Aimd(self.gcra, rate)
        self._clock = clock

    async def reserve(self) -> float:
        return self.gcra.reserve(self._clock())

    async def throttled(self, retry_after: float | None) -> float | None:
        return self.aimd.rate if self.aimd.throttled(self._clock(), retry_after) else None

    def succeeded(self) -> None:
        self.aimd.succeeded(self._clock())

    async def close(self) -> None:
        pass
