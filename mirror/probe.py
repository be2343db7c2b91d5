"""A minimal crawl of given URLs through the rendering switch (tests, benchmarks, smoke checks).

It is also the reference wiring for a spider:

- ``from_crawler``: pick the mode (``-a render=`` or ``SPLASH_URL``) and merge its settings into
  the still-mutable crawler settings (Scrapy >= 2.11 allows this in ``from_crawler``);
- callback: a plain response whose page ``needs_rendering`` is re-rendered from its own HTML
  (``rendered_request(..., html=response.text)``), so the page URL is fetched once.

Usage::

    python -m mirror.probe --render splash --splash-url http://127.0.0.1:8050 \
        --output out.jl URL [URL ...]

``--strategy direct`` sends rendered requests straight away (no plain fetch first): the mode a
benchmark of the renderers' raw speed uses.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess

from madar.rendering import (
    META_RERENDER,
    apply_render_settings,
    is_html_response,
    is_rendered,
    needs_rendering,
    render_mode,
    rendered_request,
    script_filled_containers,
)


class RenderProbeSpider(scrapy.Spider):
    name = "render_probe"

    def __init__(
        self, urls: str = "", render: str | None = None, strategy: str = "detect", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.urls = [u for u in urls.split() if u]
        self.strategy = strategy
        self.render_mode = "off"

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> RenderProbeSpider:
        mode = render_mode(crawler.settings, kwargs.get("render"))
        apply_render_settings(crawler.settings, mode)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.render_mode = mode
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            if self.strategy == "direct" and self.render_mode != "off":
                yield rendered_request(url, self.render_mode, self.parse)
            else:
                yield scrapy.Request(url, self.parse)

    def parse(self, response: scrapy.http.Response) -> Any:
        if not is_html_response(response):
            self.logger.error("Not an HTML response: %r", response)
            return
        html = response.text
        if self.render_mode != "off" and not is_rendered(response) and needs_rendering(html):
            yield rendered_request(response.url, self.render_mode, self.parse, html=html)
            return
        yield {
            "url": response.url,
            "status": response.status,
            "rendered": is_rendered(response),
            "rerendered": bool(response.meta.get(META_RERENDER)),
            "empty_containers": script_filled_containers(html),
            "text": " ".join(
                t.strip()
                for t in response.xpath(
                    "//body//text()[not(ancestor::script) and not(ancestor::style)]"
                ).getall()
                if t.strip()
            ),
        }


def probe_settings(splash_url: str | None, output: str, concurrency: int = 8) -> dict[str, Any]:
    return {
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "ROBOTSTXT_OBEY": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "RETRY_ENABLED": False,
        "SPLASH_URL": splash_url,
        "FEEDS": {output: {"format": "jsonlines", "encoding": "utf-8", "overwrite": True}},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--render", default="off", choices=("off", "splash", "playwright"))
    parser.add_argument("--splash-url", default=None)
    parser.add_argument("--strategy", default="detect", choices=("detect", "direct"))
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--output", required=True)
    parser.add_argument("--stats", help="write the crawl stats here as JSON")
    parser.add_argument("urls", nargs="+")
    args = parser.parse_args(argv)

    process = CrawlerProcess(probe_settings(args.splash_url, args.output, args.concurrency))
    crawler = process.create_crawler(RenderProbeSpider)
    process.crawl(crawler, urls=" ".join(args.urls), render=args.render, strategy=args.strategy)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    if args.stats:
        with open(args.stats, "w", encoding="utf-8") as f:
            json.dump(stats, f, default=str, indent=1, sort_keys=True)
    errors = stats.get("log_count/ERROR", 0)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
