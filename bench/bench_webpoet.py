"""Extraction cost per article: madar's page objects vs the same page written for web-poet.

Decides issue 10's question "the real web-poet library (``WebPage``, ``@field``, its
fixtures) in place of the home-made ``attribute`` marker and ``to_item`` loop?" with
figures. Every Jannah and Sahifa post page of the offline mirror (variants mixed, rendered
in process, no HTTP) is extracted by

- ``madar``: ``article_page_for(url, html).to_item()`` (today's page objects);
- ``web-poet``: a ``WebPage`` + ``Returns[Article]`` with one ``@field`` per Article field,
  the fields computed by the same extraction code (one shared parse), collected by
  ``to_item()`` (the coroutine scrapy-poet awaits, driven here without an event loop);
- ``web-poet + parsel``: the same, plus what an idiomatic web-poet page adds: the
  response's parsel ``Selector`` and the core fields (title, date, body, tags, boxes) read
  through ``self.css()`` instead of madar's cached id/class index.

Each run checks that web-poet's item equals madar's (the comparison is about cost only).
Best of ``--repeat`` passes (CPU time: the machine is shared) after a warm-up; ratios
against ``madar`` measured in the same run. Results: bench/results/webpoet.json.

    python bench/bench_webpoet.py [--articles 400] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, machine, mirror_pages, save, table

RESULTS = REPO / "bench" / "results" / "webpoet.json"


def build_pages():
    """The web-poet page classes (imported lazily: web-poet is a bench dependency only)."""
    from web_poet import HttpResponse, Returns, WebPage, field

    from madar.items import ARTICLE_FIELDS, Article
    from madar.pages import article_page_for

    class MadarWebPage(WebPage, Returns[Article]):
        """One ``@field`` per Article field over madar's extraction code."""

        @property
        def _page(self):
            page = self.__dict__.get("_madar")
            if page is None:
                page = self.__dict__["_madar"] = article_page_for(
                    str(self.response.url), self.response.text)
            return page

    def _make(name: str):
        def read(self):
            return getattr(self._page, name)()
        read.__name__ = name
        return field(read)

    # Fields register when the class is created (``__set_name__``): build it with them.
    fields_page = type("MadarFieldsPage", (MadarWebPage,),
                       {name: _make(name) for name in ARTICLE_FIELDS if name != "revision"})

    class ParselWebPage(fields_page):
        """What an idiomatic page adds: parsel selectors for the core fields."""

        def _parsel_reads(self) -> None:
            self.css("h1.post-title::text, h1.entry-title::text").get()
            self.css(".entry-header .post-meta .date::text, .post-meta .tie-date::text").get()
            self.css("div.entry-content p, div.entry p").getall()
            self.css(".post-bottom-tags a::text, p.post-tag a::text").getall()
            self.css("#check-also-box a::attr(href), #related-posts a::attr(href), "
                     "#related_posts a::attr(href)").getall()

    def to_item(page) -> Article:
        coroutine = page.to_item()
        try:
            coroutine.send(None)
        except StopIteration as done:
            return done.value
        raise RuntimeError("to_item awaited something")

    def webpoet(url: str, body: bytes) -> Article:
        return to_item(fields_page(HttpResponse(url, body, encoding="utf-8")))

    def webpoet_parsel(url: str, body: bytes) -> Article:
        page = ParselWebPage(HttpResponse(url, body, encoding="utf-8"))
        page._parsel_reads()
        return to_item(page)

    def madar(url: str, body: bytes) -> Article:
        return article_page_for(url, body.decode("utf-8")).to_item()

    return {"madar": madar, "web-poet": webpoet, "web-poet + parsel": webpoet_parsel}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    import web_poet

    from madar.pages import article_page_for

    pages = [(url, body) for url, body, _ in mirror_pages(args.articles, args.seed)
             if article_page_for(url, body.decode("utf-8")) is not None]
    extractors = build_pages()
    for url, body in pages:  # same items (and warm-up)
        expected = asdict(extractors["madar"](url, body))
        for name in ("web-poet", "web-poet + parsel"):
            got = asdict(extractors[name](url, body))
            got["fetched_at"] = expected["fetched_at"]
            assert got == expected, (name, url)
    timings: dict[str, list[float]] = {name: [] for name in extractors}
    for _ in range(args.repeat):
        for name, extract in extractors.items():
            started = time.process_time()
            for url, body in pages:
                extract(url, body)
            timings[name].append(1e3 * (time.process_time() - started) / len(pages))
    base = min(timings["madar"])
    results = [{"extractor": name, "ms_per_article": min(values),
                "ms_median_pass": statistics.median(values), "ratio": min(values) / base}
               for name, values in timings.items()]
    print(f"{len(pages)} mirror article pages (variants mixed), best of {args.repeat}; "
          f"web-poet {web_poet.__version__ if hasattr(web_poet, '__version__') else ''}")
    print(table(["extractor", "ms/article", "median pass", "× madar"],
                [[r["extractor"], r["ms_per_article"], r["ms_median_pass"], r["ratio"]]
                 for r in results]))
    save(args.out, {"benchmark": "webpoet", "machine": machine(), "articles": args.articles,
                    "seed": args.seed, "pages": len(pages), "repeat": args.repeat,
                    "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
