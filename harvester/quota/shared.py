"""The app's call quota in Redis: one calls-per-second pace and one daily budget for all workers.

**Pace.** GCRA keeps a single number per app, the theoretical arrival time
(TAT) of the next call, in ``{prefix}:quota:{app_key}:tat``. Each
reservation is one Lua script, so it is atomic however many workers ask at
once: read the TAT, move it one interval on, answer how long to wait. Times
are Redis server time (``redis.call('TIME')``): workers only ever sleep the
*duration* they are given, so their clocks may disagree freely.

A worker that dies returns nothing it reserved to a leak: a reservation is
a time slot that simply passes, unused, not a token to give back; the TAT
key expires once it is in the past (an expired TAT and a past one mean the
same: send now).

**Slow-down.** When the gateway throttles any worker, the whole app slows
down: the AIMD state lives next to the TAT, in the hash
``{prefix}:quota:{app_key}:pace`` (``rate`` and ``at``: the rate set at
time ``at``; ``cut``: the last decrease). The rate in force is computed from
it at every reservation, recovering linearly from ``rate`` at ``at`` to the
target over ``recovery`` seconds, the same policy as
:class:`harvester.quota.pace.Aimd` but shared, and driven by time rather
than by one worker's successes, so it recovers even if the worker that
slowed it down died. A ``Retry-After`` moves the TAT past the pause, for
every worker.

**Budget.** One counter per app key and UTC day,
``{prefix}:budget:{app_key}:{YYYY-MM-DD}``, incremented by a Lua script only
while below the limit (so N workers racing stop at the limit exactly), and
expiring two days later. A call is counted before it is sent, so the budget
is never overspent; a worker killed with calls counted but not yet sent
leaves those (at most its ``CONCURRENT_REQUESTS``) spent for nothing, as a
killed single-machine crawl does with its one call in flight.

All calls are ``redis.asyncio`` coroutines: the quota middleware awaits them
from ``process_request`` without blocking the reactor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import redis
import redis.asyncio

from ..distributed.connection import RedisUnavailable
from .budget import utc_day
from .pace import AIMD_COOLDOWN, AIMD_DECREASE, AIMD_FLOOR, AIMD_RECOVERY

if TYPE_CHECKING:
    from redis.commands.core import AsyncScript

#: Lifetime of a day's budget counter: the day itself and one more, whatever the time zone of the reader.
BUDGET_TTL = 2 * 86_400

# Helpers every pace script starts with: the server's clock, and the rate in force (AIMD recovery).
_PRELUDE = """
-- Redis < 5 replicates scripts verbatim and refuses writes after TIME unless told to replicate effects
-- (a no-op from 5 on, where that is the default).
if redis.replicate_commands then redis.replicate_commands() end
local function server_now()
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local function rate_in_force(pace_key, now, target, recovery)
  local pace = redis.call('HMGET', pace_key, 'rate', 'at')
  if not pace[1] then return target end
  return math.min(target, tonumber(pace[1]) + target * (now - tonumber(pace[2])) / recovery)
end
local function store_tat(tat_key, tat, now)
  redis.call('SET', tat_key, string.format('%.17g', tat), 'PX', math.ceil((tat - now) * 1000) + 1000)
end
"""

# KEYS: tat, pace. ARGV: target, burst, recovery. Returns {slot time, wait, rate} as text (Lua numbers
# would come back truncated to integers).
_RESERVE = (
    _PRELUDE
    + """
local now = server_now()
local rate = rate_in_force(KEYS[2], now, tonumber(ARGV[1]), tonumber(ARGV[3]))
local interval = 1 / rate
local tolerance = (tonumber(ARGV[2]) - 1) * interval
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
store_tat(KEYS[1], tat + interval, now)
local wait = math.max(0, tat - tolerance - now)
return {string.format('%.17g', now + wait), string.format('%.17g', wait), string.format('%.17g', rate)}
"""
)

# KEYS: tat, pace. ARGV: seconds, target, burst, recovery. No call of the app before now + seconds.
_PAUSE = (
    _PRELUDE
    + """
local now = server_now()
local rate = rate_in_force(KEYS[2], now, tonumber(ARGV[2]), tonumber(ARGV[4]))
local tat = now + tonumber(ARGV[1]) + (tonumber(ARGV[3]) - 1) / rate
if tat > tonumber(redis.call('GET', KEYS[1]) or '0') then store_tat(KEYS[1], tat, now) end
return 1
"""
)

# KEYS: pace. ARGV: target, recovery, floor, decrease, cooldown. A throttled answer: recovery starts again
# from now; the rate is cut once per cooldown (one burst brings several such answers). Returns {cut?, rate}.
_THROTTLED = (
    _PRELUDE
    + """
local now = server_now()
local target, recovery = tonumber(ARGV[1]), tonumber(ARGV[2])
local rate = rate_in_force(KEYS[1], now, target, recovery)
local cut = tonumber(redis.call('HGET', KEYS[1], 'cut') or '-1e300')
local lowered = 0
if now - cut >= tonumber(ARGV[5]) then
  rate = math.max(tonumber(ARGV[3]), rate * tonumber(ARGV[4]))
  cut = now
  lowered = 1
end
redis.call('HSET', KEYS[1], 'rate', string.format('%.17g', rate), 'at', string.format('%.17g', now),
           'cut', string.format('%.17g', cut))
-- Kept while it matters: until the rate is back at the target and the cooldown is over.
local keep = math.max(recovery * (target - rate) / target, tonumber(ARGV[5]))
redis.call('PEXPIRE', KEYS[1], math.ceil(keep * 1000) + 1000)
return {lowered, string.format('%.17g', rate)}
"""
)

# KEYS: the day's counter. ARGV: limit, ttl. 1 when one call was counted, 0 when the budget is spent.
_SPEND = """
local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
if spent >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


class Slot(NamedTuple):
    #: Redis server time at which the call may be sent.
    at: float
    #: Seconds to wait for it, from when Redis answered.
    wait: float
    #: The rate in force (calls per second) when it was reserved.
    rate: float


class RedisPacer:
    """The :class:`harvester.quota.pace.Pacer` of a distributed crawl: GCRA and AIMD kept in Redis, per app key."""

    def __init__(
        self,
        client: redis.asyncio.Redis,
        url: str,
        prefix: str,
        app_key: str,
        rate: float,
        *,
        burst: int = 1,
        floor: float = AIMD_FLOOR,
        recovery: float = AIMD_RECOVERY,
        cooldown: float = AIMD_COOLDOWN,
        decrease: float = AIMD_DECREASE,
    ):
        """``client`` is this pacer's own (closed with it); ``url`` names it in errors."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.target = rate
        #: The rate in force at the last reservation or slow-down (this worker's view of the shared pace).
        self.rate = rate
        self.burst = max(1, burst)
        self.floor = min(floor, rate)
        self.recovery = recovery
        self.cooldown = cooldown
        self.decrease = decrease
        self.tat_key = f"{prefix}:quota:{app_key}:tat"
        self.pace_key = f"{prefix}:quota:{app_key}:pace"
        self._url = url
        self._client = client
        self._reserve = client.register_script(_RESERVE)
        self._pause = client.register_script(_PAUSE)
        self._throttled = client.register_script(_THROTTLED)

    async def reserve_slot(self) -> Slot:
        """Take the app's next call slot (the middleware only needs its ``wait``)."""
        at, wait, rate = await self._call(
            self._reserve, [self.tat_key, self.pace_key], [self.target, self.burst, self.recovery]
        )
        slot = Slot(float(at), float(wait), float(rate))
        self.rate = slot.rate
        return slot

    async def reserve(self) -> float:
        return (await self.reserve_slot()).wait

    async def pause(self, seconds: float) -> None:
        """No worker may call before ``seconds`` from now (by the Redis clock)."""
        await self._call(self._pause, [self.tat_key, self.pace_key], [seconds, self.target, self.burst, self.recovery])

    async def throttled(self, retry_after: float | None) -> float | None:
        if retry_after:
            await self.pause(retry_after)
        lowered, rate = await self._call(
            self._throttled, [self.pace_key], [self.target, self.recovery, self.floor, self.decrease, self.cooldown]
        )
        self.rate = float(rate)
        return self.rate if lowered else None

    def succeeded(self) -> None:
        """Nothing to do: the shared rate recovers with time (see the module's docstring)."""

    async def close(self) -> None:
        await self._client.aclose()

    async def _call(self, script: AsyncScript, keys: list[str], args: list[float]) -> Any:
        try:
            return await script(keys=keys, args=args)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise RedisUnavailable.of(self._url, error) from None


class RedisBudget:
    """The :class:`harvester.quota.budget.Budget` of a distributed crawl: one count per app key and UTC day in Redis.

    The day is taken from the worker's clock (``now``): around midnight
    workers whose clocks disagree by a few seconds spend a few calls from
    the neighbouring day's budget, which is harmless, and it keeps the key
    a plain argument of the script.
    """

    def __init__(self, client: redis.asyncio.Redis, url: str, prefix: str, app_key: str, limit: int):
        """``client`` is this budget's own (closed with it); ``url`` names it in errors."""
        self.limit = limit
        self._prefix = f"{prefix}:budget:{app_key}:"
        self._url = url
        self._client = client
        self._spend = client.register_script(_SPEND)

    def key(self, now: float) -> str:
        return self._prefix + utc_day(now)

    async def try_spend(self, now: float) -> bool:
        try:
            return bool(await self._spend(keys=[self.key(now)], args=[self.limit, BUDGET_TTL]))
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise RedisUnavailable.of(self._url, error) from None

    async def spent(self, now: float) -> int:
        try:
            return int(await self._client.get(self.key(now)) or 0)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise RedisUnavailable.of(self._url, error) from None

    async def close(self) -> None:
        await self._client.aclose()
