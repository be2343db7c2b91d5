"""``python -m madar.distributed {seed,status,reset}``: manage a shared crawl in Redis.

- ``seed``   queue the spider's start requests (the home page) through the shared
             dupefilter, for workers started later. Optional: the first worker seeds too.
- ``status`` queued requests, live and busy workers, fingerprints remembered.
- ``reset``  delete the crawl's queue, fingerprints and worker records (a fresh full crawl);
             ``--items`` also deletes the item dedup state (``madar.state``), so articles
             already collected are emitted again. Refuses while workers are alive.

The Redis URL comes from ``--redis-url``, else the ``REDIS_URL`` setting/environment; the
crawl from ``--base-url`` (default: ``MADAR_BASE_URL``) and ``MADAR_REDIS_CRAWL_PREFIX``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

from madar.distributed.coordination import SharedCrawl
from madar.distributed.keys import CrawlKeys


def _settings(redis_url: str | None, base_url: str | None) -> Any:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "madar.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    if redis_url:
        settings.set("REDIS_URL", redis_url, priority="cmdline")
    if base_url:
        settings.set("MADAR_BASE_URL", base_url, priority="cmdline")
    if not settings.get("REDIS_URL"):
        raise SystemExit("error: no Redis: pass --redis-url or set REDIS_URL")
    return settings


def _server(settings: Any) -> Any:
    import redis
    from scrapy_redis.connection import get_redis_from_settings

    server = get_redis_from_settings(settings)
    try:
        server.ping()
    except redis.RedisError as error:
        url = settings.get("REDIS_URL")
        raise SystemExit(f"error: cannot use Redis at {url}: {error}") from None
    return server


def _keys(settings: Any) -> CrawlKeys:
    return CrawlKeys.for_base_url(settings.get("MADAR_BASE_URL"),
                                  settings.get("MADAR_REDIS_CRAWL_PREFIX"))


async def _collect(agen: Any) -> list:
    return [request async for request in agen]


def seed(settings: Any) -> dict[str, Any]:
    """Queue the spider's start requests through the shared dupefilter (never twice)."""
    from scrapy.crawler import Crawler
    from scrapy.utils.misc import build_from_crawler, load_object

    from madar.distributed.dupefilter import SharedDupeFilter
    from madar.distributed.scheduler import SharedQueue, enqueue
    from madar.spiders.madar import MadarSpider

    crawler = Crawler(MadarSpider, settings)
    crawler.request_fingerprinter = build_from_crawler(
        load_object(crawler.settings["REQUEST_FINGERPRINTER_CLASS"]), crawler)
    spider = MadarSpider.from_crawler(crawler, base_url=settings.get("MADAR_BASE_URL"))
    server, keys = _server(settings), _keys(settings)
    crawl = SharedCrawl(server, keys, worker="seed")
    fresh = crawl.begin_run_if_idle()
    dupefilter = SharedDupeFilter(server, keys, fingerprinter=crawler.request_fingerprinter,
                                  remember_articles=settings.getbool(
                                      "MADAR_REDIS_REMEMBER_ARTICLES", True))
    queue = SharedQueue(server, spider, keys.queue)
    queued, skipped = [], []
    for request in asyncio.run(_collect(spider.start())):
        (queued if enqueue(crawl, dupefilter, queue, request) else skipped).append(request.url)
    return {"crawl": keys.prefix, "new_run": fresh, "queued": queued, "already_seen": skipped}


def status(settings: Any) -> dict[str, Any]:
    server, keys = _server(settings), _keys(settings)
    state = SharedCrawl(server, keys, worker="status").status()
    return {"crawl": keys.prefix, "queued": state.queued, "live_workers": state.live_workers,
            "busy_workers": state.busy_workers,
            "workers": [w.decode() for w in server.zrange(keys.workers, 0, -1)],
            "articles_seen": server.scard(keys.seen_articles),
            "articles_failed_retry_next_run": server.scard(keys.failed_articles),
            "listings_seen_this_run": server.scard(keys.seen_this_run)}


def reset(settings: Any, items: bool = False, force: bool = False) -> dict[str, Any]:
    server, keys = _server(settings), _keys(settings)
    state = SharedCrawl(server, keys, worker="reset").status()
    if state.live_workers and not force:
        raise SystemExit(f"error: {state.live_workers} worker(s) still alive on {keys.prefix}; "
                         "stop them first (or --force)")
    deleted = server.delete(*keys.all())
    if items:  # this site's item memory only (madar.state keeps one per site)
        from madar.state import redis_prefix

        prefix = redis_prefix(settings)
        for key in server.scan_iter(match=_glob_escape(prefix) + ":*", count=1000):
            deleted += server.delete(key)
    return {"crawl": keys.prefix, "keys_deleted": deleted, "items_state_deleted": items}


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m madar.distributed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("seed", "status", "reset"):
        sub = commands.add_parser(name)
        sub.add_argument("--redis-url", help="default: REDIS_URL")
        sub.add_argument("--base-url", help="the site of the crawl (default: MADAR_BASE_URL)")
        if name == "reset":
            sub.add_argument("--items", action="store_true",
                             help="also delete the item dedup state (madar.state)")
            sub.add_argument("--force", action="store_true",
                             help="even if workers are alive")
    args = parser.parse_args(argv)
    settings = _settings(args.redis_url, args.base_url)
    if args.command == "seed":
        result = seed(settings)
    elif args.command == "status":
        result = status(settings)
    else:
        result = reset(settings, items=args.items, force=args.force)
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
