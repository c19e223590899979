# server_lib.sh — shared by the TDS test server's test scripts: start a throwaway server on
# an ephemeral port (--port 0 + --port-file) in a temporary directory, write a freetds.conf
# for it, and stop it by PID on exit, failure or interrupt. Source it; do not run it.

TDS_USER=tester
TDS_PASSWORD='S3cret!pw'

# start_server SERVER_BIN [extra server options...]
# Sets TDS_WORK, TDS_PORT, TDS_PID, FREETDSCONF.
start_server() {
	local bin=$1
	shift
	TDS_WORK=$(mktemp -d "${TMPDIR:-/tmp}/tds_server_test.XXXXXX")
	trap stop_server EXIT INT TERM
	"$bin" --host 127.0.0.1 --port 0 --port-file "$TDS_WORK/port" --db "$TDS_WORK/test.sqlite" \
		--user "$TDS_USER" --password "$TDS_PASSWORD" --log "$TDS_WORK/server.log" "$@" &
	TDS_PID=$!
	for _ in $(seq 1 200); do
		if [ -s "$TDS_WORK/port" ]; then
			break
		fi
		if ! kill -0 "$TDS_PID" 2>/dev/null; then
			echo "server exited during start-up" >&2
			exit 1
		fi
		sleep 0.05
	done
	if [ ! -s "$TDS_WORK/port" ]; then
		echo "server did not write its port file" >&2
		exit 1
	fi
	TDS_PORT=$(cat "$TDS_WORK/port")
	cat > "$TDS_WORK/freetds.conf" <<CONF
[global]
	tds version = 7.4
	client charset = UTF-8
[tds_test]
	host = 127.0.0.1
	port = $TDS_PORT
	tds version = 7.4
	client charset = UTF-8
[tds_test_72]
	host = 127.0.0.1
	port = $TDS_PORT
	tds version = 7.2
	client charset = UTF-8
CONF
	export FREETDSCONF="$TDS_WORK/freetds.conf"
}

stop_server() {
	local rc=$?
	if [ -n "${TDS_PID:-}" ] && kill -0 "$TDS_PID" 2>/dev/null; then
		kill -TERM "$TDS_PID" 2>/dev/null
		for _ in $(seq 1 100); do
			kill -0 "$TDS_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$TDS_PID" 2>/dev/null
		wait "$TDS_PID" 2>/dev/null
	fi
	if [ $rc -ne 0 ] && [ -n "${TDS_WORK:-}" ] && [ -f "$TDS_WORK/server.log" ]; then
		echo "---- server log (last 40 lines) ----" >&2
		tail -n 40 "$TDS_WORK/server.log" >&2
	fi
	if [ -n "${TDS_WORK:-}" ] && [ -z "${TDS_KEEP_WORK:-}" ]; then
		rm -rf "$TDS_WORK"
	fi
	TDS_PID=
	exit $rc
}
