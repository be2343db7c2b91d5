#!/usr/bin/env bash
# Install both JavaScript renderers for the rendering tests (as root, idempotent):
# a loopback Splash 3.5 (Debian Qt WebKit + PyPI splash, patched for Python 3.11), Debian's
# Chromium, and scrapy-playwright into the active Python environment (no browser download).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/splash/install-splash.sh
bash deploy/playwright/install-chromium.sh
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 python3 -m pip install -q -r requirements-render.txt
