#!/usr/bin/env bash
# Debian's Chromium for scrapy-playwright (``-a render=playwright``).
#
# Playwright's own browser download is never used (no network for it here, and one browser
# binary managed by apt is easier to patch): scrapy-playwright is pointed at /usr/bin/chromium
# by madar.rendering.settings_for("playwright"). Idempotent, non-interactive, run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed"; then
    apt-get update -q
    apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
fi
/usr/bin/chromium --version
