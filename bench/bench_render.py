"""Pages per second: plain vs Splash vs Playwright on the same script-filled local pages.

Serves N article pages (body and check-also box filled by XHR), N/4 listing pages (a
"load more" list filled by inline script) and N server-rendered pages on loopback, then
crawls them with ``mirror.probe`` in a subprocess for each configuration:

- ``plain``: rendering off (the script-filled content is missed);
- ``<renderer>-direct``: every page sent to the renderer straight away;
- ``<renderer>-detect``: plain fetch, ``needs_rendering`` on the HTML, re-render from that HTML.

Rate = pages / Scrapy's ``elapsed_time_seconds`` (spider open to close; browser or Splash start
inside it for Playwright, Splash itself is already running). Results: bench/results/render.json.

    python bench/bench_render.py [--pages 40] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.crawl import run_probe_process  # noqa: E402
from tests.js_site import ARTICLE, LISTING, PLAIN, SCRIPT_TEXTS, JsSite, serve_js_site  # noqa: E402
from tests.servers import chromium_ready_or_reason, running_splash, splash_installed  # noqa: E402

PLAIN_TEXT = "نص مكتوب في الخادم بلا سكربت"


def bench_pages(site: JsSite, n_articles: int) -> list[str]:
    paths = []
    for i in range(n_articles):
        path = f"/bench/article-{i}.html"
        site.extra_pages[path] = ("text/html; charset=utf-8", ARTICLE.encode())
        paths.append(path)
    for i in range(max(1, n_articles // 4)):
        path = f"/bench/listing-{i}.html"
        site.extra_pages[path] = ("text/html; charset=utf-8", LISTING.encode())
        paths.append(path)
    for i in range(n_articles):
        path = f"/bench/plain-{i}.html"
        site.extra_pages[path] = ("text/html; charset=utf-8", PLAIN.encode())
        paths.append(path)
    return paths


def needs_script(item: dict) -> bool:
    return "/plain-" not in item["url"]


def complete(item: dict) -> bool:
    if not needs_script(item):
        return PLAIN_TEXT in item["text"]
    kind = "/article.html" if "/article-" in item["url"] else "/listing.html"
    return all(text in item["text"] for text in SCRIPT_TEXTS[kind])


def run(name: str, urls: list[str], out: Path, **kwargs) -> dict:
    started = time.monotonic()
    items, stats = run_probe_process(urls, out_dir=out, timeout=900, **kwargs)
    wall = time.monotonic() - started
    elapsed = float(stats["elapsed_time_seconds"])
    result = {
        "pages": len(items),
        "script_filled_pages": sum(needs_script(item) for item in items),
        "complete_pages": sum(complete(item) for item in items),
        "crawl_seconds": round(elapsed, 3),
        "pages_per_second": round(len(items) / elapsed, 2),
        "process_wall_seconds": round(wall, 3),
        "rendered_responses": sum(item["rendered"] for item in items),
    }
    print(f"{name:20s} {result}", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=40, help="article pages (+ pages/4 listings)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--output", default=str(REPO / "bench/results/render.json"))
    args = parser.parse_args()

    with serve_js_site() as site:
        urls = [site.url(path) for path in bench_pages(site, args.pages)]
        results: dict[str, dict] = {}
        skipped: dict[str, str] = {}
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            common = {"concurrency": args.concurrency}

            def both_strategies(render: str, **options: str) -> None:
                for strategy in ("direct", "detect"):
                    results[f"{render}-{strategy}"] = run(
                        f"{render}-{strategy}", urls, out, render=render, strategy=strategy,
                        **common, **options)

            results["plain"] = run("plain", urls, out, render="off", **common)
            if splash_installed():
                with running_splash() as splash_url:
                    # Warm-up render so Splash's first-page cost is not billed to one strategy.
                    run_probe_process(urls[:2], "splash", out, splash_url=splash_url)
                    both_strategies("splash", splash_url=splash_url)
            else:
                skipped["splash"] = "not installed (deploy/splash/install-splash.sh)"
            reason = chromium_ready_or_reason()
            if reason is None:
                both_strategies("playwright")
            else:
                skipped["playwright"] = reason

    report = {
        "what": "pages/s on the same script-filled local pages (loopback), one crawl each",
        "pages": len(urls),
        "concurrency": args.concurrency,
        "machine": {"cores": __import__("os").cpu_count(), "python": platform.python_version()},
        "results": results,
        "skipped": skipped,
        "notes": [
            "pages: N script-filled articles + N/4 script-filled listings + N server-rendered",
            "complete_pages: pages whose expected text (script-inserted, or server-rendered for "
            "plain pages) is present; plain mode misses every script-filled page",
            "detect = plain fetch + needs_rendering + re-render of the fetched HTML",
            "Splash runs with 8 slots (run-splash.sh default); Playwright with Debian Chromium",
        ],
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
