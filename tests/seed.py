"""Where the one real page of the site (the project's seed) lies: ``shared/seed/`` beside
the repository (as in CI), else the developers' workplace copy."""

from __future__ import annotations

from pathlib import Path

import pytest

_NAME = "000_457a80a7c2cb7216.txt"
_CANDIDATES = (
    Path(__file__).resolve().parents[2] / "shared" / "seed" / _NAME,
    Path("/work/shared/seed") / _NAME,
)


def seed_path() -> Path:
    """The seed file; the calling test is skipped (with the reason) when it is absent."""
    for path in _CANDIDATES:
        if path.exists():
            return path
    pytest.skip(f"seed page not found in {[str(p) for p in _CANDIDATES]}")
