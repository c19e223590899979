#!/usr/bin/env bash
# stop.sh RUN_DIR — stop the servers of a run kept with `with_servers.sh --keep`.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/servers.sh"
[ -d "${1:-}" ] || { echo "usage: test/harness/stop.sh RUN_DIR" >&2; exit 2; }
harness_stop_dir "$1" && rm -rf "$1"
