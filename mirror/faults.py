"""Fault injection for the mirror: 5xx answers, connection resets, stalls, truncated bodies.

A ``FaultInjector`` is a reply hook of ``MirrorServer``. Whether the n-th request of a path
fails is a pure function of (seed, path, n), so a run is reproducible for a given request
order, and no path fails more than ``max_per_path`` times in a row: a crawler that retries
enough always gets every page. ``/robots.txt`` is exempt (robots obedience is tested apart).
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter

from .server import Reply

KINDS = ("500", "502", "503", "reset", "stall", "truncate")


class SeededPathFaults:
    """Reply hooks whose n-th request of a path misbehaves as a pure function of
    (salt, seed, path, n), at most ``max_per_path`` times in a row."""

    salt = ""

    def __init__(self, rate: float, seed: int = 1, *, max_per_path: int = 2,
                 exempt: tuple[str, ...] = ("/robots.txt",)) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("fault rate must be within [0, 1]")
        self.rate, self.seed, self.max_per_path, self.exempt = rate, seed, max_per_path, exempt
        self._tries: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.injected: Counter[str] = Counter()

    def next_attempt(self, path: str) -> int:
        """How many requests of ``path`` came before this one (0-based), counting this one."""
        with self._lock:
            attempt = self._tries[path]
            self._tries[path] += 1
        return attempt

    def draw(self, path: str, attempt: int) -> bytes | None:
        """The digest that picks the fault's kind, or None when this request is served."""
        if attempt >= self.max_per_path or path in self.exempt or self.rate <= 0:
            return None
        digest = hashlib.sha256(f"{self.salt}{self.seed}:{path}:{attempt}".encode()).digest()
        return None if int.from_bytes(digest[:8], "big") / 2**64 >= self.rate else digest

    def count(self, kind: str) -> None:
        with self._lock:
            self.injected[kind] += 1


class FaultInjector(SeededPathFaults):
    def __init__(self, rate: float, seed: int = 1, *, stall_seconds: float = 5.0,
                 **limits) -> None:
        super().__init__(rate, seed, **limits)
        self.stall_seconds = stall_seconds

    def choose(self, path: str, attempt: int) -> str | None:
        """The fault for the ``attempt``-th request (0-based) of ``path``, or None."""
        digest = self.draw(path, attempt)
        return None if digest is None else KINDS[digest[8] % len(KINDS)]

    def __call__(self, handler, reply: Reply) -> Reply:
        kind = self.choose(handler.path, self.next_attempt(handler.path))
        if kind is None:
            return reply
        self.count(kind)
        if kind.isdigit():
            headers = {"Retry-After": "1"} if kind == "503" else {}
            return Reply(int(kind), f"<h1>{kind} mirror fault</h1>".encode(), headers=headers,
                         templated=False, fault=kind)
        if kind == "stall":
            reply.delay += self.stall_seconds
        reply.fault = kind
        return reply
