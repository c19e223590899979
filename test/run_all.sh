#!/usr/bin/env bash
# run_all.sh — every test suite against throwaway servers, with a per-suite summary.
# Called by `make test` after the build and install. Starts the servers itself
# (test/harness/with_servers.sh) unless they are already in the environment.
#
# Suites: pg_regress (sql/, expected/), GoogleTest via ctest (unit and live driver
# tests), pgTAP via pg_prove (test/pgtap/), loader integration scenarios via prove
# (test/integration/*.sh, TAP), documentation via prove (test/doctest/*.t: README and
# docs/ transcripts, reference coverage, man page), the fast subset of the fault and
# bad-input suite (test/faults, TAP). Exit status: 0 only if every suite passed.
set -u
cd "$(dirname "$0")/.."
root=$(pwd)

if [ -z "${TRIBUTARY_RUN_DIR:-}" ]; then
	exec test/harness/with_servers.sh "$0" "$@"
fi

summary=()
total_pass=0
total_fail=0
record() { # suite passed failed
	summary+=("$(printf '%-14s %5d passed, %d failed' "$1" "$2" "$3")")
	total_pass=$((total_pass + $2))
	total_fail=$((total_fail + $3))
}
section() { printf '\n===== %s =====\n' "$1"; }
# A TAP suite run by a TAP::Harness (prove, pg_prove): tap_suite NAME COMMAND ARGS…
tap_suite() {
	local name=$1 out="$TRIBUTARY_RUN_DIR/${1//[^A-Za-z0-9_-]/_}.out" rc tests bad
	shift
	"$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	tests=$(sed -nE 's/^Files=[0-9]+, Tests=([0-9]+),.*/\1/p' "$out")
	bad=$(grep -E '^Failed [0-9]+/[0-9]+ subtests' "$out" | sed -nE 's/^Failed ([0-9]+)\/.*/\1/p' | awk '{s+=$1} END {print s+0}')
	[ $rc -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
	record "$name" "$((${tests:-0} - bad))" "$bad"
}

# Seed the source servers for the live suites.
for f in test/fixtures/mariadb/*.sql; do
	mariadb --no-defaults --default-character-set=utf8mb4 --socket="$TRIBUTARY_MYSQL_SOCKET" -uroot <"$f" ||
		{ echo "could not load $f into MariaDB" >&2; exit 1; }
done

for f in test/fixtures/tds/*.sql; do
	out=$(tsql -S tributary_test -U "$TRIBUTARY_TDS_USER" -P "$TRIBUTARY_TDS_PASSWORD" -D "$TRIBUTARY_TDS_DATABASE" -o q <"$f" 2>&1)
	if printf '%s' "$out" | grep -q '^Msg [0-9]'; then
		printf '%s\n' "$out" >&2
		echo "could not load $f into the TDS test server" >&2
		exit 1
	fi
done

# pg_regress against the harness cluster (PGHOST/PGPORT point at it).
section "pg_regress"
make -s check-regress-list || record "pg_regress" 0 1
# The harness's cluster runs as the postgres user, which writes its own output files.
make -s installcheck PGUSER=postgres >"$TRIBUTARY_RUN_DIR/regress.out" 2>&1
rc=$?
cat "$TRIBUTARY_RUN_DIR/regress.out"
[ $rc -ne 0 ] && [ -f regression.diffs ] && cat regression.diffs
n_ok=$(grep -cE '\.\.\. ok|^ok [0-9]+' "$TRIBUTARY_RUN_DIR/regress.out" || true)
n_bad=$(grep -cE '\.\.\. FAILED|^not ok [0-9]+' "$TRIBUTARY_RUN_DIR/regress.out" || true)
[ $rc -ne 0 ] && [ "$n_bad" -eq 0 ] && n_bad=1
record "pg_regress" "$n_ok" "$n_bad"

# The server log must not show leaks or crashes (C/C++ boundary, resource owners).
section "server log"
if grep -nE 'leaked|resource was not closed|reference leak|was terminated by signal|PANIC|TRAP:' \
	"$TRIBUTARY_RUN_DIR/pg/pg.log"; then
	record "server log" 0 1
else
	echo "no leak, crash or resource-owner warning in the PostgreSQL log"
	record "server log" 1 0
fi

# GoogleTest (unit + live driver tests) through ctest.
section "ctest (GoogleTest)"
ctest --test-dir build --output-on-failure >"$TRIBUTARY_RUN_DIR/ctest.out" 2>&1
rc=$?
cat "$TRIBUTARY_RUN_DIR/ctest.out"
n_ok=$(grep -cE 'Test +#[0-9]+: .* Passed' "$TRIBUTARY_RUN_DIR/ctest.out" || true)
n_bad=$(grep -cE 'Test +#[0-9]+: .*(Failed|Exception|Timeout|Not Run)' "$TRIBUTARY_RUN_DIR/ctest.out" || true)
[ $rc -ne 0 ] && [ "$n_bad" -eq 0 ] && n_bad=1
record "ctest" "$n_ok" "$n_bad"
# The GoogleTest cases inside those ctest tests, for the record.
log=build/Testing/Temporary/LastTest.log
g_ok=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) tests?\.$/\1/p' "$log" 2>/dev/null | awk '{s+=$1} END {print s+0}')
g_bad=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) tests?, listed below:$/\1/p' "$log" 2>/dev/null | awk '{s+=$1} END {print s+0}')
echo "GoogleTest cases: $g_ok passed, $g_bad failed"
summary+=("$(printf '%-14s %5d passed, %d failed (inside ctest)' "gtest cases" "$g_ok" "$g_bad")")

# pgTAP: each file one transaction, rolled back.
section "pgTAP (pg_prove)"
PGOPTIONS="-c client_min_messages=warning" psql -qAtX -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS pgtap" \
	-c "CREATE EXTENSION IF NOT EXISTS tributary" >/dev/null
tap_suite pgTAP pg_prove --ext .sql -r test/pgtap

# Loader integration scenarios: TAP-producing scripts.
section "integration (prove)"
export TRIBUTARY_BIN=$root/build/tributary
tap_suite integration prove -v -e bash test/integration/*.sh

# Documentation: the README and docs/ transcripts run and compared, the reference
# complete (test/doctest/doc_coverage.t), the man page (test/doctest/man_page.t).
section "docs (prove)"
tap_suite docs prove -v test/doctest/

# The fast subset of the fault and bad-input suite (the whole one: make test-faults).
section "faults (fast subset)"
tap_suite "faults (fast)" test/faults/run_faults.sh --fast

section "summary"
for line in "${summary[@]}"; do echo "$line"; done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
