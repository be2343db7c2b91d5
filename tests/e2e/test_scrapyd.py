"""A real Scrapyd on loopback with basic auth: deploy with scrapyd-deploy, schedule a crawl
of the mirror through schedule.json with spider arguments, read the job's items file."""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from mirror import ground_truth, serve_mirror
from tests.crawl import REPO, read_jsonl, run_crawl
from tests.servers import free_port, stop_server

pytestmark = pytest.mark.slow

ARTICLES = 80
SEED = 5
USER = "madar-e2e"
PASSWORD = secrets.token_urlsafe(12)
SPIDER_ARGS = {"max_pages": "2", "related_depth": "0"}
FAST = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "16"}


def call(url: str, data: dict | list | None = None, auth: tuple[str, str] | None = (USER,
         PASSWORD)) -> tuple[int, dict | str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body)
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return response.status, json.loads(text)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "SPLASH_URL", "SCRAPYD_USERNAME", "SCRAPYD_PASSWORD",
                        "SCRAPY_SETTINGS_MODULE")}
    env.update(extra)
    return env


def tool(name: str) -> str:
    path = Path(sys.executable).with_name(name)
    return str(path) if path.exists() else (shutil.which(name) or pytest.skip(f"no {name}"))


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    root = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (root / "scrapyd.conf").write_text(f"""[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
username = {USER}
password = {PASSWORD}
eggs_dir = {root / 'eggs'}
dbs_dir = {root / 'dbs'}
logs_dir = {root / 'logs'}
items_dir = {root / 'items'}
jobs_to_keep = 5
max_proc = 1
poll_interval = 0.5
""", encoding="utf-8")
    log = (root / "scrapyd.out").open("w")
    # HOME points into the temp dir so that no ~/.scrapyd.conf of the machine applies.
    process = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=root, stdout=log,
                               stderr=subprocess.STDOUT, env=clean_env(HOME=str(root)))
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (root / "scrapyd.out").read_text()
            try:
                status, _ = call(url + "daemonstatus.json", auth=None)
                if status == 401:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "Scrapyd did not come up"
            time.sleep(0.2)
        yield url, root
    finally:
        stop_server(process, timeout=15)
        log.close()


def test_requests_without_credentials_are_refused(scrapyd):
    url, _ = scrapyd
    assert call(url + "daemonstatus.json", auth=None)[0] == 401
    assert call(url + "daemonstatus.json", auth=(USER, "wrong"))[0] == 401
    assert call(url + "schedule.json", {"project": "madar", "spider": "madar"},
                auth=None)[0] == 401
    status, body = call(url + "daemonstatus.json")
    assert status == 200 and body["status"] == "ok"


@pytest.fixture(scope="module")
def deployed(scrapyd):
    """``scrapyd-deploy`` from the project root; the target's URL comes from a user-level
    scrapy.cfg, the credentials from the environment (as in the project's [deploy:local])."""
    url, root = scrapyd
    xdg = root / "xdg"
    xdg.mkdir()
    (xdg / "scrapy.cfg").write_text(
        f"[deploy:e2e]\nurl = {url}\nproject = madar\n"
        "username = ${SCRAPYD_USERNAME}\npassword = ${SCRAPYD_PASSWORD}\n", encoding="utf-8")
    result = subprocess.run(
        [tool("scrapyd-deploy"), "e2e", "--version", "e2e-1"], cwd=REPO,
        env=clean_env(XDG_CONFIG_HOME=str(xdg), SCRAPYD_USERNAME=USER,
                      SCRAPYD_PASSWORD=PASSWORD),
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"status": "ok"' in result.stdout + result.stderr, result.stdout + result.stderr
    return url, root


def test_deploy_lists_the_spider(deployed):
    url, _ = deployed
    status, body = call(url + "listspiders.json?project=madar")
    assert status == 200 and body["spiders"] == ["madar"], body
    assert call(url + "listversions.json?project=madar")[1]["versions"] == ["e2e-1"]


def wait_for_job(url: str, job: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, jobs = call(url + "listjobs.json?project=madar")
        for entry in jobs.get("finished", []):
            if entry["id"] == job:
                return entry
        time.sleep(0.5)
    pytest.fail(f"job {job} did not finish in {timeout} s: {jobs}")


def test_scheduled_crawl_of_the_mirror(deployed, tmp_path):
    url, root = deployed
    with serve_mirror(articles=ARTICLES, seed=SEED) as mirror:
        data = [("project", "madar"), ("spider", "madar"), ("base_url", mirror.base_url),
                *SPIDER_ARGS.items(),
                ("setting", f"MADAR_STATE_DIR={root / 'state'}"),
                *(("setting", f"{k}={v}") for k, v in FAST.items())]
        status, body = call(url + "schedule.json", data)
        assert status == 200 and body["status"] == "ok", body
        job = body["jobid"]
        wait_for_job(url, job)
        # The same crawl run locally is what the job must have produced.
        local = run_crawl(mirror.base_url, tmp_path / "local.jsonl", tmp_path / "state",
                          args=SPIDER_ARGS)
        assert local.returncode == 0, local.stderr[-3000:]
        truth = {t["url"]: t for t in ground_truth(mirror.base_url, articles=ARTICLES,
                                                    seed=SEED)}
    log = (root / "logs" / "madar" / "madar" / f"{job}.log").read_text(encoding="utf-8")
    items_file = root / "items" / "madar" / "madar" / f"{job}.jl"
    assert items_file.exists(), log[-4000:]
    lines = items_file.read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines]
    assert items, log[-4000:]
    urls = [i["url"] for i in items]
    assert len(urls) == len(set(urls))
    assert set(urls) <= set(truth), "only articles of the mirror"
    assert all(i["url"].startswith(mirror.base_url) for i in items), "base_url passed through"

    def story(u: str) -> str:
        dup = truth[u]["_duplicate_of"]
        return next((t["url"] for t in truth.values() if t["post_id"] == dup), u) if dup else u

    expected = {story(i["url"]) for i in read_jsonl(tmp_path / "local.jsonl")}
    assert {story(u) for u in urls} == expected, "max_pages/related_depth passed through"
    assert "Traceback" not in log, log[-4000:]
    if "madar/monitor/failed" in log:  # the monitors ran: the schema loaded from the egg
        report = items_file.with_name(items_file.name + ".report.json")
        assert json.loads(report.read_text())["articles"]["emitted"] == len(items)


START = REPO / "deploy" / "scrapyd" / "start"


def test_shipped_start_refuses_the_placeholder_password(tmp_path):
    for password in (None, "change-me"):
        env = clean_env(SCRAPYD_HOME=str(tmp_path / "home"), HOME=str(tmp_path),
                        PYTHON=sys.executable)
        if password:
            env["SCRAPYD_PASSWORD"] = password
        result = subprocess.run(["sh", str(START)], cwd=REPO, env=env, capture_output=True,
                                text=True, timeout=60, check=False)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "export SCRAPYD_PASSWORD=" in lines[0], lines
        assert not (tmp_path / "home").exists()


def test_shipped_start_runs_from_the_project_directory(tmp_path):
    """deploy/scrapyd/start as shipped: relative data paths under SCRAPYD_HOME, auth on."""
    port = free_port()
    home = tmp_path / "scrapyd-home"
    env = clean_env(SCRAPYD_HOME=str(home), SCRAPYD_PASSWORD=PASSWORD, SCRAPYD_USERNAME=USER,
                    SCRAPYD_HTTP_PORT=str(port), HOME=str(tmp_path), PYTHON=sys.executable)
    log = (tmp_path / "start.out").open("w")
    process = subprocess.Popen(["sh", str(START)], cwd=REPO, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "start.out").read_text()
            try:
                if call(url + "daemonstatus.json", auth=None)[0] == 401:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "Scrapyd did not come up"
            time.sleep(0.2)
        status, body = call(url + "daemonstatus.json")
        assert status == 200 and body["status"] == "ok"
        assert (home / "scrapyd.conf").resolve() == (START.parent / "scrapyd.conf").resolve()
        assert (home / "twistd.pid").exists(), "Scrapyd did not start in SCRAPYD_HOME"
        assert call(url + "listprojects.json")[1]["projects"] == []
    finally:
        stop_server(process, timeout=15)
        log.close()
