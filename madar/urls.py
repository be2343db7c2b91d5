"""URL rules shared by the spider, the page objects and the pipelines: one canonical form
per article, so that "seen" means the same everywhere, and what is never an article."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qs, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

#: Query parameters that only track the visitor and never change the page.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
    "ref", "ref_src", "_ga", "amp", "output", "share", "replytocom",
})
_TRACKING_PREFIXES = ("utm_",)
_AMP_SUFFIX = re.compile(r"/amp/?$")
#: An http(s) URL that w3lib's safe_url_string and urljoin leave as it is, and whose canonical
#: form only upper-cases its escapes: lower-case ASCII host, no user or fragment, a path of
#: unreserved characters and escapes of non-ASCII bytes, no dot segment, no query but a
#: shortlink's. Most links are; w3lib quotes them byte by byte in Python (~30 us a slug).
#: A segment's repeat is possessive (it holds no / or ?): no backtracking state per character.
_PLAIN_URL = re.compile(r"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::[1-9][0-9]{0,3})?"
                        r"(?:/(?!\.)(?:[A-Za-z0-9._~-]|%[89a-fA-F][0-9a-fA-F])*)+(?:\?p=[0-9]+)?")
_ESCAPES = re.compile(r"(?:%[0-9a-fA-F]{2})+")


@lru_cache(maxsize=4096)
def is_plain_url(url: str) -> bool:
    """Memoized: a new link is tested as an href (made absolute) and again canonicalized."""
    return _PLAIN_URL.fullmatch(url) is not None


def _upper_escapes(url: str) -> str:
    """A plain URL's escapes in upper case (its path at once when no other letter is lower)."""
    cut = url.index("/", url.index("//") + 2)
    path = url[cut:]
    if path == path.upper():  # nothing in lower case: the URL as it is
        return url
    rest = _ESCAPES.sub("", path)
    if rest == rest.upper():
        return url[:cut] + path.upper()
    return url[:cut] + _ESCAPES.sub(lambda escapes: escapes[0].upper(), path)


def _is_tracking(name: str) -> bool:
    return name.lower() in TRACKING_PARAMS or name.lower().startswith(_TRACKING_PREFIXES)


def strip_tracking(url: str) -> str:
    """Drop tracking parameters, keep every other query parameter."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    names = {kv.split("=", 1)[0] for kv in parts.query.split("&") if kv}
    keep = [n for n in names if not _is_tracking(n)]
    return url_query_cleaner(url, keep, unique=False, keep_fragments=True)


@lru_cache(maxsize=8192)
def canonical_url(url: str) -> str:
    """The one form of a page URL for dedup, requests and the ``url`` field: w3lib's (query
    sorted, percent-encoding, no fragment) without tracking parameters or ``/amp/``, with
    WordPress's trailing slash. Memoized: menus and boxes repeat links on every page."""
    url = url.strip()
    if not is_plain_url(url):  # a plain URL has no tracking parameter (no query but ?p=N)
        url = strip_tracking(url)
    if not is_plain_url(url):
        url = canonicalize_url(url, keep_fragments=False)
    else:
        url = _upper_escapes(url)
        if url.endswith("/") and "?" not in url and url[-5:] != "/amp/":
            return url  # a post's permalink: nothing below would change it
    parts = urlsplit(url)
    path = _AMP_SUFFIX.sub("/", parts.path) or "/"
    last = path.rsplit("/", 1)[-1]
    if not path.endswith("/") and "." not in last:
        path += "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


@lru_cache(maxsize=1024)
def post_id_from_shortlink(url: str) -> int | None:
    """``https://site/?p=123`` -> 123. Memoized: a page asks for its post id, then for the
    shortlink naming it."""
    values = parse_qs(urlsplit(url).query).get("p", [])
    return int(values[0]) if len(values) == 1 and values[0].isdigit() else None


_DATE_PERMALINK = re.compile(r"^/(\d{4})/(\d{2})/(\d{2})/[^/?#]")


def permalink_date(url: str) -> str | None:
    """``YYYY-MM-DD`` of a WordPress date permalink (``/2017/08/10/slug/``), else ``None``."""
    match = _DATE_PERMALINK.match(urlsplit(url).path)
    return "-".join(match.groups()) if match else None


def same_host(url: str, base_url: str) -> bool:
    """True when ``url`` is on exactly the base URL's host (and port)."""
    a, b = urlsplit(url), urlsplit(base_url)
    return (a.scheme in ("http", "https") and a.hostname is not None
            and a.hostname == b.hostname and a.port == b.port
            and a.username is None and a.password is None)


#: Paths that are never articles: WordPress machinery, archives, feeds, traps; matched from
#: the start, then searched anywhere (starting with "/", the search jumps slash to slash).
_NOT_ARTICLE_PATH = re.compile(
    r"""/(?:wp-admin|wp-json|wp-content|wp-includes|wp-login\.php|xmlrpc\.php|feed
          |comments|search|category|tag|author|page|date|attachment|cdn-cgi)(?:/|$)
        |/\d{4}/(?:\d{2}/(?:\d{2}/)?)?$            # date archives /2017/, /2017/08/, /2017/08/10/
    """,
    re.VERBOSE | re.IGNORECASE,
)
_NOT_ARTICLE_PART = re.compile(
    r"/(?:(?:feed|rss2?|atom|trackback|embed)/?$|attachment/|page/\d+/?$)", re.IGNORECASE)
#: Query parameters that make a URL a search, a feed, a comment form or a calendar page.
_NOT_ARTICLE_QUERY = frozenset({"s", "feed", "replytocom", "cal", "m", "monthnum", "year",
                                "attachment_id", "preview", "share", "print"})
#: File extensions that are never HTML pages.
_FILE_EXTENSION = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|bmp|ico|pdf|docx?|xlsx?|pptx?|zip|rar|gz|mp[34]|m4a|avi|mov"
    r"|wmv|webm|ogg|wav|css|js|json|xml|txt)$",
    re.IGNORECASE,
)


@lru_cache(maxsize=8192)
def is_article_candidate(url: str) -> bool:
    """Could this same-site URL be an article page? Shortlinks (``/?p=ID``) are: they
    redirect to the article. Memoized: the boxes of many pages link the same posts."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    query_names = {kv.split("=", 1)[0].lower() for kv in parts.query.split("&") if kv}
    if query_names & _NOT_ARTICLE_QUERY:
        return False
    path = parts.path or "/"
    if path == "/":
        return query_names == {"p"}
    if (_FILE_EXTENSION.search(path) or _NOT_ARTICLE_PATH.match(path)
            or _NOT_ARTICLE_PART.search(path)):
        return False
    return len(url) <= 2000


@lru_cache(maxsize=8192)
def article_link(base_url: str, link: str) -> str | None:
    """``link`` made absolute when it could be an article of the site at ``base_url``, else
    None. Memoized: the listings and boxes name each article several times."""
    url = urljoin(base_url, link)
    return url if same_host(url, base_url) and is_article_candidate(url) else None
