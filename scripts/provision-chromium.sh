#!/usr/bin/env bash
# The Web UI browser test drives the Temporal Web UI in Debian's `chromium` (through
# playwright-core, whose own browser download cannot work offline). Installed here when we may
# use apt-get (root, or sudo without a password), else the exact command is printed and the
# browser test says it skipped.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ] && exit 0
[ -x /usr/bin/chromium ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  say "chromium not found and apt-get is not available: install Chromium and set CHROMIUM_PATH (the Web UI browser test needs it)"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then as_root=(); elif sudo -n true 2>/dev/null; then as_root=(sudo -n); else
  say "chromium not found: run  sudo apt-get install -y chromium  (the Web UI browser test needs it)"
  exit 0
fi
say "installing Debian chromium (Web UI browser test)..."
"${as_root[@]}" apt-get update -qq >/dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
  || say "apt-get install chromium failed: the Web UI browser test will skip"
