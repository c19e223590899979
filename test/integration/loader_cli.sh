# Loader skeleton: help, version, exit codes, and connecting like every PostgreSQL
# tool (PG* environment, conninfo, URI, ~/.pgpass over TCP with a password).
. "$(dirname "$0")/lib.bash"
bin=${TRIBUTARY_BIN:?}
plan 13

out=$("$bin" --help 2>&1); rc=$?
ok $rc "--help exits 0"
like "$out" "Usage: tributary" "--help prints the usage"
out=$("$bin" --version 2>&1)
like "$out" "^tributary [0-9]+\.[0-9]+\.[0-9]+$" "--version prints the version"
"$bin" --no-such-flag >/dev/null 2>&1; is $? 2 "an unknown flag is a usage error (exit 2)"

psql_admin -c "CREATE EXTENSION IF NOT EXISTS tributary"
out=$("$bin" check 2>&1); rc=$?
is $rc 0 "check connects through the PG* environment"
like "$out" "^database \"tributary_test\": PostgreSQL 15\.[0-9]+, tributary 0\.1$" "check names database, server and extension versions"

out=$("$bin" check -d "postgresql:///postgres?host=$PGHOST&port=$PGPORT" 2>&1); rc=$?
is $rc 2 "a database without the extension is a configuration error (exit 2)"
like "$out" 'extension "tributary" is not installed in database "postgres"' "the error names the database"

# A role with a password, reached over TCP with the password only in ~/.pgpass.
secret="pw-$RANDOM-$RANDOM"
psql_admin -c "DROP ROLE IF EXISTS loader_it" -c "CREATE ROLE loader_it LOGIN PASSWORD '$secret'"
home=$(mktemp -d)
printf '127.0.0.1:%s:*:loader_it:%s\n' "$TRIBUTARY_PG_PORT" "$secret" >"$home/.pgpass"
chmod 600 "$home/.pgpass"
out=$(HOME=$home PGHOST=127.0.0.1 "$bin" check -U loader_it -p "$TRIBUTARY_PG_PORT" 2>&1); rc=$?
is $rc 0 "the password comes from ~/.pgpass over TCP"

printf '127.0.0.1:%s:*:loader_it:%s\n' "$TRIBUTARY_PG_PORT" "wrong-$secret" >"$home/.pgpass"
out=$(HOME=$home "$bin" check -d "host=127.0.0.1 port=$TRIBUTARY_PG_PORT user=loader_it dbname=tributary_test" 2>&1); rc=$?
is $rc 3 "a refused login is fatal (exit 3)"
like "$out" "could not connect to the database" "the error says it could not connect"
unlike "$out" "$secret" "the password does not appear in the error"
out=$("$bin" check -d "host=/nonexistent-socket-dir" 2>&1); rc=$?
is $rc 3 "an unreachable server is fatal (exit 3)"

rm -rf "$home"
psql_admin -c "DROP ROLE loader_it"
finish
