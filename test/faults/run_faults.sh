#!/usr/bin/env bash
# run_faults.sh [--fast] — the fault and bad-input suite (test/faults/NN_*.sh, TAP, run
# by prove) against throwaway servers, then its summary table: per category the cases,
# the faults or bad inputs tried, how many ended as they must, the rows lost (must be 0)
# and the known bugs (TODO checks that fail; each is described in README.md here).
#
#   make test-faults        the whole suite (it restarts the source servers it uses)
#   --fast                  the subset `make test` runs (test/run_all.sh): fewer
#                           repetitions, no server restarts
# Starts the servers itself (test/harness/with_servers.sh) unless they are already in
# the environment. Exit status: prove's (0 when every case passed).
set -u
cd "$(dirname "$0")/../.."
root=$(pwd)

if [ -z "${TRIBUTARY_RUN_DIR:-}" ]; then
	exec test/harness/with_servers.sh "$0" "$@"
fi
fast=""
[ "${1:-}" = --fast ] && fast=1

export TRIBUTARY_BIN=${TRIBUTARY_BIN:-$root/build/tributary}
export FAULTS_SUMMARY=$TRIBUTARY_RUN_DIR/faults-summary.tsv
export FAULTS_FAST=$fast
: >"$FAULTS_SUMMARY"
out=$TRIBUTARY_RUN_DIR/faults${fast:+-fast}.out

started=$(date +%s)
pg_log=$TRIBUTARY_RUN_DIR/pg/pg.log
log_start=$(wc -l <"$pg_log" 2>/dev/null || echo 0)
prove -v -e bash test/faults/[0-9]*.sh >"$out" 2>&1
rc=$?
cat "$out"
seconds=$(($(date +%s) - started))

# No fault may crash a backend (the C/C++ boundary, cleanup on abort).
crashes=$(tail -n +$((log_start + 1)) "$pg_log" 2>/dev/null |
	grep -E 'was terminated by signal|PANIC|TRAP:|leaked|resource was not closed|reference leak')
if [ -n "$crashes" ]; then
	printf '\nthe PostgreSQL log shows crashes or leaks during the suite:\n%s\n' "$crashes"
	rc=1
fi

printf '\n===== faults and bad input: summary%s (%d s) =====\n' "${fast:+ (fast subset)}" "$seconds"
awk -F '\t' '
	{
		if (!($1 in cases)) { order[n++] = $1 }
		cases[$1]++; tried[$1] += $3; survived[$1] += $4; lost[$1] += $5; bugs[$1] += $6
		T += $3; S += $4; L += $5; B += $6; C++
	}
	END {
		fmt = "%-28s %6s %7s %9s %10s %11s\n"
		printf fmt, "category", "cases", "tried", "survived", "rows lost", "known bugs"
		for (i = 0; i < n; i++) {
			k = order[i]
			printf fmt, k, cases[k], tried[k], survived[k], lost[k], bugs[k]
		}
		printf fmt, "total", C, T, S, L, B
	}' "$FAULTS_SUMMARY"
echo
echo "cases (category, case, tried, survived, rows lost, known bugs):"
sed 's/\t/ | /g; s/^/  /' "$FAULTS_SUMMARY"
todo=$(grep -E '^not ok [0-9]+ .*# TODO ' "$out" | sed -E 's/.*# TODO //' | sort | uniq -c | sed 's/^ */  /')
if [ -n "$todo" ]; then
	echo
	echo "known bugs outside the suite's files (failing TODO checks, by count; see test/faults/README.md):"
	printf '%s\n' "$todo"
fi
lost=$(awk -F '\t' '{ s += $5 } END { print s + 0 }' "$FAULTS_SUMMARY")
[ "$lost" -eq 0 ] || { echo "ROWS LOST: $lost"; rc=1; }
exit $rc
