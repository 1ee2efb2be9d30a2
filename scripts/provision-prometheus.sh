#!/usr/bin/env bash
# Deployment analysis tests (and the deploy example) run the real Prometheus. It comes from
# Debian's package `prometheus` (or PROMETHEUS_BIN); installed here when we may use apt-get
# (root, or sudo without a password), else the exact command is printed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ -n "${PROMETHEUS_BIN:-}" ] && [ -x "$PROMETHEUS_BIN" ] && exit 0
for candidate in /usr/bin/prometheus /usr/local/bin/prometheus; do
  [ -x "$candidate" ] && exit 0
done

if ! command -v apt-get >/dev/null 2>&1; then
  say "Prometheus not found and apt-get is not available: install Prometheus and set PROMETHEUS_BIN"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then as_root=(); elif sudo -n true 2>/dev/null; then as_root=(sudo -n); else
  say "Prometheus not found: run  sudo apt-get install -y prometheus  (the deployment analysis tests need it)"
  exit 0
fi
say "installing Debian prometheus (deployment analysis tests)..."
"${as_root[@]}" apt-get update -qq >/dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
# The package may start its own service on :9090 (and node exporter on :9100); tests start their own instance.
"${as_root[@]}" service prometheus stop >/dev/null 2>&1 || true
