#!/usr/bin/env bash
# Helm, for the chart's test (test/integration/helm-chart.test.ts: helm lint and helm template
# of deploy/helm/arxflow): built with `go install helm.sh/helm/v4/cmd/helm@$HELM_VERSION` from the
# Go module proxy into its own folder under the tools folder, as provision-temporal-server.sh
# builds Temporal. Quiet when already there.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

HELM_VERSION="v4.3.2"
HELM_DIR="$TOOLS_DIR/helm-$HELM_VERSION"
[ -x "$HELM_DIR/helm" ] && exit 0

if ! command -v go >/dev/null 2>&1; then
  say "cannot build Helm: it needs Go and the Go module proxy (go install helm.sh/helm/v4/cmd/helm@$HELM_VERSION)"
  exit 1
fi
say "building Helm $HELM_VERSION with go install (first run only)..."
# Built into a staging folder and moved in only when complete; -p=1 and nice on a shared machine,
# full speed with CI set (a machine of its own).
flags="${GOFLAGS:-} -p=1" niceness=10
[ -n "${CI:-}" ] && flags="${GOFLAGS:-}" && niceness=0
staging="$(mktemp -d)"
if ! GOFLAGS="$flags" GOBIN="$staging" nice -n "$niceness" go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" >"$staging/go.log" 2>&1; then
  say "go install helm.sh/helm/v4/cmd/helm@$HELM_VERSION failed:"; tail -5 "$staging/go.log" >&2
  rm -rf "$staging"; exit 1
fi
mkdir -p "$HELM_DIR"
mv "$staging/helm" "$HELM_DIR/helm"
rm -rf "$staging"
