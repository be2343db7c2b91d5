"""A loopback site whose pages get their content from scripts, counting hits per path (to
prove a page is not fetched twice). Used by the rendering tests and bench/bench_render.py."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

ARTICLE = """<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>اجتماع روسي ايراني</title></head>
<body class="single single-post">
<article id="the-post">
  <h1 class="post-title entry-title">اجتماع روسي ايراني في طهران</h1>
  <div class="entry-content"><p class="loading">جار التحميل…</p></div>
  <section id="check-also-box"></section>
</article>
<script src="/static/fill-article.js"></script>
</body></html>
"""
FILL_ARTICLE_JS = """
var xhr = new XMLHttpRequest();
xhr.open('GET', '/api/article.json');
xhr.onload = function () {
  var data = JSON.parse(xhr.responseText);
  document.querySelector('.entry-content').innerHTML = '<p>' + data.body + '</p>';
  document.getElementById('check-also-box').innerHTML =
    '<a class="check-also-post" href="/also.html">' + data.also + '</a>';
};
xhr.send();
"""
ARTICLE_JSON = {
    "body": "طهران – مدار اليوم بحث وزيرا خارجية البلدين نص الخبر الكامل",
    "also": "تعديلات في قانون الأحوال الشخصية",
}
LISTING = """<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>آخر الأخبار</title></head>
<body>
<div class="entry"><p>قائمة آخر الأخبار</p></div>
<ul class="posts-items load-more-posts" data-load-more="/api/latest.json"></ul>
<script>
(function () {
  var list = document.querySelector('[data-load-more]');
  var items = ['خبر محمّل بالسكربت أول', 'خبر محمّل بالسكربت ثان'];
  for (var i = 0; i < items.length; i++) {
    var li = document.createElement('li');
    li.innerHTML = '<a href="/news-' + i + '.html">' + items[i] + '</a>';
    list.appendChild(li);
  }
})();
</script>
</body></html>
"""
PLAIN = """<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>خبر عادي</title></head>
<body><article><h1 class="post-title entry-title">خبر عادي</h1>
<div class="entry"><p>نص مكتوب في الخادم بلا سكربت</p></div></article>
<script>window.analytics = true;</script>
</body></html>
"""
PAGES: dict[str, tuple[str, bytes]] = {
    "/article.html": ("text/html; charset=utf-8", ARTICLE.encode()),
    "/static/fill-article.js": ("application/javascript", FILL_ARTICLE_JS.encode()),
    "/api/article.json": (
        "application/json",
        json.dumps(ARTICLE_JSON, ensure_ascii=False).encode(),
    ),
    "/listing.html": ("text/html; charset=utf-8", LISTING.encode()),
    "/plain.html": ("text/html; charset=utf-8", PLAIN.encode()),
}
SCRIPT_TEXTS = {
    "/article.html": [ARTICLE_JSON["body"], ARTICLE_JSON["also"]],
    "/listing.html": ["خبر محمّل بالسكربت أول", "خبر محمّل بالسكربت ثان"],
}


@dataclass
class JsSite:
    base_url: str
    hits: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    user_agents: dict[str, set[str]] = field(default_factory=dict)
    extra_pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path


class _Handler(http.server.BaseHTTPRequestHandler):
    site: JsSite

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        with self.site.lock:
            self.site.hits[path] += 1
            agents = self.site.user_agents.setdefault(path, set())
            agents.add(self.headers.get("User-Agent", ""))
        page = PAGES.get(path) or self.site.extra_pages.get(path)
        if page is None:
            self.send_error(404)
            return
        content_type, body = page
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve_js_site() -> Iterator[JsSite]:
    """Serve the pages on a free loopback port until the block ends."""
    site = JsSite(base_url="")
    handler = type("Handler", (_Handler,), {"site": site})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    site.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
