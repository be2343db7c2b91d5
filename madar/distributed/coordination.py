"""Who works on a shared crawl, is anything left to do, and what did a dead worker hold?
Lua scripts on Redis' own clock, one per step that a dying worker must not split
(docs/distributed.md, "How it is built")."""

from __future__ import annotations

import weakref
from dataclasses import astuple, dataclass
from typing import Any
from urllib.parse import urlsplit

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

# _HEARTBEAT and _POP get CrawlKeys.all(): 1 workers, 2 busy, 3 queue, 4 inflight,
# 5 seen_this_run, 6 failed_articles, 7 seen_articles.
#: ARGV worker, ttl, mode, then inflight fields that are done. It reaps: drops the workers whose
#: heartbeat expired and queues again the requests they held. Modes: join/seed (join without
#: registering) start a new run if no worker is alive and nothing queued; join/idle/busy
#: register; leave unregisters; look only looks. -> {queued, busy, live, requeued, new run}
_HEARTBEAT = _NOW + """
for i = 4, #ARGV do redis.call('HDEL', KEYS[4], ARGV[i]) end
local mode, requeued = ARGV[3], 0
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
local fresh = 0
if (mode == 'join' or mode == 'seed') and redis.call('ZCARD', KEYS[1]) == 0
    and redis.call('ZCARD', KEYS[3]) == 0 then
  local failed = redis.call('SMEMBERS', KEYS[6])
  for i = 1, #failed, 1000 do
    redis.call('SREM', KEYS[7], unpack(failed, i, math.min(i + 999, #failed)))
  end
  redis.call('DEL', KEYS[2], KEYS[4], KEYS[5], KEYS[6])
  fresh = 1
end
if mode == 'join' or mode == 'idle' or mode == 'busy' then
  local expiry = now + tonumber(ARGV[2])
  redis.call('ZADD', KEYS[1], expiry, ARGV[1])
  if mode == 'busy' then
    redis.call('ZADD', KEYS[2], expiry, ARGV[1])
  else
    redis.call('ZREM', KEYS[2], ARGV[1])
  end
elseif mode == 'leave' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return {redis.call('ZCARD', KEYS[3]), redis.call('ZCARD', KEYS[2]),
        redis.call('ZCARD', KEYS[1]), requeued, fresh}
"""

#: ARGV worker, ttl, then inflight fields that are done -> the request with the lowest score
#: (highest priority), or nil
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


@dataclass(frozen=True)
class CrawlKeys:
    """The Redis keys of one shared crawl (docs/distributed.md), all under ``prefix``:
    ``madar:{<host[:port]>}`` by default, so crawls of two sites never mix, and the braces
    make it a Redis Cluster hash tag (the keys of a script share one slot)."""

    prefix: str
    workers: str  # sorted set: worker id -> heartbeat expiry (Redis time)
    busy: str  # sorted set: the same, for the workers holding requests
    queue: str  # sorted set: the scheduled requests, score = -priority
    inflight: str  # hash: "<worker>\n<request>" -> its queue score, while the worker holds it
    seen_this_run: str  # set: home and listing fingerprints, forgotten by a new run
    failed_articles: str  # set: article fingerprints that the next run fetches again
    seen_articles: str  # set: article fingerprints, kept across runs

    @classmethod
    def for_base_url(cls, base_url: str, template: str | None = None) -> CrawlKeys:
        parts = urlsplit(base_url)
        if not parts.hostname:
            raise ValueError(f"base_url must be an absolute URL, got {base_url!r}")
        host = parts.netloc.lower().rsplit("@", 1)[-1]
        prefix = (template or "madar:{%(host)s}") % {"host": host}
        suffixes = ("workers", "busy", "requests", "inflight", "dupefilter:run",
                    "dupefilter:failed", "dupefilter")
        return cls(prefix, *(f"{prefix}:{suffix}" for suffix in suffixes))

    def all(self) -> list[str]:
        """Every key but the prefix, in the order of the scripts' KEYS."""
        return list(astuple(self)[1:])


@dataclass(frozen=True)
class CrawlStatus:
    queued: int
    busy_workers: int
    live_workers: int
    requeued: int  # requests of dead workers put back by this call
    new_run: bool

    @property
    def quiet(self) -> bool:
        """Nothing queued and nobody holding a request: nothing can create new work."""
        return self.queued == 0 and self.busy_workers == 0


class SharedCrawl:
    """One worker's handle on a shared crawl: a Redis client, the crawl's keys, its own id."""

    def __init__(self, server: Any, keys: CrawlKeys, worker: str, ttl: float = 20.0) -> None:
        self.server = server
        self.keys = keys
        self.worker = worker
        self.ttl = ttl
        self.held: set[bytes] = set()  # inflight fields of the requests Scrapy still holds
        self.done: list[bytes] = []  # inflight fields released, not yet deleted in Redis
        self.requeued = 0
        self.left = False  # after leave(): heartbeats only look
        self._heartbeat = server.register_script(_HEARTBEAT)
        self._pop = server.register_script(_POP)
        self._add = server.register_script(_ADD)

    def join(self, register: bool = True) -> bool:
        """Register this worker (``seed`` only looks). True if this starts a new run: no live
        worker and an empty queue, so the last run's listing and failed article fingerprints
        are forgotten; else an interrupted run's queue is resumed as it is."""
        return self._run("join" if register else "seed").new_run

    def heartbeat(self, busy: bool) -> CrawlStatus:
        """Refresh this worker's liveness and busy flag and report the requests done; after
        :meth:`leave` (Scrapy closes the scheduler a loop turn before ``spider_closed``
        stops the heartbeat) it only looks, so a late beat cannot register the worker again."""
        mode = "look" if self.left else "busy" if busy else "idle"
        return self._run(mode, *self._take_done())

    def status(self) -> CrawlStatus:
        return self._run("look")

    def _run(self, mode: str, *done: bytes) -> CrawlStatus:
        queued, busy, live, requeued, fresh = self._heartbeat(
            keys=self.keys.all(), args=[self.worker, self.ttl, mode, *done])
        self.requeued += int(requeued)
        return CrawlStatus(int(queued), int(busy), int(live), int(requeued), bool(fresh))

    def add_unseen(self, seen_key: str, fingerprint: str, score: float, data: bytes) -> bool:
        """Queue a request unless its fingerprint is in ``seen_key``, in one step: a worker
        dying in between cannot leave a request seen but never queued."""
        return bool(self._add(keys=[seen_key, self.keys.queue],
                              args=[fingerprint, score, data]))

    def pop(self) -> bytes | None:
        """Take the highest-priority request, mark this worker busy and record the request in
        flight in one step (no other worker can find the crawl quiet in between), reporting
        the requests done. Then :meth:`hold` the decoded request."""
        return self._pop(keys=self.keys.all(), args=[self.worker, self.ttl, *self._take_done()])

    def hold(self, request: Any, data: bytes) -> None:
        """Keep ``data`` in flight until Scrapy lets go of ``request`` (downloaded, parsed and
        its links queued, or failed): then it is done."""
        field = self.worker.encode() + b"\n" + data
        self.held.add(field)
        weakref.finalize(request, self._release, field)

    def _release(self, field: bytes) -> None:
        self.held.discard(field)
        self.done.append(field)

    def _take_done(self) -> list[bytes]:
        done, self.done = self.done, []
        return done

    def leave(self) -> None:
        """Unregister. Scrapy finishes every request before it closes: none is held."""
        self.left = True
        self._run("leave", *self.held, *self._take_done())
        self.held.clear()
