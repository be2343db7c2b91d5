"""``python -m madar.distributed {seed,status,reset}``: manage a shared crawl in Redis.

seed: queue the home page (through the shared dupefilter: never twice) for workers started
later. status: queued requests, live and busy workers, fingerprints remembered. reset: delete
the crawl's queue, fingerprints and worker records (a fresh full crawl); --items also deletes
the site's item dedup memory, so collected articles are emitted again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

from madar.distributed.coordination import CrawlKeys, SharedCrawl


def _connect(redis_url: str | None, base_url: str | None) -> tuple[Any, Any, CrawlKeys]:
    """The settings, a Redis client that answers, and the crawl's keys."""
    import redis
    from scrapy.utils.project import get_project_settings
    from scrapy_redis.connection import get_redis_from_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "madar.settings")
    settings = get_project_settings()
    for name, value in (("REDIS_URL", redis_url), ("MADAR_BASE_URL", base_url)):
        if value:
            settings.set(name, value, priority="cmdline")
    if not settings.get("REDIS_URL"):
        raise SystemExit("error: no Redis: pass --redis-url or set REDIS_URL")
    server = get_redis_from_settings(settings)
    try:
        server.ping()
    except redis.RedisError as error:
        raise SystemExit(f"error: cannot use Redis at {settings['REDIS_URL']}: {error}") from None
    keys = CrawlKeys.for_base_url(settings["MADAR_BASE_URL"], settings["MADAR_REDIS_CRAWL_PREFIX"])
    return settings, server, keys


def seed(settings: Any, server: Any, keys: CrawlKeys) -> dict[str, Any]:
    from scrapy.crawler import Crawler
    from scrapy.utils.asyncgen import collect_asyncgen
    from scrapy.utils.misc import build_from_crawler, load_object
    from scrapy_redis.queue import PriorityQueue

    from madar.distributed.scheduler import SharedDupeFilter, enqueue
    from madar.spiders.madar import MadarSpider

    crawler = Crawler(MadarSpider, settings)
    crawler.request_fingerprinter = build_from_crawler(
        load_object(settings["REQUEST_FINGERPRINTER_CLASS"]), crawler)
    spider = MadarSpider.from_crawler(crawler, base_url=settings["MADAR_BASE_URL"])
    crawl = SharedCrawl(server, keys, worker="seed")
    fresh = crawl.join(register=False)
    dupefilter = SharedDupeFilter(server, keys, crawler.request_fingerprinter,
                                  remember_articles=settings.getbool("MADAR_REDIS_REMEMBER_ARTICLES"))
    queue = PriorityQueue(server, spider, keys.queue)
    queued, skipped = [], []
    for request in asyncio.run(collect_asyncgen(spider.start())):
        (queued if enqueue(crawl, dupefilter, queue, request) else skipped).append(request.url)
    return {"crawl": keys.prefix, "new_run": fresh, "queued": queued, "already_seen": skipped}


def status(settings: Any, server: Any, keys: CrawlKeys) -> dict[str, Any]:
    state = SharedCrawl(server, keys, worker="status").status()
    return {"crawl": keys.prefix, "queued": state.queued, "live_workers": state.live_workers,
            "busy_workers": state.busy_workers,
            "workers": [w.decode() for w in server.zrange(keys.workers, 0, -1)],
            "articles_seen": server.scard(keys.seen_articles),
            "articles_failed_retry_next_run": server.scard(keys.failed_articles),
            "listings_seen_this_run": server.scard(keys.seen_this_run)}


def reset(settings: Any, server: Any, keys: CrawlKeys, items: bool = False,
          force: bool = False) -> dict[str, Any]:
    state = SharedCrawl(server, keys, worker="reset").status()
    if state.live_workers and not force:
        raise SystemExit(f"error: {state.live_workers} worker(s) still alive on {keys.prefix}; "
                         "stop them first (or --force)")
    deleted = server.delete(*keys.all())
    if items:  # this site's item memory only (madar.state keeps one per site)
        from madar.state import forget_redis

        deleted += forget_redis(server, settings)
    return {"crawl": keys.prefix, "keys_deleted": deleted, "items_state_deleted": items}


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
            sub.add_argument("--force", action="store_true", help="even if workers are alive")
    args = parser.parse_args(argv)
    connection = _connect(args.redis_url, args.base_url)
    if args.command == "seed":
        result = seed(*connection)
    elif args.command == "status":
        result = status(*connection)
    else:
        result = reset(*connection, items=args.items, force=args.force)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
