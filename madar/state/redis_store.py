"""The memory shared by distributed workers, in Redis (one hash per kind of key).

Every claim (a new article, a revision) is one Lua script that writes only if every field
the claim read is unchanged, the LSH buckets included: of two workers racing on the same
story exactly one keeps it; the other reads again and finds the winner. Layout under the
prefix (its ``{hash tag}`` keeps every key in one Redis Cluster slot): docs/distributed.md.
"""

from __future__ import annotations

import json
from typing import Any

from madar.dedup.decide import Conflict, Fingerprint, SeenRecord, SeenStore, url_key
from madar.dedup.index import given_or_band_keys, lsh_bands
from madar.dedup.minhash import Signature, signature_bytes, signature_from_bytes

DEFAULT_PREFIX = "madar:{seen}"
_SEP = "\x1f"
_HASHES = ("urls", "pids", "texts", "docs", "sigs", "bands")  # KEYS[1..6] of the script
_KIND_HASH = {"post_id": "pids", "text": "texts"}

# ARGV[1]: the guards, JSON [[key, field, value ('' when absent)], ...]; then the writes:
# command, key, field, value. Keys are indexes into KEYS. APPEND adds the value to the
# comma-separated list in each of the space-separated fields.
_CLAIM_SCRIPT = """
for _, guard in ipairs(cjson.decode(ARGV[1])) do
  if (redis.call('HGET', KEYS[guard[1]], guard[2]) or '') ~= guard[3] then return 0 end
end
for i = 2, #ARGV, 4 do
  local key, field, value = KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2], ARGV[i + 3]
  if ARGV[i] == 'APPEND' then
    for each in string.gmatch(field, '%S+') do
      local list = redis.call('HGET', key, each)
      redis.call('HSET', key, each, list and list .. ',' .. value or value)
    end
  else
    redis.call(ARGV[i], key, field, value)
  end
end
return 1
"""


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class RedisSeenStore(SeenStore):
    """The store of every worker that points at the same Redis and prefix."""

    def __init__(self, redis_url: str, *, num_perm: int = 128, threshold: float = 0.6,
                 shingle_size: int = 3, seed: int = 1, prefix: str = DEFAULT_PREFIX) -> None:
        import redis

        self.num_perm = num_perm
        self.threshold = threshold
        self.bands, self.rows = lsh_bands(threshold, num_perm)
        self._redis = redis.Redis.from_url(redis_url)
        self.prefix = prefix
        self._hash = {name: f"{prefix}:{name}" for name in _HASHES}
        self._claim = self._redis.register_script(_CLAIM_SCRIPT)
        self._reads: dict[tuple[str, str], bytes] | None = None  # while a claim is open
        # The bands live in Redis, so their shape (from the threshold) is stored state too.
        wanted = {"num_perm": num_perm, "shingle_size": shingle_size, "seed": seed,
                  "bands": self.bands, "rows": self.rows}
        meta = f"{prefix}:meta"
        for name, value in wanted.items():
            self._redis.hsetnx(meta, name, value)
        stored = {_text(k): _text(v) for k, v in self._redis.hgetall(meta).items()}
        self._check_parameters(stored, {k: str(v) for k, v in wanted.items()},
                               f"Redis keys {prefix}:*")

    def _read(self, name: str, fields: list[str]) -> list[bytes | None]:
        """HMGET; while a claim is open, its write checks that these values still hold."""
        values = self._redis.hmget(self._hash[name], fields)
        if self._reads is not None:
            for field, value in zip(fields, values, strict=True):
                self._reads[(name, field)] = value or b""
        return values

    def _band_fields(self, signature: Signature, keys: list[int] | None = None) -> list[str]:
        return [str(key) for key in given_or_band_keys(signature, self.bands, self.rows, keys)]

    def _url(self, key: int) -> tuple[int, int] | None:
        (value,) = self._read("urls", [str(key)])
        if value is None:
            return None
        doc_id, content_hash = _text(value).split(":")
        return int(doc_id), int(content_hash)

    def _doc_id(self, kind: str, key: int) -> int | None:
        (value,) = self._read(_KIND_HASH[kind], [str(key)])
        return int(value) if value is not None else None

    def _record(self, doc_id: int) -> SeenRecord | None:
        (value,) = self._read("docs", [str(doc_id)])
        if value is None:
            return None
        revision, text_hash, content_hash, post_id, modified, url = _text(value).split(_SEP, 5)
        return SeenRecord(doc_id, url, int(post_id) if post_id else None, int(text_hash),
                          int(content_hash), int(revision), modified or None)

    def _candidates(self, signature: Signature, band_keys: list[int] | None = None
                    ) -> list[tuple[int, Signature]]:
        buckets = self._read("bands", self._band_fields(signature, band_keys))
        sids = sorted({sid for bucket in buckets if bucket for sid in _text(bucket).split(",")})
        if not sids:
            return []
        blobs = self._redis.hmget(self._hash["sigs"], sids)
        return [(int(sid.split(".")[0]), signature_from_bytes(blob))
                for sid, blob in zip(sids, blobs, strict=True) if blob is not None]

    def _new_doc_id(self) -> int:
        return int(self._redis.incr(f"{self.prefix}:next"))

    def count(self) -> int:
        return int(self._redis.hlen(self._hash["docs"]))

    def _begin(self) -> None:
        self._reads = {}

    def add(self, article: Fingerprint) -> SeenRecord | Conflict:
        try:
            return super().add(article)
        finally:
            self._reads = None  # reads outside a claim guard nothing

    def revise(self, record: SeenRecord, article: Fingerprint) -> SeenRecord | Conflict:
        try:
            return super().revise(record, article)
        finally:
            self._reads = None

    def _store(self, record: SeenRecord, article: Fingerprint, new_signature: bool) -> bool:
        doc = str(record.doc_id)
        value = _SEP.join([str(record.revision), str(record.text_hash), str(record.content_hash),
                           "" if record.post_id is None else str(record.post_id),
                           record.modified or "", record.url])
        writes: list[tuple[str, str, str, str | bytes]] = [
            ("HSET", "docs", doc, value),
            ("HSET", "urls", str(url_key(record.url)), f"{doc}:{record.content_hash}"),
            ("HSETNX", "texts", str(record.text_hash), doc)]
        if article.post_id is not None:
            writes.append(("HSETNX", "pids", str(article.post_id), doc))
        if new_signature:
            sid = f"{doc}.{record.revision}"
            writes.append(("HSET", "sigs", sid, signature_bytes(article.signature)))
            bands = self._band_fields(article.signature, article.band_keys)
            writes.append(("APPEND", "bands", " ".join(bands), sid))
        reads = self._reads or {}
        self._reads = None  # the claim ends here: what it read becomes its guards
        guards = [[_HASHES.index(name) + 1, field, _text(read)]
                  for (name, field), read in reads.items()]
        args: list[Any] = [json.dumps(guards)]
        for command, name, field, written in writes:
            args += [command, _HASHES.index(name) + 1, field, written]
        return self._claim(keys=list(self._hash.values()), args=args) == 1

    def alias(self, url: str, doc_id: int, content_hash: int) -> None:
        self._redis.hset(self._hash["urls"], str(url_key(url)), f"{doc_id}:{content_hash}")

    def flush(self) -> None:
        """Every write is sent at once; durability is the Redis server's configuration."""

    def close(self) -> None:
        self._redis.close()

    def clear(self) -> None:
        """Delete this prefix's memory (tests, benchmarks, a deliberate fresh start)."""
        self._redis.delete(*self._hash.values(), f"{self.prefix}:next", f"{self.prefix}:meta")
