"""Make Splash 3.5 (last release, 2020) run on Python 3.11 with Debian bookworm's PyQt5.

Run with the Splash venv's interpreter (install-splash.sh does). Each fix is an exact text
replacement in the installed package; the script fails loudly when the expected text is not
found (a different Splash version), and is a no-op when a fix is already in place.

The fixes:
- ``json.loads(..., encoding=...)``: the ``encoding`` keyword was removed in Python 3.9, so every
  JSON POST to ``render.html`` failed with a TypeError.
- ``QTimer.start(float)``: PyQt5 5.15 on Python >= 3.10 no longer converts floats to ``int``
  implicitly, so ``wait``/``timeout`` arguments in seconds (floats) crashed the render.
"""

from __future__ import annotations

import sys
from pathlib import Path

import splash

FIXES: dict[str, list[tuple[str, str]]] = {
    "render_options.py": [
        (
            "data.update(json.loads(content, encoding='utf8'))",
            "data.update(json.loads(content))",
        ),
    ],
    "browser_tab.py": [
        ("        timer.start(time_ms)\n", "        timer.start(int(time_ms))\n"),
        ("self._timer.start(timeout * 1000)", "self._timer.start(int(timeout * 1000))"),
    ],
    "network_manager.py": [
        ("timeout = request.timeout * 1000\n", "timeout = int(request.timeout * 1000)\n"),
        ("        timer.start(timeout_ms)\n", "        timer.start(int(timeout_ms))\n"),
    ],
    "qtrender_lua.py": [
        ("time_ms=time * 1000,", "time_ms=int(time * 1000),"),
    ],
}


def apply(package_dir: Path) -> list[str]:
    """Apply every fix; return what was changed. Raise if a target text is missing."""
    changed = []
    for name, fixes in FIXES.items():
        path = package_dir / name
        text = path.read_text(encoding="utf-8")
        original = text
        for old, new in fixes:
            if text.count(new) == 1 and old not in text:
                continue  # already applied
            if text.count(old) != 1:
                raise SystemExit(
                    f"patch_splash_py311: expected exactly one {old!r} in {path}, "
                    f"found {text.count(old)}; is this Splash 3.5?"
                )
            text = text.replace(old, new)
        if text != original:
            path.write_text(text, encoding="utf-8")
            changed.append(name)
    return changed


if __name__ == "__main__":
    if splash.__version__ != "3.5":
        sys.exit(f"patch_splash_py311: written for Splash 3.5, found {splash.__version__}")
    done = apply(Path(splash.__file__).parent)
    print("patched: " + (", ".join(done) if done else "nothing (already applied)"))
