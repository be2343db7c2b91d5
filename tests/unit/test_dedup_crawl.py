"""The validate + dedup pipelines inside real Scrapy runs (no network: the spider yields
items from ``start``): the second run over the same items with the same state emits nothing,
a changed article comes back with its revision, and drops are counted in the stats."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.stories import ORIGINALS

pytestmark = pytest.mark.slow

SPIDER = textwrap.dedent('''
    import json, sys
    import scrapy
    from madar.items import Article

    class ItemsSpider(scrapy.Spider):
        name = "items"

        async def start(self):
            for data in json.load(open(self.items_path, encoding="utf-8")):
                yield Article(**data)
''')


def crawl(tmp_path: Path, items: list[dict], run: int, *, incremental: bool = True
          ) -> tuple[list[dict], dict]:
    items_path = tmp_path / f"items{run}.json"
    items_path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    spider = tmp_path / "items_spider.py"
    spider.write_text(SPIDER, encoding="utf-8")
    feed = tmp_path / f"run{run}.jsonl"
    stats = tmp_path / f"stats{run}.json"
    script = textwrap.dedent(f'''
        import json
        from scrapy.crawler import CrawlerProcess
        from scrapy.utils.spider import iter_spider_classes
        from scrapy.utils.misc import load_object
        import importlib.util
        spec = importlib.util.spec_from_file_location("items_spider", {str(spider)!r})
        module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
        from madar import settings as project
        process = CrawlerProcess({{
            **{{name: getattr(project, name) for name in dir(project)
               if name.startswith("MADAR_")}},  # settings.py holds madar's defaults
            "ITEM_PIPELINES": {{"madar.pipelines.validate.ValidateArticlePipeline": 400,
                                "madar.pipelines.dedup.DeduplicatePipeline": 500}},
            "MADAR_STATE_DIR": {str(tmp_path / "state")!r},
            "MADAR_NEAR_DUP_THRESHOLD": 0.6,
            "MADAR_EMIT_KNOWN": {not incremental!r},
            "MADAR_DUPLICATES_FEED": {str(tmp_path / "duplicates.jsonl")!r},
            "FEEDS": {{{str(feed)!r}: {{"format": "jsonlines", "encoding": "utf-8"}}}},
            "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
            "LOG_LEVEL": "INFO",
        }})
        crawler = process.create_crawler(module.ItemsSpider)
        process.crawl(crawler, items_path={str(items_path)!r})
        process.start()
        json.dump({{k: v for k, v in crawler.stats.get_stats().items()
                   if k.startswith("madar/")}}, open({str(stats)!r}, "w"))
    ''')
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-3000:]
    emitted = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()] \
        if feed.exists() else []
    return emitted, json.loads(stats.read_text())


def article(n: int, key: str, **extra) -> dict:
    return {"url": f"https://madaralyoum.com/{n}/", "post_id": 100 + n,
            "title": f"خبر رقم {n}", "published": "2017-08-10", "text": ORIGINALS[key],
            **extra}


def test_second_run_emits_nothing_and_updates_come_back(tmp_path) -> None:
    items = [article(n, key) for n, key in enumerate(ORIGINALS, start=1)]
    items.append(article(20, "astana_opposition", url="https://madaralyoum.com/2/?utm_source=x",
                         post_id=102, title="خبر رقم 2"))              # URL variant of #2
    items.append(article(21, "weather_cold"))                           # same text, new post
    items.append(article(22, "astana_prep",                             # republication
                         text="بيروت – وكالات\n\n" + ORIGINALS["astana_prep"].split("\n\n", 1)[1]))
    items.append(article(23, "astana_prep", title=None))                # invalid

    first, stats1 = crawl(tmp_path, items, 1, incremental=False)  # a fresh snapshot
    assert len(first) == len(ORIGINALS)
    assert {a["revision"] for a in first} == {1}
    assert stats1["madar/dropped/no_title"] == 1
    assert stats1["madar/duplicates/near"] == 1
    assert stats1["madar/duplicates/text"] + stats1.get("madar/duplicates/url", 0) == 2
    sides = (tmp_path / "duplicates.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(sides) == 3 and all(json.loads(s)["duplicate_of"] for s in sides)

    second, stats2 = crawl(tmp_path, items, 2)
    assert second == []
    assert stats2["madar/duplicates/url"] == len(items) - 1

    # A snapshot over the same memory: every known article once more, each once.
    snapshot, stats_s = crawl(tmp_path, items, 4, incremental=False)
    assert sorted(a["url"] for a in snapshot) == sorted(a["url"] for a in first)
    assert {a["revision"] for a in snapshot} == {1}
    assert stats_s["madar/dedup/known"] == len(first)

    items[0]["text"] += "\n\nتحديث: أعلن موعد الجولة رسمياً."
    third, _ = crawl(tmp_path, items, 3)
    assert [(a["url"], a["revision"]) for a in third] == [(items[0]["url"], 2)]
