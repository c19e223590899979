# Foreign keys checked by batch: the same rows refused, with PostgreSQL's own SQLSTATE,
# message and detail, as the per-row check (step option fk_check 'row'); a target with a
# trigger of its own keeps every trigger firing.
. "$(dirname "$0")/lib.bash"
bin=${TRIBUTARY_BIN:?}
plan 10
fresh_db it_fk
psql_admin <<'SQL'
CREATE TABLE shops (id int PRIMARY KEY, name text);
INSERT INTO shops SELECT g, 'shop ' || g FROM generate_series(1, 100) g WHERE g % 10 <> 0;
CREATE TABLE src_items (id int PRIMARY KEY, shop_id int, region int, v text);
-- every tenth shop is missing: its items violate the foreign key; region 0 as well
INSERT INTO src_items SELECT g, 1 + g % 100, g % 5, 'item ' || g FROM generate_series(1, 5000) g;
UPDATE src_items SET shop_id = NULL WHERE id % 97 = 0; -- NULL passes (MATCH SIMPLE)
CREATE TABLE regions (id int, sub int, PRIMARY KEY (id, sub));
INSERT INTO regions SELECT g, 0 FROM generate_series(1, 4) g;
CREATE TABLE fast (id int PRIMARY KEY, shop_id int REFERENCES shops, region int, sub int DEFAULT 0, v text,
	FOREIGN KEY (region, sub) REFERENCES regions);
CREATE TABLE slow (LIKE fast INCLUDING ALL);
ALTER TABLE slow ADD FOREIGN KEY (shop_id) REFERENCES shops, ADD FOREIGN KEY (region, sub) REFERENCES regions;
CREATE TABLE trig (LIKE fast INCLUDING ALL);
ALTER TABLE trig ADD FOREIGN KEY (shop_id) REFERENCES shops;
CREATE TABLE trig_seen (n int);
INSERT INTO trig_seen VALUES (0);
CREATE FUNCTION count_rows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE trig_seen SET n = n + 1; RETURN NEW; END $$;
CREATE TRIGGER seen AFTER INSERT ON trig FOR EACH ROW EXECUTE FUNCTION count_rows();
CREATE VIEW v_items AS SELECT id, shop_id, region, 0 AS sub, v FROM src_items;
SELECT migration.define_step('fast', 'v_items', 'fast', '{id}', 'id', batch_size => 700);
SELECT migration.define_step('slow', 'v_items', 'slow', '{id}', 'id', batch_size => 700, options => '{"fk_check": "row"}');
SELECT migration.define_step('trig', 'v_items', 'trig', '{id}', 'id', batch_size => 700);
SQL
out=$("$bin" --json run); rc=$?
is $rc 1 "the loads end with recorded failures"
is "$(printf '%s' "$out" | grep -o '"foreign_keys": "[a-z ]*"' | cut -d'"' -f4 | tr '\n' ',')" \
	'by batch,by row,by row,' \
	"fast: by batch where it is safe; slow: by row when asked to; trig: by row, the target has a trigger of its own"
is "$(psql_admin -c "SELECT count(*) FROM fast")" "$(psql_admin -c "SELECT count(*) FROM slow")" \
	"the by-batch check lets the same number of rows in as the per-row check"
is "$(psql_admin -c "SELECT count(*) FROM ((TABLE fast EXCEPT TABLE slow) UNION ALL (TABLE slow EXCEPT TABLE fast)) d")" 0 \
	"the same rows"
is "$(psql_admin -c "SELECT count(*) FROM src_items WHERE (shop_id % 10 = 0 AND shop_id IS NOT NULL) OR region = 0")" \
	"$(psql_admin -c "SELECT count(*) FROM migration.failure WHERE step = 'fast'")" "every violating row is a failure"
is "$(psql_admin -c "SELECT count(*) FROM (SELECT source_key, sqlstate, message, detail FROM migration.failure WHERE step = 'fast'
	EXCEPT SELECT source_key, sqlstate, replace(message, 'slow', 'fast'), detail FROM migration.failure WHERE step = 'slow') d")" 0 \
	"each failure has the per-row check's SQLSTATE, message and detail"
is "$(psql_admin -c "SELECT sqlstate || ' ' || message || ' / ' || detail FROM migration.failure WHERE step = 'fast' AND source_key = '[\"9\"]'")" \
	'23503 insert or update on table "fast" violates foreign key constraint "fast_shop_id_fkey" / Key (shop_id)=(10) is not present in table "shops".' \
	"a shop that does not exist"
is "$(psql_admin -c "SELECT detail FROM migration.failure WHERE step = 'fast' AND source_key = '[\"5\"]'")" \
	'Key (region, sub)=(0, 0) is not present in table "regions".' "a two-column key"
is "$(psql_admin -c "SELECT source_row->>'v' FROM migration.failure WHERE step = 'fast' AND source_key = '[\"9\"]'")" "item 9" \
	"the refused row is kept with the failure"
is "$(psql_admin -c "SELECT n FROM trig_seen")" "$(psql_admin -c "SELECT count(*) FROM trig")" \
	"a target with its own trigger: the trigger fired for every row"
psql_admin -d postgres -c "DROP DATABASE $db"
finish
