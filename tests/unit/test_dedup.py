"""DeduplicatePipeline end to end on the local store: exact and near duplicates, revisions,
first-seen-wins, the side feed, and memory across runs (two pipeline instances)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from madar.items import Article
from madar.pipelines.dedup import DeduplicatePipeline
from tests.stories import ORIGINALS

SITE = "https://madaralyoum.com"


def article(n: int = 1, key: str = "astana_prep", **changes) -> Article:
    base = Article(
        url=f"{SITE}/{n}/",
        post_id=1000 + n,
        title=f"عنوان الخبر رقم {n}",
        published="2017-08-10T09:30:00+03:00",
        text=ORIGINALS[key],
    )
    return replace(base, **changes)


class Run:
    """One crawl: a pipeline opened on ``state_dir``, its stats, its emitted items."""

    def __init__(self, state_dir: Path, **settings) -> None:
        # Incremental unless a test asks otherwise: these tests are about what is new.
        self.crawler = get_crawler(settings_dict={
            "MADAR_STATE_DIR": str(state_dir), "MADAR_NEAR_DUP_THRESHOLD": 0.6,
            "MADAR_INCREMENTAL": True, **settings})
        self.stats = self.crawler.stats
        self.stats.open_spider()
        self.pipeline = DeduplicatePipeline.from_crawler(self.crawler)
        self.pipeline.open_spider()
        self.emitted: list[Article] = []
        self.dropped: list[str] = []

    def feed(self, *items: Article) -> Run:
        for item in items:
            try:
                self.emitted.append(self.pipeline.process_item(item))
            except DropItem as drop:
                self.dropped.append(str(drop))
        return self

    def stat(self, name: str) -> int:
        return self.stats.get_value(name, 0)

    def close(self) -> None:
        self.pipeline.close_spider()


@pytest.fixture
def run(tmp_path):
    runs: list[Run] = []

    def start(**settings) -> Run:
        r = Run(tmp_path / "state", **settings)
        runs.append(r)
        return r

    yield start
    for r in runs:
        if r.pipeline.store is not None:
            r.close()


def test_first_seen_is_kept_exact_duplicates_dropped(run) -> None:
    r = run()
    first = article(1)
    r.feed(first, article(1), article(1, url=f"{SITE}/1/?utm_source=fb"),
           article(2, post_id=1001, title=first.title),
           article(3, title="عنوان آخر"))
    assert [a.url for a in r.emitted] == [first.url]
    assert first.revision == 1
    assert r.stat("madar/duplicates/url") == 2
    assert r.stat("madar/duplicates/post_id") == 1
    assert r.stat("madar/duplicates/text") == 1
    assert r.stat("madar/dedup/new") == 1
    assert all("duplicate" in d and first.url in d for d in r.dropped)


def test_text_hash_ignores_spelling_variants(run) -> None:
    r = run()
    text = ORIGINALS["weather_cold"]
    r.feed(article(1, text=text),
           article(2, text=text.replace("أعلنت", "اعلنت").replace("،", ",") + " "))
    assert len(r.emitted) == 1
    assert r.stat("madar/duplicates/text") == 1


def test_near_duplicate_republication_dropped_distinct_stories_kept(run) -> None:
    r = run()
    originals = [article(i, key=key) for i, key in enumerate(ORIGINALS, start=1)]
    r.feed(*originals)
    republished = article(
        50, key="shelling_maarat", title="مجزرة في سوق معرة النعمان",
        text="بيروت – وكالات\n\n" + ORIGINALS["shelling_maarat"].split("\n\n", 1)[1]
        + "\n\nالمصدر: وكالات.")
    r.feed(republished)
    assert len(r.emitted) == len(ORIGINALS)
    assert r.stat("madar/duplicates/near") == 1
    assert f"of {SITE}/5/" in r.dropped[-1]


def test_update_of_a_known_article_is_a_new_revision(run) -> None:
    r = run()
    r.feed(article(1))
    changed = article(1, text=ORIGINALS["astana_prep"] + "\n\nتحديث: تأكد موعد الجولة.")
    retitled = article(1, text=changed.text, title="عنوان مصحح")
    later = article(1, text=changed.text, title="عنوان مصحح",
                    modified="2017-08-11T10:00:00+03:00")
    r.feed(changed, article(1, text=changed.text), retitled, later, later)
    assert [a.revision for a in r.emitted] == [1, 2, 3, 4]
    assert r.stat("madar/dedup/revised") == 3
    assert r.stat("madar/duplicates/url") == 2


def test_changed_article_under_new_permalink_is_a_revision(run) -> None:
    r = run()
    r.feed(article(1))
    moved = article(1, url=f"{SITE}/renamed-slug/", text=ORIGINALS["astana_prep"] + " تحديث.")
    r.feed(moved)
    assert [a.revision for a in r.emitted] == [1, 2]
    assert r.emitted[-1].url.endswith("/renamed-slug/")


def test_state_survives_the_run_a_second_run_emits_nothing(run) -> None:
    items = [article(i, key=key) for i, key in enumerate(ORIGINALS, start=1)]
    first = run().feed(*[replace(a) for a in items])
    first.close()
    assert len(first.emitted) == len(items)

    second = run()
    assert second.pipeline.store.knows_url(items[0].url)
    second.feed(*[replace(a) for a in items])
    assert second.emitted == []
    assert second.stat("madar/duplicates/url") == len(items)
    # a near duplicate is recognized from signatures stored by the first run
    second.feed(article(99, key="weather_storm", text="حمص – مدار اليوم\n\n"
                        + ORIGINALS["weather_storm"].split("\n\n", 1)[1]))
    assert second.stat("madar/duplicates/near") == 1
    changed = replace(items[2], text=items[2].text + "\n\nتحديث مسائي.")
    second.feed(changed)
    assert [a.revision for a in second.emitted] == [2]
    second.close()

    third = run().feed(replace(changed))
    assert third.emitted == []


def test_a_snapshot_emits_the_known_articles_with_their_revision(run) -> None:
    items = [article(i, key=key) for i, key in enumerate(ORIGINALS, start=1)]
    run().feed(*[replace(a) for a in items]).close()
    revised = run().feed(replace(items[0], text=items[0].text + "\n\nتحديث."))
    revised.close()
    snapshot = run(MADAR_INCREMENTAL=False)
    snapshot.feed(*[replace(a) for a in items[1:]], replace(revised.emitted[0]))
    assert [a.url for a in snapshot.emitted] == [a.url for a in [*items[1:], items[0]]]
    assert [a.revision for a in snapshot.emitted] == [1] * (len(items) - 1) + [2]
    assert snapshot.stat("madar/dedup/known") == len(items)
    assert snapshot.stat("madar/memory/known_at_start") == len(items)
    assert snapshot.stats.get_value("madar/memory/mode") == "snapshot"
    # once per run; copies under other URLs stay duplicates
    snapshot.feed(replace(items[1]), article(77, key=list(ORIGINALS)[1]))
    assert len(snapshot.emitted) == len(items)
    assert snapshot.stat("madar/duplicates/url") == 1


def test_duplicates_side_feed(run, tmp_path) -> None:
    feed = tmp_path / "out" / "duplicates.jsonl"
    r = run(MADAR_DUPLICATES_FEED=str(feed))
    r.feed(article(1), article(2, post_id=None))
    r.close()
    lines = feed.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["url"] == f"{SITE}/2/"
    assert record["duplicate_of"] == f"{SITE}/1/"
    assert record["duplicate_reason"] == "text"
    assert "مفاوضات" in lines[0]  # UTF-8, not \\u-escaped


def test_items_without_url_pass_untouched(run) -> None:
    r = run()
    odd = {"title": "x", "text": None}
    r.feed(odd)
    assert r.emitted == [odd]
    assert r.stat("madar/dedup/skipped") == 1


def test_dict_items_work_like_articles(run) -> None:
    r = run()
    a = article(1)
    as_dict = {"url": a.url, "post_id": a.post_id, "title": a.title, "text": a.text}
    r.feed(as_dict, dict(as_dict, url=f"{SITE}/other/"))
    assert len(r.emitted) == 1 and as_dict["revision"] == 1


def test_odd_items_do_not_crash_the_dedup_pipeline(tmp_path) -> None:
    """With validation switched off, dedup still never raises anything but DropItem."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    r = Run(tmp_path / "odd")
    values = st.one_of(st.none(), st.integers(), st.booleans(), st.text(max_size=200),
                       st.lists(st.text(max_size=3), max_size=2))
    urls = st.one_of(st.text(max_size=40), st.just("http://[::1"), st.just("https://x/ä b?"))

    @settings(max_examples=200, deadline=None)
    @given(urls, st.dictionaries(st.sampled_from(["post_id", "title", "text", "modified"]),
                                 values))
    def check(url, data) -> None:
        try:
            emitted = r.pipeline.process_item({"url": url, **data})
        except DropItem as drop:
            assert str(drop), "a dropped item names its reason"
        else:
            assert emitted["url"] == url, "an item dedup lets through keeps its URL"

    check()
    r.close()


def _committed(state_root: Path) -> int:
    import sqlite3

    from madar.state import state_dir

    reader = sqlite3.connect(Path(state_dir({"MADAR_STATE_DIR": str(state_root)}))
                             / "seen.sqlite3")
    try:
        return reader.execute("SELECT count(*) FROM docs").fetchone()[0]
    finally:
        reader.close()


def test_store_commits_only_when_no_stored_item_awaits_export(run, tmp_path) -> None:
    from scrapy import signals

    r = run(MADAR_STATE_COMMIT_EVERY=1)
    first, second = r.pipeline.process_item(article(1)), r.pipeline.process_item(
        article(2, key="weather_storm"))
    assert r.pipeline.awaiting_line == 2 and _committed(tmp_path / "state") == 0
    r.crawler.signals.send_catch_log(signals.item_scraped, item=first, spider=None)
    assert _committed(tmp_path / "state") == 0  # the second is stored, its line is not
    r.crawler.signals.send_catch_log(signals.item_dropped, item=second,
                                     exception=DropItem("later pipeline"), spider=None)
    assert r.pipeline.awaiting_line == 0 and _committed(tmp_path / "state") == 2


def test_commit_lines_commits_every_n_items_and_still_only_when_safe(run, tmp_path) -> None:
    """MADAR_STATE_COMMIT_LINES (re-extraction's 1,000): fewer commits, the same rule."""
    from scrapy import signals

    r = run(MADAR_STATE_COMMIT_LINES=2)
    send = r.crawler.signals.send_catch_log
    first = r.pipeline.process_item(article(1))
    send(signals.item_scraped, item=first, spider=None)
    assert _committed(tmp_path / "state") == 0  # one line: not yet
    second = r.pipeline.process_item(article(2, key="weather_storm"))
    send(signals.item_scraped, item=second, spider=None)
    assert _committed(tmp_path / "state") == 2
    r.close()
    assert run().pipeline.store.count() == 2


def test_after_a_feed_failure_nothing_more_is_committed(run, tmp_path) -> None:
    from scrapy import signals

    from madar.feeds import FAILED_KEY

    r = run()
    written = r.pipeline.process_item(article(1))
    r.crawler.signals.send_catch_log(signals.item_scraped, item=written, spider=None)
    assert _committed(tmp_path / "state") == 1
    lost = r.pipeline.process_item(article(2, key="weather_storm"))
    r.stats.set_value(FAILED_KEY, 1)  # the feed storage: this line could not be written
    r.crawler.signals.send_catch_log(signals.item_scraped, item=lost, spider=None)
    r.close()
    again = run()
    assert again.pipeline.store.count() == 1
    assert not again.pipeline.store.knows_url(lost.url)
