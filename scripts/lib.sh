# Shared helpers for the provisioning scripts (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${ARXFLOW_TOOLS_DIR:-$ROOT/.tools}"
TOOLS_BIN="$TOOLS_DIR/bin"
TEMPORAL_CLI_VERSION="v1.5.1"
TEMPORAL_TEST_SERVER_VERSION="1.31.0" # keep in step with scripts/test-server/pom.xml

say() { echo "arxflow provision: $*" >&2; }

# True when the SDK's own download host answers: the last fallback for tools we cannot build here.
# ARXFLOW_OFFLINE=1 treats it as unreachable (tests of the offline path).
sdk_download_reachable() {
  [ "${ARXFLOW_OFFLINE:-}" = "1" ] && return 1
  command -v curl >/dev/null 2>&1 || return 1
  curl -s -o /dev/null --max-time 5 -I https://temporal.download/ 2>/dev/null
}
