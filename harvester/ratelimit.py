"""Call pacing: GCRA for the calls-per-second limit, AIMD for when the gateway disagrees.

GCRA (the generic cell rate algorithm) keeps one number, the theoretical
arrival time of the next call, so a limit can be held exactly without a
fixed sleep and shared across workers by keeping that number in Redis. The
policy is kept apart from the middleware (as Scrapy's AutoThrottle keeps its
delay policy in one method) so it can be tested with a fake clock.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol


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

    def __init__(self, limiter: Limiter, target: float, *, floor: float = 0.2, recovery: float = 5.0,
                 cooldown: float = 1.0, decrease: float = 0.75):
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
