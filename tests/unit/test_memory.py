"""The memory per site: keys, the snapshot / incremental choice, the end-of-crawl line,
``python -m madar.state forget`` and the one-crawl-per-site lock (no network)."""

from __future__ import annotations

import pytest

from madar.outcome import memory_summary
from madar.pipelines.dedup import _emit_known
from madar.state import (
    MemoryBusy,
    acquire,
    memory_location,
    open_store,
    site_key,
    site_lock,
    state_dir,
)
from madar.state.__main__ import main as state_main


def test_site_key_is_scheme_host_and_port():
    assert site_key("http://127.0.0.1:8000") == "http_127.0.0.1_8000"
    assert site_key("HTTPS://MadarAlyoum.com/some/path") == "https_madaralyoum.com_443"
    assert site_key("http://madaralyoum.com") == "http_madaralyoum.com_80"
    assert site_key("http://[::1]:8000/") == "http__1_8000"
    assert len({site_key(u) for u in ("http://127.0.0.1:8000", "http://127.0.0.1:8001",
                                      "https://127.0.0.1:8000")}) == 3
    with pytest.raises(ValueError):
        site_key("ftp://example.org")


def test_each_site_has_its_own_directory_and_redis_prefix(tmp_path):
    one = {"MADAR_STATE_DIR": str(tmp_path), "MADAR_BASE_URL": "http://127.0.0.1:8000"}
    two = {**one, "MADAR_BASE_URL": "http://127.0.0.1:9000"}
    assert state_dir(one) == str(tmp_path / "sites" / "http_127.0.0.1_8000")
    assert state_dir(one) != state_dir(two)
    redis = {**one, "REDIS_URL": "redis://127.0.0.1:1/0"}
    assert memory_location(redis) == "Redis keys madar:{seen}:http_127.0.0.1_8000:*"


@pytest.mark.parametrize(("settings", "expected"), [
    ({}, True),
    ({"MADAR_INCREMENTAL": "True"}, False),
    ({"MADAR_INCREMENTAL": True, "MADAR_EMIT_KNOWN": "1"}, True),
    ({"MADAR_EMIT_KNOWN": False}, False),
    ({"REDIS_URL": "redis://x"}, False),
    ({"REDIS_URL": "redis://x", "MADAR_REDIS_REMEMBER_ARTICLES": "False"}, True),
])
def test_snapshot_unless_incremental(settings, expected):
    assert _emit_known(settings) is expected


def test_the_end_of_crawl_line():
    stats = {"item_scraped_count": 5, "madar/dedup/new": 2, "madar/dedup/known": 3,
             "madar/memory/known_at_start": 40, "madar/memory/location": "/s/sites/x",
             "madar/memory/mode": "snapshot"}
    assert memory_summary(stats, "http://h:1") == (
        "5 articles emitted: 2 new, 0 revised, 3 already known from earlier runs; memory: "
        "40 articles before this run, in /s/sites/x (to start over: python -m madar.state "
        "forget --base-url http://h:1)")
    incremental = {**stats, "madar/memory/mode": "incremental", "item_scraped_count": 2}
    assert "(incremental: known articles not emitted)" in memory_summary(incremental)
    assert memory_summary({"item_scraped_count": 5}) is None


def test_forget_one_site_keeps_the_others(tmp_path, capsys):
    sites = ["http://127.0.0.1:8000", "http://127.0.0.1:9000"]
    for base in sites:
        store = open_store({"MADAR_STATE_DIR": str(tmp_path), "MADAR_BASE_URL": base})
        store.close()
    assert state_main(["forget", "--base-url", sites[0], "--state-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith(f"forgot {sites[0]}: 0 articles")
    assert not (tmp_path / "sites" / "http_127.0.0.1_8000").exists()
    assert (tmp_path / "sites" / "http_127.0.0.1_9000").is_dir()
    assert state_main(["forget", "--base-url", sites[0], "--state-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("nothing remembered of")
    assert state_main(["list", "--state-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.split()[0] == "http_127.0.0.1_9000"


def test_forget_refuses_while_a_crawl_holds_the_memory(tmp_path, capsys):
    settings = {"MADAR_STATE_DIR": str(tmp_path), "MADAR_BASE_URL": "http://127.0.0.1:8000"}
    open_store(settings).close()
    with site_lock(state_dir(settings)):
        assert state_main(["forget", "--base-url", "http://127.0.0.1:8000",
                           "--state-dir", str(tmp_path)]) == 1
        assert "another crawl of this site holds its memory" in capsys.readouterr().err
        with pytest.raises(MemoryBusy, match=r"\(pid \d+ since "):
            acquire(state_dir(settings))
    acquire(state_dir(settings)).close()  # released with its holder


def test_a_feed_under_a_file_is_reported_as_such(tmp_path):
    from madar.feeds import cannot_write

    a_file = tmp_path / "hostname"
    a_file.write_text("x")
    target = a_file / "sub" / "articles.jsonl"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        message = cannot_write(target, error)
    assert message == (f"cannot write the feed {target}: parent path {a_file} is a file, "
                       "not a directory")
    assert "free on" not in message
