#!/usr/bin/env bash
# run_demo.sh — the sample migration of `make demo`. Until the loader core lands it
# starts the throwaway servers, creates the extension and checks the loader can reach it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TRIBUTARY_RUN_DIR:-}" ]; then
	exec test/harness/with_servers.sh "$0" "$@"
fi
psql -qAtX -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS tributary"
build/tributary check
