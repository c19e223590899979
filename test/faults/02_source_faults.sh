# The source goes away under a running load, for both drivers: its session is killed
# mid-scan (MariaDB KILL; the TDS test server's KILL drops the socket), the source
# server is restarted mid-run, and a source that stays down. The batch is retried with
# backoff and the run completes; a permanent failure ends the run with a clear error, a
# resumable state, and the rerun finishes without reading again what was committed.
. "$(dirname "$0")/lib.bash"
if fast; then kills=2; else kills=8; fi
plan 31
db=flt_src
fresh_db $db
mariadb_source $db
mariadb_root $db <<'SQL'
CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(100) NOT NULL, amount DECIMAL(12,2),
	note TEXT, created_at DATETIME(3));
INSERT INTO orders SELECT seq, CONCAT('customer ', seq % 997), seq % 10000 + 0.25,
	REPEAT(CONCAT('order ', seq, ' '), 12), '2024-01-01' + INTERVAL seq SECOND FROM seq_1_to_120000;
SQL
# The loader's scans must last long enough to be killed in the middle: a batch of 10000
# rows (2 MB) fits in the socket buffers and the driver's read-ahead at once, so a fast
# server never waits for the client. The full suite reads the orders through a view that
# makes the server work a little on every row (BENCHMARK: MD5 of the row's note, 200
# times), about half a second a batch; the fast subset reads them as they are.
mariadb_root $db -e "CREATE VIEW orders_read AS SELECT * FROM orders WHERE BENCHMARK($(fast && echo 0 || echo 200), MD5(note)) = 0"

tds_sql >/dev/null <<'SQL'
DROP TABLE IF EXISTS flt_orders
CREATE TABLE flt_orders (id int PRIMARY KEY, customer nvarchar(100) NOT NULL, amount decimal(12,2),
	note nvarchar(max), created_at datetime2(3))
INSERT INTO flt_orders (id, customer, amount, note, created_at) WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 120000)
	SELECT n, 'customer ' || (n % 997), (n % 10000) || '.25', 'order ' || n || ' ' || hex(randomblob(40)), '2024-01-01 00:00:00.000' FROM g
go
SQL
tds_source flt_src_tds
psql_admin >/dev/null <<'SQL'
CREATE FOREIGN TABLE my_orders (id int NOT NULL, customer text NOT NULL, amount numeric(12,2), note text,
	created_at timestamp(3)) SERVER my OPTIONS (table_name 'orders_read');
CREATE FOREIGN TABLE ms_orders (id int NOT NULL, customer text NOT NULL, amount numeric(12,2), note text,
	created_at timestamp(3)) SERVER ms OPTIONS (table_name 'flt_orders');
CREATE TABLE orders_my (id int PRIMARY KEY, customer text NOT NULL, amount numeric(12,2), note text, created_at timestamp(3));
CREATE TABLE orders_ms (LIKE orders_my INCLUDING ALL);
SELECT migration.define_step('orders_my', 'my_orders', 'orders_my', '{id}', 'id', batch_size => 30000);
SELECT migration.define_step('orders_ms', 'ms_orders', 'orders_ms', '{id}', 'id', batch_size => 8000);
SQL
note "sources ready"

differ_my() { rows_differ "SELECT * FROM my_orders" "SELECT * FROM orders_my"; }
differ_ms() { rows_differ "SELECT * FROM ms_orders" "SELECT * FROM orders_ms"; }
reset_step() { # STEP — empty its target and start it over
	psql_admin -c "TRUNCATE $1" -c "DELETE FROM migration.map_$1" \
		-c "UPDATE migration.step_state SET state = 'pending', last_key = NULL WHERE step = '$1'"
}
throttle() { # ROWS_PER_SECOND (0: off)
	psql_admin -c "INSERT INTO migration.setting (step, rows_per_second) VALUES ('*', $1)
		ON CONFLICT (step) DO UPDATE SET rows_per_second = EXCLUDED.rows_per_second"
}
err=$TRIBUTARY_RUN_DIR/flt_src.err

# ---- sessions killed mid-scan -------------------------------------------------------
# MariaDB: every kill hits a session that is sending its result (state "Writing to net",
# or "Sending data" while it computes the next rows), so the scan is cut in the middle.
mariadb_root $db <<'SQL'
DELIMITER //
CREATE PROCEDURE kill_mid_scan(p_user VARCHAR(80), p_wait_ms INT)
BEGIN
	DECLARE v_id BIGINT DEFAULT NULL;
	DECLARE v_what VARCHAR(200);
	DECLARE v_waited INT DEFAULT 0;
	WHILE v_id IS NULL AND v_waited < p_wait_ms DO
		SELECT id, concat_ws(' | ', command, state, left(info, 70)) INTO v_id, v_what
			FROM information_schema.processlist
			WHERE user = p_user AND command = 'Execute' AND state IN ('Writing to net', 'Sending data') LIMIT 1;
		IF v_id IS NULL THEN
			DO SLEEP(0.001);
			SET v_waited = v_waited + 1;
		END IF;
	END WHILE;
	IF v_id IS NOT NULL THEN
		KILL CONNECTION v_id;
	END IF;
	SELECT coalesce(v_what, 'none');
END//
DELIMITER ;
SQL
# One kill per batch at most (the next kill waits for a committed batch), so no batch
# uses up its retries.
# The target takes its time over each row, so the server blocks while a batch streams.
fast || psql_admin -c "INSERT INTO migration.setting (step, batch_size) VALUES ('orders_my', 10000)" \
	-c "CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN PERFORM md5(NEW.note || g) FROM generate_series(1, 4) g; RETURN NEW; END'" \
	-c "CREATE TRIGGER slow_row BEFORE INSERT ON orders_my FOR EACH ROW EXECUTE FUNCTION slow_row()"
batches() { psql_admin -c "SELECT count(*) FROM migration.batch WHERE step = '$1'"; }
"$bin" -q run --step orders_my 2>"$err" &
pid=$!
killed=0
while kill -0 $pid 2>/dev/null && [ $killed -lt $kills ]; do
	seen=$(batches orders_my)
	victim=$(mariadb_root -N $db -e "CALL kill_mid_scan('$db', 3000)")
	[ "$victim" = none ] && continue
	echo "# killed: $victim"
	killed=$((killed + 1))
	while kill -0 $pid 2>/dev/null && [ "$(batches orders_my)" = "$seen" ]; do sleep 0.05; done
done
wait $pid; rc=$?
fast || psql_admin -c "DROP TRIGGER slow_row ON orders_my"
note "MariaDB: $killed sessions killed mid-statement"
ok $([ $killed -ge $((kills / 2)) ] && echo 0 || echo 1) "MariaDB sessions were killed mid-scan ($killed of $kills)"
is $rc 0 "the run completes"
is "$(grep -c 'trying again' "$err")" "$killed" "each kill cost one retry, announced on stderr"
like "$(cat "$err")" "could not read a row of the remote result" "the cut scan was an error, not a short result"
lost=$(differ_my)
is "$lost" 0 "source and target agree row by row"
tally "source connection lost" "MariaDB KILL mid-scan" "$killed" "$([ $rc -eq 0 ] && [ "$lost" = 0 ] && echo $killed || echo 0)" "$lost"

# TDS: KILL drops the socket of the driver's newest session while batches run.
fast || throttle 12000 # room for all the kills
"$bin" -q run --step orders_ms 2>"$err" &
pid=$!
killed=0 last=""
sleep 0.5
while kill -0 $pid 2>/dev/null && [ $killed -lt $kills ]; do
	spid=$(tds_sessions flt_src_tds | tail -1)
	seen=$(batches orders_ms)
	if [ -n "$spid" ] && [ "$spid" != "$last" ] && tds_kill "$spid" 2>/dev/null; then
		killed=$((killed + 1)) last=$spid
		while kill -0 $pid 2>/dev/null && [ "$(batches orders_ms)" = "$seen" ]; do sleep 0.05; done
	fi
	sleep 0.2
done
wait $pid; rc=$?
note "TDS: $killed sessions killed"
ok $([ $killed -ge $((kills / 2)) ] && echo 0 || echo 1) "TDS sessions were killed mid-run ($killed of $kills)"
is $rc 0 "the run completes"
like "$(cat "$err")" "trying again" "the lost connection was retried"
lost=$(differ_ms)
is "$lost" 0 "source and target agree row by row"
tally "source connection lost" "TDS KILL (socket dropped)" "$killed" "$([ $rc -eq 0 ] && [ "$lost" = 0 ] && echo $killed || echo 0)" "$lost"

if fast; then
	skip 22 "restarts and a source down for good: make test-faults"
	drop_db $db; mariadb_drop $db; printf 'DROP TABLE flt_orders\ngo\n' | tds_sql >/dev/null
	finish; exit
fi

# ---- the source server restarted mid-run --------------------------------------------
throttle 25000 # about 5 s per step, so the restart falls inside the run
# restarted STEP STOP START LABEL: restart the source 1.2 s into the step's run.
restarted() {
	local step=$1 stop=$2 start=$3 label=$4 up
	reset_step "$step"
	"$bin" -q run --step "$step" 2>"$err" &
	pid=$!
	sleep 1.2
	$stop; sleep 1; $start; up=$?
	wait $pid; rc=$?
	note "$label restarted"
	is $up 0 "$label was restarted"
	is $rc 0 "the run across the $label restart completes"
	like "$(cat "$err")" "trying again" "the batch was retried with backoff"
	lost=$(rows_differ "SELECT * FROM ${step/orders_/}_orders" "SELECT * FROM $step")
	is "$lost" 0 "source and target agree row by row"
	tally "source server restarted" "$label restart mid-run" 1 "$([ $rc -eq 0 ] && [ "$lost" = 0 ] && echo 1 || echo 0)" "$lost"
}
restarted orders_my mariadb_stop mariadb_start "MariaDB"
restarted orders_ms tds_stop tds_start "TDS test server"

# ---- a source that stays down ---------------------------------------------------------
# permanent STEP STOP START LABEL: stop the source mid-run; the run must give up after
# its retries with a clear error and a resumable state; then start it and rerun.
permanent() {
	local step=$1 stop=$2 start=$3 label=$4 partial last target_rows
	reset_step "$step"
	TRIBUTARY_RETRIES=3 TRIBUTARY_RETRY_DELAY=0.2 "$bin" run --step "$step" >/dev/null 2>"$err" &
	pid=$!
	sleep 1.2
	$stop
	wait $pid; rc=$?
	tail -3 "$err" | sed "s/^/#   /"
	is $rc 3 "$label: a source that stays down ends the run (exit 3)"
	like "$(cat "$err")" "step \"$step\" \[default\] failed" "$label: the error names the step"
	like "$(cat "$err")" "could not connect to (MySQL|SQL Server|[A-Za-z ]+) server \"(my|ms)\"" "$label: and says the source cannot be reached"
	partial=$(psql_admin -c "SELECT count(*) FROM $step")
	last=$(psql_admin -c "SELECT state || ' ' || coalesce(last_key ->> 0, '-') FROM migration.step_state WHERE step = '$step'")
	target_rows=$(psql_admin -c "SELECT 'in_progress ' || coalesce(max(id)::text, '-') FROM $step")
	is "$last" "$target_rows" "$label: the step is in progress and resumes after its last committed row ($partial rows)"
	$start
	"$bin" -q --json run --step "$step" >"$TRIBUTARY_RUN_DIR/flt_src.json" 2>"$err"; rc=$?
	is $rc 0 "$label: once the source is back the rerun completes"
	is "$(grep -o '"rows_read": [0-9]*' "$TRIBUTARY_RUN_DIR/flt_src.json" | head -1)" "\"rows_read\": $((120000 - partial))" \
		"$label: the rerun reads only the rows that were not committed"
	lost=$(rows_differ "SELECT * FROM ${step/orders_/}_orders" "SELECT * FROM $step")
	is "$lost" 0 "$label: source and target agree row by row"
	tally "source down for good" "$label: stops, resumes" 1 "$([ $rc -eq 0 ] && [ "$lost" = 0 ] && echo 1 || echo 0)" "$lost"
}
permanent orders_my mariadb_stop mariadb_start "MariaDB"
note "MariaDB down for good, then back"
permanent orders_ms tds_stop tds_start "TDS"
note "TDS down for good, then back"

throttle 0
drop_db $db
mariadb_drop $db
printf 'DROP TABLE flt_orders\ngo\n' | tds_sql >/dev/null
finish
