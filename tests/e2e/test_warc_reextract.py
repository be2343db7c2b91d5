"""The real crawl of the mirror writes WARC; re-extraction of those files gives the crawl's
items field for field (``fetched_at`` included, in the same order), also from a file that
mixes in other hosts' records and from the WARC of a crawl killed with SIGKILL; the
crawl's Parquet feed reads back with pyarrow and Hugging Face ``datasets`` with the JSON
Lines values."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from warcio.archiveiterator import ArchiveIterator

from madar.middlewares.fetchtime import META_FETCHED_AT
from madar.warc.reader import ArchiveReader
from madar.warc.writer import WarcFiles, warc_date
from mirror import serve_mirror
from tests.crawl import FAST_LOCAL, REPO, read_jsonl, stats_from_log
from tests.parquet_values import mismatches

pytestmark = pytest.mark.slow

ARTICLES = 150
SEED = 11


def crawl_command(base_url: str, tmp: Path, name: str, settings: dict[str, str]) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "madar", "-a", f"base_url={base_url}",
           "-O", str(tmp / f"{name}.jsonl"), "-O", str(tmp / f"{name}.parquet")]
    merged = {**FAST_LOCAL, "MADAR_STATE_DIR": str(tmp / f"state-{name}"),
              "MADAR_WARC": str(tmp / f"warc-{name}"), **settings}
    for key, value in merged.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SPLASH_URL")}


def reextract(archives: list[Path], out: Path, base_url: str, workers: int
              ) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "madar.reextract", *map(str, archives), "-o", str(out),
           "--base-url", base_url, "--workers", str(workers)]
    result = subprocess.run(cmd, cwd=REPO, env=env(), capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    return result


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("archive")
    with serve_mirror(articles=ARTICLES, seed=SEED) as mirror:
        result = subprocess.run(crawl_command(mirror.base_url, tmp, "crawl", {}), cwd=REPO,
                                env=env(), capture_output=True, text=True, timeout=600,
                                check=False)
        assert result.returncode == 0, stats_from_log(result.stderr)
        yield {"tmp": tmp, "base_url": mirror.base_url, "items": read_jsonl(tmp / "crawl.jsonl"),
               "warc": sorted((tmp / "warc-crawl").glob("*.warc.gz")), "log": result.stderr}


def test_reextraction_gives_the_crawls_items(site, tmp_path):
    assert len(site["items"]) > ARTICLES * 0.9
    out = tmp_path / "again.jsonl"
    reextract(site["warc"], out, site["base_url"], workers=2)
    again = read_jsonl(out)
    assert [i["url"] for i in again] == [i["url"] for i in site["items"]]
    for crawled, rebuilt in zip(site["items"], again, strict=True):
        assert rebuilt == crawled  # every field, fetched_at and revision included
    crawled_report, report = (json.loads(Path(f"{feed}.report.json").read_text(encoding="utf-8"))
                              for feed in (site["tmp"] / "crawl.jsonl", out))
    for part in ("articles", "field_coverage", "theme_markup"):  # the workers' stats too
        assert report[part] == crawled_report[part], part


def foreign_records(directory: Path, body: bytes, fetched: str) -> Path:
    """Another site's pages (a real article's HTML under other hosts, as in CC-NEWS)."""
    files = WarcFiles(directory, 1 << 30, prefix="foreign")
    for url in ("https://other-news.example/2024/01/01/story/", "http://127.0.0.1:1/story/",
                "https://www.other-news.example/?p=5"):
        request = Request(url, meta={META_FETCHED_AT: fetched})
        response = HtmlResponse(url, body=body, request=request,
                                headers={"Content-Type": "text/html; charset=UTF-8"})
        files.write_pair(request, response, warc_date(fetched))
    files.close()
    (path,) = directory.glob("*.warc.gz")
    return path


def test_records_of_other_hosts_are_left_out(site, tmp_path):
    article = next(r for r in ArchiveReader(site["base_url"]).responses(site["warc"])
                   if "/20" in r.url)
    foreign = foreign_records(tmp_path / "foreign", article.body, article.fetched_at)
    mixed = tmp_path / "mixed.warc.gz"  # gzip'd per record: files concatenate
    mixed.write_bytes(foreign.read_bytes() + b"".join(p.read_bytes() for p in site["warc"])
                      + foreign.read_bytes())
    out = tmp_path / "mixed.jsonl"
    reextract([mixed], out, site["base_url"], workers=1)
    assert read_jsonl(out) == site["items"]
    report = json.loads(Path(f"{out}.report.json").read_text(encoding="utf-8"))
    assert report["archives"]["other_hosts"] == 6


def records_until_error(path: Path) -> tuple[int, bool]:
    """warcio's count of the records it reads before the end (or an error)."""
    count = 0
    with path.open("rb") as stream:
        try:
            for record in ArchiveIterator(stream):
                record.content_stream().read()
                count += 1
        except Exception:
            return count, False
    return count, True


def complete_lines(path: Path) -> list[dict]:
    data = path.read_bytes() if path.exists() else b""
    return [json.loads(line) for line in data.split(b"\n")[:-1] if line.strip()]


def test_warc_of_a_killed_crawl(site, tmp_path):
    slow = {"DOWNLOAD_DELAY": "0.03", "CONCURRENT_REQUESTS_PER_DOMAIN": "2"}
    process = subprocess.Popen(crawl_command(site["base_url"], tmp_path, "killed", slow),
                               cwd=REPO, env=env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    feed = tmp_path / "killed.jsonl"
    deadline = time.monotonic() + 120
    while len(complete_lines(feed)) < 25 and process.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "the crawl ended before the kill"
    exported = complete_lines(feed)
    paths = sorted((tmp_path / "warc-killed").glob("*.warc.gz"))
    assert paths and len(exported) >= 25
    for path in paths:
        count, _ = records_until_error(path)
        reader = ArchiveReader(site["base_url"])
        readable = list(reader.responses([path]))
        assert reader.damaged <= 1  # at most the record being written at the kill
        assert count >= 2 * len(readable)  # every closed record reads with warcio too
    out = tmp_path / "killed-again.jsonl"
    reextract(paths, out, site["base_url"], workers=2)
    again = {item["url"]: item for item in read_jsonl(out)}
    # The WARC holds every page the spider received, so at least the exported articles:
    # each one rebuilt field for field; the rest are pages received before the kill whose
    # items had not reached the feed yet.
    missing = [item["url"] for item in exported if item["url"] not in again]
    assert not missing, missing[:5]
    for item in exported:
        assert again[item["url"]] == item


def test_parquet_feed_reads_back_with_the_json_lines_values(site, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet", reason="requirements-parquet.txt")
    rows = pq.read_table(site["tmp"] / "crawl.parquet").to_pylist()
    assert not mismatches(rows, site["items"])
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")  # local files only, never the hub
    datasets = pytest.importorskip("datasets", reason="requirements-dev.txt")
    loaded = datasets.load_dataset("parquet", data_files=str(site["tmp"] / "crawl.parquet"),
                                   split="train", cache_dir=str(tmp_path / "hf"))
    assert not mismatches(list(loaded), site["items"])
