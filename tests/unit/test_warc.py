"""WARC out and in without a network: records written from Scrapy responses, read back,
cut short, mixed with other hosts, re-extracted in-process; the command's argument errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from warcio.archiveiterator import ArchiveIterator

from madar.middlewares.fetchtime import META_FETCHED_AT
from madar.reextract.__main__ import main as reextract_main
from madar.warc.reader import ArchiveReader, fetched_at_from_warc_date
from madar.warc.writer import WarcFiles, warc_date

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "SahifaArticlePage" / "test-1"
SITE = "https://madaralyoum.com"
FETCHED = "2026-11-29T03:00:00+00:00"


def fixture_page() -> tuple[str, bytes, dict]:
    meta = json.loads((FIXTURE / "meta.json").read_text(encoding="utf-8"))
    expected = json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))
    return meta["url"], (FIXTURE / "input.html").read_bytes(), expected


def response(url: str, body: bytes, fetched: str = FETCHED, **headers: str) -> HtmlResponse:
    request = Request(url, headers={"User-Agent": "madar-test"},
                      meta={META_FETCHED_AT: fetched})
    return HtmlResponse(url, body=body, request=request,
                        headers={"Content-Type": "text/html; charset=UTF-8", **headers})


def write(directory: Path, responses: list[HtmlResponse], max_bytes: int = 1 << 30
          ) -> WarcFiles:
    files = WarcFiles(directory, max_bytes)
    for r in responses:
        files.write_pair(r.request, r, warc_date(r.meta[META_FETCHED_AT]))
    files.close()
    return files


def test_records_hold_request_response_and_fetch_time(tmp_path):
    url, body, _ = fixture_page()
    write(tmp_path, [response(url, body, **{"Content-Encoding": "gzip",
                                            "Content-Length": "123"})])
    (path,) = tmp_path.glob("*.warc.gz")
    with path.open("rb") as stream:
        records = list(ArchiveIterator(stream))
    kinds = [r.rec_type for r in records]
    assert kinds == ["warcinfo", "response", "request"], kinds
    answer, asked = records[1], records[2]
    assert answer.rec_headers.get_header("WARC-Date") == "2026-11-29T03:00:00Z"
    assert answer.rec_headers.get_header("WARC-Target-URI") == url
    assert asked.rec_headers.get_header("WARC-Concurrent-To") == \
        answer.rec_headers.get_header("WARC-Record-ID")
    http = answer.http_headers
    assert http.get_statuscode() == "200"
    # The stored body is the decoded one: the wire headers are kept under another name.
    assert http.get_header("X-Crawler-Content-Encoding") == "gzip"
    assert http.get_header("Content-Encoding") is None
    assert http.get_header("Content-Length") == str(len(body))
    assert asked.http_headers.protocol == "GET"
    assert asked.http_headers.statusline.endswith("?utm_source=fb HTTP/1.1")
    assert asked.http_headers.get_header("User-Agent") == "madar-test"
    assert fetched_at_from_warc_date("2026-11-29T03:00:00Z") == FETCHED


def test_every_record_is_its_own_gzip_member_and_files_rotate(tmp_path):
    _, body, _ = fixture_page()
    pages = [response(f"{SITE}/2024/01/0{i}/story-{i}/", body) for i in range(1, 6)]
    write(tmp_path, pages, max_bytes=1)  # past the limit after each pair: a new file
    paths = sorted(tmp_path.glob("*.warc.gz"))
    assert len(paths) == 5
    # gzip.decompress would merge members; a member per record means many headers.
    assert paths[0].read_bytes().count(b"\x1f\x8b\x08") >= 3
    read = list(ArchiveReader(SITE).responses(paths))
    assert [r.url for r in read] == [p.url for p in pages]
    assert all(r.body == body for r in read)
    assert gzip.decompress(paths[0].read_bytes()).startswith(b"WARC/1.0")


def test_reader_keeps_the_site_only_and_skips_a_record_cut_short(tmp_path):
    _, body, _ = fixture_page()
    pages = [response(f"{SITE}/a/", body), response("https://other.example/a/", body),
             response(f"{SITE}:8443/a/", body), response(f"{SITE}/b/", body)]
    write(tmp_path, pages)
    (path,) = tmp_path.glob("*.warc.gz")
    whole = path.read_bytes()
    reader = ArchiveReader(SITE)
    assert [r.url for r in reader.responses([path])] == [f"{SITE}/a/", f"{SITE}/b/"]
    assert (reader.records, reader.other_hosts, reader.damaged) == (4, 2, 0)
    # Cut inside the last response record's body (just before its request record).
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole[: whole.rindex(b"\x1f\x8b\x08") - 2000])
    reader = ArchiveReader(SITE)
    kept = list(reader.responses([cut]))
    assert [r.url for r in kept] == [f"{SITE}/a/"]
    assert kept[0].body == body
    assert reader.damaged == 1 and reader.truncated == [str(cut)]


@pytest.mark.parametrize("workers", [0, 1])
def test_reextract_rebuilds_the_article_from_the_archive(tmp_path, workers):
    url, body, expected = fixture_page()
    write(tmp_path / "warc", [response(url, body), response("https://other.example/x/", body),
                              response(f"{SITE}/category/news/", b"<html></html>")])
    out = tmp_path / "out.jsonl"
    code = reextract_main([str(tmp_path / "warc"), "-o", str(out), "--base-url", SITE,
                           "--workers", str(workers)])
    assert code == 0
    (item,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    for name in ("url", "post_id", "title", "published", "categories", "tags"):
        assert item[name] == expected[name], name
    assert item["fetched_at"] == FETCHED
    report = json.loads((tmp_path / "out.jsonl.report.json").read_text(encoding="utf-8"))
    assert report["articles"]["emitted"] == 1
    assert report["archives"]["other_hosts"] == 1
    assert report["pages"]["requests"] == report["pages"]["fetched"] == 2
    assert report["field_coverage"]["title"] == 1.0
    assert report["theme_markup"]["title"] == 1.0  # the worker's stats reach the report


def test_archives_without_a_page_of_the_site_fail_naming_their_hosts(tmp_path, capsys):
    url, body, _ = fixture_page()
    mirror = "http://127.0.0.1:8731"
    write(tmp_path / "warc", [response(url.replace(SITE, mirror), body)])
    out = tmp_path / "out.jsonl"
    code = reextract_main([str(tmp_path / "warc"), "-o", str(out), "--workers", "0"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "127.0.0.1:8731 (1)" in err and "--base-url" in err, err


@pytest.mark.parametrize("argv, message", [
    (["missing.warc.gz", "-o", "x.jsonl"], "no such archive"),
    (["{warc}", "-o", "x.docx"], "unknown output format"),
    (["{warc}"], "required"),
    (["{warc}", "-o", "x.jsonl", "--workers", "-1"], "--workers"),
    (["{warc}", "-o", "x.jsonl", "--base-url", "madaralyoum.com"], "--base-url"),
    (["{warc}", "-o", "x.jsonl", "-s", "NOVALUE"], "NAME=VALUE"),
])
def test_bad_arguments_get_one_line_and_exit_2(tmp_path, capsys, argv, message):
    warc = tmp_path / "a.warc.gz"
    warc.write_bytes(b"")
    code = reextract_main([a.format(warc=warc) for a in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and message in err, err


def test_reextraction_leaves_the_process_s_own_gc_freeze(tmp_path):
    """The pool's gc.freeze() is undone only when it was re-extraction's: a host's stays."""
    import gc

    from madar.reextract.corpus import extracted_in_order

    gc.freeze()
    try:
        assert list(extracted_in_order(iter([]), 1, {}, "https://madaralyoum.com")) == []
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert list(extracted_in_order(iter([]), 1, {}, "https://madaralyoum.com")) == []
    assert gc.get_freeze_count() == 0


def test_reextraction_keeps_the_memory_of_the_site_it_was_given(tmp_path):
    """``--base-url`` picks the memory as ``-a base_url`` does in a crawl: the mirror's WARC
    re-extracted into the crawl's state dir meets the crawl's memory, not the real site's."""
    url, body, _ = fixture_page()
    mirror = "http://127.0.0.1:8731"
    write(tmp_path / "warc", [response(url.replace(SITE, mirror), body)])
    state = tmp_path / "state"
    argv = [str(tmp_path / "warc"), "--base-url", mirror, "--state-dir", str(state),
            "--workers", "0"]
    assert reextract_main([*argv, "-o", str(tmp_path / "first.jsonl")]) == 0
    assert [site.name for site in (state / "sites").iterdir()] == ["http_127.0.0.1_8731"]
    assert reextract_main([*argv, "-o", str(tmp_path / "second.jsonl"),
                           "-s", "MADAR_EMIT_KNOWN=False"]) == 0
    assert (tmp_path / "second.jsonl").read_text(encoding="utf-8") == "", "known the 2nd time"
