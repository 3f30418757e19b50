"""A shared request queue whose pops are leases: what a killed worker took comes back.

scrapy-redis's queues pop a request for good: a worker killed with requests
in flight loses them (they are already in the dupefilter, so nothing ever
schedules them again). Here a pop moves the request, atomically (one Lua
script), from the queue into a sorted set of leases scored by a deadline
(Redis server time, so workers' clocks do not matter). The worker renews the
leases of requests still in progress and acks those done; a lease left to
expire (its worker died) is put back in the queue by whichever worker sees it
first, with its priority, bypassing the dupefilter. Units (the payloads
``scrapy enqueue`` queues, and those users push by hand on scrapy-redis's
start key: :mod:`harvester.distributed.start_urls`) are leased the same way
until their first requests are queued; an expired unit lease goes back
where the unit came from.

A request lives in three places by id: its score in ``queue`` (waiting) or
its deadline in ``leases`` (taken), and its body in ``requests``. Acking
deletes all three, so a request acked late, after its expired lease was put
back, is not done twice.

The worker-side calls (``push``, ``pop``, ``waiting``) are synchronous
because Scrapy's scheduler interface is: each is one Lua script or one
command, a single round trip that never blocks on the server (no BRPOP), so
the reactor waits one loopback or LAN round trip. Everything periodic
(renewals, acks, re-queueing, units) goes through ``redis.asyncio``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import redis
import redis.asyncio

if TYPE_CHECKING:
    from .keys import CrawlKeys

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

#: KEYS queue requests scores sequence dupefilter; ARGV fingerprint ('' = no filter), score, body.
#: Returns 1 when queued, 0 when the dupefilter had the fingerprint.
PUSH = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[5], ARGV[1]) == 0 then return 0 end
local id = string.format('%015d', redis.call('INCR', KEYS[4]))
redis.call('HSET', KEYS[2], id, ARGV[3])
redis.call('HSET', KEYS[3], id, ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[2], id)
return 1
"""

#: KEYS queue requests leases; ARGV lease (ms). Returns {id, body} or nil when the queue is empty.
POP = (
    _NOW
    + """
while true do
  local popped = redis.call('ZPOPMIN', KEYS[1])
  if #popped == 0 then return nil end
  local body = redis.call('HGET', KEYS[2], popped[1])
  if body then
    redis.call('ZADD', KEYS[3], now + tonumber(ARGV[1]), popped[1])
    return {popped[1], body}
  end
end
"""
)

#: KEYS queue requests scores leases units unit_leases [start]; ARGV lease (ms), how many ids to renew, how many
#: to release, then the ids to renew, to release and to ack. Renews (only leases still held), releases (expires
#: now), acks, then puts every expired lease back: a unit on ``units``, or on the start key as it was there
#: (head of a list, a set, a sorted set with its score) when it came from there. Returns {requests re-queued,
#: units re-queued}.
MAINTAIN = (
    _NOW
    + """
local renew, release = tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 4, 3 + renew do
  redis.call('ZADD', KEYS[4], 'XX', now + tonumber(ARGV[1]), ARGV[i])
end
for i = 4 + renew, 3 + renew + release do
  redis.call('ZADD', KEYS[4], 'XX', 0, ARGV[i])
end
for i = 4 + renew + release, #ARGV do
  redis.call('ZREM', KEYS[4], ARGV[i])
  redis.call('ZREM', KEYS[1], ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i])
  redis.call('HDEL', KEYS[3], ARGV[i])
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now)
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[4], id)
  local score = redis.call('HGET', KEYS[3], id)
  if score then redis.call('ZADD', KEYS[1], score, id) end
end
local units = redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', now)
for _, member in ipairs(units) do
  redis.call('ZREM', KEYS[6], member)
  local newline = string.find(member, '\\n', 1, true)
  local payload = string.sub(member, newline + 1)
  local kind, score = string.match(string.sub(member, 1, newline - 1), '^%d+:(%a+):?(.*)$')
  if kind == nil then redis.call('LPUSH', KEYS[5], payload)
  elseif kind == 'list' then redis.call('LPUSH', KEYS[7], payload)
  elseif kind == 'set' then redis.call('SADD', KEYS[7], payload)
  else redis.call('ZADD', KEYS[7], score, payload) end
end
return {#expired, #units}
"""
)

#: Lua: the kind of scrapy-redis's start key (users fill it by hand): a list, a set, a sorted set, or none yet.
_START_KIND = """
local function start_kind(key)
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'none' or kind == 'list' or kind == 'set' or kind == 'zset' then return kind end
  error({err = 'WRONGTYPE the start key ' .. key .. ' holds a ' .. kind ..
               ': units are pushed onto a list (LPUSH/RPUSH), a set (SADD) or a sorted set (ZADD)'})
end
"""

#: KEYS units unit_leases sequence [start]; ARGV lease (ms), how many. Takes from ``units`` first, then from
#: the start key (LPOP, SPOP or ZPOPMAX, as scrapy-redis reads it), leasing each payload in the same step so
#: that a worker dying in between loses nothing. Returns the leased members: ``id\\npayload`` for a unit of
#: ``units``; ``id:list``, ``id:set`` or ``id:zset:score``, then ``\\npayload``, for one of the start key.
TAKE_UNITS = (
    _NOW
    + _START_KIND
    + """
local kind = KEYS[4] and start_kind(KEYS[4]) or 'none'
local taken = {}
for i = 1, tonumber(ARGV[2]) do
  local payload, origin = redis.call('LPOP', KEYS[1]), ''
  if not payload and kind == 'list' then
    payload, origin = redis.call('LPOP', KEYS[4]), ':list'
  elseif not payload and kind == 'set' then
    payload, origin = redis.call('SPOP', KEYS[4]), ':set'
  elseif not payload and kind == 'zset' then
    local popped = redis.call('ZPOPMAX', KEYS[4])
    if #popped > 0 then payload, origin = popped[1], ':zset:' .. popped[2] end
  end
  if not payload then break end
  local member = redis.call('INCR', KEYS[3]) .. origin .. '\\n' .. payload
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), member)
  taken[#taken + 1] = member
end
return taken
"""
)

#: KEYS start. Payloads waiting on the start key.
START_LENGTH = (
    _START_KIND
    + """
local kind = start_kind(KEYS[1])
if kind == 'list' then return redis.call('LLEN', KEYS[1]) end
if kind == 'set' then return redis.call('SCARD', KEYS[1]) end
if kind == 'zset' then return redis.call('ZCARD', KEYS[1]) end
return 0
"""
)


class LeasedQueue:
    """The queue, leases and units of one crawl and spider (see the module's docstring)."""

    def __init__(self, client: redis.Redis, keys: CrawlKeys, lease_seconds: float) -> None:
        self.keys = keys
        self.lease_ms = max(1, int(lease_seconds * 1000))
        self._client = client
        self._push = client.register_script(PUSH)
        self._pop = client.register_script(POP)
        self._take_units = client.register_script(TAKE_UNITS)
        #: The keys the unit scripts read: the crawl's units list, then the start key if there is one.
        self._unit_keys = [keys.units, keys.unit_leases, keys.sequence, *([keys.start] if keys.start else [])]

    # --- worker side, synchronous: one round trip each ---------------------

    def push(self, body: bytes, priority: int, fingerprint: str | None) -> bool:
        """Queue a request unless ``fingerprint`` was queued before in this crawl; True when queued."""
        k = self.keys
        return bool(
            self._push(
                keys=[k.queue, k.requests, k.scores, k.sequence, k.dupefilter],
                args=[fingerprint or "", -priority, body],
            )
        )

    def pop(self) -> tuple[str, bytes] | None:
        """Lease the first request (highest priority, then oldest): its id and body; None when none waits."""
        k = self.keys
        popped = self._pop(keys=[k.queue, k.requests, k.leases], args=[self.lease_ms])
        if not popped:
            return None
        return popped[0].decode(), popped[1]

    def waiting(self) -> int:
        return int(self._client.zcard(self.keys.queue))

    def take_units_now(self, count: int) -> list[LeasedUnit]:
        """:meth:`take_units` in one synchronous round trip (from the spider_idle signal, which cannot await)."""
        return _split(self._take_units(keys=self._unit_keys, args=[self.lease_ms, count]))

    def ack_units_now(self, members: Sequence[bytes]) -> None:
        if members:
            self._client.zrem(self.keys.unit_leases, *members)

    def quiet_now(self) -> bool:
        """:meth:`quiet` in one synchronous round trip."""
        k = self.keys
        pipe = self._client.pipeline(transaction=False)
        pipe.exists(k.sequence).llen(k.units).zcard(k.unit_leases).zcard(k.queue).zcard(k.leases)
        if k.start:
            pipe.eval(START_LENGTH, 1, k.start)
        return _quiet(_answers(pipe.execute(raise_on_error=False)))

    # --- periodic, asynchronous ------------------------------------------

    async def maintain(
        self,
        client: redis.asyncio.Redis,
        renew: Sequence[str] = (),
        ack: Sequence[str] = (),
        release: Sequence[str] = (),
    ) -> tuple[int, int]:
        """Renew, release (give back now) and ack this worker's leases, re-queue every expired one:
        how many (requests, units) were put back."""
        k = self.keys
        keys = [k.queue, k.requests, k.scores, k.leases, k.units, k.unit_leases, *([k.start] if k.start else [])]
        result = await client.eval(
            MAINTAIN, len(keys), *keys, self.lease_ms, len(renew), len(release), *renew, *release, *ack
        )
        return int(result[0]), int(result[1])

    async def take_units(self, client: redis.asyncio.Redis, count: int) -> list[LeasedUnit]:
        """Lease up to ``count`` units (the crawl's own first, then the start key's); ack each once its
        requests are queued."""
        keys = self._unit_keys
        return _split(await client.eval(TAKE_UNITS, len(keys), *keys, self.lease_ms, count))

    async def ack_units(self, client: redis.asyncio.Redis, members: Sequence[bytes]) -> None:
        if members:
            await client.zrem(self.keys.unit_leases, *members)

    async def quiet(self, client: redis.asyncio.Redis) -> bool:
        """The crawl has started (a unit was taken or a request queued) and no unit or request is waiting
        or taken: no worker has anything to do unless it finds more. A crawl nothing was queued for yet is
        not quiet: workers started before ``scrapy enqueue`` wait for it."""
        k = self.keys
        async with client.pipeline(transaction=False) as pipe:
            pipe.exists(k.sequence).llen(k.units).zcard(k.unit_leases).zcard(k.queue).zcard(k.leases)
            if k.start:
                pipe.eval(START_LENGTH, 1, k.start)
            counts = await pipe.execute(raise_on_error=False)
        return _quiet(_answers(counts))


def _answers(results: list[Any]) -> list[Any]:
    """A pipeline's answers, raising its first error as Redis said it.

    ``execute()`` would prefix the error with the pipeline command that caused it, and the start key's error
    (``WRONGTYPE the start key …``, from :data:`START_LENGTH`) would no longer read as itself: a worker would
    take a start key turned into a string for Redis lost, depending on whether this or ``TAKE_UNITS`` met it
    first.
    """
    for result in results:
        if isinstance(result, redis.RedisError):
            raise result
    return results


def _quiet(counts: list[int]) -> bool:
    started, *busy = counts
    return bool(started) and not any(busy)


class LeasedUnit(NamedTuple):
    #: The lease's member in ``unit_leases`` (what an ack removes).
    member: bytes
    payload: bytes

    @property
    def from_start_key(self) -> bool:
        """Pushed by hand on scrapy-redis's start key (plain text allowed), not queued by the harvester."""
        return b":" in self.member.partition(b"\n")[0]


def _split(members: list[bytes]) -> list[LeasedUnit]:
    return [LeasedUnit(member, member.partition(b"\n")[2]) for member in members]
