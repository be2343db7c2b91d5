"""The shared seen-store for distributed crawls: all dedup state in Redis.

Several workers may race on the same article. Every claim (a new article, a revision) is
one Lua script, so Redis runs it atomically: it re-checks the URL, post id and text hash
*and* the near-duplicate bands (confirming candidates by counting equal signature values,
the same estimate of Jaccard as locally) before writing anything. Of two workers that
race on the same story, exactly one keeps it; the other gets a :class:`Conflict` naming the
winner and drops its copy as a duplicate.

Layout (prefix ``madar:{seen}``; the hash tag keeps every key in one Redis Cluster slot):

- ``…:urls``  hash  url key (64-bit, decimal) -> ``doc_id:content_hash``
- ``…:pids``  hash  post id -> doc_id;  ``…:texts`` hash  text hash -> doc_id
- ``…:docs``  hash  doc_id -> ``revision␟text_hash␟content_hash␟post_id␟modified␟url``
- ``…:sigs``  hash  ``doc_id.revision`` -> signature (``num_perm`` little-endian uint32)
- ``…:bands`` hash  band key -> comma-separated signature ids (the LSH buckets)
- ``…:next``  counter of doc ids

Small hash fields instead of one key per bucket: about 70 bytes per band entry instead of
about 100 for a key holding a set (see docs/benchmarks.md for the measured bytes per article).
"""

from __future__ import annotations

import math
from typing import Any

from madar.dedup.index import band_keys, lsh_bands
from madar.dedup.minhash import (
    Signature,
    jaccard_estimates,
    signature_bytes,
    signature_from_bytes,
)
from madar.dedup.records import (
    Conflict,
    NewArticle,
    SeenRecord,
    UrlSighting,
    any_url_key,
    url_key,
)

DEFAULT_PREFIX = "madar:{seen}"
_SEP = "\x1f"

_ADD_SCRIPT = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and cur ~= ARGV[2] then return {'url', string.match(cur, '^(%d+)')} end
if ARGV[3] ~= '' then
  local d = redis.call('HGET', KEYS[2], ARGV[3])
  if d then return {'post_id', d} end
end
local d = redis.call('HGET', KEYS[3], ARGV[4])
if d then return {'text', d} end
local sig = ARGV[7]
local minimum = tonumber(ARGV[8])
local checked = {}
local buckets = {}
for i = 9, #ARGV do
  local v = redis.call('HGET', KEYS[6], ARGV[i])
  buckets[i] = v
  if v then
    for sid in string.gmatch(v, '[^,]+') do
      if not checked[sid] then
        checked[sid] = true
        local other = redis.call('HGET', KEYS[5], sid)
        if other then
          local equal = 0
          for j = 1, #sig, 4 do
            if string.sub(sig, j, j + 3) == string.sub(other, j, j + 3) then
              equal = equal + 1
            end
          end
          if equal >= minimum then return {'near', string.match(sid, '^(%d+)')} end
        end
      end
    end
  end
end
local id = tostring(redis.call('INCR', KEYS[7]))
redis.call('HSET', KEYS[1], ARGV[1], id .. ':' .. ARGV[5])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], ARGV[3], id) end
redis.call('HSET', KEYS[3], ARGV[4], id)
redis.call('HSET', KEYS[4], id, ARGV[6])
local sid = id .. '.1'
redis.call('HSET', KEYS[5], sid, sig)
for i = 9, #ARGV do
  if buckets[i] then
    redis.call('HSET', KEYS[6], ARGV[i], buckets[i] .. ',' .. sid)
  else
    redis.call('HSET', KEYS[6], ARGV[i], sid)
  end
end
return {'ok', id}
"""

_REVISE_SCRIPT = """
local cur = redis.call('HGET', KEYS[4], ARGV[1])
if not cur then return {'gone'} end
local rev = string.match(cur, '^(%d+)')
if rev ~= ARGV[2] then return {'stale'} end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[5])
redis.call('HSET', KEYS[1], ARGV[3], ARGV[1] .. ':' .. ARGV[4])
if ARGV[6] ~= '' then redis.call('HSETNX', KEYS[2], ARGV[6], ARGV[1]) end
if ARGV[8] ~= '' then
  redis.call('HSETNX', KEYS[3], ARGV[7], ARGV[1])
  local sid = ARGV[1] .. '.' .. tostring(tonumber(rev) + 1)
  redis.call('HSET', KEYS[5], sid, ARGV[8])
  for i = 9, #ARGV do
    local v = redis.call('HGET', KEYS[6], ARGV[i])
    if v then
      redis.call('HSET', KEYS[6], ARGV[i], v .. ',' .. sid)
    else
      redis.call('HSET', KEYS[6], ARGV[i], sid)
    end
  end
end
return {'ok'}
"""


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class RedisSeenStore:
    """Seen-store shared by every worker that points at the same Redis and prefix."""

    def __init__(self, redis_url: str, *, num_perm: int = 128, threshold: float = 0.6,
                 shingle_size: int = 3, seed: int = 1, prefix: str = DEFAULT_PREFIX,
                 client: Any = None) -> None:
        import redis

        self.num_perm = num_perm
        self.threshold = threshold
        self.bands, self.rows = lsh_bands(threshold, num_perm)
        self._min_equal = math.ceil(threshold * num_perm - 1e-9)
        self._redis = client or redis.Redis.from_url(redis_url)
        self.prefix = prefix
        names = ("urls", "pids", "texts", "docs", "sigs", "bands", "next")
        self._keys = [f"{prefix}:{name}" for name in names]
        (self._urls, self._pids, self._texts, self._docs, self._sigs, self._bands,
         _next) = self._keys
        self._add = self._redis.register_script(_ADD_SCRIPT)
        self._revise = self._redis.register_script(_REVISE_SCRIPT)
        # The LSH bands live in Redis, so their shape (derived from the threshold) is part
        # of the stored state, unlike locally where the index is rebuilt every run.
        self._check_meta({"num_perm": num_perm, "shingle_size": shingle_size, "seed": seed,
                          "bands": self.bands, "rows": self.rows})

    def _check_meta(self, wanted: dict[str, int]) -> None:
        key = f"{self.prefix}:meta"
        fields = {k: str(v) for k, v in wanted.items()}
        for name, value in fields.items():
            self._redis.hsetnx(key, name, value)
        stored = {_text(k): _text(v) for k, v in self._redis.hgetall(key).items()}
        different = {k: (stored.get(k), v) for k, v in fields.items() if stored.get(k) != v}
        if different:
            raise ValueError(f"Redis state under {self.prefix!r} uses other dedup parameters "
                             f"(stored, requested): {different}")

    # -- records -----------------------------------------------------------------------------

    @staticmethod
    def _doc_value(revision: int, article: NewArticle, post_id: int | None) -> str:
        return _SEP.join([str(revision), str(article.text_hash), str(article.content_hash),
                          "" if post_id is None else str(post_id), article.modified or "",
                          article.url])

    def _record(self, doc_id: int | str, value: Any = None) -> SeenRecord | None:
        value = value if value is not None else self._redis.hget(self._docs, str(doc_id))
        if value is None:
            return None
        rev, text_hash, content_hash, post_id, modified, url = _text(value).split(_SEP, 5)
        return SeenRecord(int(doc_id), url, int(post_id) if post_id else None, int(text_hash),
                          int(content_hash), int(rev), modified or None)

    def _record_by(self, key: str, field: Any) -> SeenRecord | None:
        doc_id = self._redis.hget(key, str(field))
        return self._record(_text(doc_id)) if doc_id is not None else None

    # -- lookups -----------------------------------------------------------------------------

    def lookup_url(self, url: str) -> UrlSighting | None:
        value = self._redis.hget(self._urls, str(url_key(url)))
        if value is None:
            return None
        doc_id, content_hash = _text(value).split(":")
        record = self._record(doc_id)
        return UrlSighting(record, int(content_hash)) if record else None

    def knows_url(self, url: str) -> bool:
        return bool(self._redis.hexists(self._urls, str(any_url_key(url))))

    def lookup_post_id(self, post_id: int) -> SeenRecord | None:
        return self._record_by(self._pids, post_id)

    def lookup_text_hash(self, text_hash: int) -> SeenRecord | None:
        return self._record_by(self._texts, text_hash)

    def _band_fields(self, signature: Signature) -> list[str]:
        return [str(k) for k in band_keys(signature, self.bands, self.rows)]

    def near_candidates(self, signature: Signature) -> list[tuple[SeenRecord, float]]:
        buckets = self._redis.hmget(self._bands, self._band_fields(signature))
        sids = sorted({sid for b in buckets if b for sid in _text(b).split(",")})
        if not sids:
            return []
        blobs = self._redis.hmget(self._sigs, sids)
        pairs = [(sid, blob) for sid, blob in zip(sids, blobs, strict=True) if blob]
        if not pairs:
            return []
        sims = jaccard_estimates(signature, (signature_from_bytes(blob) for _, blob in pairs))
        best: dict[str, float] = {}
        for (sid, _), sim in zip(pairs, sims, strict=True):
            if sim >= self.threshold:
                doc_id = sid.split(".")[0]
                best[doc_id] = max(sim, best.get(doc_id, 0.0))
        found = []
        for doc_id, sim in sorted(best.items(), key=lambda item: -item[1]):
            record = self._record(doc_id)
            if record:
                found.append((record, sim))
        return found

    def count(self) -> int:
        return int(self._redis.hlen(self._docs))

    # -- writes ------------------------------------------------------------------------------

    def add(self, article: NewArticle) -> SeenRecord | Conflict:
        field = str(url_key(article.url))
        expected = self._redis.hget(self._urls, field)
        if expected is not None:
            # The URL may only be re-bound when it shows a duplicate (an alias); if it is
            # now some article's own URL, another worker kept it meanwhile.
            owner = self._record(_text(expected).split(":")[0])
            if owner is not None and owner.url == article.url:
                return Conflict("url", owner)
        args = [field, _text(expected) if expected is not None else "",
                "" if article.post_id is None else str(article.post_id),
                str(article.text_hash), str(article.content_hash),
                self._doc_value(1, article, article.post_id),
                signature_bytes(article.signature), str(self._min_equal),
                *self._band_fields(article.signature)]
        result = self._add(keys=self._keys, args=args)
        status, doc_id = _text(result[0]), _text(result[1])
        if status == "ok":
            return SeenRecord(int(doc_id), article.url, article.post_id, article.text_hash,
                              article.content_hash, 1, article.modified)
        winner = self._record(doc_id)
        if winner is None:  # pragma: no cover - a doc id always has its record
            raise RuntimeError(f"Redis state is inconsistent: doc {doc_id} has no record")
        return Conflict(status, winner)

    def revise(self, record: SeenRecord, article: NewArticle) -> SeenRecord | Conflict:
        revision = record.revision + 1
        post_id = record.post_id if record.post_id is not None else article.post_id
        text_changed = article.text_hash != record.text_hash
        args = [str(record.doc_id), str(record.revision), str(url_key(article.url)),
                str(article.content_hash), self._doc_value(revision, article, post_id),
                "" if article.post_id is None else str(article.post_id),
                str(article.text_hash),
                signature_bytes(article.signature) if text_changed else "",
                *(self._band_fields(article.signature) if text_changed else [])]
        result = self._revise(keys=self._keys, args=args)
        if _text(result[0]) != "ok":
            current = self._record(record.doc_id) or record
            return Conflict("url", current)
        return SeenRecord(record.doc_id, article.url, post_id, article.text_hash,
                          article.content_hash, revision, article.modified)

    def alias(self, url: str, doc_id: int, content_hash: int) -> None:
        self._redis.hset(self._urls, str(url_key(url)), f"{doc_id}:{content_hash}")

    def flush(self) -> None:
        """Every write is already sent; durability is the Redis server's configuration."""

    def close(self) -> None:
        self._redis.close()

    def clear(self) -> None:
        """Delete this prefix's state (tests, benchmarks, a deliberate fresh start)."""
        self._redis.delete(*self._keys, f"{self.prefix}:meta")
