# diff.sh — section 4 (issue 6): after the full load, 1% of the listings change at the
# source (price + 1; MariaDB stamps updated_at); then
#   tributary run --mode diff    on tributary's --jobs 1 target (bookkeeping included)
#   hand-written upsert          INSERT … SELECT … WHERE updated_at > <last high-water>
#                                ON CONFLICT (id) DO UPDATE, through mysql_fdw and through
#                                tributary_mysql, into mysql_fdw's target (no bookkeeping)
# REPEAT rounds, each changing the same 1% again; medians. Runs only after section 3.

DIFF_SET="user_id = EXCLUDED.user_id, title = EXCLUDED.title, description = EXCLUDED.description, price = EXCLUDED.price, state = EXCLUDED.state, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at"

diff_upsert_sql() { # FOREIGN_SCHEMA HIGH_WATER
	printf '%s' "INSERT INTO platform.listings AS t ($LOAD_COLS_listings) SELECT $LOAD_EXPRS_listings FROM $1.listings WHERE updated_at > '$2'::timestamptz ON CONFLICT (id) DO UPDATE SET $DIFF_SET"
}

section_diff() {
	out ""
	out "## 4. Diff (issue 6): 1% of the listings changed at the source"
	out ""
	local trib_db=load_tributary_run_jobs_1 fdw_db=load_mysql_fdw
	if [ -z "${LOAD_TRIBUTARY_LISTINGS_SECS:-}" ]; then
		out "Not run: it continues from the full loads of section 3, which did not run."
		return 0
	fi
	local has_diff=""
	"$TRIBUTARY_BIN" run --help 2>&1 | grep -q -- '--mode' && "$TRIBUTARY_BIN" run --help 2>&1 | grep -q 'diff' && has_diff=1
	local tsv=$W/diff.tsv changed=$((LISTINGS / 100)) round high name verify_diffs=""
	declare -A secs=() rows=() errs=()
	local names=("hand-written upsert, mysql_fdw" "hand-written upsert, tributary_mysql")
	[ -n "$has_diff" ] && names=("tributary run --mode diff" "${names[@]}")
	# local-diff (the same 1% changed again first) and verify of the whole table, after it
	"$TRIBUTARY_BIN" run --help 2>&1 | grep -q -- 'local-diff' && names+=("tributary run --mode local-diff")
	"$TRIBUTARY_BIN" run --help 2>&1 | grep -q -- 'verify' && names+=("tributary run --mode verify")
	# Pushed down? EXPLAIN VERBOSE shows what the source is sent.
	local pushed_fdw pushed_trib
	pushed_fdw=$(pg_val -d "$fdw_db" -c "EXPLAIN VERBOSE SELECT * FROM src_mysql_fdw.listings WHERE updated_at > '2024-01-01'::timestamptz" | grep -c 'WHERE.*updated_at' || true)
	pushed_trib=$(pg_val -d "$fdw_db" -c "EXPLAIN VERBOSE SELECT * FROM src_tributary.listings WHERE updated_at > '2024-01-01'::timestamptz" | grep -c 'WHERE.*updated_at' || true)

	for round in $(seq 1 "$REPEAT"); do
		# The high-water mark a hand-written diff would start from: the newest updated_at
		# at the source before this round's changes.
		high=$(mariadb_root -N bench -e "SELECT DATE_FORMAT(CONVERT_TZ(MAX(updated_at), @@session.time_zone, '+00:00'), '%Y-%m-%d %H:%i:%s.%f+00') FROM listings")
		sleep 1.1 # updated_at of the changes must be later than the high-water mark, also at second precision
		mariadb_root bench -e "UPDATE listings SET price = price + 1 WHERE id % 100 = 0"
		for name in "${names[@]}"; do
			case $name in
			"tributary run --mode diff")
				measure "$trib_db" "$TRIBUTARY_BIN" -d "$trib_db" run --mode diff --step listings
				rows[$name]=$(pg_val -d "$trib_db" -c "SELECT count(*) FROM platform.listings WHERE updated_at > '$high'::timestamptz")
				;;
			"tributary run --mode local-diff")
				sleep 1.1
				mariadb_root bench -e "UPDATE listings SET price = price + 1 WHERE id % 100 = 0"
				measure "$trib_db" "$TRIBUTARY_BIN" -d "$trib_db" --json run --mode local-diff --step listings
				rows[$name]=$(tr -d ' \n' <"$W/last.out" | grep -o '"updated":[0-9]*' | head -1 | cut -d: -f2)
				;;
			"tributary run --mode verify")
				measure "$trib_db" "$TRIBUTARY_BIN" -d "$trib_db" --json run --mode verify --step listings
				rows[$name]=$(tr -d ' \n' <"$W/last.out" | grep -o '"compared":[0-9]*' | head -1 | cut -d: -f2)
				verify_diffs=$(tr -d ' \n' <"$W/last.out" | grep -o '"remaining":[0-9]*' | head -1 | cut -d: -f2)
				;;
			"hand-written upsert, mysql_fdw")
				measure "$fdw_db" psql -X -v ON_ERROR_STOP=1 -d "$fdw_db" -c "$(diff_upsert_sql src_mysql_fdw "$high")"
				rows[$name]=$(sed -n 's/^INSERT 0 \([0-9]*\)$/\1/p' "$W/last.out")
				;;
			"hand-written upsert, tributary_mysql")
				measure "$fdw_db" psql -X -v ON_ERROR_STOP=1 -d "$fdw_db" -c "$(diff_upsert_sql src_tributary "$high")"
				rows[$name]=$(sed -n 's/^INSERT 0 \([0-9]*\)$/\1/p' "$W/last.out")
				;;
			esac
			if [ "$M_RC" -gt 1 ]; then
				errs[$name]="could not run: $(last_error)"
			else
				secs[$name]+=" $M_SECS"
			fi
		done
	done
	: >"$tsv"
	for name in "${names[@]}"; do
		local med note=""
		med=$(printf '%s\n' ${secs[$name]:-} | median)
		case $name in
		"tributary run --mode diff") note="rows changed in the target: ${rows[$name]:-?} of $changed" ;;
		"tributary run --mode local-diff") note="every row read and fingerprinted, ${rows[$name]:-?} written (the same $changed changed again); goal ≤ 50% of the full load" ;;
		"tributary run --mode verify") note="every row compared by fingerprint with its target row; differences found: ${verify_diffs:-?}; goal ≤ 100% of the full load" ;;
		*mysql_fdw) note="updated_at > constant pushed to MariaDB: $([ "${pushed_fdw:-0}" -gt 0 ] && echo yes || echo no)" ;;
		*tributary_mysql) note="updated_at > constant pushed to MariaDB: $([ "${pushed_trib:-0}" -gt 0 ] && echo yes || echo no); the same rows upserted again" ;;
		esac
		[ -n "${errs[$name]:-}" ] && note="${errs[$name]}; $note"
		record "$tsv" "$name" "${rows[$name]:-0}" "${med:-0}" "$(printf '%s' "${secs[$name]# }" | tr ' ' '/')" 0 0 0 "$note"
	done
	out "After the full loads of section 3, \`UPDATE listings SET price = price + 1 WHERE id % 100 = 0\`"
	out "at the source ($changed rows; MariaDB stamps updated_at), then each contender brings its target"
	out "up to date. $REPEAT rounds (the same rows change again each round), median. \"% of full load\""
	out "compares with tributary's full load of the listings (--jobs 1, section 3)."
	[ -z "$has_diff" ] && out "" && out "**tributary: skipped** — this loader has no diff mode (\`tributary run --help\` shows no \`--mode diff\`); the hand-written upserts below are the reference it will be measured against."
	out ""
	out "| contender | rows | s | × hand-written (mysql_fdw) | % of full load | notes |"
	out "|---|---:|---:|---:|---:|---|"
	out "$(awk -F'\t' -v full="$LOAD_TRIBUTARY_LISTINGS_SECS" '
		{ n++; name[n] = $1; rows[n] = $2; sec[n] = $3; runs[n] = $4; note[n] = $8; idx[$1] = n }
		END {
			ref = ("hand-written upsert, mysql_fdw" in idx) ? sec[idx["hand-written upsert, mysql_fdw"]] : 0
			for (i = 1; i <= n; i++)
				printf "| %s | %s | %s | %s | %s | %s |\n", name[i], rows[i], (sec[i] > 0) ? sprintf("%.2f", sec[i]) : "–",
					(ref > 0 && sec[i] > 0) ? sprintf("%.2f×", sec[i] / ref) : "–",
					(full > 0 && sec[i] > 0) ? sprintf("%.1f%%", 100 * sec[i] / full) : "–",
					(runs[i] != "" ? "runs: " runs[i] " s; " : "") note[i]
		}' "$tsv")"
	out ""
	local missing="" m
	for m in local-diff verify; do
		"$TRIBUTARY_BIN" run --help 2>&1 | grep -q -- "$m" || missing+="${missing:+, }$m"
	done
	[ -n "$missing" ] && out "Not measured (not in this loader): $missing."
	pg -d postgres -c "DROP DATABASE IF EXISTS $trib_db" -c "DROP DATABASE IF EXISTS $fdw_db"
}
