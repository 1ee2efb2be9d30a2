#!/usr/bin/env bash
# Temporal CLI (dev server + Web UI) at $TEMPORAL_CLI_VERSION.
# Order: TEMPORAL_CLI_PATH, a `temporal` on PATH, the tools folder, `go install`,
# then the SDK's download at run time. Quiet when already done.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  [ -x "$TEMPORAL_CLI_PATH" ] && exit 0
  say "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file"; exit 1
fi
command -v temporal >/dev/null 2>&1 && exit 0
[ -x "$TOOLS_BIN/temporal" ] && exit 0

if command -v go >/dev/null 2>&1; then
  say "building Temporal CLI $TEMPORAL_CLI_VERSION with go install (first run only, a few minutes)..."
  staging="$(mktemp -d)"
  trap 'rm -rf "$staging"' EXIT
  if GOBIN="$staging" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" >"$staging/go.log" 2>&1; then
    mkdir -p "$TOOLS_BIN"
    mv "$staging/temporal" "$TOOLS_BIN/temporal" # moved only when complete: never half-installed
    say "Temporal CLI installed at $TOOLS_BIN/temporal"
    exit 0
  fi
  say "go install failed:"; tail -5 "$staging/go.log" >&2
fi

if sdk_download_reachable; then
  say "no Temporal CLI here; the SDK will download its dev server at run time (internet is reachable)"
  exit 0
fi
say "cannot provide the Temporal CLI: it needs one of"
say "  - Go 1.22+ and the Go module proxy (go install github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION), or"
say "  - a temporal binary: set TEMPORAL_CLI_PATH or put it on PATH, or"
say "  - internet access to https://temporal.download for the SDK's download."
exit 1
