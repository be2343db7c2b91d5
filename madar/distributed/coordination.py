"""Who is working on a shared crawl, and is there anything left to do?

Workers never trust each other's clocks: every time-based decision is a Lua script that reads
Redis' own ``TIME``. Liveness is a heartbeat: each worker keeps its id in a sorted set with an
expiry score a few seconds ahead (``MADAR_REDIS_HEARTBEAT_TTL``), so a worker that died simply
ages out. A worker that holds requests (downloading or parsing) is also in the ``busy`` set.

The one race that matters: worker A pops the last queued request; worker B, idle, looks at
the queue and at the busy set *before* A says it is busy, and concludes the crawl is over.
So popping a request and marking its worker busy are one atomic script (:meth:`pop`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from madar.distributed.keys import CrawlKeys

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

#: KEYS workers, busy, queue, seen_this_run, failed_articles, seen_articles;
#: ARGV worker, ttl, register (1/0) -> 1 if this starts a new run
_BEGIN = _NOW + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local fresh = 0
if redis.call('ZCARD', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[3]) == 0 then
  local failed = redis.call('SMEMBERS', KEYS[5])
  for i = 1, #failed, 1000 do
    redis.call('SREM', KEYS[6], unpack(failed, i, math.min(i + 999, #failed)))
  end
  redis.call('DEL', KEYS[2], KEYS[4], KEYS[5])
  fresh = 1
end
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
end
return fresh
"""

#: KEYS queue, busy; ARGV worker, ttl -> the request with the lowest score, or nil
_POP = """
local popped = redis.call('ZPOPMIN', KEYS[1])
if #popped == 0 then return false end
""" + _NOW + """
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
return popped[1]
"""

#: KEYS workers, busy, queue; ARGV worker, ttl, busy (1/0/'' = don't register)
#: -> {queued, busy workers, live workers}
_HEARTBEAT = _NOW + """
local expiry = now + tonumber(ARGV[2])
if ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[1], expiry, ARGV[1])
  if ARGV[3] == '1' then
    redis.call('ZADD', KEYS[2], expiry, ARGV[1])
  else
    redis.call('ZREM', KEYS[2], ARGV[1])
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
return {redis.call('ZCARD', KEYS[3]), redis.call('ZCARD', KEYS[2]),
        redis.call('ZCARD', KEYS[1])}
"""


@dataclass(frozen=True)
class CrawlStatus:
    queued: int
    busy_workers: int
    live_workers: int

    @property
    def quiet(self) -> bool:
        """Nothing queued and nobody holding a request: nothing can create new work."""
        return self.queued == 0 and self.busy_workers == 0


class SharedCrawl:
    """One worker's handle on a shared crawl (a Redis client plus the crawl's keys)."""

    def __init__(self, server: Any, keys: CrawlKeys, worker: str, ttl: float = 20.0) -> None:
        if ttl <= 0:
            raise ValueError("heartbeat ttl must be > 0")
        self.server = server
        self.keys = keys
        self.worker = worker
        self.ttl = ttl
        self._begin = server.register_script(_BEGIN)
        self._pop = server.register_script(_POP)
        self._heartbeat = server.register_script(_HEARTBEAT)

    def join(self) -> bool:
        """Register this worker. True if it starts a new run: no live worker and an empty
        queue, so the previous run is over and its listing fingerprints are forgotten (the
        home page and listings are fetched again), and so are the articles whose fetch
        failed. A queue left by an interrupted run is resumed as is."""
        return self._begin_run(register=True)

    def begin_run_if_idle(self) -> bool:
        """Like :meth:`join` without registering (for the ``seed`` command)."""
        return self._begin_run(register=False)

    def _begin_run(self, register: bool) -> bool:
        keys = [self.keys.workers, self.keys.busy, self.keys.queue, self.keys.seen_this_run,
                self.keys.failed_articles, self.keys.seen_articles]
        return bool(self._begin(keys=keys, args=[self.worker, self.ttl, int(register)]))

    def pop(self) -> bytes | None:
        """Take the highest-priority request and mark this worker busy, atomically."""
        return self._pop(keys=[self.keys.queue, self.keys.busy], args=[self.worker, self.ttl])

    def heartbeat(self, busy: bool) -> CrawlStatus:
        """Refresh this worker's liveness and busy flag; return the crawl's status."""
        return self._status("1" if busy else "0")

    def status(self) -> CrawlStatus:
        """The crawl's status, without registering anybody."""
        return self._status("")

    def _status(self, flag: str) -> CrawlStatus:
        keys = [self.keys.workers, self.keys.busy, self.keys.queue]
        queued, busy, live = self._heartbeat(keys=keys, args=[self.worker, self.ttl, flag])
        return CrawlStatus(int(queued), int(busy), int(live))

    def leave(self) -> None:
        pipe = self.server.pipeline()
        pipe.zrem(self.keys.workers, self.worker)
        pipe.zrem(self.keys.busy, self.worker)
        pipe.execute()
