#!/usr/bin/env bash
# The alert intake tests run the real Prometheus Alertmanager. It comes from Debian's
# package `prometheus-alertmanager` (or ALERTMANAGER_BIN); installed here when we may use
# apt-get (root, or sudo without a password), else the exact command is printed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ -n "${ALERTMANAGER_BIN:-}" ] && [ -x "$ALERTMANAGER_BIN" ] && exit 0
for candidate in /usr/bin/prometheus-alertmanager /usr/local/bin/alertmanager /usr/bin/alertmanager; do
  [ -x "$candidate" ] && exit 0
done

if ! command -v apt-get >/dev/null 2>&1; then
  say "Alertmanager not found and apt-get is not available: install Alertmanager and set ALERTMANAGER_BIN"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then as_root=(); elif sudo -n true 2>/dev/null; then as_root=(sudo -n); else
  say "Alertmanager not found: run  sudo apt-get install -y prometheus-alertmanager  (the alert intake tests need it)"
  exit 0
fi
say "installing Debian prometheus-alertmanager (alert intake tests)..."
"${as_root[@]}" apt-get update -qq >/dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus-alertmanager >/dev/null
# The package may start its own service on :9093; the tests start their own instance.
"${as_root[@]}" service prometheus-alertmanager stop >/dev/null 2>&1 || true
