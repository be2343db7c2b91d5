"""The Redis seen-store against a real redis-server: same rules as locally, and workers
racing on the same articles never both keep one."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
import redis
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from madar.dedup.decide import Deduplicator, Fingerprint
from madar.dedup.minhash import MinHasher
from madar.items import Article
from madar.pipelines.dedup import DeduplicatePipeline
from madar.state import SeenStore, open_store
from madar.state.redis_store import RedisSeenStore
from madar.text.arabic import normalize_for_matching
from tests.stories import ORIGINALS, republications

pytestmark = pytest.mark.slow

HASHER = MinHasher()
SITE = "https://madaralyoum.com"


@pytest.fixture
def url(redis_url):
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    return redis_url


def fingerprint(n: int, text: str, post_id: int | None = None, title: str = "عنوان") -> Fingerprint:
    return Fingerprint.build(HASHER, url=f"{SITE}/{n}/", post_id=post_id,
                             normalized_title=normalize_for_matching(title),
                             normalized_text=normalize_for_matching(text))


def test_open_store_picks_redis(url) -> None:
    store = open_store({"REDIS_URL": url, "MADAR_NEAR_DUP_THRESHOLD": 0.6})
    assert isinstance(store, RedisSeenStore) and isinstance(store, SeenStore)
    store.close()


def test_rules_hold_on_redis(url) -> None:
    store = RedisSeenStore(url)
    dedup = Deduplicator(store)
    first = fingerprint(1, ORIGINALS["astana_prep"], post_id=11)
    assert dedup.check(first).emit
    assert dedup.check(first).reason == "url"
    assert dedup.check(replace(first, url=f"{SITE}/x/")).reason == "post_id"
    assert dedup.check(fingerprint(2, ORIGINALS["astana_prep"])).reason == "text"
    _, kind, text = republications()[2]  # astana_prep, one sentence rewritten
    near = dedup.check(fingerprint(3, text))
    assert (near.reason, near.duplicate_of) == ("near", f"{SITE}/1/"), kind
    assert dedup.check(fingerprint(4, ORIGINALS["astana_opposition"])).emit
    updated = fingerprint(1, ORIGINALS["astana_prep"] + " تحديث.", post_id=11)
    assert dedup.check(updated).revision == 2
    assert dedup.check(updated).reason == "url"
    assert store.knows_url(f"{SITE}/3/") and not store.knows_url(f"{SITE}/99/")
    assert store.count() == 2
    store.close()


def test_band_keys_computed_beforehand_are_the_store_s_own(url) -> None:
    """Re-extraction's workers send each fingerprint's band keys; stored with them or not,
    a near-duplicate is found either way."""
    store = RedisSeenStore(url)
    dedup = Deduplicator(store)
    keyed = DeduplicatePipeline({}).with_band_keys
    first = fingerprint(1, ORIGINALS["astana_prep"])
    assert dedup.check(keyed([first])[0]).emit
    near = fingerprint(3, republications()[2][2])
    assert dedup.check(near).reason == "near" and dedup.check(keyed([near])[0]).reason == "url"
    assert dedup.check(keyed([fingerprint(5, republications()[2][2])])[0]).reason == "near"
    store.close()


def test_rows_gone_meanwhile_are_treated_as_unknown(url) -> None:
    """A memory forgotten or evicted under a running crawl (``madar.state forget``, Redis
    maxmemory): dangling URL keys, LSH buckets and post ids must read as "not seen", never
    raise (every such item would otherwise become an item error)."""
    store = RedisSeenStore(url)
    dedup = Deduplicator(store)
    first = fingerprint(1, ORIGINALS["astana_prep"], post_id=11)
    assert dedup.check(first).emit
    store._redis.delete(store._hash["docs"], store._hash["sigs"])
    assert dedup.check(first).emit  # its URL key and buckets still point at the lost row
    _, _, text = republications()[2]
    assert dedup.check(fingerprint(3, text)).reason == "near"  # against the new row
    store.close()


def test_other_lsh_shape_is_refused(url) -> None:
    RedisSeenStore(url, threshold=0.6).close()
    with pytest.raises(ValueError, match="other dedup parameters"):
        RedisSeenStore(url, threshold=0.8)  # other bands: stored buckets would not match


def test_the_atomic_claim_rechecks_near_duplicates(url) -> None:
    """Both workers passed their own lookups; the Lua claim lets only one in."""
    a, b = RedisSeenStore(url), RedisSeenStore(url)
    original = fingerprint(1, ORIGINALS["weather_storm"])
    copy = fingerprint(2, "حمص – مدار اليوم\n\n" + ORIGINALS["weather_storm"].split("\n\n")[1])
    assert b.near_candidates(copy.signature) == []
    kept = a.add(original)
    lost = b.add(copy)
    assert lost.reason == "near" and lost.record.doc_id == kept.doc_id
    assert b.add(replace(original, url=f"{SITE}/3/")).reason == "text"
    a.close()
    b.close()


def test_racing_workers_keep_each_story_once(url) -> None:
    # Every worker gets the same items at the same moment: the originals, then their
    # republications (near-duplicate matching is not transitive, so the order is fixed to
    # make the expected corpus unambiguous: one kept article per story).
    stories = list(ORIGINALS.items())
    items = [(f"{SITE}/{key}/", text) for key, text in stories]
    items += [(f"{SITE}/{key}-{i}/", text) for i, (key, _, text) in enumerate(republications())]
    workers = 6
    barrier = threading.Barrier(workers)
    emitted: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        store = RedisSeenStore(url)
        dedup = Deduplicator(store)
        barrier.wait()
        for item_url, text in items:
            fp = Fingerprint.build(HASHER, url=item_url, post_id=None, normalized_title="",
                                   normalized_text=normalize_for_matching(text))
            if dedup.check(fp).emit:
                with lock:
                    emitted.append(item_url)
        store.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(emitted) == sorted(f"{SITE}/{key}/" for key in ORIGINALS)


def test_two_pipelines_share_one_corpus(url, tmp_path) -> None:
    def worker():
        crawler = get_crawler(settings_dict={"REDIS_URL": url, "MADAR_STATE_DIR": str(tmp_path),
                                             "MADAR_NEAR_DUP_THRESHOLD": 0.6})
        crawler.stats.open_spider()
        pipeline = DeduplicatePipeline.from_crawler(crawler)
        pipeline.open_spider()
        return pipeline, crawler.stats

    (p1, _), (p2, s2) = worker(), worker()
    article = Article(url=f"{SITE}/1/", post_id=5, title="عنوان", text=ORIGINALS["exchange_day1"],
                      published="2017-08-10")
    assert p1.process_item(replace(article)).revision == 1
    with pytest.raises(DropItem):
        p2.process_item(replace(article))
    assert p2.process_item(replace(article, url=f"{SITE}/2/", post_id=6,
                                   text=ORIGINALS["exchange_day2"])).revision == 1
    assert s2.get_value("madar/duplicates/url") == 1
    p1.close_spider()
    p2.close_spider()


def test_a_url_kept_meanwhile_by_another_worker_is_not_kept_twice(url) -> None:
    a, b = RedisSeenStore(url), RedisSeenStore(url)
    first = fingerprint(1, ORIGINALS["weather_cold"])
    changed = fingerprint(1, ORIGINALS["weather_storm"])  # same URL, the page changed
    assert b.lookup_url(changed.url) is None  # b decided "new" before a's claim
    a.add(first)
    lost = b.add(changed)
    assert lost.reason == "url"
    assert Deduplicator(b).check(changed).revision == 2  # retried: an update of a's article
    assert b.count() == 1
    a.close()
    b.close()
