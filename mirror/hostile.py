"""More mirror misbehaviour, as reply hooks (``MirrorServer.reply_hooks``) for the
reliability and security tests. Each hook is small, deterministic and counts what it did.

- :class:`DamagedPages`: a ``200`` whose body is empty or cut off mid-page, with a
  ``Content-Length`` that *matches* the damaged body (the transport sees nothing wrong;
  only the HTML shows it). Like ``FaultInjector``: a pure function of (seed, path, n-th
  request), at most ``max_per_path`` times in a row per path.
- :class:`TooManyRequests`: ``429`` + ``Retry-After`` for the first ``times`` requests of
  chosen paths; records when each request came.
- :class:`EndlessPagination`: the latest-news listing never ends: every ``/page/N/`` past
  the real last page answers a listing whose ``rel=next`` is ``/page/N+1/``.
- :class:`HostilePage`: one article page gains links that must never be followed (other
  hosts, ports, protocol-relative, ``javascript:``/``mailto:``/``data:``/``file:``,
  credentials, private addresses, robots-disallowed paths), and ``/go/...`` paths that
  redirect to another host, another port or a private address.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections import defaultdict
from urllib.parse import unquote

from .faults import SeededPathFaults
from .server import Reply

DAMAGE_KINDS = ("empty", "cut")


class DamagedPages(SeededPathFaults):
    salt = "damage:"

    def choose(self, path: str, attempt: int) -> tuple[str, float] | None:
        digest = self.draw(path, attempt)
        if digest is None:
            return None
        return DAMAGE_KINDS[digest[8] % 2], 0.05 + 0.9 * digest[9] / 255

    def __call__(self, handler, reply: Reply) -> Reply:
        if reply.status != 200 or "html" not in reply.content_type or reply.fault:
            return reply
        choice = self.choose(handler.path, self.next_attempt(handler.path))
        if choice is None:
            return reply
        kind, share = choice
        self.count(kind)
        # cut before the closing markup, whatever the share
        body = b"" if kind == "empty" else reply.body[: min(int(len(reply.body) * share),
                                                            max(0, len(reply.body) - 64))]
        return dataclasses.replace(reply, body=body, fault=f"damaged-{kind}")


class TooManyRequests:
    def __init__(self, paths: set[str], *, times: int = 2, retry_after: str = "2") -> None:
        self.paths = {unquote(p) for p in paths}
        self.times, self.retry_after = times, retry_after
        self._lock = threading.Lock()
        self.seen: dict[str, list[float]] = defaultdict(list)

    def __call__(self, handler, reply: Reply) -> Reply:
        path = unquote(handler.path)
        if path not in self.paths:
            return reply
        with self._lock:
            self.seen[path].append(time.monotonic())
            n = len(self.seen[path])
        if n > self.times:
            return reply
        return Reply(429, b"<h1>429 Too Many Requests</h1>", templated=False,
                     headers={"Retry-After": self.retry_after}, fault="429")


class EndlessPagination:
    """Every page of one listing links ``rel=next`` to the following page, and pages past
    the real end answer 200 (a copy of page 2) instead of 404: the listing never ends."""

    def __init__(self, server, category_path: str) -> None:
        self.server = server
        self.prefix = category_path  # e.g. "/category/%d8%a2.../" as the site links it
        self._paged = re.compile(re.escape(unquote(category_path)) + r"(?:page/(\d+)/)?$")
        self.served: list[int] = []  # page numbers past the real end

    def __call__(self, handler, reply: Reply) -> Reply:
        m = self._paged.match(unquote(handler.path.split("?", 1)[0]))
        if not m or reply.status not in (200, 404):
            return reply
        n = int(m.group(1) or 1)
        host = handler.headers.get("Host")
        if reply.status == 404:
            self.served.append(n)
            reply = self.server.mirror.respond(self.prefix + "page/2/", host)
        html = re.sub(r'<link rel="next"[^>]*>', "", reply.body.decode("utf-8"))
        link = f'<link rel="next" href="http://{host}{self.prefix}page/{n + 1}/" />'
        html = html.replace("</head>", link + "</head>", 1)
        return dataclasses.replace(reply, status=200, body=html.encode("utf-8"),
                                   templated=False)


class HostilePage:
    """Adds forbidden links to the check-also box of the page at ``path``; the
    ``/go/<name>/`` paths redirect elsewhere.

    ``other_origin`` is a second loopback server (another port) that must see no request.
    """

    def __init__(self, path: str, other_origin: str) -> None:
        self.path = unquote(path)
        self.other = other_origin.rstrip("/")
        other_port = self.other.rsplit(":", 1)[1]
        self.redirects = {
            "/go/other-port/": f"{self.other}/2017/01/01/x/",
            "/go/other-host/": "http://example.com/2017/01/01/x/",
            "/go/private/": "http://10.0.0.1/2017/01/01/x/",
            "/go/localhost/": f"http://localhost:{other_port}/2017/01/01/x/",
            "/go/credentials/": "http://user:pw@{host}/2017/01/01/x/",
            "/go/file/": "file:///etc/passwd",
        }
        self.links = [
            f"{self.other}/2017/01/01/other-port/",
            f"//127.0.0.2:{other_port}/2017/01/01/protocol-relative/",
            "//example.com/2017/01/01/protocol-relative/",
            "http://example.com/2017/01/01/other-host/",
            "https://sub.{hostname}/2017/01/01/subdomain/",
            "http://{hostname}:1/2017/01/01/odd-port/",
            "http://user:secret@{host}/2017/01/01/credentials/",
            "http://{host}@example.com/2017/01/01/at-sign/",
            "javascript:alert(document.cookie)",
            "mailto:editor@example.com",
            "data:text/html;base64,PGgxPng8L2gxPg==",
            "file:///etc/passwd",
            "ftp://{hostname}/pub/",
            "http://2130706433/2017/01/01/decimal-ip/",
            "http://[::1]:{port}/2017/01/01/ipv6-loopback/",
            "/private/2017/01/01/disallowed/",
            "/wp-admin/2017/01/01/disallowed/",
            "/feed/2017/01/01/disallowed/",
            "/2017/01/01/" + "long-" * 500 + "/",  # a same-site URL of 2.5 kB
            *self.redirects,
        ]

    def __call__(self, handler, reply: Reply) -> Reply:
        host = handler.headers.get("Host") or ""
        hostname, _, port = host.rpartition(":")
        path = unquote(handler.path.split("?", 1)[0])
        if path in self.redirects:
            target = self.redirects[path].format(host=host)
            return Reply(302, b"", headers={"Location": target}, templated=False)
        if path != self.path or reply.status != 200:
            return reply
        anchors = "".join(
            f'<h3 class="post-title"><a href="'
            f'{link.format(host=host, hostname=hostname, port=port)}">رابط</a></h3>'
            for link in self.links)
        body, n = _CHECK_ALSO.subn(lambda m: m.group(0) + anchors, reply.body.decode("utf-8"),
                                   count=1)
        if not n:
            raise ValueError(f"{self.path} has no check-also box to put links in")
        return dataclasses.replace(reply, body=body.encode("utf-8"))


_CHECK_ALSO = re.compile(r'<(?:div|li) class="[^"]*check-also-post[^"]*">')
