# Query cancel and statement_timeout during a foreign scan, for both drivers: while the
# source is still working on the remote query, and mid-stream while rows flow. The
# remote query is stopped, and the next query in the same session works (on the same
# remote session where the driver could keep it).
. "$(dirname "$0")/lib.bash"
plan 27
db=flt_cancel
fresh_db $db
mariadb_source $db
mariadb_root $db <<'SQL'
CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(300) NOT NULL);
INSERT INTO big SELECT seq, REPEAT(CONCAT('row ', seq, ' '), 15) FROM seq_1_to_60000;
SQL
tds_sql >/dev/null <<'SQL'
DROP TABLE IF EXISTS flt_big
CREATE TABLE flt_big (id int PRIMARY KEY, v nvarchar(300) NOT NULL)
INSERT INTO flt_big (id, v) WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 60000)
	SELECT n, 'row ' || n || ' ' || hex(randomblob(60)) FROM g
go
SQL
tds_source flt_cancel_tds
tds_log_start=$(wc -l <"$TRIBUTARY_RUN_DIR/tds.log")
psql_admin >/dev/null <<'SQL'
CREATE FOREIGN TABLE my_big (id int NOT NULL, v text NOT NULL) SERVER my OPTIONS (table_name 'big');
CREATE FOREIGN TABLE my_slow (id int, s int) SERVER my OPTIONS (query 'SELECT id, SLEEP(3) AS s FROM big WHERE id = 1');
CREATE FOREIGN TABLE my_session (id bigint) SERVER my OPTIONS (query 'SELECT CONNECTION_ID() AS id');
CREATE FOREIGN TABLE ms_big (id int NOT NULL, v text NOT NULL) SERVER ms OPTIONS (table_name 'flt_big');
CREATE FOREIGN TABLE ms_slow (n bigint) SERVER ms OPTIONS (query 'SELECT count_big(*) AS n FROM flt_big a CROSS JOIN flt_big b WHERE a.v < b.v');
CREATE FOREIGN TABLE ms_session (id int) SERVER ms OPTIONS (query 'SELECT @@SPID AS id');
-- about a millisecond per row on the local side: a scan of these tables takes minutes
CREATE FUNCTION slow(text) RETURNS int LANGUAGE plpgsql AS 'BEGIN PERFORM pg_sleep(0.001); RETURN length($1); END';
SQL
note "sources ready"

# in_session DRIVER: one psql session; each case marks its output with "== name".
# Queries marked cancel-me are cancelled from outside (pg_cancel_backend) once they have
# run for half a second.
in_session() { # my|ms
	PGOPTIONS="-c client_min_messages=warning" psql -qAtX -v big="$1_big" -v slow="$1_slow" -v sess="$1_session" 2>&1 <<'SQL'
\set VERBOSITY verbose
\echo == session before
SELECT id FROM :sess;
\echo == timeout while the source works
SET statement_timeout = 700;
\timing on
SELECT * FROM :slow;
\timing off
RESET statement_timeout;
\echo == after
SELECT id FROM :sess;
SELECT count(*) FROM :big;
\echo == timeout mid-stream
SET statement_timeout = 700;
SELECT sum(slow(v)) FROM :big;
RESET statement_timeout;
\echo == after
SELECT count(*) FROM :big;
\echo == cancel mid-stream in a transaction
BEGIN;
SELECT count(*) FROM :big WHERE id < 10;
SELECT sum(slow(v)) /* cancel-me */ FROM :big;
ROLLBACK;
\echo == after
SELECT count(*), min(id), max(id) FROM :big;
\echo == cancel by another session while the source works
\timing on
SELECT * /* cancel-me */ FROM :slow;
\timing off
\echo == after
SELECT id FROM :sess;
SELECT count(*) FROM :big WHERE id <= 5000;
SQL
}
section() { # OUTPUT NAME [N] — the lines after the N-th "== NAME" marker, up to the next marker
	printf '%s\n' "$1" | awk -v name="== $2" -v n="${3:-1}" '$0 == name { seen++; on = (seen == n); next } /^== / { on = 0 } on'
}

for d in my ms; do
	label=$([ $d = my ] && echo MariaDB || echo TDS)
	failed_before=$T_FAILED
	done_flag=$TRIBUTARY_RUN_DIR/flt_cancel.done
	rm -f "$done_flag"
	(
		while [ ! -e "$done_flag" ]; do
			sleep 0.1
			psql_admin -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE state = 'active'
				AND query LIKE '%cancel-me%' AND query_start < now() - interval '500 ms'
				AND datname = '$db' AND pid <> pg_backend_pid()" >/dev/null
		done
	) &
	canceller=$!
	started=$(date +%s)
	out=$(in_session $d)
	took=$(($(date +%s) - started))
	touch "$done_flag"
	wait $canceller
	note "$label session done in $took s"
	echo "$out" | sed 's/^/#   /' | head -40
	before=$(section "$out" "session before")
	# Canceling at the source: the error within a few seconds (the remote query sleeps 3 s).
	promptly() { # SECTION DESCRIPTION — the cancelled statement took less than 1.8 s
		local ms check
		ms=$(section "$out" "$1" | sed -nE 's/^Time: ([0-9]+)\..*/\1/p' | head -1)
		check=$([ "${ms:-99999}" -lt 1800 ] && echo 0 || echo 1)
		ok $check "$2 ($ms ms)"
	}
	like "$(section "$out" "timeout while the source works")" "ERROR:  57014: " \
		"$label: statement_timeout ends a query the source is still working on (57014)"
	promptly "timeout while the source works" "$label: ... within 1.8 s, not when the source finishes"
	after=$(section "$out" after 1)
	is "$(printf '%s\n' "$after" | head -1)" "$before" "$label: the next query runs on the same remote session"
	is "$(printf '%s\n' "$after" | tail -1)" 60000 "$label: and a full scan returns every row"
	like "$(section "$out" "timeout mid-stream")" "ERROR:  57014: canceling statement due to statement timeout" \
		"$label: statement_timeout ends a scan mid-stream"
	is "$(section "$out" after 2)" 60000 "$label: the next scan in the session returns every row"
	like "$(section "$out" "cancel mid-stream in a transaction")" "ERROR:  57014: canceling statement due to user request" \
		"$label: a cancel ends a scan mid-stream inside a transaction"
	is "$(section "$out" after 3)" "60000|1|60000" "$label: after the rollback the next scan returns every row"
	like "$(section "$out" "cancel by another session while the source works")" "ERROR:  57014: " \
		"$label: pg_cancel_backend ends a query the source is still working on (57014)"
	promptly "cancel by another session while the source works" "$label: ... within 1.8 s of the cancel"
	after=$(section "$out" after 4)
	is "$(printf '%s\n' "$after" | head -1)" "$before" "$label: the next query runs on the same remote session"
	is "$(printf '%s\n' "$after" | tail -1)" 5000 "$label: and returns its rows"
	tally "cancel during a foreign scan" "$label: timeout and cancel, remote busy and mid-stream" 4 \
		"$([ "$T_FAILED" -eq "$failed_before" ] && echo 4 || echo 0)" 0
done

# The remote work stopped too: nothing of ours is still running at the sources.
sleep 0.5
is "$(mariadb_root -N -e "SELECT count(*) FROM information_schema.processlist WHERE user = '$db' AND command NOT IN ('Sleep', 'Killed')")" 0 \
	"MariaDB: no cancelled query is still running at the source"
tds_log=$(tail -n +$((tds_log_start + 1)) "$TRIBUTARY_RUN_DIR/tds.log")
like "$(printf '%s\n' "$tds_log" | grep -ciE 'attention')" "^[1-9]" "TDS: the server received attention packets (the remote query was cancelled)"
like "$(printf '%s\n' "$tds_log" | grep -c 'app=flt_cancel_tds')" "^[12]$" "TDS: the driver logged in once or twice for all of it"

drop_db $db
mariadb_drop $db
printf 'DROP TABLE flt_big\ngo\n' | tds_sql >/dev/null
finish
