#!/usr/bin/env bash
# What `npm run cluster` needs (docs/production.md): the official Temporal Server and its SQL
# schema tool at $TEMPORAL_SERVER_VERSION, the official PostgreSQL schema files of that same
# version, the standalone Web UI server at $TEMPORAL_UI_SERVER_VERSION, and PostgreSQL from Debian.
# Each version gets a folder of its own under the tools folder, so a version bump installs
# beside the old one and "already there" is one test. Quiet when already done.
# TEMPORAL_SERVER_VERSION and TEMPORAL_UI_SERVER_VERSION are read by test/unit/compose-versions.test.ts:
# temporal-dev.yml must use the same (temporalio/auto-setup, temporalio/ui).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

TEMPORAL_SERVER_VERSION="v1.29.1"
# The Web UI the Temporal CLI $TEMPORAL_CLI_VERSION embeds (its go.mod), so both UIs are one.
TEMPORAL_UI_SERVER_VERSION="v2.42.1"
SERVER_DIR="$TOOLS_DIR/temporal-server-$TEMPORAL_SERVER_VERSION"
UI_DIR="$TOOLS_DIR/temporal-ui-server-$TEMPORAL_UI_SERVER_VERSION"

# One `go install` into a staging folder, moved in only when complete: never half-installed.
# -p=1 and nice on a shared machine (the build takes minutes); CI=1 (a machine of its own) builds at full speed.
go_install() { # <package@version> <binary name> <destination>
  local staging flags="${GOFLAGS:-} -p=1" niceness=10
  [ -n "${CI:-}" ] && flags="${GOFLAGS:-}" && niceness=0
  staging="$(mktemp -d)"
  if ! GOFLAGS="$flags" GOBIN="$staging" nice -n "$niceness" go install "$1" >"$staging/go.log" 2>&1; then
    say "go install $1 failed:"; tail -5 "$staging/go.log" >&2
    rm -rf "$staging"; return 1
  fi
  mkdir -p "$(dirname "$3")"
  mv "$staging/$2" "$3"
  rm -rf "$staging"
}

need_go() {
  command -v go >/dev/null 2>&1 && return 0
  say "cannot build the Temporal Server: it needs Go 1.24+ and the Go module proxy (go install go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION)"
  exit 1
}

if [ ! -x "$SERVER_DIR/bin/temporal-server" ]; then
  need_go
  say "building Temporal Server $TEMPORAL_SERVER_VERSION with go install (first run only, about 5 minutes)..."
  go_install "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" server "$SERVER_DIR/bin/temporal-server"
fi
if [ ! -x "$SERVER_DIR/bin/temporal-sql-tool" ]; then
  need_go
  say "building temporal-sql-tool $TEMPORAL_SERVER_VERSION with go install..."
  go_install "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION" sql "$SERVER_DIR/bin/temporal-sql-tool"
fi
# The official schemas ship in the server's module source (schema/postgresql/v12/{temporal,visibility}).
if [ ! -f "$SERVER_DIR/schema/postgresql/v12/visibility/schema.sql" ]; then
  need_go
  module_dir="$(go mod download -json "go.temporal.io/server@$TEMPORAL_SERVER_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  if [ -z "$module_dir" ] || [ ! -d "$module_dir/schema/postgresql/v12" ]; then
    say "go mod download go.temporal.io/server@$TEMPORAL_SERVER_VERSION gave no schema/postgresql/v12 folder"; exit 1
  fi
  staging="$(mktemp -d)"
  mkdir -p "$staging/postgresql"
  cp -R "$module_dir/schema/postgresql/v12" "$staging/postgresql/v12"
  chmod -R u+w "$staging" # the module cache is read-only
  rm -rf "$SERVER_DIR/schema"
  mkdir -p "$SERVER_DIR"
  mv "$staging" "$SERVER_DIR/schema"
fi
if [ ! -x "$UI_DIR/temporal-ui-server" ]; then
  need_go
  say "building the Temporal Web UI server $TEMPORAL_UI_SERVER_VERSION with go install..."
  go_install "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_SERVER_VERSION" server "$UI_DIR/temporal-ui-server"
fi

# PostgreSQL from Debian: `npm run cluster` runs its own cluster (initdb, pg_ctl) in the data dir.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  say "installing PostgreSQL from Debian (apt-get install postgresql)..."
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
