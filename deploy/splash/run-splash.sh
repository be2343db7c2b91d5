#!/usr/bin/env bash
# Start the test Splash (installed by install-splash.sh) on 127.0.0.1:PORT, in the foreground.
#
#   deploy/splash/run-splash.sh 8050 &      then  SPLASH_URL=http://127.0.0.1:8050
#
# Splash starts its own Xvfb (xvfbwrapper) and stops it on exit; the process execs into Splash,
# so the PID of this script is the PID to signal. Loopback only, no disk cache, private mode.
set -euo pipefail

PORT="${1:?usage: run-splash.sh PORT [extra splash options]}"
shift
SPLASH_HOME="${MADAR_SPLASH_HOME:-/opt/madar-splash}"
PY="$SPLASH_HOME/venv/bin/python"
[[ -x "$PY" ]] || { echo "Splash is not installed: run deploy/splash/install-splash.sh" >&2; exit 3; }

# Qt WebEngine refuses to start as root unless its sandbox is off (Splash's chromium engine).
export QTWEBENGINE_DISABLE_SANDBOX=1
# Keep Qt's caches and runtime files out of $HOME and off the work tree.
# One directory per port, reused by the next run on that port (exec leaves no shell to clean up).
RUNTIME_DIR="${TMPDIR:-/tmp}/madar-splash-$PORT"
mkdir -p "$RUNTIME_DIR"
chmod 700 "$RUNTIME_DIR"
export XDG_RUNTIME_DIR="$RUNTIME_DIR" XDG_CACHE_HOME="$RUNTIME_DIR/cache"

exec "$PY" -m splash.server --ip 127.0.0.1 --port "$PORT" \
    --disable-browser-caches --max-timeout 90 --slots "${SPLASH_SLOTS:-8}" "$@"
