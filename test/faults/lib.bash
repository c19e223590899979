# lib.bash — helpers for the fault and bad-input scenarios (sourced by each case, which
# is a TAP script run by prove from run_faults.sh). Builds on the integration helpers
# (plan/ok/is/like/finish, psql_admin) and adds: a database per case, the source
# servers (SQL, foreign servers, stop/start/restart by the pid the harness recorded),
# "nothing lost" checks, and the tally behind the suite's summary table.
#
# Environment: the harness's (test/harness/servers.sh), TRIBUTARY_BIN, and
#   FAULTS_FAST=1        the fast subset (fewer repetitions, used by make test)
#   FAULTS_SUMMARY=FILE  where tally lines go (run_faults.sh prints the table)
#   FAULTS_SEED=N        seed of the random fault moments (printed by each case)
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.bash"

bin=${TRIBUTARY_BIN:?}
faults_seed=${FAULTS_SEED:-$((($$ * 7919 + $(date +%s)) % 32768))}
RANDOM=$faults_seed
echo "# seed $faults_seed (FAULTS_SEED=$faults_seed reproduces the fault moments)"

fast() { [ -n "${FAULTS_FAST:-}" ]; }

# A TAP comment with the seconds since the case started.
FAULTS_STARTED=$(date +%s.%N)
note() { echo "# [$(echo "$(date +%s.%N) - $FAULTS_STARTED" | bc | xargs printf '%.1f') s] $*"; }

# todo STATUS DESCRIPTION REASON — a check of a known bug outside this suite's files:
# reported, but not counted as a failure (TAP TODO); prove says when it starts passing.
T_TODO_OPEN=0
todo() {
	T_COUNT=$((T_COUNT + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_COUNT - $2 # TODO $3"
	else
		echo "not ok $T_COUNT - $2 # TODO $3"
		T_TODO_OPEN=$((T_TODO_OPEN + 1))
	fi
}

# The case cannot go on (its set-up failed): TAP's bail out, which stops prove.
bail_out() {
	echo "Bail out! $*"
	exit 255
}

# skip N REASON — N checks not run in this mode.
skip() {
	for _ in $(seq 1 "$1"); do
		T_COUNT=$((T_COUNT + 1))
		echo "ok $T_COUNT # skip $2"
	done
}

# tally CATEGORY CASE TRIED SURVIVED LOST — one line of the summary table.
# TRIED: faults injected or bad inputs tried; SURVIVED: how many ended as they must
# (run converged, bad row recorded with its reason…); LOST: source rows neither in the
# target nor in migration.failure (or wrong in the target). The line also carries the
# known bugs (failing TODO checks) seen since the previous tally.
T_TODO_TALLIED=0
tally() {
	local open=$((T_TODO_OPEN - T_TODO_TALLIED))
	T_TODO_TALLIED=$T_TODO_OPEN
	[ -n "${FAULTS_SUMMARY:-}" ] || return 0
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$open" >>"$FAULTS_SUMMARY"
}

# A random number of milliseconds in [lo, hi], as seconds for sleep.
random_seconds() { # LO_MS HI_MS
	local ms=$(($1 + RANDOM % ($2 - $1 + 1)))
	printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

# ---- PostgreSQL ---------------------------------------------------------------------

# A fresh database for this case, with the extension; PGDATABASE points at it.
fresh_db() { # NAME
	psql_admin -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" || return 1
	export PGDATABASE=$1
	psql_admin -c "CREATE EXTENSION tributary"
}
drop_db() { psql_admin -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"; }

# Wait until no loader session is left in the cluster (a killed loader's backend goes
# on with its statement, holding the step's lock, until it notices the client is gone).
wait_loader_gone() {
	for _ in $(seq 1 300); do
		[ "$(psql_admin -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tributary'")" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# Rows in one query's result and not in the other's, both ways (0: they agree).
rows_differ() { # QUERY_A QUERY_B
	psql_admin -c "SELECT count(*) FROM (($1 EXCEPT ALL $2) UNION ALL ($2 EXCEPT ALL $1)) d"
}

# Source keys neither in the target nor in migration.failure of the step.
rows_lost() { # STEP SOURCE_KEYS_QUERY TARGET_KEYS_QUERY
	psql_admin -c "SELECT count(*) FROM ($2) s(k) WHERE k::text NOT IN (SELECT k::text FROM ($3) t(k))
		AND NOT EXISTS (SELECT 1 FROM migration.failure f WHERE f.step = '$1' AND f.source_key ->> 0 = s.k::text)"
}

# Keys present more than once (a map-mode step that migrated a row twice).
rows_twice() { # KEYS_QUERY
	psql_admin -c "SELECT count(*) - count(DISTINCT k) FROM ($1) s(k)"
}

# ---- MariaDB -----------------------------------------------------------------------

mariadb_root() { mariadb --no-defaults --default-character-set=utf8mb4 --socket="$TRIBUTARY_MYSQL_SOCKET" -uroot "$@"; }

# A MariaDB database and a user of its own for this case (so its sessions can be told
# apart in the processlist), and the PostgreSQL server "my" + user mapping reaching it.
mariadb_source() { # DBNAME [SERVER_OPTIONS…]
	local db=$1 pw
	shift
	pw="pw$RANDOM$RANDOM"
	mariadb_root <<SQL || return 1
DROP DATABASE IF EXISTS \`$db\`;
CREATE DATABASE \`$db\` CHARACTER SET utf8mb4;
DROP USER IF EXISTS '$db'@'127.0.0.1';
CREATE USER '$db'@'127.0.0.1' IDENTIFIED BY '$pw';
GRANT ALL ON \`$db\`.* TO '$db'@'127.0.0.1';
SQL
	local extra=""
	[ $# -gt 0 ] && extra=", $*"
	psql_admin -v port="$TRIBUTARY_MYSQL_PORT" -v user="$db" -v pw="$pw" -v db="$db" <<SQL
CREATE SERVER my FOREIGN DATA WRAPPER tributary_mysql OPTIONS (host '127.0.0.1', port :'port', dbname :'db'$extra);
CREATE USER MAPPING FOR CURRENT_USER SERVER my OPTIONS (username :'user', password :'pw');
SQL
}
mariadb_drop() { mariadb_root -e "DROP DATABASE IF EXISTS \`$1\`; DROP USER IF EXISTS '$1'@'127.0.0.1'"; }

# Sessions of a user that are running a statement (not idle between statements).
mariadb_busy_sessions() { # USER
	mariadb_root -N -e "SELECT id FROM information_schema.processlist WHERE user = '$1' AND command NOT IN ('Sleep', 'Killed')"
}
mariadb_sessions() { # USER
	mariadb_root -N -e "SELECT id FROM information_schema.processlist WHERE user = '$1'"
}

mariadb_alive() { mariadb-admin --no-defaults --socket="$TRIBUTARY_MYSQL_SOCKET" -uroot ping >/dev/null 2>&1; }
# Stop the harness's MariaDB, and start it again the same way, on the same port.
mariadb_stop() { server_stop mariadb; }
mariadb_start() { server_start mariadb mariadb_alive; }

# ---- The TDS test server -------------------------------------------------------------

# Run T-SQL (stdin) on the TDS test server; fails if the server reports an error.
tds_sql() {
	local out
	out=$(tsql -S tributary_test -U "$TRIBUTARY_TDS_USER" -P "$TRIBUTARY_TDS_PASSWORD" \
		-D "$TRIBUTARY_TDS_DATABASE" -o q 2>&1)
	if printf '%s' "$out" | grep -q '^Msg [0-9]'; then
		printf '%s\n' "$out" >&2
		return 1
	fi
	printf '%s\n' "$out"
}

# The PostgreSQL server "ms" + user mapping reaching the TDS test server; the driver's
# sessions log in with application name APP (to find them in the server's log).
tds_source() { # APP [SERVER_OPTIONS…]
	local app=$1
	shift
	local extra=""
	[ $# -gt 0 ] && extra=", $*"
	psql_admin -v port="$TRIBUTARY_TDS_PORT" -v user="$TRIBUTARY_TDS_USER" -v pw="$TRIBUTARY_TDS_PASSWORD" \
		-v db="$TRIBUTARY_TDS_DATABASE" -v app="$app" <<SQL
CREATE SERVER ms FOREIGN DATA WRAPPER tributary_mssql OPTIONS (host '127.0.0.1', port :'port', dbname :'db', app_name :'app'$extra);
CREATE USER MAPPING FOR CURRENT_USER SERVER ms OPTIONS (username :'user', password :'pw');
SQL
}

# SPIDs that logged in with application name APP, newest last.
tds_sessions() { # APP
	grep -E "\] login user=[^ ]+ app=$1 " "$TRIBUTARY_RUN_DIR/tds.log" | sed -E 's/.*\[([0-9]+)\] login.*/\1/'
}
tds_kill() { # SPID
	printf 'KILL %s\ngo\n' "$1" | tds_sql >/dev/null
}

tds_alive() { printf 'SELECT 1\ngo\n' | tds_sql >/dev/null 2>&1; }
# It was started on an ephemeral port (--port 0): start it again on the one it got.
tds_stop() { server_stop tds --port "$TRIBUTARY_TDS_PORT"; }
tds_start() { server_start tds tds_alive; }

# ---- Stopping and starting a source server ------------------------------------------------

# server_stop NAME [OPTION VALUE] — stop a server the harness started, by the pid it
# recorded in $TRIBUTARY_RUN_DIR/NAME.pid, remembering its command line (with OPTION's
# value replaced, if given) for server_start.
declare -A FAULTS_SERVER_CMD
server_stop() {
	local name=$1 pid i cmd
	pid=$(cat "$TRIBUTARY_RUN_DIR/$name.pid") || return 1
	mapfile -d '' -t cmd <"/proc/$pid/cmdline" || return 1
	if [ $# -eq 3 ]; then
		for i in "${!cmd[@]}"; do
			[ "${cmd[$i]}" = "$2" ] && cmd[$((i + 1))]=$3
		done
	fi
	FAULTS_SERVER_CMD[$name]=$(printf '%q ' "${cmd[@]}")
	kill -TERM "$pid" || return 1
	for _ in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid"
}
# server_start NAME READY_COMMAND — start it again (in a session of its own, so it
# outlives this case; the harness stops it by the pid written back), wait until ready.
server_start() {
	local name=$1 ready=$2
	[ -n "${FAULTS_SERVER_CMD[$name]:-}" ] || return 1
	eval "setsid ${FAULTS_SERVER_CMD[$name]} </dev/null >/dev/null 2>&1 &"
	echo $! >"$TRIBUTARY_RUN_DIR/$name.pid"
	for _ in $(seq 1 300); do
		$ready && return 0
		sleep 0.1
	done
	return 1
}
