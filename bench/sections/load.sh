# load.sh — section 3 (issue 5): the full load of the generated marketplace (USERS users,
# then LISTINGS listings) from MariaDB into a prepared PostgreSQL target (bench/sql/
# target.sql: primary keys, an index on updated_at, a foreign key listings → users).
# Every contender gets a fresh copy of the same target and loads users, then listings:
#   COPY               the same rows from a file (server-side COPY FROM; written beforehand)
#   mysql_fdw          INSERT INTO target … SELECT … FROM the mysql_fdw foreign table
#   pgloader           data only, into the same target: tuned, and with its defaults
#   tributary run      keys mapped, id maps and bookkeeping written; --jobs 1 and 2
# Each table is timed by the wall clock of the client that loads it.

LOAD_COLS_users="id, email, name, newsletter_consent, created_at, updated_at"
LOAD_EXPRS_users="id, email, name, newsletter_consent, created_at AT TIME ZONE 'UTC', updated_at"
LOAD_COLS_listings="id, user_id, title, description, price, state, created_at, updated_at"
LOAD_EXPRS_listings="id, user_id, title, description, price, state, created_at AT TIME ZONE 'UTC', updated_at"

# pgloader_file NAME DB TABLE WITH… — a pgloader command file for one table.
pgloader_file() {
	local file=$W/$1.load db=$2 table=$3
	shift 3
	cat >"$file" <<EOF
LOAD DATABASE
	FROM mysql://$TRIBUTARY_MYSQL_USER:$TRIBUTARY_MYSQL_PASSWORD@127.0.0.1:$TRIBUTARY_MYSQL_PORT/bench
	INTO postgresql://postgres@unix:$PGHOST:$PGPORT/$db
WITH $*
INCLUDING ONLY TABLE NAMES MATCHING '$table'
ALTER SCHEMA 'bench' RENAME TO 'platform';
EOF
	echo "$file"
}

# The pgloader settings: "tuned" keeps its batches small enough for SBCL's heap.
PGLOADER_TUNED="data only, no foreign keys, workers = 2, concurrency = 1, batch rows = 10000, prefetch rows = 10000"
PGLOADER_DEFAULTS="data only, no foreign keys"

# load_run CONTENDER DB TABLE — load one table; sets the M_* values and M_ROWS (the rows
# the target table holds afterwards).
load_run() {
	local contender=$1 db=$2 t=$3 cols exprs
	cols=LOAD_COLS_$t exprs=LOAD_EXPRS_$t
	pg -d postgres -c CHECKPOINT
	case $contender in
	COPY)
		measure "$db" psql -X -v ON_ERROR_STOP=1 -d "$db" \
			-c "COPY platform.$t (${!cols}) FROM '$W/$t.copy'"
		;;
	mysql_fdw)
		measure "$db" psql -X -v ON_ERROR_STOP=1 -d "$db" \
			-c "INSERT INTO platform.$t (${!cols}) SELECT ${!exprs} FROM src_mysql_fdw.$t"
		;;
	"pgloader, tuned")
		measure "$db" pgloader --no-ssl-cert-verification "$(pgloader_file "pgl_$t" "$db" "$t" "$PGLOADER_TUNED")"
		;;
	"pgloader, defaults")
		measure "$db" pgloader --no-ssl-cert-verification "$(pgloader_file "pgl_$t" "$db" "$t" "$PGLOADER_DEFAULTS")"
		;;
	"tributary run --jobs "*)
		measure "$db" "$TRIBUTARY_BIN" -d "$db" run --jobs "${contender##* }" --step "$t"
		;;
	"tributary, 2 processes")
		# two loader processes share the step's 8 key ranges (as on two hosts)
		measure "$db" bash -c '"$1" -d "$2" -q run --jobs 1 --ranges 8 --step "$3" & a=$!
			"$1" -d "$2" -q run --jobs 1 --ranges 8 --step "$3" & b=$!
			wait $a; ra=$?; wait $b; rb=$?; exit $((ra > rb ? ra : rb))' _ "$TRIBUTARY_BIN" "$db" "$t"
		;;
	esac
	cp "$W/last.out" "$W/load_${db}_$t.log"
	M_ROWS=$(pg_val -d "$db" -c "SELECT count(*) FROM platform.$t")
}

# Autovacuum is off while the loads run, for every contender alike. A batched loader
# commits as it goes, so autovacuum vacuums and analyzes its target while it loads and
# takes CPU from it (on 2 cores, alternating runs: tributary's listings load took
# 16.0-22.1 s with it, 15.2-16.7 s without); a
# single-transaction load (COPY, mysql_fdw) leaves the same work for after its clock has
# stopped, where it would land on the next contender's. So each load runs without it and
# the VACUUM (ANALYZE) of what it loaded is timed on its own: the maintenance it owes.
load_autovacuum() { # on|off
	local i
	if [ "$1" = on ]; then
		pg -d postgres -c "ALTER SYSTEM RESET autovacuum" -c "SELECT pg_reload_conf()"
		return
	fi
	pg -d postgres -c "ALTER SYSTEM SET autovacuum = off" -c "SELECT pg_reload_conf()"
	# Workers already running finish their table; the set-up's own tables are small.
	for i in $(seq 1 600); do
		[ "$(pg_val -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")" = 0 ] && return
		sleep 0.1
	done
	pg_val -d postgres -c "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'" >/dev/null
}

# What a contender's load left behind that a reader should know.
load_check() {
	local db=$1 fk
	fk=$(pg_val -d "$db" -c "SELECT count(*) FROM pg_constraint WHERE conrelid = 'platform.listings'::regclass AND contype = 'f' AND convalidated")
	[ "$fk" = 1 ] || printf 'the foreign key listings → users is gone after the load; '
	if [ "$(pg_val -d "$db" -c "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'platform.listings'::regclass AND tgenabled = 'D'")" != 0 ]; then
		printf 'triggers left disabled; '
	fi
}

render_load_table() {
	awk -F'\t' -v ref1=COPY -v ref2=mysql_fdw '
		# v: count the VACUUM after the load in (none measured: no rate)
		function rate(i, v) { return (sec[i] > 0 && rows[i] > 0 && (!v || vac[i] > 0)) ? rows[i] / (sec[i] + (v ? vac[i] : 0)) : 0 }
		function ratio(i, r, v) { return (r in idx && rate(idx[r], v) > 0 && rate(i, v) > 0) ? sprintf("%.2f×", rate(i, v) / rate(idx[r], v)) : "–" }
		function mb(k) { return k > 0 ? sprintf("%.0f", k / 1024) : "–" }
		function thousands(v,   s) { s = sprintf("%.0f", v); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); return s }
		{ n++; name[n] = $1; rows[n] = $2; sec[n] = $3; runs[n] = $4; anon[n] = $5; nb[n] = $6; cli[n] = $7; note[n] = $8; urows[n] = $9; usec[n] = $10; vac[n] = $11; idx[$1] = n }
		END {
			for (i = 1; i <= n; i++) {
				r = rate(i)
				u = (usec[i] > 0 && urows[i] > 0) ? thousands(urows[i] / usec[i]) : "–"
				printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name[i], u, rows[i],
					(sec[i] > 0) ? sprintf("%.2f", sec[i]) : "–", (r > 0) ? thousands(r) : "–",
					ratio(i, ref1), ratio(i, ref2), (vac[i] > 0) ? sprintf("%.2f", vac[i]) : "–", ratio(i, ref2, 1), mb(anon[i]) (nb[i] > 1 ? " (" nb[i] " backends)" : ""), mb(cli[i]),
					(runs[i] ~ /\// ? "runs: " runs[i] " s" : "") (runs[i] ~ /\// && note[i] != "" ? "; " : "") note[i]
			}
		}' "$1"
}

section_load() {
	local tsv=$W/load.tsv contender db t round
	local contenders=(COPY mysql_fdw "pgloader, tuned" "pgloader, defaults" "tributary run --jobs 1" "tributary run --jobs 2" "tributary, 2 processes")
	declare -A NOTES=(
		[COPY]="server-side COPY FROM a file of the same rows (ids kept)"
		[mysql_fdw]="INSERT … SELECT, ids kept, no bookkeeping"
		["pgloader, tuned"]="WITH $PGLOADER_TUNED"
		["pgloader, defaults"]="WITH $PGLOADER_DEFAULTS (one run)"
		["tributary run --jobs 1"]="keys mapped (new ids, seller translated through the users id map), id maps and batch bookkeeping written; batch size ${BATCH_SIZE:-10000}"
		["tributary run --jobs 2"]="as --jobs 1, two workers on key ranges (8 ranges)"
		["tributary, 2 processes"]="as --jobs 1, two loader processes (--jobs 1 --ranges 8 each) sharing the step's ranges"
	)
	declare -A lsec=() usec=() vsec=() lrows=() urows=() anon=() nb=() cli=() errs=()

	# The file COPY reads: the same rows, written once through tributary_mysql.
	for t in users listings; do
		local exprs=LOAD_EXPRS_$t
		pg -d bench -c "COPY (SELECT ${!exprs} FROM src_tributary.$t ORDER BY id) TO '$W/$t.copy'"
	done

	load_autovacuum off
	for round in $(seq 1 "$LOAD_REPEAT"); do
		for contender in "${contenders[@]}"; do
			# pgloader's defaults are there to show whether they survive this data: once.
			[ "$contender" = "pgloader, defaults" ] && [ "$round" -gt 1 ] && continue
			db=load_$(printf '%s' "$contender" | tr -c 'a-z0-9' '_' | sed 's/__*/_/g; s/_$//')
			say "load: $contender (round $round)"
			wait_no_backends bench_template
			pg -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE bench_template"
			local note=""
			for t in users listings; do
				load_run "$contender" "$db" "$t"
				if [ "$M_RC" -ne 0 ]; then
					note+="$t: exit status $M_RC: $(last_error); "
				fi
				if [ "$M_ROWS" -ne "$([ "$t" = users ] && echo "$USERS" || echo "$LISTINGS")" ]; then
					note+="$t: $M_ROWS rows loaded; "
					[ "$t" = listings ] && M_SECS=0
				fi
				if [ "$t" = users ]; then
					usec[$contender]+=" $M_SECS"
					urows[$contender]=$M_ROWS
				else
					lsec[$contender]+=" $M_SECS"
					lrows[$contender]=$M_ROWS
				fi
				anon[$contender]=$(printf '%s\n' "${anon[$contender]:-0}" "$M_ANON_KB" | max_of)
				nb[$contender]=$(printf '%s\n' "${nb[$contender]:-0}" "$M_BACKENDS" | max_of)
				cli[$contender]=$(printf '%s\n' "${cli[$contender]:-0}" "$M_CLIENT_KB" | max_of)
				[ "$M_RC" -ne 0 ] && break
			done
			if [ "$M_RC" -eq 0 ]; then
				measure "$db" psql -X -v ON_ERROR_STOP=1 -d "$db" -c "VACUUM (ANALYZE)"
				vsec[$contender]+=" $M_SECS"
			fi
			note+=$(load_check "$db")
			[ -n "$note" ] && errs[$contender]=${note%; }
			# The diff section continues from tributary's and mysql_fdw's loads.
			case $contender in
			"tributary run --jobs 1" | mysql_fdw) ;;
			*) pg -d postgres -c "DROP DATABASE $db" ;;
			esac
		done
	done
	load_autovacuum on
	: >"$tsv"
	for contender in "${contenders[@]}"; do
		local lmed umed vmed
		lmed=$(printf '%s\n' ${lsec[$contender]} | awk '$1 > 0' | median)
		vmed=$(printf '%s\n' ${vsec[$contender]:-} | awk '$1 > 0' | median)
		umed=$(printf '%s\n' ${usec[$contender]} | awk '$1 > 0' | median)
		record "$tsv" "$contender" "${lrows[$contender]:-0}" "${lmed:-0}" \
			"$(printf '%s' "${lsec[$contender]# }" | tr ' ' '/')" "${anon[$contender]}" "${nb[$contender]}" \
			"${cli[$contender]}" "${errs[$contender]:+${errs[$contender]}; }${NOTES[$contender]}" \
			"${urows[$contender]:-0}" "${umed:-0}" "${vmed:-0}"
	done
	LOAD_TRIBUTARY_LISTINGS_SECS=$(awk -F'\t' '$1 == "tributary run --jobs 1" { print $3 }' "$tsv")

	out ""
	out "## 3. Full load (issue 5): $USERS users, then $LISTINGS listings, MariaDB → a prepared target"
	out ""
	out "Target: primary keys, an index on updated_at, a foreign key listings → users (bench/sql/"
	out "target.sql); a fresh copy of it for every contender, a CHECKPOINT before every table. Wall"
	out "clock of the loading client per table; $LOAD_REPEAT run(s) each (median). Autovacuum is off"
	out "during the loads; *VACUUM after* is the \`VACUUM (ANALYZE)\` of the loaded database that"
	out "follows each load (the maintenance the load leaves), and the last ratio counts it in. The data-only"
	out "contenders keep the source ids; tributary allocates new ones and translates each listing's"
	out "seller through the users id map, writing id maps and bookkeeping in the same transactions."
	out "Backend memory: the largest private memory of one backend of the target database."
	out ""
	out "| contender | users rows/s | listings rows | listings s | listings rows/s | × COPY | × mysql_fdw | VACUUM after s | × mysql_fdw with VACUUM | backend peak private MiB | client peak RSS MiB | notes |"
	out "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
	out "$(render_load_table "$tsv")"
}
