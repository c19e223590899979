#!/bin/bash
# run_client_tests.sh — starts a TDS test server on an ephemeral port and runs the db-lib
# client tests (types, RPC, cancel, large values, KILL) and the raw protocol tests against
# it; then restarts it with --snapshot-isolation on for the SNAPSHOT test.
# Usage: run_client_tests.sh SERVER_BIN CLIENT_BIN RAW_BIN
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/server_lib.sh"

server=${1:?usage: run_client_tests.sh SERVER_BIN CLIENT_BIN RAW_BIN}
client=${2:?client binary}
raw=${3:?raw test binary}

failures=0
(
	start_server "$server"
	"$client" "127.0.0.1:$TDS_PORT" "$TDS_USER" "$TDS_PASSWORD" types rpc cancel lob kill snapshot_off || exit 1
	"$raw" 127.0.0.1 "$TDS_PORT" "$TDS_USER" "$TDS_PASSWORD" || exit 1
) || failures=$((failures + 1))
(
	start_server "$server" --snapshot-isolation on
	"$client" "127.0.0.1:$TDS_PORT" "$TDS_USER" "$TDS_PASSWORD" snapshot_on || exit 1
) || failures=$((failures + 1))
if [ $failures -ne 0 ]; then
	echo "client tests failed"
	exit 1
fi
echo "all client tests passed"
