# scan_mysql.sh — section 1 (issue 3): reading the whole listings table from MariaDB.
#   mariadb client   mariadb --quick -e 'SELECT * FROM listings' > /dev/null  (the raw read)
#   mysql_fdw        COPY (SELECT * FROM ft) TO '/dev/null', fetch_size 10000
#   tributary_mysql  the same COPY, default options
# then the backend's memory at two sizes (MEM_SMALL, MEM_LARGE rows: MariaDB views).

# scan_copy DB FOREIGN_TABLE — one measured COPY of the whole foreign table to /dev/null.
scan_copy() {
	measure "$1" psql -X -v ON_ERROR_STOP=1 -d "$1" -c "COPY (SELECT * FROM $2) TO '/dev/null'"
	M_ROWS=$(sed -n 's/^COPY \([0-9]*\)$/\1/p' "$W/last.out")
}

# scan_mysql_run NAME — one run of a contender of this section, by name.
scan_mysql_run() {
	case $1 in
	"mariadb client")
		MEASURE_STDOUT=/dev/null measure bench mariadb --defaults-file="$W/my.cnf" --quick bench \
			-e 'SELECT * FROM listings'
		M_ROWS=$LISTINGS # what it read is not counted by the client; the table has this many
		;;
	mysql_fdw) scan_copy bench src_mysql_fdw.listings ;;
	tributary_mysql) scan_copy bench src_tributary.listings ;;
	esac
}

# repeat_contenders TSV RUNNER NAME… — a warm-up run of each contender, then REPEAT rounds
# taking the contenders in turn (so that a disturbance of the machine is shared), then
# one TSV line per contender: the median time, every run, the peak memory of all runs.
repeat_contenders() {
	local tsv=$1 runner=$2 name i round
	shift 2
	local names=("$@")
	declare -A times=() anon=() hwm=() cli=() rows=() err=()
	for name in "${names[@]}"; do
		"$runner" "$name"
	done
	for round in $(seq 1 "$REPEAT"); do
		for name in "${names[@]}"; do
			"$runner" "$name"
			if [ "$M_RC" -ne 0 ] || [ -z "${M_ROWS:-}" ]; then
				err[$name]="could not run: $(last_error)"
				continue
			fi
			times[$name]="${times[$name]:-} $M_SECS"
			rows[$name]=$M_ROWS
			anon[$name]=$(printf '%s\n' "${anon[$name]:-0}" "$M_ANON_KB" | max_of)
			hwm[$name]=$(printf '%s\n' "${hwm[$name]:-0}" "$M_HWM_KB" | max_of)
			cli[$name]=$(printf '%s\n' "${cli[$name]:-0}" "$M_CLIENT_KB" | max_of)
		done
	done
	for name in "${names[@]}"; do
		if [ -n "${err[$name]:-}" ]; then
			record "$tsv" "$name" "${rows[$name]:-–}" "" "" 0 0 0 "${err[$name]}${NOTE[$name]:+; ${NOTE[$name]}}"
			continue
		fi
		local med
		med=$(printf '%s\n' ${times[$name]} | median)
		record "$tsv" "$name" "${rows[$name]}" "$med" "$(printf '%s' "${times[$name]# }" | tr ' ' '/')" \
			"${anon[$name]}" "${hwm[$name]}" "${cli[$name]}" "${NOTE[$name]:-}"
	done
}

table_header() {
	out "| contender | rows | s | rows/s | × $1 | × $2 | backend peak private MiB | backend peak RSS MiB | client peak RSS MiB | notes |"
	out "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
}

section_scan_mysql() {
	local tsv=$W/scan_mysql.tsv
	declare -gA NOTE=(
		["mariadb client"]="--quick: row by row, text protocol, output formatted and discarded"
		[mysql_fdw]="fetch_size 10000, character_set utf8mb4"
		[tributary_mysql]="default options (fetch_size 10000)"
	)
	: >"$tsv"
	repeat_contenders "$tsv" scan_mysql_run "mariadb client" mysql_fdw tributary_mysql
	out ""
	out "## 1. MySQL scan (issue 3): the whole listings table, $LISTINGS rows"
	out ""
	out "\`COPY (SELECT * FROM ft) TO '/dev/null'\` through each wrapper; the raw read is the mariadb"
	out "client over TCP. Median of $REPEAT runs after one warm-up run each; ratios are rows/s over the"
	out "reference's rows/s. Peak private = the backend's largest RssAnon (its own heap; shared buffers"
	out "excluded), peak RSS = its VmHWM."
	out ""
	table_header mysql_fdw "mariadb client"
	out "$(render_table "$tsv" mysql_fdw "mariadb client")"

	# Memory: the same scan over MEM_SMALL and MEM_LARGE rows. mysql_fdw keeps a whole
	# result in memory when a column is text; it runs at the large size only if what it
	# needed per row at the small size, times MEM_LARGE, fits in half the free memory.
	local mtsv=$W/scan_mysql_mem.tsv name size ft fdw small_anon=0
	: >"$mtsv"
	for fdw in tributary_mysql mysql_fdw; do
		for size in small large; do
			name="$fdw, $size"
			ft=src_mysql_fdw
			[ "$fdw" = tributary_mysql ] && ft=src_tributary
			if [ "$fdw" = mysql_fdw ] && [ "$size" = large ]; then
				local per_row avail
				per_row=$(awk -v k="${small_anon:-0}" -v n="$MEM_SMALL" 'BEGIN { printf "%.0f", k * 1024 / n }')
				avail=$(awk '/MemAvailable/ { print $2 * 1024 }' /proc/meminfo)
				if awk -v p="$per_row" -v n="$MEM_LARGE" -v a="$avail" 'BEGIN { exit !(p * n > a / 2) }'; then
					record "$mtsv" "$name" "$MEM_LARGE" "" "" 0 0 0 \
						"not run: at $per_row bytes per row it would need more than half of the free memory"
					continue
				fi
			fi
			scan_copy bench "$ft.listings_mem_$size"
			if [ "$M_RC" -ne 0 ]; then
				record "$mtsv" "$name" "–" "" "" 0 0 0 "could not run: $(last_error)"
				continue
			fi
			[ "$fdw" = mysql_fdw ] && [ "$size" = small ] && small_anon=$M_ANON_KB
			record "$mtsv" "$name" "$M_ROWS" "$M_SECS" "" "$M_ANON_KB" "$M_HWM_KB" 0 ""
		done
	done
	out ""
	out "Backend memory by table size: one run each, through MariaDB views (the first $MEM_SMALL rows;"
	out "the table read $MEM_REPEAT times over, $MEM_LARGE rows). Flat means the same peak at both sizes."
	out ""
	mem_table_header
	out "$(render_mem_table "$mtsv")"
}
