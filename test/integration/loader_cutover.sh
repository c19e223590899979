# Cutover: diff rounds while a writer is busy until the target has caught up; then with the
# sources frozen the final round, sequences moved past the migrated keys, NOT VALID
# constraints validated, verify, and the go/no-go report.
. "$(dirname "$0")/lib.bash"
bin=${TRIBUTARY_BIN:?}
plan 13
fresh_db it_cutover
psql_admin <<'SQL'
CREATE SCHEMA src;
CREATE TABLE src.users (id int PRIMARY KEY, name text, updated_at timestamptz NOT NULL DEFAULT clock_timestamp());
INSERT INTO src.users (id, name, updated_at) SELECT g, 'user ' || g, now() - interval '1 hour' FROM generate_series(1, 2000) g;
CREATE TABLE src.tags (code text PRIMARY KEY, label text);
INSERT INTO src.tags SELECT 't' || g, 'tag ' || g FROM generate_series(1, 50) g;
-- keep mode writes the source ids: the target's own sequence stays behind them
CREATE TABLE users (id bigserial PRIMARY KEY, name text, updated_at timestamptz NOT NULL);
CREATE TABLE tags (code text PRIMARY KEY, label text);
CREATE TABLE user_tags (user_id bigint, code text);
SELECT migration.define_step('users', 'src.users', 'users', '{id}', 'id', updated_at_column => 'updated_at', batch_size => 500);
SELECT migration.define_step('tags', 'src.tags', 'tags', '{code}', 'code');
SQL
"$bin" -q run; is $? 0 "the full load"
# a constraint created NOT VALID on the live target, to be validated at cutover
psql_admin -c "ALTER TABLE users ADD CONSTRAINT users_name_present CHECK (name IS NOT NULL) NOT VALID"

writer() {
	for i in $(seq 1 25); do
		psql_admin -c "UPDATE src.users SET name = name || '.', updated_at = clock_timestamp() WHERE id % 50 = $((i % 50))" \
			-c "UPDATE src.tags SET label = label || '.' WHERE code = 't$i'"
		sleep 0.1
	done
}
writer & wpid=$!
out=$("$bin" cutover --threshold 0 --max-rounds 200 2>&1); rc=$?
wait $wpid
is $rc 0 "cutover converges once the writer has stopped"
like "$out" 'converged: the last round wrote 0 rows' "and says so"
rounds=$(printf '%s\n' "$out" | grep -c '^round ')
ok $([ "$rounds" -ge 2 ] && echo 0 || echo 1) "it took several rounds while the writer wrote ($rounds)"
like "$(printf '%s\n' "$out" | head -1)" '^round 1: [1-9][0-9]* rows written' "the first round caught up on changes"

out=$("$bin" cutover --final 2>&1); rc=$?
is $rc 0 "--final says go"
like "$out" 'sequences +ok +public.users_id_seq moved to 2000' "the users sequence moved past the migrated keys"
like "$out" 'constraints +ok +validated users.users_name_present' "the NOT VALID constraint is validated"
like "$out" 'verify +ok +every row matches' "verify is clean"
like "$out" 'GO: the target holds every row' "go"
is "$(psql_admin -c "SELECT nextval('users_id_seq')")" 2001 "a new user gets a fresh key"

psql_admin -c "DELETE FROM tags WHERE code = 't7'"
out=$("$bin" cutover --final 2>&1); rc=$?
is $rc 5 "a difference makes it a no-go (exit 5)"
like "$out" 'verify +NO-GO +1 differences' "and the report says why"
psql_admin -d postgres -c "DROP DATABASE $db"
finish
