"""Offline mirror of Madar Al-Youm: generated site, HTTP server and ground truth.

Deterministic for a given (seed, articles). Public API:

- ``serve_mirror(articles=200, seed=1, log_path=None)``: context manager -> ``MirrorServer``
  (``.base_url``, ``.stop()``), serving on a free 127.0.0.1 port in a background thread.
- ``ground_truth(base_url, articles=200, seed=1) -> list[dict]``: the expected feed items.
- ``python -m mirror --port 8000`` / ``python -m mirror generate --out DIR``.
"""

from .server import Mirror, MirrorServer, serve_mirror
from .truth import clean_text, ground_truth

__all__ = ["Mirror", "MirrorServer", "clean_text", "ground_truth", "serve_mirror"]
