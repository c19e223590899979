# Parallel full loads: a step cut into key ranges, loaded by several workers; kill -9 and
# resume by range; two loader processes sharing one step's ranges, no batch done twice.
. "$(dirname "$0")/lib.bash"
bin=${TRIBUTARY_BIN:?}
plan 19
fresh_db it_ranges
psql_admin <<'SQL'
CREATE SCHEMA src;
CREATE TABLE src.items (id bigint PRIMARY KEY, v text, price numeric(10,2));
-- gaps in the keys: ranges of equal width hold different numbers of rows
INSERT INTO src.items SELECT g * 3 + (g % 7), 'item ' || g, g % 900 FROM generate_series(1, 60000) g;
UPDATE src.items SET price = -1 WHERE id IN (33, 90005);
CREATE TABLE items (id bigint PRIMARY KEY, v text, price numeric(10,2) CHECK (price >= 0));
SELECT migration.define_step('items', 'src.items', 'items', '{id}', 'id', batch_size => 1000);
CREATE TABLE items2 (LIKE items INCLUDING ALL);
SELECT migration.define_step('items2', 'src.items', 'items2', '{id}', 'id', batch_size => 500);
SQL
# Source rows not in the target, beyond the two refused ones; target rows counted twice.
lost() { psql_admin -c "SELECT count(*) FROM (SELECT * FROM src.items EXCEPT SELECT * FROM $1) d WHERE price >= 0"; }
overlaps() { # STEP [FIRST_RUN]: batches of the step whose key ranges overlap (a batch done twice)
	psql_admin -c "SELECT count(*) FROM migration.batch a JOIN migration.batch b ON a.id < b.id AND a.step = b.step
		AND a.run_id >= ${2:-0} AND b.run_id >= ${2:-0}
		AND (a.upper_key->>0)::bigint >= coalesce((b.lower_key->>0)::bigint, -1) + 1
		AND (b.upper_key->>0)::bigint >= coalesce((a.lower_key->>0)::bigint, -1) + 1
		AND a.rows_read > 0 AND b.rows_read > 0 WHERE a.step = '$1'"
}

out=$("$bin" --json run --step items --jobs 3 2>&1); rc=$?
is $rc 1 "a parallel load with two refused rows exits 1"
is "$(psql_admin -c "SELECT count(*), count(*) FILTER (WHERE state = 'completed') FROM migration.range_state WHERE step = 'items'")" "12|12" \
	"3 workers: 12 ranges, all completed"
is "$(psql_admin -c "SELECT lower_bound IS NULL, upper_bound IS NULL FROM migration.range WHERE step = 'items' AND no IN (1, 12) ORDER BY no")" "t|f
f|t" "the first and last ranges are open-ended"
is "$(lost items)" 0 "every accepted row arrived"
is "$(psql_admin -c "SELECT count(*) FROM items")" 59998 "and no other row"
is "$(psql_admin -c "SELECT string_agg(source_key::text, ',' ORDER BY source_key::text) FROM migration.failure")" '["33"],["90005"]' \
	"the refused rows are failures"
is "$(psql_admin -c "SELECT state, rows_done FROM migration.step_state WHERE step = 'items'")" "completed|59998" \
	"the step is completed, with every range's rows"
is "$(overlaps items)" 0 "no key range was loaded twice"
like "$(printf '%s' "$out" | tr -d ' \n')" '"inserted":59998' "the summary adds up the workers"

# kill -9 in the middle of a parallel load, then resume with another number of workers
psql_admin -c "INSERT INTO migration.setting (step, rows_per_second) VALUES ('items2', 4000)"
"$bin" -q run --step items2 --jobs 2 &
pid=$!
sleep 3
kill -9 $pid; wait $pid 2>/dev/null
for _ in $(seq 1 50); do # the killed loader's backends end when they notice
	[ "$(psql_admin -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tributary'")" = 0 ] && break
	sleep 0.2
done
partial=$(psql_admin -c "SELECT count(*) FROM items2")
ok $([ "$partial" -gt 0 ] && [ "$partial" -lt 59998 ] && echo 0 || echo 1) "the killed load left a part ($partial rows)"
psql_admin -c "DELETE FROM migration.setting"
"$bin" -q run --step items2 --jobs 3; is $? 1 "the rerun completes (with the 2 refused rows)"
is "$(lost items2) $(psql_admin -c "SELECT count(*) FROM items2")" "0 59998" "every row exactly once after the resume"
is "$(overlaps items2)" 0 "no batch was done twice across the kill"

# Two loader processes share one step: each claims ranges the other does not hold
first=$(psql_admin -c "SELECT max(id) + 1 FROM migration.run")
psql_admin -c "TRUNCATE items2" -c "INSERT INTO migration.setting (step, rows_per_second) VALUES ('items2', 6000)"
"$bin" -q run --step items2 --restart --jobs 2 & p1=$!
sleep 1
"$bin" -q run --step items2 --jobs 2 & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
ok $([ $r1 -le 1 ] && [ $r2 -le 1 ] && echo 0 || echo 1) "both loaders finish ($r1, $r2: 1 for the one that met a refused row)"
is "$(psql_admin -c "SELECT count(DISTINCT run_id) FROM migration.batch WHERE step = 'items2' AND run_id >= $first")" 2 \
	"batches of both loaders"
is "$(lost items2) $(psql_admin -c "SELECT count(*) FROM items2")" "0 59998" "every row exactly once"
is "$(overlaps items2 "$first")" 0 "no batch done twice between the two loaders"

# --ranges: one worker, but the step cut into ranges that other loaders may share
psql_admin -c "CREATE TABLE items3 (LIKE items INCLUDING ALL)" \
	-c "SELECT migration.define_step('items3', 'src.items', 'items3', '{id}', 'id', batch_size => 5000)"
"$bin" -q run --step items3 --jobs 1 --ranges 5; is $? 1 "--jobs 1 --ranges 5 loads (with the 2 refused rows)"
is "$(psql_admin -c "SELECT count(*) FILTER (WHERE state = 'completed') || '/' || count(*) FROM migration.range_state WHERE step = 'items3'") $(lost items3)" \
	"5/5 0" "in 5 ranges, every row"
psql_admin -d postgres -c "DROP DATABASE $db"
finish
