"""Who is working on a shared crawl, and is there anything left to do?

Workers never trust each other's clocks: every time-based decision is a Lua script that reads
Redis' own ``TIME``. Liveness is a heartbeat: each worker keeps its id in a sorted set with an
expiry score a few seconds ahead (``MADAR_REDIS_HEARTBEAT_TTL``), so a worker that died simply
ages out. A worker that holds requests (downloading or parsing) is also in the ``busy`` set,
and every request it holds is recorded in the ``inflight`` hash until it is done.

Two races matter:

- worker A pops the last queued request; worker B, idle, looks at the queue and at the busy
  set *before* A says it is busy, and concludes the crawl is over. So popping a request,
  marking its worker busy and recording the request in flight are one script (:meth:`pop`);
- a worker dies (SIGKILL, crash, lost machine) holding requests: they are no longer queued
  and their fingerprints are already seen, so nobody would fetch them. Whoever first notices
  the expired heartbeat (any worker's next heartbeat, or a new worker joining) puts them
  back in the queue, in the same script that drops the dead worker (the *reap*).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from madar.distributed.keys import CrawlKeys

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

# Every script gets the same KEYS: 1 workers, 2 busy, 3 queue, 4 inflight, 5 seen_this_run,
# 6 failed_articles, 7 seen_articles. The inflight hash maps "<worker>\n<request>" -> score.
_REAP = """
local requeued = 0
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if #dead > 0 then
  local is_dead = {}
  for _, w in ipairs(dead) do is_dead[w] = true end
  local held = redis.call('HGETALL', KEYS[4])
  for i = 1, #held, 2 do
    local cut = string.find(held[i], '\\n', 1, true)
    if cut and is_dead[string.sub(held[i], 1, cut - 1)] then
      redis.call('ZADD', KEYS[3], held[i + 1], string.sub(held[i], cut + 1))
      redis.call('HDEL', KEYS[4], held[i])
      requeued = requeued + 1
    end
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
"""

#: ARGV worker, ttl, register (1/0) -> {1 if this starts a new run, requests requeued}
_BEGIN = _NOW + _REAP + """
local fresh = 0
if redis.call('ZCARD', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[3]) == 0 then
  local failed = redis.call('SMEMBERS', KEYS[6])
  for i = 1, #failed, 1000 do
    redis.call('SREM', KEYS[7], unpack(failed, i, math.min(i + 999, #failed)))
  end
  redis.call('DEL', KEYS[2], KEYS[4], KEYS[5], KEYS[6])
  fresh = 1
end
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
end
return {fresh, requeued}
"""

#: ARGV worker, ttl, then inflight fields that are done -> the request with the lowest
#: score (highest priority), or nil
_POP = """
for i = 3, #ARGV do redis.call('HDEL', KEYS[4], ARGV[i]) end
local popped = redis.call('ZPOPMIN', KEYS[3])
if #popped == 0 then return false end
""" + _NOW + """
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1] .. '\\n' .. popped[1], popped[2])
return popped[1]
"""

#: KEYS a fingerprint set, queue; ARGV fingerprint, score, request -> 1 if queued, 0 if seen
_ADD = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

#: ARGV worker, ttl, busy ('1'/'0'; '' = only look), then inflight fields that are done
#: -> {queued, busy workers, live workers, requests requeued from dead workers}
_HEARTBEAT = _NOW + """
for i = 4, #ARGV do redis.call('HDEL', KEYS[4], ARGV[i]) end
if ARGV[3] ~= '' then
  local expiry = now + tonumber(ARGV[2])
  redis.call('ZADD', KEYS[1], expiry, ARGV[1])
  if ARGV[3] == '1' then
    redis.call('ZADD', KEYS[2], expiry, ARGV[1])
  else
    redis.call('ZREM', KEYS[2], ARGV[1])
  end
end
""" + _REAP + """
return {redis.call('ZCARD', KEYS[3]), redis.call('ZCARD', KEYS[2]),
        redis.call('ZCARD', KEYS[1]), requeued}
"""


@dataclass(frozen=True)
class CrawlStatus:
    queued: int
    busy_workers: int
    live_workers: int
    requeued: int = 0  # requests of dead workers put back by this call

    @property
    def quiet(self) -> bool:
        """Nothing queued and nobody holding a request: nothing can create new work."""
        return self.queued == 0 and self.busy_workers == 0


class SharedCrawl:
    """One worker's handle on a shared crawl (a Redis client plus the crawl's keys).

    It remembers which of the requests it popped are still held (:attr:`held`, request ->
    its queue entry) so that :meth:`heartbeat` can tell Redis which ones are done.
    """

    def __init__(self, server: Any, keys: CrawlKeys, worker: str, ttl: float = 20.0) -> None:
        if ttl <= 0:
            raise ValueError("heartbeat ttl must be > 0")
        if "\n" in worker:
            raise ValueError("worker id must not contain a newline")
        self.server = server
        self.keys = keys
        self.worker = worker
        self.ttl = ttl
        self.held: dict[Any, bytes] = {}
        self.requeued = 0
        self._begin = server.register_script(_BEGIN)
        self._pop = server.register_script(_POP)
        self._add = server.register_script(_ADD)
        self._heartbeat = server.register_script(_HEARTBEAT)

    @property
    def _all_keys(self) -> list[str]:
        k = self.keys
        return [k.workers, k.busy, k.queue, k.inflight, k.seen_this_run, k.failed_articles,
                k.seen_articles]

    def join(self) -> bool:
        """Register this worker. True if it starts a new run: no live worker and an empty
        queue, so the previous run is over and its listing fingerprints are forgotten (the
        home page and listings are fetched again), and so are the articles whose fetch
        failed. A queue left by an interrupted run (and the requests its dead workers held)
        is resumed as is."""
        return self._begin_run(register=True)

    def begin_run_if_idle(self) -> bool:
        """Like :meth:`join` without registering (for the ``seed`` command)."""
        return self._begin_run(register=False)

    def _begin_run(self, register: bool) -> bool:
        fresh, requeued = self._begin(keys=self._all_keys,
                                      args=[self.worker, self.ttl, int(register)])
        self.requeued += int(requeued)
        return bool(fresh)

    def add_unseen(self, seen_key: str, fingerprint: str, score: float, data: bytes) -> bool:
        """Queue a request unless its fingerprint is in ``seen_key``; one atomic step, so a
        worker dying in between cannot leave a request marked seen but never queued."""
        return bool(self._add(keys=[seen_key, self.keys.queue],
                              args=[fingerprint, score, data]))

    def pop(self, in_progress: Collection[Any] | None = None) -> bytes | None:
        """Take the highest-priority request, mark this worker busy and record the request
        in flight, atomically; call :meth:`hold` with the decoded request. Held requests
        that are no longer ``in_progress`` are reported done in the same round trip (the
        engine asks for the next request whenever one is done: no request is held longer
        than needed, which bounds what a killed worker makes others fetch again)."""
        done = self._done(in_progress) if in_progress is not None else []
        return self._pop(keys=self._all_keys, args=[self.worker, self.ttl, *done])

    def hold(self, request: Any, data: bytes) -> None:
        self.held[request] = data

    def heartbeat(self, busy: bool, in_progress: Collection[Any] | None = None) -> CrawlStatus:
        """Refresh this worker's liveness and busy flag, report the held requests that are
        no longer ``in_progress`` as done (all of them when None), reap dead workers, and
        return the crawl's status."""
        return self._status("1" if busy else "0", self._done(in_progress))

    def status(self) -> CrawlStatus:
        """The crawl's status, without registering anybody (dead workers are reaped)."""
        return self._status("", [])

    def _status(self, flag: str, done: list[bytes]) -> CrawlStatus:
        queued, busy, live, requeued = self._heartbeat(
            keys=self._all_keys, args=[self.worker, self.ttl, flag, *done])
        self.requeued += int(requeued)
        return CrawlStatus(int(queued), int(busy), int(live), int(requeued))

    def _done(self, in_progress: Collection[Any] | None) -> list[bytes]:
        done = [r for r in self.held if in_progress is None or r not in in_progress]
        return [self._field(self.held.pop(r)) for r in done]

    def _field(self, data: bytes) -> bytes:
        return self.worker.encode() + b"\n" + data

    def leave(self) -> None:
        """Unregister. Scrapy finishes every request in progress before it closes, so the
        requests still held are done."""
        pipe = self.server.pipeline()
        for data in self.held.values():
            pipe.hdel(self.keys.inflight, self._field(data))
        pipe.zrem(self.keys.workers, self.worker)
        pipe.zrem(self.keys.busy, self.worker)
        pipe.execute()
        self.held.clear()
