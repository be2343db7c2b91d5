"""The URL rules: one canonical form per article, and what is never an article."""

import pytest

from madar.urls import (
    canonical_url,
    is_article_candidate,
    post_id_from_shortlink,
    same_host,
    strip_tracking,
)

PERMALINK = "https://madaralyoum.com/2017/08/10/%D8%A7%D8%AC%D8%AA%D9%85%D8%A7%D8%B9/"


@pytest.mark.parametrize("variant", [
    PERMALINK,
    PERMALINK.lower().replace("https://madaralyoum.com", "https://madaralyoum.com"),
    "https://madaralyoum.com/2017/08/10/اجتماع/",
    "https://madaralyoum.com/2017/08/10/اجتماع",
    PERMALINK + "amp/",
    PERMALINK + "amp",
    PERMALINK + "?utm_source=facebook&utm_medium=social&fbclid=IwAR0x",
    PERMALINK + "#comments",
    "HTTPS://MADARALYOUM.COM/2017/08/10/%d8%a7%d8%ac%d8%aa%d9%85%d8%a7%d8%b9/?gclid=1#respond",
])
def test_url_forms_share_one_canonical_url(variant):
    assert canonical_url(variant) == PERMALINK


def test_meaningful_query_is_kept_and_sorted():
    assert canonical_url("https://h.com/?p=12&utm_source=x") == "https://h.com/?p=12"
    assert canonical_url("https://h.com/x/?b=2&a=1") == "https://h.com/x/?a=1&b=2"


def test_files_keep_their_path():
    assert canonical_url("https://h.com/wp-content/uploads/a.jpg") == (
        "https://h.com/wp-content/uploads/a.jpg")


def test_strip_tracking_keeps_other_parameters():
    assert strip_tracking("https://h.com/?p=3&utm_campaign=z&ref=tw") == "https://h.com/?p=3"


@pytest.mark.parametrize(("url", "expected"), [
    ("https://h.com/?p=123", 123),
    ("https://h.com/?p=123&utm_source=x", 123),
    ("https://h.com/?p=abc", None),
    ("https://h.com/2017/08/x/", None),
])
def test_post_id_from_shortlink(url, expected):
    assert post_id_from_shortlink(url) == expected


@pytest.mark.parametrize(("url", "ok"), [
    ("http://127.0.0.1:8000/a/", True),
    ("http://127.0.0.1:8001/a/", False),
    ("http://user:pw@127.0.0.1:8000/a/", False),
    ("https://127.0.0.1:8000/a/", True),
    ("http://evil.com/a/", False),
    ("javascript:alert(1)", False),
    ("mailto:x@y.z", False),
    ("//evil.com/a/", False),
])
def test_same_host(url, ok):
    assert same_host(url, "http://127.0.0.1:8000") is ok


@pytest.mark.parametrize(("url", "ok"), [
    ("https://h.com/2017/08/10/slug/", True),
    ("https://h.com/slug/", True),
    ("https://h.com/?p=12", True),
    ("https://h.com/2017/08/10/slug/amp/", True),
    ("https://h.com/", False),
    ("https://h.com/?s=سوريا", False),
    ("https://h.com/search/x/", False),
    ("https://h.com/feed/", False),
    ("https://h.com/2017/08/10/slug/feed/", False),
    ("https://h.com/wp-admin/post.php", False),
    ("https://h.com/wp-json/wp/v2/posts", False),
    ("https://h.com/2017/08/10/slug/?replytocom=55", False),
    ("https://h.com/2017/", False),
    ("https://h.com/2017/08/", False),
    ("https://h.com/date/2017/08/", False),
    ("https://h.com/?m=201708", False),
    ("https://h.com/category/news/", False),
    ("https://h.com/category/news/page/3/", False),
    ("https://h.com/tag/x/", False),
    ("https://h.com/author/admin/", False),
    ("https://h.com/2017/08/10/slug/attachment/img-1/", False),
    ("https://h.com/wp-content/uploads/2017/08/a.jpg", False),
    ("https://h.com/files/report.pdf", False),
    ("ftp://h.com/a/", False),
    ("https://h.com/" + "a" * 2100 + "/", False),
])
def test_article_candidates(url, ok):
    assert is_article_candidate(url) is ok


def test_plain_urls_canonicalize_as_w3lib_does():
    from urllib.parse import urljoin

    from w3lib.url import canonicalize_url, safe_url_string

    from madar.urls import _upper_escapes, is_plain_url
    for url in ("http://127.0.0.1:8765/2024/06/29/%d8%a7%d8%b4-slug-4/", "https://h.com/?p=12",
                "https://h.com/a/%D8%A7-b.jpg", "https://h.com/Ab/%d8%a7"):
        assert is_plain_url(url)
        assert safe_url_string(urljoin("http://_/", url)) == url
        assert _upper_escapes(url) == canonicalize_url(url)
    for url in ("https://H.com/", "https://h.com/./a", "https://h.com/%2e", "https://h.com/?q=1",
                "https://h.com/a#b", "https://u@h.com/", "https://h.com:080/"):
        assert not is_plain_url(url)
