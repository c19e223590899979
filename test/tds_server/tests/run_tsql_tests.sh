#!/bin/bash
# run_tsql_tests.sh — runs every tests/sql/*.sql through FreeTDS's tsql against a fresh TDS
# test server and compares the output with tests/expected/*.out. Also checks that a wrong
# password is refused with SQL Server's login error.
# Usage: run_tsql_tests.sh SERVER_BIN        (TDS_UPDATE_EXPECTED=1 rewrites the .out files)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/server_lib.sh"

bin=${1:?usage: run_tsql_tests.sh SERVER_BIN}
command -v tsql >/dev/null || { echo "tsql not found (apt-get install freetds-bin)" >&2; exit 1; }
start_server "$bin"

failures=0
# tsql writes rows to stdout and messages to stderr; unbuffered stdout keeps them in order.
run_tsql() {
	stdbuf -o0 -e0 tsql -S "$1" -U "$TDS_USER" -P "$2" -o q 2>&1
}

# login: a good password works, a wrong one gets error 18456 and no session
out=$(printf 'select 1 as ok\ngo\n' | run_tsql tds_test "$TDS_PASSWORD")
if [ "$out" != $'ok\n1' ]; then
	echo "FAIL login with the right password: $out"
	failures=$((failures + 1))
fi
out=$(printf 'select 1\ngo\n' | run_tsql tds_test "wrong-password")
rc=$?
if [ $rc -eq 0 ] || ! grep -q "Msg 18456 (severity 14, state 1)" <<<"$out" || \
	! grep -q "Login failed for user '$TDS_USER'." <<<"$out"; then
	echo "FAIL wrong password was not refused with 18456 (rc=$rc): $out"
	failures=$((failures + 1))
fi
if grep -q "wrong-password\|$TDS_PASSWORD" "$TDS_WORK/server.log"; then
	echo "FAIL the server log contains a password"
	failures=$((failures + 1))
fi

for sql in "$here"/sql/*.sql; do
	name=$(basename "$sql" .sql)
	server=tds_test
	case "$name" in *_tds72) server=tds_test_72 ;; esac
	actual="$TDS_WORK/$name.out"
	run_tsql "$server" "$TDS_PASSWORD" < "$sql" > "$actual"
	expected="$here/expected/$name.out"
	if [ -n "${TDS_UPDATE_EXPECTED:-}" ]; then
		cp "$actual" "$expected"
		continue
	fi
	if ! diff -u "$expected" "$actual" > "$TDS_WORK/$name.diff"; then
		echo "FAIL $name"
		cat "$TDS_WORK/$name.diff"
		failures=$((failures + 1))
	else
		echo "ok   $name"
	fi
done

if [ $failures -ne 0 ]; then
	echo "$failures tsql test(s) failed"
	exit 1
fi
echo "all tsql tests passed"
