# The loader is killed (SIGKILL) at random moments of full and diff runs, many times in
# a row, reading a MariaDB source: users (key mode map: a row migrated twice would get
# two target keys) and listings (key kept, user_id translated through the users' id
# map). After every kill the committed state is consistent (id map = target rows, no
# row twice); every rerun goes on from there; at the end source and target agree row by
# row and nothing is in migration.failure.
. "$(dirname "$0")/lib.bash"
if fast; then kills_full=3 kills_diff=2; else kills_full=30 kills_diff=20; fi
plan 13
db=flt_kill
fresh_db $db
mariadb_source $db
mariadb_root $db <<'SQL'
CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL, name VARCHAR(100),
	updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), KEY (updated_at));
INSERT INTO users SELECT seq, CONCAT('u', seq, '@example.com'), CONCAT('User ', seq),
	NOW(6) - INTERVAL 2 DAY + INTERVAL seq SECOND FROM seq_1_to_20000;
CREATE TABLE listings (id BIGINT PRIMARY KEY, user_id INT NOT NULL, title VARCHAR(200), price DECIMAL(10,2),
	updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), KEY (updated_at));
INSERT INTO listings SELECT seq, 1 + seq % 20000, CONCAT('Listing ', seq, ' ', REPEAT('x', seq % 50)), (seq % 5000) + 0.99,
	NOW(6) - INTERVAL 2 DAY + INTERVAL seq SECOND FROM seq_1_to_60000;
SQL
psql_admin <<'SQL'
CREATE SCHEMA src;
IMPORT FOREIGN SCHEMA flt_kill FROM SERVER my INTO src;
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY (START 500000) PRIMARY KEY,
	legacy_id int NOT NULL, email text, name text, updated_at timestamptz);
CREATE TABLE listings (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users, title text,
	price numeric(10,2), updated_at timestamptz);
CREATE VIEW src.v_users AS SELECT id, email, name, updated_at FROM src.users;
SELECT migration.define_step('users', 'src.v_users', 'users', '{id}', 'id', key_mode => 'map',
	source_key_column => 'legacy_id', updated_at_column => 'updated_at', batch_size => 1500);
CREATE VIEW src.v_listings AS
	SELECT l.id, m.target_key AS user_id, l.title, l.price, l.updated_at
	FROM src.listings l LEFT JOIN migration.map_users m ON m.source = 'default' AND m.id = l.user_id;
SELECT migration.define_step('listings', 'src.v_listings', 'listings', '{id}', 'id',
	depends_on => '{users}', updated_at_column => 'updated_at', batch_size => 4000);
SQL

note "source and steps ready"

# What must hold after any kill: the id map and the target agree, no source row twice.
consistent() {
	psql_admin -c "SELECT (SELECT count(*) FROM ((SELECT legacy_id, id FROM users EXCEPT ALL SELECT id, target_key FROM migration.map_users)
		UNION ALL (SELECT id, target_key FROM migration.map_users EXCEPT ALL SELECT legacy_id, id FROM users)) d) = 0
		AND (SELECT count(*) = count(DISTINCT legacy_id) FROM users)
		AND (SELECT count(*) FROM ((SELECT id FROM listings EXCEPT ALL SELECT id FROM migration.map_listings)
		UNION ALL (SELECT id FROM migration.map_listings EXCEPT ALL SELECT id FROM listings)) d) = 0"
}
users_differ() {
	rows_differ "SELECT id, email, name, updated_at FROM src.users" \
		"SELECT legacy_id, email, name, updated_at FROM users"
}
listings_differ() {
	rows_differ "SELECT id, user_id, title, price, updated_at FROM src.listings" \
		"SELECT l.id, u.legacy_id, l.title, l.price, l.updated_at FROM listings l JOIN users u ON u.id = l.user_id"
}

# kill_runs N MODE LO_MS HI_MS — N runs, each SIGKILLed after a random delay; sets
# killed (runs killed while running), inconsistent (kills after which consistent failed),
# bad_exit (runs that ended by themselves with an unexpected status). A run that ended
# before its kill (a resumed run has little left) halves the range for the next one.
kill_hi=""
kill_runs() {
	local n=$1 mode=$2 lo=$3 hi=$4 pid args delay rc
	killed=0 inconsistent=0 bad_exit=0
	[ -n "$kill_hi" ] || kill_hi=$hi
	for _ in $(seq 1 "$n"); do
		args=(-q run --mode "$mode")
		if [ "$mode" = full ] && [ "$(psql_admin -c "SELECT bool_and(state = 'completed') FROM migration.step_state")" = t ]; then
			args+=(--restart) # the load finished between kills: kill a reload (all upserts) instead
		fi
		"$bin" "${args[@]}" >/dev/null 2>"$TRIBUTARY_RUN_DIR/flt_kill.err" &
		pid=$!
		delay=$(random_seconds "$lo" "$kill_hi")
		sleep "$delay"
		if kill -9 "$pid" 2>/dev/null; then
			killed=$((killed + 1))
			wait "$pid" 2>/dev/null
			kill_hi=$(( kill_hi * 5 / 4 > hi ? hi : kill_hi * 5 / 4 ))
		else
			kill_hi=$(( kill_hi / 2 < lo + 100 ? lo + 100 : kill_hi / 2 ))
			wait "$pid"
			rc=$?
			[ $rc -eq 0 ] || { bad_exit=$((bad_exit + 1)); echo "# run ended with $rc:"; sed 's/^/# /' "$TRIBUTARY_RUN_DIR/flt_kill.err"; }
		fi
		wait_loader_gone || echo "# the killed loader's sessions did not go away"
		note "run killed after ${delay}s, its sessions gone"
		[ "$(consistent)" = t ] || { inconsistent=$((inconsistent + 1)); echo "# inconsistent after a kill at ${delay}s"; }
	done
}

# Full runs.
kill_runs "$kills_full" full 50 1500
note "full runs killed"
ok $([ "$killed" -ge $((kills_full * 6 / 10)) ] && echo 0 || echo 1) "full runs were killed mid-run ($killed of $kills_full)"
is "$inconsistent" 0 "after every kill the id maps and the targets agree and no user is there twice"
is "$bad_exit" 0 "runs that were not killed in time succeeded"
"$bin" -q run 2>/dev/null; rc=$?
is $rc 0 "the rerun after the last kill completes"
lost_full=$(( $(users_differ) + $(listings_differ) ))
is "$(users_differ)" 0 "users: source and target agree row by row"
is "$(listings_differ)" 0 "listings: source and target agree row by row, user_id translated"
is "$(psql_admin -c "SELECT count(*) FROM migration.failure")" 0 "no row is in migration.failure"
tally "SIGKILL of the loader" "full runs (MariaDB source, map + keep)" "$killed" \
	"$([ "$inconsistent" -eq 0 ] && [ $rc -eq 0 ] && [ "$lost_full" -eq 0 ] && echo "$killed" || echo 0)" "$lost_full"

# Diff runs: a fifth of the users and a third of the listings change, some rows are new;
# between kills more rows change, so the window moves under the killed runs.
change_source() { # ROUND
	mariadb_root $db <<SQL
UPDATE users SET name = CONCAT('User ', id, ' round $1') WHERE id % 5 = $1 % 5;
UPDATE listings SET price = price + 1, title = CONCAT('Listing ', id, ' round $1') WHERE id % 3 = $1 % 3;
INSERT INTO users (id, email, name) SELECT 20000 + $1 * 10 + seq, CONCAT('new', $1, '-', seq, '@example.com'), 'New' FROM seq_1_to_10;
INSERT INTO listings (id, user_id, title, price) SELECT 60000 + $1 * 10 + seq, 20000 + $1 * 10 + seq, 'New listing', 9.99 FROM seq_1_to_10;
SQL
}
killed_diff=0 inconsistent_diff=0 bad_diff=0
for round in $(seq 1 "$kills_diff"); do
	change_source "$round"
	kill_hi=""
	kill_runs 1 diff 20 700
	killed_diff=$((killed_diff + killed))
	inconsistent_diff=$((inconsistent_diff + inconsistent))
	bad_diff=$((bad_diff + bad_exit))
done
note "diff runs killed"
ok $([ "$killed_diff" -ge $((kills_diff / 2)) ] && echo 0 || echo 1) "diff runs were killed mid-run ($killed_diff of $kills_diff)"
is "$inconsistent_diff" 0 "after every kill of a diff the id maps and targets agree"
is "$bad_diff" 0 "diff runs that were not killed in time succeeded"
"$bin" -q run --mode diff 2>/dev/null; rc=$?
is $rc 0 "the diff after the last kill completes"
lost_diff=$(( $(users_differ) + $(listings_differ) ))
is "$lost_diff" 0 "after the diff source and target agree row by row (every change of every round is there)"
is "$(rows_twice "SELECT legacy_id FROM users")" 0 "no user was migrated twice"
tally "SIGKILL of the loader" "diff runs (window moving between kills)" "$killed_diff" \
	"$([ "$inconsistent_diff" -eq 0 ] && [ $rc -eq 0 ] && [ "$lost_diff" -eq 0 ] && echo "$killed_diff" || echo 0)" "$lost_diff"

drop_db $db
mariadb_drop $db
finish
