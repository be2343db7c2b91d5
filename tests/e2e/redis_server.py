"""A throwaway ``redis-server`` for tests: loopback only, free port, no persistence.

Usage: ``with redis_server(tmp_path) as url: ...`` (tests and bench/) or the ``redis_url``
fixture (import it into a test module or a conftest), which skips the test when
``redis-server`` is not installed (CI installs the Debian package).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import stop_server

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def redis_server(workdir: Path, startup_timeout: float = 10.0) -> Iterator[str]:
    """Start ``redis-server`` in ``workdir``; yield its URL; stop it."""
    import redis

    workdir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = (workdir / "redis.log").open("w")
    process = subprocess.Popen(
        [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(workdir), "--protected-mode", "yes"],
        stdout=log, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + startup_timeout
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start: "
                                       + (workdir / "redis.log").read_text()) from None
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        stop_server(process)
        log.close()


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    if not Path(REDIS_SERVER).exists():
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url
