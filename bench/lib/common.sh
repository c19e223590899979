# common.sh — what the benchmark sections share: sizes, measurement, result tables.
# Sourced by bench/run_bench.sh (bash 5: $EPOCHREALTIME), with the harness's servers up.
#
# A measurement runs one command once, with the wall clock around it, /usr/bin/time for
# the client's peak RSS and mem_sampler.pl watching the PostgreSQL backends of one
# database. Each section records its measurements in a TSV file (one line per
# contender) and renders them as a markdown table with ratios to its reference.

# ---- sizes ---------------------------------------------------------------------------
SCALE=${SCALE:-1}
REPEAT=${REPEAT:-3}           # scans: runs per contender, the median is reported
LOAD_REPEAT=${LOAD_REPEAT:-3} # full loads: runs per contender (each is ~20-40 s at SCALE=1)
scaled() { awk -v n="$1" -v s="$SCALE" 'BEGIN { v = int(n * s + 0.5); print (v < 1000 ? 1000 : v) }'; }
USERS=$(scaled 300000)
LISTINGS=$(scaled 1500000)
MSSQL_ROWS=$(scaled 1000000)
MEM_SMALL=$(scaled 1000000)
MEM_LARGE=$(scaled 10000000)
MEM_REPEAT=$(((MEM_LARGE + LISTINGS - 1) / LISTINGS))
MSSQL_SMALL=$((MSSQL_ROWS / 10))

# ---- output --------------------------------------------------------------------------
# Everything the reader should see goes through out(): stdout and the results file.
out() { printf '%s\n' "$*" | tee -a "$RESULTS_TMP"; }
say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# ---- clients -------------------------------------------------------------------------
pg() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@"; }
pg_val() { PGOPTIONS="-c client_min_messages=warning" psql -X -qAt -v ON_ERROR_STOP=1 "$@"; }
mariadb_root() {
	mariadb --no-defaults --default-character-set=utf8mb4 --socket="$TRIBUTARY_MYSQL_SOCKET" -uroot "$@"
}
# The benchmark's raw MySQL client: over TCP like the wrappers, as the same user.
mariadb_tcp() { mariadb --defaults-file="$W/my.cnf" "$@"; }
tsql_bench() {
	tsql -S tributary_test -U "$TRIBUTARY_TDS_USER" -P "$TRIBUTARY_TDS_PASSWORD" \
		-D "$TRIBUTARY_TDS_DATABASE" -o q "$@"
}

# ---- measurement ---------------------------------------------------------------------
# Wait (up to 10 s) until database $1 has no backend left: a backend of the previous
# measurement that is still exiting must not be counted in the next one.
wait_no_backends() {
	local i
	for i in $(seq 1 200); do
		grep -qsl "^postgres: [^ ]* $1 " /proc/[0-9]*/cmdline 2>/dev/null || return 0
		sleep 0.05
	done
}

# measure DB CMD… — run CMD once. Sets M_SECS (wall clock), M_RC, M_ANON_KB (peak private
# memory of one backend of DB), M_HWM_KB (peak VmHWM of one), M_BACKENDS, M_CLIENT_KB
# (CMD's peak RSS). CMD's output is in $W/last.out; MEASURE_STDOUT=/dev/null discards its
# standard output instead (stderr still goes there), MEASURE_STDIN=FILE feeds it.
measure() {
	local db=$1 sampler t0 t1
	shift
	wait_no_backends "$db"
	perl "$BENCH_DIR/lib/mem_sampler.pl" "$db" "$W/mem" &
	sampler=$!
	sleep 0.05
	: >"$W/last.out"
	M_RC=0
	t0=$EPOCHREALTIME
	/usr/bin/time -f '%M' -o "$W/time" "$@" <"${MEASURE_STDIN:-/dev/null}" \
		>>"${MEASURE_STDOUT:-$W/last.out}" 2>>"$W/last.out" || M_RC=$?
	t1=$EPOCHREALTIME
	kill -TERM "$sampler" 2>/dev/null
	wait "$sampler" 2>/dev/null
	M_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	read -r M_ANON_KB M_HWM_KB M_BACKENDS <"$W/mem" || { M_ANON_KB=0 M_HWM_KB=0 M_BACKENDS=0; }
	M_CLIENT_KB=$(tail -1 "$W/time")
	[[ $M_CLIENT_KB =~ ^[0-9]+$ ]] || M_CLIENT_KB=0
}

# The first error line of the last measured command, for a table cell.
last_error() {
	local e
	e=$(grep -m1 -E 'ERROR|error|FATAL|Heap exhausted|failed|Msg [0-9]' "$W/last.out" || tail -1 "$W/last.out")
	printf '%s' "$e" | tr '|\t' '/ ' | cut -c1-140
}

# ---- result tables -------------------------------------------------------------------
# record FILE FIELDS… — append one tab-separated line.
record() {
	local file=$1
	shift
	(
		IFS=$'\t'
		printf '%s\n' "$*"
	) >>"$file"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
max_of() { sort -g | tail -1; }
mib() { awk -v k="$1" 'BEGIN { if (k + 0 > 0) printf "%.0f", k / 1024; else print "–" }'; }

# render_table TSV REF1 [REF2] — the markdown rows of a section's table. TSV lines:
# name rows seconds runs anon_kB hwm_kB client_kB note. Ratios are rows/s over the
# reference contenders' rows/s (named by REF1, REF2; a reference that failed gives "–").
render_table() {
	local tsv=$1 ref1=$2 ref2=${3:-}
	awk -F'\t' -v ref1="$ref1" -v ref2="$ref2" '
		function rate(i) { return (sec[i] > 0 && rows[i] > 0) ? rows[i] / sec[i] : 0 }
		function ratio(i, r) { return (r in idx && rate(idx[r]) > 0 && rate(i) > 0) ? sprintf("%.2f×", rate(i) / rate(idx[r])) : "–" }
		function mb(k) { return k > 0 ? sprintf("%.0f", k / 1024) : "–" }
		function thousands(v,   s) { s = sprintf("%.0f", v); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); return s }
		{ n++; name[n] = $1; rows[n] = $2; sec[n] = $3; runs[n] = $4; anon[n] = $5; hwm[n] = $6; cli[n] = $7; note[n] = $8; idx[$1] = n }
		END {
			for (i = 1; i <= n; i++) {
				r = rate(i)
				printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name[i], rows[i],
					(sec[i] > 0) ? sprintf("%.2f", sec[i]) : "–", (r > 0) ? thousands(r) : "–",
					ratio(i, ref1), (ref2 == "") ? "" : ratio(i, ref2), mb(anon[i]), mb(hwm[i]), mb(cli[i]),
					(runs[i] != "" ? "runs: " runs[i] " s" : "") (runs[i] != "" && note[i] != "" ? "; " : "") note[i]
			}
		}' "$tsv"
}

# The memory tables: no ratios, the growth of the backend's memory with the row count.
mem_table_header() {
	out "| scan | rows | s | rows/s | backend peak private MiB | backend peak RSS MiB | notes |"
	out "|---|---:|---:|---:|---:|---:|---|"
}
render_mem_table() {
	awk -F'\t' '
		function mb(k) { return k > 0 ? sprintf("%.0f", k / 1024) : "–" }
		function thousands(v,   s) { s = sprintf("%.0f", v); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); return s }
		{ r = ($3 > 0 && $2 > 0) ? thousands($2 / $3) : "–"
		  printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, ($3 > 0) ? sprintf("%.2f", $3) : "–", r, mb($5), mb($6), $8 }' "$1"
}
