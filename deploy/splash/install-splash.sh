#!/usr/bin/env bash
# Test infrastructure: a real Splash 3.5 server for the rendering tests and benchmarks.
#
# Production uses the official Splash Docker image (scrapinghub/splash); this script exists
# because CI and developer machines here have no Docker and PyPI ships no Qt WebKit wheel.
# Debian bookworm has PyQt5 + QtWebKit + QtWebEngine + lupa (LuaJIT); Splash itself comes from
# PyPI into a venv of Debian's python3 that sees those system packages.
#
# Idempotent, non-interactive, run as root:  bash deploy/splash/install-splash.sh
# Afterwards:  deploy/splash/run-splash.sh PORT   (binds 127.0.0.1 only)
set -euo pipefail

SPLASH_HOME="${MADAR_SPLASH_HOME:-/opt/madar-splash}"
VENV="$SPLASH_HOME/venv"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

export DEBIAN_FRONTEND=noninteractive
packages=(python3-venv python3-pyqt5 python3-pyqt5.qtwebkit python3-pyqt5.qtwebengine
          python3-lupa xvfb xauth)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    mkdir -p "$SPLASH_HOME"
    /usr/bin/python3 -m venv --system-site-packages "$VENV"
fi
if ! "$VENV/bin/python" -c "import splash, qt5reactor" 2>/dev/null \
   || [[ "$("$VENV/bin/python" -c 'import splash; print(splash.__version__)')" != "3.5" ]]; then
    "$VENV/bin/pip" install -q --disable-pip-version-check \
        "splash==3.5" "qt5reactor>=0.6,<0.7" "Twisted>=22.10,<27"
fi
# pip's lupa wheel is built against plain Lua; Splash's scripts need Debian's LuaJIT build.
if "$VENV/bin/pip" show -q lupa >/dev/null 2>&1 \
   && [[ "$("$VENV/bin/python" -c 'import lupa, os; print(os.path.dirname(lupa.__file__))')" == "$VENV"/* ]]; then
    "$VENV/bin/pip" uninstall -y -q lupa
fi

# Python 3.11 fixes to Splash 3.5 (exact replacements, fail loudly, skip when already applied).
"$VENV/bin/python" "$HERE/patch_splash_py311.py"

"$VENV/bin/python" - <<'PY'
import lupa, splash, PyQt5.QtWebKit, PyQt5.QtWebEngineWidgets, qt5reactor  # noqa: F401
print(f"splash {splash.__version__} ready (lupa {lupa.__file__})")
PY
