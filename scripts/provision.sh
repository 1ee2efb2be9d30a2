#!/usr/bin/env bash
# Provisions what `npm start` (dev) and `npm test` (test) need. Idempotent and quiet when done.
set -euo pipefail
here="$(dirname "$0")"
case "${1:-all}" in
  dev)  [ -n "${TEMPORAL_ADDRESS:-}" ] || bash "$here/provision-temporal-cli.sh" ;;
  test) bash "$here/provision-test-server.sh"; bash "$here/provision-temporal-cli.sh"; bash "$here/provision-alertmanager.sh"; bash "$here/provision-prometheus.sh"; bash "$here/provision-chromium.sh" ;;
  all)  bash "$here/provision-test-server.sh"; bash "$here/provision-temporal-cli.sh"; bash "$here/provision-alertmanager.sh"; bash "$here/provision-prometheus.sh"; bash "$here/provision-chromium.sh" ;;
  *) echo "usage: provision.sh dev|test|all" >&2; exit 2 ;;
esac
