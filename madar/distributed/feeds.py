"""``FEED_URI_PARAMS`` hook: adds ``%(worker)s`` to feed URIs.

Each worker of a shared crawl writes its own feed (``-o 'data/madar-%(worker)s.jsonl'``), so
workers on one machine never write into the same file. Works in plain mode too.
"""

from __future__ import annotations

from typing import Any

from madar.distributed.worker import worker_id


def uri_params(params: dict[str, Any], spider: Any) -> dict[str, Any]:
    return {**params, "worker": worker_id()}
