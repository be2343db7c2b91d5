"""A bare Scrapy spider that walks the mirror exactly as ``madar`` does and yields only URLs.

The throughput baseline (``bench_throughput.py``): same start page, same listing walk
(madar's own :class:`~madar.pages.ListingPage` finds the latest-news link, the posts and
the next page), same article requests (``madar.urls`` filters and canonical form), same
check-also / related boxes followed, but no article extraction, no cleaning, validation,
dedup or state: each article response yields ``{"url": ...}`` and nothing else. Run it
outside the project directory so that Scrapy's defaults apply, not madar's settings:

    python -m scrapy runspider bench/bare_spider.py -a base_url=http://127.0.0.1:8000 -O urls.jsonl
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urljoin

import scrapy

from madar.pages import ListingPage
from madar.urls import canonical_url, is_article_candidate, same_host

#: The boxes madar's page objects read related posts from (Sahifa and Jannah).
RELATED_LINKS = ("#check-also-box .check-also-post a::attr(href), "
                 "#related_posts .related-item a::attr(href), "
                 "section#related_posts .post-listing a::attr(href), "
                 "#related-posts .related-item a::attr(href)")


class BareSpider(scrapy.Spider):
    name = "bare"
    custom_settings: ClassVar[dict] = {
        # What madar's settings set that changes which requests are sent.
        "ROBOTSTXT_OBEY": True,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "RETRY_TIMES": 4,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "FEED_EXPORT_ENCODING": "utf-8",
    }

    def __init__(self, base_url: str, max_related: int = 20, **kwargs) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.max_related = int(max_related)

    async def start(self):
        yield scrapy.Request(self.base_url + "/", callback=self.parse_home, priority=10)

    def parse_home(self, response):
        page = ListingPage(response.url, response.text)
        latest = page.latest_news_url()
        if latest:
            yield self._listing(latest, 1)
        yield from self._articles(page.article_links())

    def parse_listing(self, response, page_number: int):
        page = ListingPage(response.url, response.text)
        yield from self._articles([entry.url for entry in page.entries()])
        next_url = page.next_page_url()
        if next_url:
            yield self._listing(next_url, page_number + 1)

    def parse_article(self, response):
        yield {"url": response.url}
        if not response.css("body.single-post"):
            return  # not a post (attachment page, 404): madar follows nothing from it
        hrefs = response.css(RELATED_LINKS).getall()
        urls: list[str] = []
        for href in hrefs:
            url = canonical_url(urljoin(response.url, href))
            if url not in urls and url != canonical_url(response.url):
                urls.append(url)
        yield from self._articles(urls[: self.max_related])

    def _listing(self, url: str, page_number: int) -> scrapy.Request:
        return scrapy.Request(canonical_url(urljoin(self.base_url, url)),
                              callback=self.parse_listing,
                              cb_kwargs={"page_number": page_number}, priority=5)

    def _articles(self, urls):
        for url in urls:
            url = urljoin(self.base_url, url)
            if same_host(url, self.base_url) and is_article_candidate(url):
                yield scrapy.Request(canonical_url(url), callback=self.parse_article)
