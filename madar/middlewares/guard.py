"""Refuse every request that leaves the crawled site: the last line of defence.

Redirects, robots.txt, renderers and future code create requests too, and Scrapy's offsite
check ignores the port and allows subdomains. So this downloader middleware (order 40)
checks every request, counting each refusal in ``madar/guard/refused/<reason>``. The
reasons: docs/security.md.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import socket
from urllib.parse import SplitResult, urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".localdomain")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def ip_of(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host *literal* denotes, in every spelling ``getaddrinfo`` accepts
    (dotted, shortened, octal, hex, one integer), or None for a real name."""
    host = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefxABCDEFX." for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


@functools.lru_cache(maxsize=256)  # a crawl meets few hosts; every request asks
def is_private_host(host: str) -> bool:
    """Loopback, private, link-local, reserved … addresses and local-only names."""
    host = host.lower().rstrip(".")
    if host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES):
        return True
    address = ip_of(host)
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None


class UrlPolicy:
    """Which URLs a crawl of ``base_url`` may fetch: its host (and the www. twin) on its
    port, ``extra_hosts``, and ``extra_origins`` ("host:port", e.g. the rendering service)."""

    def __init__(self, base_url: str, extra_hosts: tuple[str, ...] = (),
                 extra_origins: tuple[str, ...] = (), max_length: int = 2083) -> None:
        base = urlsplit(base_url)
        if base.scheme not in DEFAULT_PORTS or not base.hostname:
            raise ValueError(f"base URL must be absolute http(s), got {base_url!r}")
        host = base.hostname.rstrip(".")
        bare = host.removeprefix("www.")
        self.hosts = {bare, "www." + bare} if ip_of(host) is None else {host}
        self.hosts |= {h.lower().rstrip(".") for h in extra_hosts}
        self.extra_origins = extra_origins
        self.max_length = max_length
        self.base_port = _port(base)
        self.base_default_port = base.port is None or base.port == DEFAULT_PORTS[base.scheme]
        self.public = not is_private_host(host)

    def refusal(self, url: str) -> str | None:
        """Why ``url`` must not be fetched, or None when it may."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").rstrip(".")
            port = _port(parts)
        except ValueError:
            return "malformed"
        if parts.scheme not in DEFAULT_PORTS:
            return "scheme"
        if not host or port is None:
            return "malformed"
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            return "credentials"
        if len(url) > self.max_length:
            return "too_long"
        if f"{host}:{port}" in self.extra_origins:
            return None
        if self.public and is_private_host(host):
            return "private_address"
        if host not in self.hosts:
            return "other_host"
        if port != self.base_port and not (
                self.base_default_port and port == DEFAULT_PORTS[parts.scheme]):
            return "other_port"
        return None


def _origin(url: str | None) -> tuple[str, ...]:
    parts = urlsplit(url or "")
    port = _port(parts)
    return (f"{parts.hostname}:{port}",) if parts.hostname and port else ()


class UrlGuardMiddleware:
    """Downloader middleware applying :class:`UrlPolicy` to every request."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self._policy: UrlPolicy | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def policy(self, first_url: str) -> UrlPolicy:
        """The spider's ``base_url``; without one (``scrapy shell``/``fetch``), the site of
        the first URL asked for (or ``MADAR_BASE_URL`` when that is not http(s))."""
        if self._policy is None:
            settings = self.crawler.settings
            base = getattr(self.crawler.spider, "base_url", None) or first_url
            options = {"extra_hosts": tuple(settings.getlist("MADAR_ALLOWED_HOSTS")),
                       "extra_origins": _origin(settings.get("SPLASH_URL")),
                       "max_length": settings.getint("URLLENGTH_LIMIT", 2083) or 10**9}
            try:
                self._policy = UrlPolicy(base, **options)
            except ValueError:
                return UrlPolicy(settings.get("MADAR_BASE_URL"), **options)
        return self._policy

    def process_request(self, request: Request) -> None:
        reason = self.policy(request.url).refusal(request.url)
        if reason is None:
            return
        self.crawler.stats.inc_value(f"madar/guard/refused/{reason}")
        logger.info("Refused (%s): %s", reason, request.url[:300])
        raise IgnoreRequest(f"url guard: {reason}")
