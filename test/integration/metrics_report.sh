# Telemetry: `run --metrics-file` (Prometheus text format for node_exporter's textfile
# collector: checked by promtool and against the run's own numbers, while the run goes
# on and at its end) and `report` (an HTML page rendered by a real headless browser:
# steps, numbers, SVG charts, escaped failure messages, mismatches of a verify run).
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/lib_browser.bash"
bin=${TRIBUTARY_BIN:?}
plan 35
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fresh_db it_report
psql_admin >/dev/null <<'SQL'
CREATE SCHEMA src;
CREATE TABLE src.users (id int PRIMARY KEY, email text, name text);
INSERT INTO src.users SELECT g, 'u' || g || '@example.com', 'User ' || g FROM generate_series(1, 5000) g;
UPDATE src.users SET email = 'twice@example.com' WHERE id IN (10, 4000); -- 4000 is refused
CREATE TABLE src.listings (id int PRIMARY KEY, user_id int, title text);
INSERT INTO src.listings SELECT g, 1 + g % 5000, 'Listing ' || g FROM generate_series(1, 8000) g;
UPDATE src.listings SET title = 'evil' WHERE id = 77;
-- a slow step, so that the run lasts a few seconds
CREATE TABLE src.events (id int PRIMARY KEY, note text);
INSERT INTO src.events SELECT g, 'event ' || g FROM generate_series(1, 800) g;
CREATE FUNCTION src.slow(text) RETURNS text LANGUAGE plpgsql STABLE AS 'BEGIN PERFORM pg_sleep(0.004); RETURN $1; END';
CREATE VIEW src.v_events AS SELECT id, src.slow(note) AS note FROM src.events;
ANALYZE src.users, src.listings, src.events;

CREATE TABLE users (id int PRIMARY KEY, email text UNIQUE, name text);
CREATE TABLE listings (id int PRIMARY KEY, user_id int REFERENCES users, title text);
-- a failure whose message and detail are markup: the report must show them as text
CREATE FUNCTION no_evil() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.title = 'evil' THEN
		RAISE EXCEPTION 'title refused: <script>alert("x")</script> & more'
			USING ERRCODE = 'check_violation', DETAIL = '<img src=x onerror=alert(1)>';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER no_evil BEFORE INSERT OR UPDATE ON listings FOR EACH ROW EXECUTE FUNCTION no_evil();
CREATE TABLE events (id int PRIMARY KEY, note text);
SELECT migration.define_step('users', 'src.users', 'users', '{id}', 'id', batch_size => 1000);
SELECT migration.define_step('listings', 'src.listings', 'listings', '{id}', 'id', depends_on => '{users}', batch_size => 1500);
SELECT migration.define_step('events', 'src.v_events', 'events', '{id}', 'id', batch_size => 50);
SQL

# metric FILE NAME LABELS → the sample's value ("" if absent)
metric() { grep -F "$2{$3} " "$1" | head -n 1 | awk '{print $2}'; }
labels() { echo "step=\"$1\",source=\"default\",mode=\"$2\""; }

out=$("$bin" run --metrics-file "$tmp/nosuch/run.prom" 2>&1); rc=$?
like "$rc $out" '^2 .*directory ".*/nosuch" of the metrics file does not exist' "a metrics file in a missing directory is refused before the run"

prom=$tmp/run.prom
"$bin" -q run --metrics-file "$prom" 2>"$tmp/run.err" &
pid=$!
# While the run goes on: the file is there, says running, and is updated (events is slow).
mid=""
for _ in $(seq 1 50); do
	if [ -f "$prom" ] && [ "$(metric "$prom" tributary_run_running 'mode="full"')" = 1 ]; then
		read_now=$(metric "$prom" tributary_step_rows_read_total "$(labels events full)")
		if [ -n "$read_now" ] && [ "$read_now" -gt 0 ] && [ "$read_now" -lt 800 ]; then
			cp "$prom" "$tmp/mid.prom"
			mid=$read_now
			break
		fi
	fi
	sleep 0.1
done
ok $([ -n "$mid" ] && echo 0 || echo 1) "during the run the metrics file is updated ($mid of 800 event rows read)"
is "$(metric "$tmp/mid.prom" tributary_run_status 'mode="full",status="running"')" 1 "and says the run is running"
backlog=$(metric "$tmp/mid.prom" tributary_step_backlog_rows_estimate "$(labels events full)")
ok $([ -n "$backlog" ] && [ "${backlog%.*}" -gt 0 ] && echo 0 || echo 1) "and has a backlog estimate for the step under way ($backlog)"
is "$(promtool check metrics <"$tmp/mid.prom" 2>&1; echo "rc=$?")" "rc=0" "promtool accepts the file written during the run"
wait $pid
rc=$?
is $rc 1 "the run exits 1 (some rows failed)"

run_id=$(psql_admin -c "SELECT max(id) FROM migration.run")
is "$(promtool check metrics <"$prom" 2>&1; echo "rc=$?")" "rc=0" "promtool accepts the final file (format and naming lint)"
is "$(ls -A "$tmp" | grep -c '\.tmp$')" 0 "no temporary file is left beside it"
is "$(metric "$prom" tributary_run_id 'mode="full"')" "$run_id" "the file names the run"
is "$(metric "$prom" tributary_run_exit_code 'mode="full"')" 1 "the exit code"
is "$(metric "$prom" tributary_run_status 'mode="full",status="succeeded_with_failures"')|$(metric "$prom" tributary_run_running 'mode="full"')" \
	"1|0" "the run's status, as migration.run has it, and that it has ended"
is "$(metric "$prom" tributary_last_success_timestamp_seconds 'mode="full"' | cut -d. -f1)" \
	"$(psql_admin -c "SELECT floor(extract(epoch FROM finished_at))::bigint FROM migration.run WHERE id = $run_id")" \
	"the last success is this run's end"
# Per step, the metrics against migration.batch and migration.failure.
got=""; want=""
for s in users listings events; do
	got="$got $s:$(metric "$prom" tributary_step_rows_read_total "$(labels $s full)"),$(metric "$prom" tributary_step_rows_written_total "$(labels $s full),action=\"inserted\""),$(metric "$prom" tributary_step_rows_failed_total "$(labels $s full)"),$(metric "$prom" tributary_batch_duration_seconds_count "$(labels $s full)")"
	want="$want $s:$(psql_admin -c "SELECT sum(rows_read) || ',' || sum(rows_inserted) || ',' || (SELECT count(*) FROM migration.failure WHERE step = '$s') || ',' || count(*) FROM migration.batch WHERE run_id = $run_id AND step = '$s'")"
done
is "$got" "$want" "rows read, inserted, failed and batches per step match the run's batches and failures"
is "$got" " users:5000,4999,1,5 listings:8000,7998,2,6 events:800,800,0,16" "which are the expected numbers"
is "$(metric "$prom" tributary_batch_duration_seconds_bucket "$(labels events full),le=\"+Inf\"")" \
	"$(metric "$prom" tributary_batch_duration_seconds_count "$(labels events full)")" "the histogram's +Inf bucket counts every batch"
sum=$(metric "$prom" tributary_batch_duration_seconds_sum "$(labels events full)")
db_sum=$(psql_admin -c "SELECT extract(epoch FROM sum(finished_at - started_at)) FROM migration.batch WHERE run_id = $run_id AND step = 'events'")
is "$(awk -v a="$sum" -v b="$db_sum" 'BEGIN { print (a - b < 0.001 && b - a < 0.001) ? "same" : a " vs " b }')" same \
	"the histogram's sum is the batches' total duration"
is "$(metric "$prom" tributary_step_source_rows_estimate "$(labels events full)")|$(metric "$prom" tributary_step_backlog_rows_estimate "$(labels events full)")" \
	"800|0" "the source estimate (analyzed table) and, once completed, no backlog"
is "$(metric "$prom" tributary_step_outcome "$(labels listings full),outcome=\"completed\"")" 1 "each step's outcome"

# The report of that run, rendered by a real browser.
html=$tmp/report.html
out=$("$bin" report -o "$html" 2>&1); rc=$?
is "$rc $out" "0 report of run $run_id written to $html" "tributary report writes the last run's page"
render_dom "$html" "$tmp/dom.html" "$tmp/console.txt"
is $? 0 "the browser renders it"
dom=$(cat "$tmp/dom.html")
like "$dom" "<h1>tributary run $run_id</h1>" "the rendered page is the report"
is "$(cat "$tmp/console.txt")" "" "no console message: no script error, nothing blocked by its Content-Security-Policy (no external asset)"
# step_row STEP → "read,inserted,updated,failed" from the rendered summary table
step_row() {
	printf '%s' "$dom" | tr -d '\n' | grep -oP "<tr class=\"step\" data-step=\"$1\".*?</tr>" |
		sed -E 's/.*class="num read">([0-9]+)<.*class="num inserted">([0-9]+)<.*class="num updated">([0-9]+)<.*class="num failed">([0-9]+).*/\1,\2,\3,\4/'
}
is "$(step_row users) $(step_row listings) $(step_row events)" "5000,4999,0,1 8000,7998,0,2 800,800,0,0" \
	"the summary table has each step's numbers"
like "$(printf '%s' "$dom" | tr -d '\n' | grep -oP '<tr class="step" data-step="listings".*?</tr>')" 'outcome">completed<' "and its outcome"
# Bars: one per batch, or per run of batches closer than a pixel; their titles count them.
bars=$(printf '%s' "$dom" | tr -d '\n' | grep -oP '<svg id="timeline-chart".*?</svg>' | grep -oP '<rect class="batch".*?</rect>')
is "$(printf '%s\n' "$bars" | sed -nE 's/.*: ([0-9]+) batch(es)?, ([0-9]+) rows.*/\1 \3/p' | awk '{b += $1; r += $2; n++} END {print (n > 0 ? b "," r : "none")}')" \
	"27,13800" "the timeline's SVG bars cover the 27 batches and their 13800 rows"
is "$(printf '%s' "$dom" | tr -d '\n' | grep -oP '<svg id="throughput-chart".*?</svg>' | grep -o '<path class="series' | wc -l)" 4 \
	"the throughput chart has a line per step and one for all"
like "$dom" 'title refused: &lt;script&gt;alert\("x"\)&lt;/script&gt; &amp; more' "a failure message with markup is shown as text"
like "$dom" '&lt;img src=x onerror=alert\(1\)&gt;' "and so is its detail"
is "$(printf '%s' "$dom" | grep -c -E '<script|<img')" 0 "no script or img element came out of the data"
like "$dom" '3 unresolved failures of the run' "the failures are counted"

# A verify run finds a deleted and a changed row: metrics and report say so.
psql_admin -c "DELETE FROM listings WHERE id = 5" -c "UPDATE users SET name = 'changed' WHERE id = 7"
"$bin" -q run --mode verify --metrics-file "$tmp/verify.prom" >/dev/null 2>&1; rc=$?
is "$rc|$(metric "$tmp/verify.prom" tributary_run_exit_code 'mode="verify"')" "5|5" "a verify run with differences exits 5, and its metrics say so"
"$bin" report --run "$((run_id + 1))" >"$tmp/verify.html" 2>/dev/null
render_dom "$tmp/verify.html" "$tmp/vdom.html" "$tmp/vconsole.txt"
vdom=$(tr -d '\n' <"$tmp/vdom.html")
like "$vdom" '<tr class="mismatch"><td>listings \[default\]</td><td><code>\["5"\]</code></td><td>missing</td>' "the verify report lists the missing row"
like "$vdom" '<tr class="mismatch"><td>users \[default\]</td><td><code>\["7"\]</code></td><td>different</td>' "and the different one"
like "$vdom" 'data-step="users".*class="outcome">done — 1 different, 1 missing</td>' "the steps' outcomes count their mismatches"

out=$("$bin" report --run 999999 2>&1); rc=$?
like "$rc $out" '^2 tributary: error: run 999999 does not exist' "the report of an unknown run is refused"

psql_admin -d postgres -c "DROP DATABASE $db"
finish
