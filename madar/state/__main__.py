"""``python -m madar.state list|forget``: the sites with a memory, or forget one site's (its
directory, or its Redis keys when ``REDIS_URL`` is set) so its next crawl starts over.
Exit status: 0 done (also when nothing was remembered), 1 a crawl holds it, 2 bad usage.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from madar import state as memory


def _forget(base_url: str, settings: dict[str, str]) -> int:
    try:
        memory.site_key(base_url)
    except ValueError as error:
        print(f"madar.state: {error}", file=sys.stderr)
        return 2
    redis_url = memory.redis_url_of(settings)
    if redis_url:
        import redis

        deleted = memory.forget_redis(redis.Redis.from_url(redis_url), settings)
        print(f"forgot {base_url}: {deleted} Redis keys ({memory.memory_location(settings)})")
        return 0
    directory = Path(memory.state_dir(settings))
    if not directory.exists():
        print(f"nothing remembered of {base_url} ({directory})")
        return 0
    try:
        with memory.site_lock(directory):
            store = memory.open_store(settings)
            articles = store.count()
            store.close()
            for child in directory.iterdir():  # the lock file last, with the directory
                if child.name != memory.LOCK_NAME:
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
    except memory.MemoryBusy as busy:
        print(f"madar.state: {busy}; not forgotten", file=sys.stderr)
        return 1
    shutil.rmtree(directory, ignore_errors=True)
    print(f"forgot {base_url}: {articles} articles ({directory})")
    return 0


def _list(settings: dict[str, str]) -> int:
    root = Path(memory.state_root(settings)) / memory.SITES_DIR
    sites = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    if not sites:
        print(f"no site remembered in {root}")
    for site in sites:
        print(site.name, site)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m madar.state",
                                     description="Look at or forget the memory of one site.")
    commands = parser.add_subparsers(dest="command", required=True)
    forget = commands.add_parser("forget", help="forget everything remembered of one site")
    forget.add_argument("--base-url", required=True,
                        help="the site, as crawled (scheme, host and port count)")
    listing = commands.add_parser("list", help="the sites with a memory on disk")
    for command in (forget, listing):
        command.add_argument("--state-dir", default=None,
                             help="default: setting MADAR_STATE_DIR (.madar-state)")
    options = parser.parse_args(argv)
    settings = {"MADAR_STATE_DIR": options.state_dir} if options.state_dir else {}
    if options.command == "list":
        return _list(settings)
    return _forget(options.base_url, {**settings, "MADAR_BASE_URL": options.base_url})


if __name__ == "__main__":
    sys.exit(main())
