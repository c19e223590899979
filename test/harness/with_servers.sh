#!/usr/bin/env bash
# with_servers.sh CMD [ARGS…] — start the throwaway servers (servers.sh), run CMD with
# their coordinates in the environment, then stop them: on success, on failure and on
# SIGINT/SIGTERM. Exits with CMD's status. The run folder is removed after a success
# and kept (logs) after a failure. --keep leaves the servers running and prints how to
# reach them; stop them later with: test/harness/stop.sh RUN_DIR.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/servers.sh"

keep=""
if [ "${1:-}" = "--keep" ]; then
	keep=1
	shift
fi
export HARNESS_OWNER_PID=$$
[ -n "$keep" ] && export HARNESS_OWNER_PID=keep

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	if [ -n "$keep" ] && [ "$status" -eq 0 ]; then
		echo "servers left running; connect with: psql -h $PGHOST -p $PGPORT -U postgres $PGDATABASE"
		echo "their coordinates for a shell: . $TRIBUTARY_RUN_DIR/env.sh"
		echo "stop them with: test/harness/stop.sh $TRIBUTARY_RUN_DIR"
		exit 0
	fi
	harness_stop
	if [ "$status" -eq 0 ]; then
		rm -rf "$TRIBUTARY_RUN_DIR"
	elif [ -n "${TRIBUTARY_RUN_DIR:-}" ]; then
		echo "harness: logs kept in $TRIBUTARY_RUN_DIR" >&2
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

harness_start || { echo "harness: could not start the test servers" >&2; exit 3; }
"$@"
