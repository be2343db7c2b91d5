"""The one real page of the site (the project's seed), for tests that need the saved page."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirror.seed import seed_file


def seed_path() -> Path:
    """The seed file; the calling test is skipped (with the reason) when it is absent."""
    path = seed_file()
    if path is None:
        pytest.skip("seed page not found in shared/seed/ beside the repository")
    return path
