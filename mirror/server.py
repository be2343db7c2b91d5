"""The mirror's HTTP side: URL routing, cached page bytes, a threaded loopback server.

``Mirror.respond`` maps (method, raw path, host) to a ``Reply``; it is a pure function of the
site model, so the HTTP layer stays thin. Rendered pages are cached as bytes with a placeholder
origin, swapped for the request's own origin (Host header) on the way out. Later fault
injection (5xx, resets, stalls, truncation) plugs in as a ``reply_hook`` on ``MirrorServer``
without touching the routes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import ipaddress
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

from . import scripted
from .article import amp_page, article_page, attachment_page
from .changes import SiteChanges
from .generator import Post, Site, build_site, wp_quote
from .listing import (
    feed_xml,
    robots_txt,
    simple_page,
    wp_json,
)
from .listing import listing_page as _listing_page
from .render import BASE, Chrome
from .sitemaps import PAGES, Sitemaps
from .variants import Markup
from .variants import choose as choose_markup
from .variants import validate as validate_variants

BASE_BYTES = BASE.encode()
HTML = "text/html; charset=UTF-8"
SLOW_SECONDS = 2.0
_HOST_OK = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_PAGED = re.compile(r"^(?P<base>.*/)page/(?P<n>\d+)/$")
_ATTACHMENT = re.compile(r"^madar-(\d+)-(\d+)$")
#: 1x1 transparent GIF served for every image path
_GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
        b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def _fraction(key: str) -> float:
    """A stable number in [0, 1) for ``key`` (independent of PYTHONHASHSEED)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (the slow page)
    templated: bool = True  # body holds the BASE placeholder
    #: injected fault ('500', 'reset', 'truncate', 'stall', ...), see ``faults``
    fault: str | None = None


class Mirror:
    """Routes requests to cached page bytes for one (articles, seed) site."""

    def __init__(self, articles: int = 200, seed: int = 1, cache_size: int = 8192,
                 script_filled: float = 0.0, script_boxes: bool = False,
                 load_more: bool = False, sitemaps: str = "yoast",
                 changes: SiteChanges | None = None, variant_mix: bool = True,
                 variants: Mapping[str, str] | None = None, theme_drift: bool = False) -> None:
        self.changes = changes or SiteChanges()
        self.site: Site = build_site(articles, seed, self.changes)
        #: the XML sitemaps, in one style (``yoast`` or ``core``; see ``sitemaps``)
        self.sitemaps = Sitemaps(self.site, sitemaps)
        self.pages = {f"/{slug}/": (title, text) for title, slug, text in PAGES}
        self.seed = seed
        #: markup variants (``mirror.variants``): mixed across the site unless ``variant_mix``
        #: is off; ``variants`` pins axes (axis -> variant id); ``theme_drift`` renames the
        #: themes' classes and ids on article pages (markup no page object knows)
        validate_variants(variants or {})
        self.variant_mix, self.variants, self.theme_drift = (
            variant_mix, dict(variants or {}), theme_drift)
        #: script-filled "load more" lists and boxes (``scripted``); empty when both are off
        self.scripts = scripted.plan(self.site, seed, load_more=load_more,
                                     script_boxes=script_boxes)
        #: posts whose body is filled by script (share ``script_filled``, chosen by id)
        self.script_filled_ids = {
            p.id for p in self.site.posts
            if p.status == 200 and _fraction(f"{seed}:js:{p.id}") < script_filled}
        self.chrome = Chrome(self.site)
        self.cat_by_slug = {slug: name for name, slug in self.site.categories.items()}
        self.tag_by_slug = {slug: name for name, slug in self.site.tags.items()}
        self.render = lru_cache(maxsize=cache_size)(self._render)

    # --- public ---------------------------------------------------------------------------
    def markup_of(self, post: Post) -> Markup:
        """The markup variants ``post``'s page is drawn with."""
        return choose_markup(post, self.seed, self.variants, self.variant_mix)

    def respond(self, raw_path: str, host: str) -> Reply:
        """The reply for a GET of ``raw_path`` (as sent on the request line)."""
        reply = self._route(raw_path)
        if reply.templated:
            base = f"http://{host}".encode()
            reply.body = reply.body.replace(BASE_BYTES, base)
            reply.headers = {k: v.replace(BASE, base.decode()) for k, v in reply.headers.items()}
        return reply

    # --- routing --------------------------------------------------------------------------
    def _route(self, raw_path: str) -> Reply:
        raw_path = raw_path.split("#", 1)[0]
        path, _, query = raw_path.partition("?")
        if not path.startswith("/"):
            return self._not_found()
        args = parse_qs(query)
        if path == "/" and "p" in args:
            post = self._post_by_id(args["p"][0])
            if post is None:
                return self._not_found()
            return Reply(301, headers={"Location": BASE + post.path})
        if path == "/" and "s" in args:
            return self._page(("search", args["s"][0]))
        decoded = unquote(path, errors="replace")
        key = self._resolve(decoded)
        last = decoded.rsplit("/", 1)[-1]
        if (key is None and not decoded.endswith("/") and "." not in last
                and self._resolve(decoded + "/") is not None):
            location = BASE + path + "/" + (f"?{query}" if query else "")
            return Reply(301, headers={"Location": location})
        if key is None:
            return self._not_found()
        return self._page(key)

    def _post_by_id(self, value: str) -> Post | None:
        return self.site.by_id.get(int(value)) if value.isdigit() else None

    def _resolve(self, path: str) -> tuple | None:
        """Decoded path -> cache key of the page, or None (404)."""
        site = self.site
        post = site.by_path.get(path)
        if post is not None:
            return ("post", post.id)
        if path.endswith("/amp/") and path[:-4] in site.by_path:
            return ("amp", site.by_path[path[:-4]].id)
        if path.endswith(".xml") and path.count("/") == 1:
            return ("sitemap", path)
        if path in self.pages:
            return ("wp-page", path)
        static = {"/robots.txt": ("robots",), "/feed/": ("feed",),
                  "/private/": ("private",), "/wp-login.php": ("login",),
                  "/wp-admin/admin-ajax.php": ("ajax",)}
        if path in static:
            return static[path]
        if path.startswith("/wp-admin"):
            return ("admin",)
        if path.startswith("/wp-json/") or path == "/wp-json":
            return ("json",)
        if path.startswith("/wp-content/") or path.startswith("/wp-includes/"):
            return ("asset", path.rsplit(".", 1)[-1].lower())
        if path.startswith("/search/"):
            return ("search", path.strip("/").split("/", 1)[-1])
        page = 1
        m = _PAGED.match(path)
        if m:
            path, page = m.group("base"), int(m.group("n"))
        if path == "/":
            return ("home", page)
        parts = [p for p in path.split("/") if p]
        if len(parts) == 3 and parts[0] == "category" and parts[2] == "feed":
            return ("feed",) if parts[1] in self.cat_by_slug else None
        if len(parts) == 2 and parts[0] == "category" and parts[1] in self.cat_by_slug:
            return ("category", self.cat_by_slug[parts[1]], page)
        if len(parts) == 2 and parts[0] == "tag" and parts[1] in self.tag_by_slug:
            return ("tag", self.tag_by_slug[parts[1]], page)
        if len(parts) == 2 and parts[0] == "author" and parts[1] in site.by_author:
            return ("author", parts[1], page)
        if (len(parts) == 3 and parts[0] == "date" and parts[1].isdigit() and parts[2].isdigit()
                and 1000 <= int(parts[1]) <= 9999 and 1 <= int(parts[2]) <= 12):
            return ("date", int(parts[1]), int(parts[2]), page)
        if len(parts) == 5 and not m:
            parent = site.by_path.get("/" + "/".join(parts[:4]) + "/")
            att = _ATTACHMENT.match(parts[4])
            if parent is not None and att and int(att.group(1)) == parent.id:
                return ("attachment", parent.id, int(att.group(2)))
        return None

    def _not_found(self) -> Reply:
        return Reply(404, self.render(("404",)).body)

    def _page(self, key: tuple) -> Reply:
        cached = self.render(key)
        if cached is None:
            return self._not_found()
        return Reply(cached.status, cached.body, cached.content_type, dict(cached.headers),
                     cached.delay)

    # --- rendering (cached) ---------------------------------------------------------------
    def _render(self, key: tuple) -> Reply | None:
        site, chrome, kind = self.site, self.chrome, key[0]
        if kind in ("post", "amp", "attachment"):
            post = site.by_id[key[1]]
            if post.status != 200:
                return Reply(post.status, b"<!DOCTYPE html><html><head><title>Database Error"
                             b"</title></head><body><h1>Error establishing a database "
                             b"connection</h1></body></html>")
            if kind == "post":
                html = article_page(site, chrome, post, post.id in self.script_filled_ids,
                                    post.id in self.scripts.box_host_ids,
                                    self.markup_of(post), self.theme_drift)
                if self.scripts.enabled:
                    html = scripted.with_lazy_loader(html)
            elif kind == "amp":
                html = amp_page(site, post)
            else:
                html = attachment_page(site, chrome, post, key[2])
                if html is None:
                    return None
            ctype = "text/html; charset=windows-1256" if post.wrong_charset else HTML
            return Reply(200, html.encode(), ctype,
                         {"Link": f"<{BASE}/?p={post.id}>; rel=shortlink"},
                         SLOW_SECONDS if post.slow else 0.0)
        if kind == "404":
            return Reply(404, simple_page(chrome, "الصفحة غير موجودة",
                                          "عذراً، الصفحة التي تبحث عنها غير موجودة.",
                                          "rtl error404").encode())
        listing = self._listing(key)
        if listing is not None or kind in ("home", "category", "tag", "author", "date"):
            return None if listing is None else Reply(200, listing.encode())
        return self._extra(key)

    def _listing(self, key: tuple) -> str | None:
        site, chrome, kind = self.site, self.chrome, key[0]
        listing_page = functools.partial(_listing_page, scripted=self.scripts.load_more_ids)
        if kind == "home":
            return listing_page(chrome, theme="jannah", title="آخر الأخبار", base=f"{BASE}/",
                                posts=site.listed, page=key[1], body_class="rtl home blog",
                                home=True)
        if kind == "category":
            name, page = key[1], key[2]
            return listing_page(chrome, theme="jannah", title=name,
                                base=f"{BASE}/category/{wp_quote(site.categories[name])}/",
                                posts=site.by_category[name], page=page,
                                body_class="rtl archive category")
        if kind == "tag":
            name, page = key[1], key[2]
            return listing_page(chrome, theme="sahifa", title=f"الوسم: {name}",
                                base=f"{BASE}/tag/{wp_quote(site.tags[name])}/",
                                posts=site.by_tag.get(name, []), page=page,
                                body_class="rtl archive tag")
        if kind == "author":
            posts = site.by_author[key[1]]
            return listing_page(chrome, theme="jannah", title=posts[0].author[0],
                                base=f"{BASE}/author/{key[1]}/", posts=posts, page=key[2],
                                body_class="rtl archive author")
        if kind == "date":
            year, month, page = key[1], key[2], key[3]
            return listing_page(chrome, theme="sahifa", title=f"أرشيف {month:02d}/{year}",
                                base=f"{BASE}/date/{year:04d}/{month:02d}/",
                                posts=site.by_month.get((year, month), []), page=page,
                                body_class="rtl archive date", month=(year, month))
        if kind == "search":
            words = key[1].replace("-", " ").split()
            hits = [p for p in site.listed if words and all(w in p.title for w in words)][:10]
            return listing_page(chrome, theme="sahifa", title=f"نتائج البحث: {key[1]}",
                                base=f"{BASE}/?s={wp_quote(key[1])}&", posts=hits, page=1,
                                body_class="rtl search")
        return None

    def _extra(self, key: tuple) -> Reply | None:
        site, chrome, kind = self.site, self.chrome, key[0]
        if kind == "robots":
            return Reply(200, robots_txt(self.sitemaps.paths()[0]).encode(),
                         "text/plain; charset=utf-8")
        if kind == "feed":
            return Reply(200, feed_xml(site.listed).encode(), "application/rss+xml; charset=UTF-8")
        if kind == "sitemap":
            if key[1] == "/sitemap.xml":  # what Yoast and WordPress core both answer
                return Reply(301, headers={"Location": BASE + self.sitemaps.paths()[0]})
            xml = self.sitemaps.xml(key[1])
            return None if xml is None else Reply(200, xml.encode(),
                                                  "application/xml; charset=UTF-8")
        if kind == "wp-page":
            title, text = self.pages[key[1]]
            return Reply(200, simple_page(chrome, title, text,
                                          "rtl page-template-default page").encode())
        if kind == "json":
            return Reply(200, wp_json(site).encode(), "application/json; charset=UTF-8")
        if kind == "ajax":
            return Reply(200, b"0", "text/html; charset=UTF-8")
        if kind == "admin":
            return Reply(302, headers={"Location": f"{BASE}/wp-login.php?redirect_to=admin"})
        if kind == "login":
            return Reply(200, simple_page(chrome, "تسجيل الدخول", "أدخل اسم المستخدم وكلمة المرور.",
                                          "rtl login").encode())
        if kind == "private":
            return Reply(200, simple_page(chrome, "أرشيف المحررين",
                                          "صفحة داخلية ممنوعة على الزواحف في robots.txt.",
                                          "rtl page private").encode())
        if kind == "asset":
            ext = key[1]
            if ext in ("jpg", "jpeg", "png", "gif"):
                return Reply(200, _GIF, "image/gif", templated=False)
            ctype = {"css": "text/css", "js": "application/javascript"}.get(ext, "text/plain")
            return Reply(200, b"/* mirror asset */\n", ctype, templated=False)
        return None


# --- HTTP ---------------------------------------------------------------------------------------
def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle + delayed ACK stall
        # every keep-alive response by ~40 ms.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve(head_only=False)

    def do_HEAD(self) -> None:
        self._serve(head_only=True)

    def _serve(self, head_only: bool) -> None:
        owner = self.server.owner
        host = self.headers.get("Host") or owner.netloc
        if not _HOST_OK.match(host):
            reply = Reply(400, b"bad host", "text/plain", templated=False)
        else:
            reply = owner.mirror.respond(self.path, host)
        for hook in owner.reply_hooks:
            reply = hook(self, reply)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.fault == "reset":  # RST instead of an answer
            owner.log(self, host, 0, reply.fault)
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.request.close()
            return
        # Logged before the answer leaves, so a sequential client sees the log in its order.
        owner.log(self, host, reply.status, reply.fault)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        body = reply.body
        if reply.fault == "truncate":  # promise the full length, send half, hang up
            body = body[: len(body) // 2]
            self.close_connection = True
        if not head_only:
            self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        pass


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    owner: MirrorServer


class MirrorServer:
    """A running mirror on a loopback port: ``base_url``, ``stop()``; also a context manager."""

    def __init__(self, articles: int = 200, seed: int = 1, *, host: str = "127.0.0.1",
                 port: int = 0, log_path: str | None = None, allow_remote: bool = False,
                 faults: float = 0.0, fault_stall: float = 5.0,
                 script_filled: float = 0.0, script_boxes: bool = False,
                 load_more: bool = False, sitemaps: str = "yoast",
                 changes: SiteChanges | None = None, variant_mix: bool = True,
                 variants: Mapping[str, str] | None = None, theme_drift: bool = False) -> None:
        if not allow_remote and not is_loopback(host):
            raise ValueError(f"refusing to bind non-loopback address {host!r}")
        self._options = {"articles": articles, "seed": seed, "script_filled": script_filled,
                         "script_boxes": script_boxes, "load_more": load_more,
                         "sitemaps": sitemaps, "variant_mix": variant_mix,
                         "variants": variants, "theme_drift": theme_drift}
        self.mirror = Mirror(changes=changes, **self._options)
        self.reply_hooks: list[Callable[[BaseHTTPRequestHandler, Reply], Reply]] = []
        self.faults = None
        if faults:
            from .faults import FaultInjector

            self.faults = FaultInjector(faults, seed, stall_seconds=fault_stall)
            self.reply_hooks.append(self.faults)
        self._log_file = open(log_path, "a", encoding="utf-8") if log_path else None  # noqa: SIM115
        self._log_lock = threading.Lock()
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.owner = self
        bound_host, bound_port = self._httpd.server_address[:2]
        shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
        self.netloc = f"{shown}:{bound_port}"
        self.base_url = f"http://{self.netloc}"
        self.port = bound_port
        self._thread: threading.Thread | None = None
        self._serving = False
        self._closed = False

    def change(self, changes: SiteChanges) -> Mirror:
        """Serve ``changes`` of the same site from now on (edits, new posts; see ``changes``).

        The site the server started with is ``SiteChanges()``; each call replaces the whole
        variant (``change(SiteChanges())`` goes back)."""
        self.mirror = Mirror(changes=changes, **self._options)
        return self.mirror

    def log(self, handler: BaseHTTPRequestHandler, host: str, status: int,
            fault: str | None = None) -> None:
        """One JSON line per request; ``status`` 0 means the connection was reset."""
        if self._log_file is None:
            return
        record = {"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                  "method": handler.command, "path": handler.path, "host": host,
                  "status": status, "user_agent": handler.headers.get("User-Agent")}
        if fault:
            record["fault"] = fault
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._log_lock:
            if self._log_file is not None:  # stop() may have closed it meanwhile
                self._log_file.write(line)
                self._log_file.flush()

    def start(self) -> MirrorServer:
        """Serve in a daemon thread; returns self."""
        self._serving = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="madar-mirror",
                                        daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until ``stop()`` (from another thread) or Ctrl-C."""
        self._serving = True
        self._httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket and the log; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._serving:
            self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._log_file is not None:
            with self._log_lock:
                self._log_file.close()
                self._log_file = None

    def __enter__(self) -> MirrorServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@contextlib.contextmanager
def serve_mirror(articles: int = 200, seed: int = 1, log_path: str | None = None, *,
                 faults: float = 0.0, fault_stall: float = 5.0,
                 script_filled: float = 0.0, script_boxes: bool = False,
                 load_more: bool = False, sitemaps: str = "yoast",
                 changes: SiteChanges | None = None, variant_mix: bool = True,
                 variants: Mapping[str, str] | None = None,
                 theme_drift: bool = False) -> Iterator[MirrorServer]:
    """Run the mirror in a background thread on a free loopback port for the block.

    ``faults`` > 0 injects 5xx/reset/stall/truncation into that share of requests (each path
    fails at most twice in a row; see ``faults.FaultInjector``). ``script_filled`` > 0 ships
    that share of article bodies as JSON filled in by an inline script (a browser renders the
    same DOM; the ground truth is unchanged); the ids are ``server.mirror.script_filled_ids``.
    ``load_more`` / ``script_boxes`` list some posts only in a script-filled "load more" list
    and fill the boxes that link some orphans by script; ``server.mirror.scripts`` (a
    ``scripted.ScriptPlan``) names the posts a crawler reaches only by running scripts.
    ``sitemaps`` picks the sitemap style (``yoast`` or ``core``); ``changes`` serves a
    variant (archive-only posts, edits, new posts; ``server.change`` switches later).
    Article markup mixes the catalogued theme variants (``mirror.variants``) unless
    ``variant_mix`` is off; ``variants`` pins axes; ``theme_drift`` renames the themes'
    classes and ids. None of them changes the ground truth.
    """
    server = MirrorServer(articles, seed, log_path=log_path, faults=faults,
                          fault_stall=fault_stall, script_filled=script_filled,
                          script_boxes=script_boxes, load_more=load_more,
                          sitemaps=sitemaps, changes=changes, variant_mix=variant_mix,
                          variants=variants, theme_drift=theme_drift).start()
    try:
        yield server
    finally:
        server.stop()


__all__ = ["Mirror", "MirrorServer", "Reply", "SiteChanges", "serve_mirror"]
