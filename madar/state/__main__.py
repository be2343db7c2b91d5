"""``python -m madar.state``: look at or forget the memory of one site.

    python -m madar.state list   [--state-dir DIR]
    python -m madar.state forget --base-url URL [--state-dir DIR]

``forget`` deletes what madar remembers of one site (its directory under
``<state-dir>/sites/``, or its keys in Redis when ``REDIS_URL`` is set), so the next crawl of
that site starts over; other sites keep theirs. It refuses while a crawl of that site holds
its memory. Exit statuses: 0 done (also when there was nothing to forget), 1 refused,
2 bad usage.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from madar.state import (
    SITES_DIR,
    memory_location,
    redis_prefix,
    redis_url_of,
    site_key,
    state_dir,
    state_root,
)
from madar.state.lock import MemoryBusy, site_lock


def _settings(options: argparse.Namespace) -> dict[str, str]:
    settings = {}
    if getattr(options, "base_url", None):
        settings["MADAR_BASE_URL"] = options.base_url
    if options.state_dir:
        settings["MADAR_STATE_DIR"] = options.state_dir
    return settings


def _forget(options: argparse.Namespace) -> int:
    settings = _settings(options)
    try:
        site_key(options.base_url)
    except ValueError as error:
        print(f"madar.state: {error}", file=sys.stderr)
        return 2
    redis_url = redis_url_of(settings)
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{redis_prefix(settings)}:*", count=1000))
        if keys:
            client.delete(*keys)
        print(f"forgot {options.base_url}: {len(keys)} Redis keys "
              f"({memory_location(settings)})")
        return 0
    directory = Path(state_dir(settings))
    if not directory.exists():
        print(f"nothing remembered of {options.base_url} ({directory})")
        return 0
    try:
        with site_lock(directory):
            articles = _count(settings)
            for child in directory.iterdir():  # the lock file last, with the directory
                if child.name != "crawl.lock":
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
    except MemoryBusy as busy:
        print(f"madar.state: {busy}; not forgotten", file=sys.stderr)
        return 1
    shutil.rmtree(directory, ignore_errors=True)
    print(f"forgot {options.base_url}: {articles} articles ({directory})")
    return 0


def _count(settings: dict[str, str]) -> int:
    from madar.state import open_store

    store = open_store(settings)
    try:
        return store.count()
    finally:
        store.close()


def _list(options: argparse.Namespace) -> int:
    root = Path(state_root(_settings(options))) / SITES_DIR
    sites = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    if not sites:
        print(f"no site remembered in {root}")
    for site in sites:
        print(site.name, site)
    return 0


def build_parser() -> argparse.ArgumentParser:
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
    return parser


def main(argv: list[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    return _forget(options) if options.command == "forget" else _list(options)


if __name__ == "__main__":
    sys.exit(main())
