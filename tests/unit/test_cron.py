"""The cron entry point's parts: lock, run plan, settings, verdict, crash-safe feeds."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from madar import cron
from madar.feeds import (
    LineFlushedFileFeedStorage,
    finalize_feed,
    recover_feed,
    recover_feeds,
    uri_params,
)
from madar.incremental import IncrementalPolicy, parse_flag

STARTED = dt.datetime(2026, 11, 29, 3, 4, 5, tzinfo=dt.timezone.utc)


def test_a_second_lock_holder_is_refused(tmp_path):
    lock = tmp_path / "cron.lock"
    with cron.run_lock(lock), pytest.raises(cron.LockBusy, match=r"pid \d+ since"), \
            cron.run_lock(lock):
        pass
    with cron.run_lock(tmp_path / "cron.lock"):  # released: free again
        pass


def test_main_exits_at_once_while_the_lock_is_held(tmp_path, capsys):
    with cron.run_lock(tmp_path / "cron.lock"):
        began = time.monotonic()
        status = cron.main(["--state-dir", str(tmp_path), "--data-dir", str(tmp_path / "d")])
    assert status == cron.EXIT_LOCKED == 75
    assert time.monotonic() - began < 2
    assert "another run is in progress" in capsys.readouterr().err
    assert not (tmp_path / "d").exists(), "nothing may be touched without the lock"


def test_run_plan_names_dated_files(tmp_path):
    plan = cron.RunPlan(STARTED, tmp_path / "data", tmp_path / "state", tmp_path / "logs")
    assert plan.feed_part == tmp_path / "data/2026/11/29/madar-20261129T030405Z.jsonl.part"
    assert plan.log_file == tmp_path / "logs/2026/11/29/madar-20261129T030405Z.log"


def test_feed_uri_params_give_the_same_name_as_the_plan(tmp_path):
    plan = cron.RunPlan(STARTED, tmp_path, tmp_path, tmp_path)
    settings = {"MADAR_RUN_STARTED": STARTED.isoformat()}
    spider = SimpleNamespace(crawler=SimpleNamespace(settings=settings))
    params = uri_params({"name": "madar", "time": "x"}, spider)
    assert params["name"] == "madar"
    assert Path(plan.feed_template % params) == plan.feed_part


def test_crawl_settings_add_operations_and_keep_overrides_last(tmp_path):
    plan = cron.RunPlan(STARTED, tmp_path / "data", tmp_path / "state", tmp_path / "logs",
                        catch_up=True)
    settings = cron.crawl_settings(plan, {"MADAR_STATE_COMMIT_EVERY": "5",
                                          "DOWNLOAD_DELAY": "0"})
    (uri, _options), = settings.getdict("FEEDS").items()
    assert uri.endswith("madar-%(stamp)s.jsonl.part")
    assert settings.get("FEED_URI_PARAMS") == "madar.feeds.uri_params"
    assert settings.getbool("MADAR_INCREMENTAL") and settings.getbool("MADAR_INCREMENTAL_CATCH_UP")
    assert settings.get("MADAR_STATE_DIR") == str(tmp_path / "state")
    assert settings.getint("MADAR_STATE_COMMIT_EVERY") == 5
    assert settings.getfloat("DOWNLOAD_DELAY") == 0
    extensions = settings.getdict("EXTENSIONS")
    assert extensions["madar.extensions.report.CrawlReport"] == 900
    assert extensions["spidermon.contrib.scrapy.extensions.Spidermon"] == 500
    assert settings.getbool("SPIDERMON_ENABLED")
    assert settings.get("LOG_FILE") == str(plan.log_file)
    assert cron.crawl_settings(plan, {}, incremental=False).getbool("MADAR_INCREMENTAL") is False


def test_only_a_clean_finish_lets_the_next_run_stop_early():
    assert cron.run_complete({"finish_reason": "finished"})
    assert not cron.run_complete({"finish_reason": "shutdown"})
    assert cron.run_complete({"finish_reason": "finished", "retry/max_reached": 2})


def test_bad_spider_argument_exits_2_before_locking(tmp_path, capsys):
    status = cron.main(["--state-dir", str(tmp_path), "-a", "max_pages=abc"])
    assert status == cron.EXIT_USAGE == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "madar.cron: bad spider argument -a max_pages=abc: expected a whole number >= 0 "
        "(e.g. max_pages=5)"]
    assert not (tmp_path / cron.LOCK_NAME).exists()


def test_usage_errors_exit_2():
    with pytest.raises(SystemExit) as exit_info:
        cron.main(["-s", "NO_EQUALS_SIGN"])
    assert exit_info.value.code == cron.EXIT_USAGE


# --- feeds ----------------------------------------------------------------------------------


def test_line_flushed_storage_hands_each_line_to_the_os(tmp_path):
    path = tmp_path / "sub" / "feed.jsonl.part"
    storage = LineFlushedFileFeedStorage(str(path))
    handle = storage.open(spider=None)
    handle.write(b'{"a": 1}\n')
    assert path.read_bytes() == b'{"a": 1}\n', "visible before close (a SIGKILL keeps it)"
    storage.store(handle)
    assert finalize_feed(path) == tmp_path / "sub" / "feed.jsonl"
    assert not path.exists()
    assert finalize_feed(path) is None


def test_recovery_keeps_complete_lines_and_drops_a_partial_last_one(tmp_path):
    part = tmp_path / "2026" / "madar-1.jsonl.part"
    part.parent.mkdir()
    part.write_bytes('{"url": "a", "t": "عربي"}\n{"url": "b"}\n{"url": "c", "te'.encode())
    result = recover_feed(part)
    final = tmp_path / "2026" / "madar-1.jsonl"
    assert not part.exists()
    assert final.read_text(encoding="utf-8").splitlines() == [
        '{"url": "a", "t": "عربي"}', '{"url": "b"}']
    assert (result.lines_kept, result.lines_dropped) == (2, 1)
    report = json.loads((tmp_path / "2026" / "madar-1.jsonl.report.json").read_text())
    assert report["recovered"] is True and report["lines_kept"] == 2


def test_recovery_of_an_empty_or_clean_part(tmp_path):
    (tmp_path / "a.jsonl.part").write_bytes(b"")
    (tmp_path / "b.jsonl.part").write_bytes(b'{"x": 1}\n')
    (tmp_path / "c.jsonl").write_bytes(b'{"y": 1}\n')  # finished feeds are not touched
    results = recover_feeds(tmp_path)
    assert [Path(r.feed).name for r in results] == ["a.jsonl", "b.jsonl"]
    assert (tmp_path / "a.jsonl").read_bytes() == b""
    assert (tmp_path / "b.jsonl").read_bytes() == b'{"x": 1}\n'
    assert sorted(p.name for p in tmp_path.glob("*.part")) == []


# --- incremental policy ------------------------------------------------------------------


KNOWN = {"https://m.test/a/", "https://m.test/b/", "https://m.test/c/", "https://m.test/d/"}


def _new(policy: IncrementalPolicy, urls: list[str]) -> list[str]:
    """The URLs the spider would request, in order."""
    return [url for url in urls if not policy.is_known(url)]


def test_policy_fetches_only_unknown_articles():
    policy = IncrementalPolicy(KNOWN.__contains__)
    assert _new(policy, ["https://m.test/a/", "https://m.test/new/",
                              "https://m.test/b?utm_source=x"]) == ["https://m.test/new/"]


def test_policy_stops_after_margin_pages_of_known_articles():
    policy = IncrementalPolicy(KNOWN.__contains__, margin_pages=2)
    assert not policy.should_stop(["https://m.test/new/", "https://m.test/a/"], 1)
    assert not policy.should_stop(["https://m.test/a/", "https://m.test/b/"], 2)
    assert policy.should_stop(["https://m.test/c/", "https://m.test/d/"], 3)
    one = IncrementalPolicy(KNOWN.__contains__)
    assert one.should_stop(["https://m.test/a/"], 1)
    assert not one.should_stop([], 2), "an empty page proves nothing"


def test_known_pages_must_be_consecutive():
    policy = IncrementalPolicy(KNOWN.__contains__, margin_pages=2)
    assert not policy.should_stop(["https://m.test/a/"], 1)
    assert not policy.should_stop(["https://m.test/x/"], 2)
    assert not policy.should_stop(["https://m.test/b/"], 3)
    assert policy.should_stop(["https://m.test/c/"], 4)


def test_articles_learned_during_this_run_do_not_stop_pagination():
    known = set(KNOWN)
    policy = IncrementalPolicy(known.__contains__)
    assert _new(policy, ["https://m.test/new/"]) == ["https://m.test/new/"]
    known.add("https://m.test/new/")  # fetched meanwhile (say, via a related link)
    assert not policy.should_stop(["https://m.test/new/", "https://m.test/a/"], 3)
    assert policy.should_stop(["https://m.test/a/", "https://m.test/b/"], 4)


def test_catch_up_never_stops_early_but_still_filters():
    policy = IncrementalPolicy(KNOWN.__contains__, catch_up=True)
    assert not policy.should_stop(["https://m.test/a/"], 1)
    assert _new(policy, ["https://m.test/a/", "https://m.test/z/"]) == ["https://m.test/z/"]


def test_flags():
    assert parse_flag("1") and parse_flag("yes") and parse_flag(True)
    assert not parse_flag("0") and not parse_flag(None) and parse_flag(None, default=True)
    with pytest.raises(ValueError):
        parse_flag("maybe")
    with pytest.raises(ValueError):
        IncrementalPolicy(KNOWN.__contains__, margin_pages=0)


def test_fetched_log_remembers_completed_fetches(tmp_path):
    from madar.incremental import FetchedLog

    log = FetchedLog(tmp_path, retry_failed_after=3600)
    log.record({"https://m.test/gone/": 404, "https://m.test/broken/": 500,
                "https://m.test/page/?utm_source=x": 200})
    log.close()
    again = FetchedLog(tmp_path, retry_failed_after=3600)
    assert again.knows("https://m.test/page/")
    assert not again.knows("https://m.test/gone/"), "a 404 may go live later"
    assert again.knows("https://m.test/broken/"), "a 5xx is skipped for a while"
    assert not again.knows("https://m.test/other/")
    again.retry_failed_after = 0
    assert not again.knows("https://m.test/broken/"), "then tried again"
    again.close()


def _article(url: str, text: str) -> dict:
    return {"url": url, "post_id": None, "title": "عنوان " + text, "text": text * 40,
            "modified": None, "revision": 1}


def test_recovered_lines_unknown_to_the_store_are_taught_to_it(tmp_path):
    from madar.state import open_store

    settings = {"MADAR_STATE_DIR": str(tmp_path / "state")}
    store = open_store(settings)
    from madar.pipelines.dedup import DeduplicatePipeline

    DeduplicatePipeline(settings, None, store=store).process_item(
        _article("https://m.test/known/", "نص أول مختلف تماما "))
    store.close()
    feed = tmp_path / "madar-1.jsonl"
    feed.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in [
        _article("https://m.test/known/", "نص أول مختلف تماما "),
        _article("https://m.test/lost/", "قصة أخرى لا علاقة لها بالأولى "),
    ]) + "\n", encoding="utf-8")
    assert cron.relearn_recovered(settings, [feed]) == 1
    store = open_store(settings)
    assert store.knows_url("https://m.test/lost/") and store.count() == 2
    store.close()
    assert cron.relearn_recovered(settings, [feed]) == 0
