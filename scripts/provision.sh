#!/usr/bin/env bash
# Provisions what `npm start` (dev), `npm run cluster` (cluster) and `npm test` (test: both jest
# projects, so the cluster's too) need. Idempotent and quiet when done.
set -euo pipefail
here="$(dirname "$0")"
case "${1:-all}" in
  dev)  [ -n "${TEMPORAL_ADDRESS:-}" ] || bash "$here/provision-temporal-cli.sh" ;;
  cluster) bash "$here/provision-temporal-server.sh" ;;
  test) bash "$here/provision-test-server.sh"; bash "$here/provision-temporal-cli.sh"; bash "$here/provision-alertmanager.sh"; bash "$here/provision-prometheus.sh"; bash "$here/provision-chromium.sh"; bash "$here/provision-temporal-server.sh"; bash "$here/provision-helm.sh" ;;
  all)  bash "$here/provision-test-server.sh"; bash "$here/provision-temporal-cli.sh"; bash "$here/provision-alertmanager.sh"; bash "$here/provision-prometheus.sh"; bash "$here/provision-chromium.sh"; bash "$here/provision-temporal-server.sh"; bash "$here/provision-helm.sh" ;;
  *) echo "usage: provision.sh dev|cluster|test|all" >&2; exit 2 ;;
esac
