# Live settings: `tributary set` (or an UPDATE of migration.setting) changes a running
# loader within one batch: pause and resume, rows per second, batch size, and the number
# of workers of a parallel load.
. "$(dirname "$0")/lib.bash"
bin=${TRIBUTARY_BIN:?}
plan 13
fresh_db it_live_set
psql_admin <<'SQL'
CREATE TABLE src_items (id int PRIMARY KEY, v text);
INSERT INTO src_items SELECT g, 'item ' || g FROM generate_series(1, 30000) g;
CREATE TABLE items (id int PRIMARY KEY, v text);
CREATE TABLE items2 (id int PRIMARY KEY, v text);
SELECT migration.define_step('items', 'src_items', 'items', '{id}', 'id', batch_size => 1000);
SELECT migration.define_step('items2', 'src_items', 'items2', '{id}', 'id', batch_size => 500);
SQL
done_rows() { psql_admin -c "SELECT rows_done FROM migration.step_state WHERE step = '$1'"; }
claimed() { # ranges of items2 whose row a worker holds (a claim)
	psql_admin -c "SELECT (SELECT count(*) FROM migration.range_state WHERE step = 'items2' AND state <> 'completed')
		- (SELECT count(*) FROM (SELECT 1 FROM migration.range r JOIN migration.range_state s USING (step, source, no)
		   WHERE r.step = 'items2' AND s.state <> 'completed' FOR UPDATE OF r SKIP LOCKED) x)"
}

out=$("$bin" set --batch-size 700 2>&1); rc=$?
is $rc 0 "tributary set sets the defaults of every step"
like "$out" '\* \(defaults\) +700 +- +- +no' "and prints the settings"
out=$("$bin" set -s nosuch --pause 2>&1); rc=$?
like "$rc $out" '^2 .*step "nosuch" does not exist' "an unknown step is refused"
"$bin" -q set --clear

"$bin" -q set -s items --rows-per-second 5000
"$bin" -q run --step items & pid=$!
sleep 1.5
"$bin" -q set -s items --pause
sleep 1.2 # the batch under way ends; the next waits
paused_at=$(done_rows items)
sleep 2
is "$(done_rows items)" "$paused_at" "paused: no batch for 2 seconds (at $paused_at rows)"
ok $([ "$paused_at" -gt 0 ] && [ "$paused_at" -lt 30000 ] && echo 0 || echo 1) "it paused in the middle"
"$bin" -q set -s items --resume --rows-per-second 0 --batch-size 5000
wait $pid; is $? 0 "after --resume the load completes"
is "$(psql_admin -c "SELECT count(*) FROM items")" 30000 "every row"
is "$(psql_admin -c "SELECT count(*) FILTER (WHERE rows_read = 5000) > 0 FROM migration.batch WHERE step = 'items'")" t \
	"the new batch size was followed"

# the workers of a parallel load follow the live jobs setting
"$bin" -q set -s items2 --rows-per-second 3000
"$bin" -q run --step items2 --jobs 3 & pid=$!
sleep 2
is "$(claimed)" 3 "three workers hold a range each"
"$bin" -q set -s items2 --jobs 1
sleep 2.5
is "$(claimed)" 1 "after set --jobs 1 one worker goes on"
"$bin" -q set -s items2 --jobs 0 --rows-per-second 0
sleep 2.5
claimed_again=$(claimed)
ok $( { [ "${claimed_again:-0}" -ge 2 ] || ! kill -0 $pid 2>/dev/null; } && echo 0 || echo 1) "back to three workers (or done): $claimed_again"
wait $pid; is $? 0 "the parallel load completes"
is "$(psql_admin -c "SELECT count(*) FROM items2")" 30000 "every row exactly once"
psql_admin -d postgres -c "DROP DATABASE $db"
finish
