# The target side fails under a running load: the loader's backend is terminated
# mid-batch (pg_terminate_backend), statements hit statement_timeout, the target table
# is locked past lock_timeout. The loader reconnects and goes on, or stops cleanly with
# a clear error and resumes on the next run; nothing is lost or loaded twice.
. "$(dirname "$0")/lib.bash"
if fast; then terminations=1; else terminations=6; fi
plan 25
db=flt_target
fresh_db $db
psql_admin >/dev/null <<'SQL'
CREATE SCHEMA src;
CREATE TABLE src.events (id int PRIMARY KEY, note text NOT NULL);
INSERT INTO src.events SELECT g, 'event ' || g FROM generate_series(1, 4000) g;
-- about 1 ms per row: a batch of 250 rows takes a quarter of a second
CREATE FUNCTION src.slow(text) RETURNS text LANGUAGE plpgsql STABLE AS 'BEGIN PERFORM pg_sleep(0.0005); RETURN $1; END';
CREATE VIEW src.v_events AS SELECT id, src.slow(note) AS note FROM src.events;
CREATE TABLE events (id int PRIMARY KEY, note text NOT NULL);
SELECT migration.define_step('events', 'src.v_events', 'events', '{id}', 'id', batch_size => 250);
-- rows 1501-1600 take 5 ms each, so a batch holding them outlasts a short statement_timeout
CREATE TABLE src.items (id int PRIMARY KEY, v text NOT NULL);
INSERT INTO src.items SELECT g, 'item ' || g FROM generate_series(1, 3000) g;
CREATE FUNCTION src.slow_item(int, text) RETURNS text LANGUAGE plpgsql STABLE AS
	'BEGIN IF $1 BETWEEN 1501 AND 1600 THEN PERFORM pg_sleep(0.005); END IF; RETURN $2; END';
CREATE VIEW src.v_items AS SELECT id, src.slow_item(id, v) AS v FROM src.items;
CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL);
SELECT migration.define_step('items', 'src.v_items', 'items', '{id}', 'id', batch_size => 500);
CREATE TABLE src.parts (id int PRIMARY KEY, v text NOT NULL);
INSERT INTO src.parts SELECT g, 'part ' || g FROM generate_series(1, 5000) g;
CREATE TABLE parts (id int PRIMARY KEY, v text NOT NULL);
SELECT migration.define_step('parts', 'src.parts', 'parts', '{id}', 'id', batch_size => 1000);
SQL
err=$TRIBUTARY_RUN_DIR/flt_target.err
note "source and steps ready"

# ---- the loader's backend terminated mid-batch ---------------------------------------
"$bin" -q run --step events 2>"$err" &
pid=$!
terminated=0 lock_held=0 checked=0
while kill -0 $pid 2>/dev/null && [ $terminated -lt $terminations ]; do
	sleep "$(random_seconds 300 900)"
	n=$(psql_admin -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'tributary' AND state = 'active' AND query LIKE 'WITH src AS%'")
	terminated=$((terminated + n))
	if [ "$n" -gt 0 ]; then
		sleep 1.5 # the retry waits 1 s, then reconnects: does the new session hold the step's lock?
		# (A run that finished by then released it: not held and gone half a second later
		# does not count.)
		held=$(psql_admin -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE l.locktype = 'advisory' AND a.application_name = 'tributary'")
		if [ "$held" -gt 0 ]; then
			checked=$((checked + 1)) lock_held=$((lock_held + 1))
		elif sleep 0.5 && kill -0 $pid 2>/dev/null; then
			checked=$((checked + 1))
		fi
	fi
done
wait $pid; rc=$?
note "$terminated backends terminated mid-batch"
ok $([ $terminated -ge 1 ] && echo 0 || echo 1) "the loader's backend was terminated mid-batch ($terminated times)"
is $rc 0 "the run completes"
like "$(cat "$err")" "trying again" "each lost batch was retried after a reconnect"
lost=$(rows_differ "SELECT * FROM src.events" "SELECT * FROM events")
is "$lost" 0 "source and target agree row by row"
is "$(psql_admin -c "SELECT sum(rows_read) FROM migration.batch WHERE step = 'events'")" 4000 \
	"the batches record every row once (a terminated batch left no bookkeeping)"
# libpqxx 6 reconnects transparently; the loader takes the step's advisory lock again.
is "$lock_held" "$checked" "after each reconnect the run still holds the step's lock ($checked of $terminated asked while it ran)"
tally "target backend terminated" "pg_terminate_backend mid-batch" "$terminated" "$([ $rc -eq 0 ] && [ "$lost" = 0 ] && echo $terminated || echo 0)" "$lost"

# Every loader session at once, the idle one that records the run included.
if fast; then
	skip 4 "every loader session terminated: make test-faults"
else
"$bin" -q run --step parts 2>"$err" &
pid=$!
for _ in $(seq 1 50); do
	[ "$(psql_admin -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tributary'")" -ge 2 ] && break
	sleep 0.05
done
n=$(psql_admin -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'tributary'")
wait $pid; rc=$?
note "all $n loader sessions terminated"
ok $([ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] && echo 0 || echo 1) "a run whose every session is terminated completes or stops with exit 3 (exit $rc)"
"$bin" -q run --step parts 2>>"$err"; rc2=$?
is $rc2 0 "the next run completes"
lost=$(rows_differ "SELECT * FROM src.parts" "SELECT * FROM parts")
is "$lost" 0 "source and target agree row by row"
sed 's/^/#   /' "$err" | grep -v 'trying again\|rows/s' | head -6
is "$(psql_admin -c "SELECT count(*) FROM migration.run WHERE status = 'running'")" 0 "no run is left marked as running"
tally "target backend terminated" "every loader session terminated" 1 "$([ $rc2 -eq 0 ] && [ "$lost" = 0 ] && echo 1 || echo 0)" "$lost"
fi

# ---- statement_timeout ---------------------------------------------------------------
PGOPTIONS="-c statement_timeout=300" "$bin" run --step items >/dev/null 2>"$err"; rc=$?
note "statement_timeout run ended ($rc)"
is $rc 3 "a batch that outlasts statement_timeout stops the run (exit 3)"
like "$(cat "$err")" 'canceling statement due to statement timeout' "the error says why"
like "$(cat "$err")" 'step "items" \[default\] failed' "and names the step"
is "$(psql_admin -c "SELECT state || ' ' || (last_key ->> 0) FROM migration.step_state WHERE step = 'items'")" "in_progress 1500" \
	"the step resumes after the batches committed before the timeout"
is "$(psql_admin -c "SELECT count(*) FROM items")" 1500 "those batches are in the target"
# The DBA lowers the batch size while nothing runs; the slow rows then fit the timeout.
psql_admin -c "INSERT INTO migration.setting (step, batch_size) VALUES ('items', 20)"
PGOPTIONS="-c statement_timeout=300" "$bin" -q --json run --step items >"$TRIBUTARY_RUN_DIR/flt_target.json" 2>"$err"; rc=$?
is $rc 0 "with smaller batches the rerun completes under the same timeout"
is "$(grep -o '"rows_read": [0-9]*' "$TRIBUTARY_RUN_DIR/flt_target.json" | head -1)" '"rows_read": 1500' "the rerun reads only the rows not yet committed"
lost=$(rows_differ "SELECT * FROM src.items" "SELECT * FROM items")
is "$lost" 0 "source and target agree row by row"
tally "target resource limit" "statement_timeout: stop, resume" 1 "$([ $rc -eq 0 ] && [ "$lost" = 0 ] && echo 1 || echo 0)" "$lost"

# ---- lock_timeout --------------------------------------------------------------------
# Another session holds the target locked for 1.2 s: the batch waits 200 ms, fails with
# 55P03, and is retried with backoff until the lock is gone.
psql_admin -c "TRUNCATE parts" -c "DELETE FROM migration.map_parts" -c "UPDATE migration.step_state SET state = 'pending', last_key = NULL WHERE step = 'parts'"
psql_admin -c "BEGIN; LOCK TABLE parts IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(1.2); COMMIT" >/dev/null &
locker=$!
sleep 0.3
PGOPTIONS="-c lock_timeout=200" "$bin" -q run --step parts 2>"$err"; rc=$?
wait $locker
note "lock_timeout run ended ($rc)"
is $rc 0 "a target locked for a while: the run waits with retries and completes"
like "$(cat "$err")" 'trying again' "the lock timeout was retried"
lost=$(rows_differ "SELECT * FROM src.parts" "SELECT * FROM parts")
is "$lost" 0 "source and target agree row by row"
tally "target resource limit" "lock_timeout: retried until the lock is gone" 1 "$([ $rc -eq 0 ] && [ "$lost" = 0 ] && echo 1 || echo 0)" "$lost"

# Locked for longer than the retries last: a clean stop, then a resume.
if fast; then
	skip 4 "a lock held for good: make test-faults"
	drop_db $db
	finish; exit
fi
psql_admin -c "TRUNCATE parts" -c "DELETE FROM migration.map_parts" -c "UPDATE migration.step_state SET state = 'pending', last_key = NULL WHERE step = 'parts'"
psql_admin -c "BEGIN; LOCK TABLE parts IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT" >/dev/null &
locker=$!
sleep 0.3
PGOPTIONS="-c lock_timeout=200" TRIBUTARY_RETRIES=2 TRIBUTARY_RETRY_DELAY=0.2 "$bin" run --step parts >/dev/null 2>"$err"; rc=$?
is $rc 3 "locked for longer than the retries last: the run stops (exit 3)"
like "$(cat "$err")" 'canceling statement due to lock timeout' "the error says why"
wait $locker
"$bin" -q run --step parts 2>"$err"; rc=$?
is $rc 0 "the rerun completes once the lock is gone"
lost=$(rows_differ "SELECT * FROM src.parts" "SELECT * FROM parts")
is "$lost" 0 "source and target agree row by row"
tally "target resource limit" "lock_timeout for good: stop, resume" 1 "$([ $rc -eq 0 ] && [ "$lost" = 0 ] && echo 1 || echo 0)" "$lost"

drop_db $db
finish
