# The scenario that motivated the project, against the real throwaway servers: while a
# full load from MariaDB runs, a writer keeps inserting, updating and soft-deleting source
# rows; diff runs follow until the writer stops; verify then finds no difference. Then
# local-diff on a MariaDB table without updated_at, and every checking mode against the
# SQL Server (TDS test server) source.
. "$(dirname "$0")/lib.bash"
bin=${TRIBUTARY_BIN:?}
plan 19
db=it_live_$$
my() { mariadb --no-defaults --default-character-set=utf8mb4 --socket="$TRIBUTARY_MYSQL_SOCKET" -uroot "$@"; }
tds() { tsql -S tributary_test -U "$TRIBUTARY_TDS_USER" -P "$TRIBUTARY_TDS_PASSWORD" -D "$TRIBUTARY_TDS_DATABASE" -o q 2>&1; }
psql_admin -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
export PGDATABASE=$db
my <<SQL
DROP DATABASE IF EXISTS $db; CREATE DATABASE $db; USE $db;
CREATE TABLE listings (id INT PRIMARY KEY, title VARCHAR(100) NOT NULL, price DECIMAL(10,2) NOT NULL,
	deleted TINYINT(1) NOT NULL DEFAULT 0,
	updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), KEY (updated_at));
INSERT INTO listings (id, title, price, updated_at)
	SELECT seq, CONCAT('Listing ', seq), seq % 1000 + 0.5, NOW(6) - INTERVAL 1 DAY FROM seq_1_to_20000;
CREATE TABLE categories (code VARCHAR(10) PRIMARY KEY, name VARCHAR(50) NOT NULL);
INSERT INTO categories SELECT CONCAT('c', seq), CONCAT('Category ', seq) FROM seq_1_to_300;
SQL
psql_admin -v port="$TRIBUTARY_MYSQL_PORT" -v user="$TRIBUTARY_MYSQL_USER" -v pw="$TRIBUTARY_MYSQL_PASSWORD" -v db="$db" <<'SQL'
CREATE EXTENSION tributary;
CREATE SERVER my FOREIGN DATA WRAPPER tributary_mysql OPTIONS (host '127.0.0.1', port :'port', dbname :'db');
CREATE USER MAPPING FOR CURRENT_USER SERVER my OPTIONS (username :'user', password :'pw');
CREATE SCHEMA my;
IMPORT FOREIGN SCHEMA :"db" FROM SERVER my INTO my;
CREATE TABLE listings (id int PRIMARY KEY, title text NOT NULL, price numeric(10,2) NOT NULL,
	deleted boolean NOT NULL, updated_at timestamptz NOT NULL);
CREATE TABLE categories (code text PRIMARY KEY, name text NOT NULL);
SELECT migration.define_step('listings', 'my.listings', 'listings', '{id}', 'id',
	updated_at_column => 'updated_at', batch_size => 1000);
SELECT migration.define_step('categories', 'my.categories', 'categories', '{code}', 'code', batch_size => 100);
-- slow the full load down so that the writer overlaps it
INSERT INTO migration.setting (step, rows_per_second) VALUES ('listings', 8000);
SQL

# The writer: about 3 seconds of single-row transactions (users editing their listings).
writer() {
	local i=0
	while [ $i -lt 60 ]; do
		i=$((i + 1))
		my "$db" -e "
			INSERT INTO listings (id, title, price) VALUES (20000 + $i, 'new $i', $i);
			UPDATE listings SET title = CONCAT(title, ' edit $i') WHERE id = 1 + ($i * 331) % 20000;
			UPDATE listings SET price = price + 1 WHERE id = 1 + ($i * 97) % 20000;
			UPDATE listings SET deleted = 1 WHERE id = 1 + ($i * 7919) % 20000;" || return 1
		sleep 0.05
	done
}
writer &
wpid=$!
"$bin" -q run --step listings; rc=$?
is $rc 0 "the full load runs while the writer writes"
alive=0; kill -0 $wpid 2>/dev/null && alive=1
is $alive 1 "the writer was still writing when the full load ended"
psql_admin -c "DELETE FROM migration.setting"
diffs=0
while kill -0 $wpid 2>/dev/null; do
	"$bin" -q run --mode diff --step listings || break
	diffs=$((diffs + 1))
done
wait $wpid; is $? 0 "the writer finished its 60 rounds"
"$bin" -q run --mode diff --step listings; is $? 0 "diff runs while it wrote ($diffs) and one after"
out=$("$bin" run --mode verify --step listings 2>&1); rc=$?
is $rc 0 "verify exits 0"
like "$out" 'listings \[default\]: 20060 rows compared, 0 missing, 0 different, 0 extra — clean' "verify reports zero differences"
is "$(psql_admin -c "SELECT count(*) FILTER (WHERE deleted) > 0, count(*) FILTER (WHERE id > 20000) FROM listings")" "t|60" \
	"soft deletes and inserts arrived"

# local-diff: categories has no updated_at
"$bin" -q run --step categories
my "$db" -e "UPDATE categories SET name = 'Renamed' WHERE code IN ('c7', 'c70'); INSERT INTO categories VALUES ('new', 'New');"
out=$("$bin" --json run --mode diff --step categories 2>&1); rc=$?
is $rc 3 "diff mode needs updated_at"
like "$out" 'use --mode local-diff' "and points at local-diff"
out=$("$bin" --json run --mode local-diff --step categories 2>&1); rc=$?
is $rc 0 "local-diff succeeds"
like "$(printf '%s' "$out" | tr -d ' \n')" '"inserted":1,"outcome":"completed","rows_read":301,"seconds":[0-9.e-]+,"source":"default","step":"categories","updated":2' \
	"it reads all 301 rows and writes the 2 changed and the 1 new"
"$bin" -q run --mode verify --step categories; is $? 0 "verify: categories clean"

# SQL Server source: the checking modes through the TDS driver
out=$(tds <<'SQL'
CREATE TABLE dbo.it_branches (id int NOT NULL PRIMARY KEY, name nvarchar(60) NOT NULL, city nvarchar(60) NULL)
go
INSERT INTO dbo.it_branches VALUES (1, N'Nord', N'Hamburg'), (2, N'Süd', N'München'), (3, N'Ost', NULL), (4, N'West', N'Köln'), (5, N'Mitte', N'Berlin')
go
SQL
)
psql_admin -v port="$TRIBUTARY_TDS_PORT" -v user="$TRIBUTARY_TDS_USER" -v pw="$TRIBUTARY_TDS_PASSWORD" -v db="$TRIBUTARY_TDS_DATABASE" <<'SQL'
CREATE SERVER ms FOREIGN DATA WRAPPER tributary_mssql OPTIONS (host '127.0.0.1', port :'port', dbname :'db');
CREATE USER MAPPING FOR CURRENT_USER SERVER ms OPTIONS (username :'user', password :'pw');
CREATE SCHEMA ms;
IMPORT FOREIGN SCHEMA dbo LIMIT TO (it_branches) FROM SERVER ms INTO ms;
CREATE TABLE branches (id int PRIMARY KEY, name text NOT NULL, city text);
SELECT migration.define_step('branches', 'ms.it_branches', 'branches', '{id}', 'id', batch_size => 2);
SQL
"$bin" -q run --step branches; is $? 0 "full load from SQL Server"
psql_admin -c "UPDATE branches SET city = 'Bonn' WHERE id = 4" -c "DELETE FROM branches WHERE id = 2"
out=$("$bin" run --mode verify --step branches 2>&1); rc=$?
is $rc 5 "verify finds the differences in the SQL Server step"
like "$out" 'branches \[default\]: 5 rows compared, 1 missing, 1 different, 0 extra' "one missing, one different"
out=$(tds <<'SQL'
UPDATE dbo.it_branches SET name = N'Zentrum' WHERE id = 5
go
DELETE FROM dbo.it_branches WHERE id = 1
go
SQL
)
out=$("$bin" run --mode verify --step branches --repair --delete-orphans 2>&1); rc=$?
is $rc 0 "verify --repair --delete-orphans converges the SQL Server step"
like "$out" '4 rows compared, 1 missing, 2 different, 1 extra; 4 repaired; 1 orphans removed — clean' "and says what it did"
is "$(psql_admin -c "SELECT string_agg(id || ':' || name || ':' || coalesce(city, '-'), ',' ORDER BY id) FROM branches")" \
	"2:Süd:München,3:Ost:-,4:West:Köln,5:Zentrum:Berlin" "the target equals the source"
psql_admin -c "DELETE FROM branches WHERE id = 3"
out=$("$bin" run --mode find-missing --step branches 2>&1)
like "$out" '4 rows compared, 1 missing, 0 extra; 1 migrated' "find-missing through the TDS driver"

out=$(tds <<'SQL'
DROP TABLE dbo.it_branches
go
SQL
)
my -e "DROP DATABASE $db"
psql_admin -d postgres -c "DROP DATABASE $db"
finish
