# scan_mssql.sh — section 2 (issue 4): reading a listings table of MSSQL_ROWS rows from
# SQL Server (the project's TDS test server: no SQL Server can be installed here).
#   tsql, freebcp      FreeTDS's own clients, output discarded
#   db-lib reader      the test server's db-lib bench client: rows read, nothing printed
#   tds_fdw            as shipped (row_estimate_method 'execute': the query runs twice) and
#                      with 'showplan_all'; without the date/time columns, which fail unless
#                      FreeTDS's locales.conf is changed (/etc is not ours to change), and
#                      once with them, to show the failure
#   tributary_mssql    the same six columns, and all eight
# then the backend's memory at MSSQL_ROWS and 10 × MSSQL_ROWS rows (a view that repeats
# the table ten times).

SQL_SELECT_ALL="SELECT * FROM dbo.listings"

scan_mssql_run() {
	local tds=(-S tributary_test -U "$TRIBUTARY_TDS_USER" -P "$TRIBUTARY_TDS_PASSWORD" -D "$TRIBUTARY_TDS_DATABASE")
	local six="id, user_id, title, description, price, state"
	case $1 in
	"tsql → /dev/null")
		MEASURE_STDIN=$W/select_all.sql MEASURE_STDOUT=/dev/null measure bench tsql "${tds[@]}" -o q
		M_ROWS=$MSSQL_ROWS
		if grep -q '^Msg [0-9]' "$W/last.out"; then M_RC=1; fi
		;;
	"freebcp queryout /dev/null")
		measure bench freebcp "$SQL_SELECT_ALL" queryout /dev/null "${tds[@]}" -c
		M_ROWS=$(sed -n 's/^\([0-9]*\) rows copied.*/\1/p' "$W/last.out")
		;;
	"db-lib reader")
		measure bench "$DBLIB_READER" "127.0.0.1:$TRIBUTARY_TDS_PORT" "$TRIBUTARY_TDS_USER" \
			"$TRIBUTARY_TDS_PASSWORD" bench "$SQL_SELECT_ALL"
		M_ROWS=$(sed -n 's/^bench: \([0-9]*\) rows in.*/\1/p' "$W/last.out")
		;;
	"tds_fdw as shipped, 6 columns") scan_copy bench mssql_tds_fdw.listings ;;
	"tds_fdw showplan_all, 6 columns") scan_copy bench mssql_tds_fdw.listings_showplan ;;
	"tds_fdw showplan_all, 8 columns") scan_copy bench mssql_tds_fdw.listings_dates ;;
	"tributary_mssql, 6 columns")
		measure bench psql -X -v ON_ERROR_STOP=1 -d bench \
			-c "COPY (SELECT $six FROM mssql_tributary.listings) TO '/dev/null'"
		M_ROWS=$(sed -n 's/^COPY \([0-9]*\)$/\1/p' "$W/last.out")
		;;
	"tributary_mssql, 8 columns") scan_copy bench mssql_tributary.listings ;;
	esac
}

section_scan_mssql() {
	local tsv=$W/scan_mssql.tsv
	out ""
	out "## 2. SQL Server scan (issue 4): a listings table of $MSSQL_ROWS rows in the TDS test server"
	out ""
	printf '%s\ngo\n' "$SQL_SELECT_ALL" >"$W/select_all.sql"
	DBLIB_READER=$PWD/build/test/tds_server/tds_server_client_test
	declare -gA NOTE=(
		["tsql → /dev/null"]="FreeTDS tsql, rows formatted as text and discarded"
		["freebcp queryout /dev/null"]="FreeTDS freebcp -c (character mode)"
		["db-lib reader"]="build/test/tds_server/tds_server_client_test bench: dbnextrow, nothing printed"
		["tds_fdw as shipped, 6 columns"]="row_estimate_method 'execute' (default): the query runs once to estimate, once to scan; no date columns"
		["tds_fdw showplan_all, 6 columns"]="row_estimate_method 'showplan_all'; no date columns"
		["tds_fdw showplan_all, 8 columns"]="with created_at datetime2 and updated_at datetimeoffset"
		["tributary_mssql, 6 columns"]="the columns tds_fdw can read"
		["tributary_mssql, 8 columns"]="every column (IMPORT FOREIGN SCHEMA)"
	)
	local names=("tsql → /dev/null" "freebcp queryout /dev/null")
	[ -x "$DBLIB_READER" ] && names+=("db-lib reader")
	names+=("tds_fdw as shipped, 6 columns" "tds_fdw showplan_all, 6 columns"
		"tds_fdw showplan_all, 8 columns" "tributary_mssql, 6 columns" "tributary_mssql, 8 columns")
	: >"$tsv"
	repeat_contenders "$tsv" scan_mssql_run "${names[@]}"
	# The reference: tds_fdw's best configuration.
	local best
	best=$(awk -F'\t' '$1 ~ /^tds_fdw .*6 columns$/ && $3 > 0 { print $3 "\t" $1 }' "$tsv" | sort -g | head -1 | cut -f2)
	out "\`COPY (SELECT … FROM ft) TO '/dev/null'\` through each wrapper, median of $REPEAT runs after one"
	out "warm-up run each. tds_fdw's tables leave out the two date/time columns: with them its scan"
	out "fails (the 8-column row), because FreeTDS's default date format (locales.conf, in /etc, not"
	out "changed here) is not one PostgreSQL can read. \"× tds_fdw best\" compares with ${best:-–}."
	out ""
	table_header "tds_fdw best" "freebcp"
	out "$(render_table "$tsv" "${best:-none}" "freebcp queryout /dev/null")"

	# Memory: the table, and a view of it ten times over (created here in both servers).
	local ten=$((MSSQL_ROWS * 10))
	local gen
	gen=$(printf '%s\ngo\n' "CREATE TABLE dbo.bench_ten (k int NOT NULL PRIMARY KEY)" \
		"INSERT INTO dbo.bench_ten VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)" \
		"CREATE VIEW dbo.listings_x10 AS SELECT l.id, l.user_id, l.title, l.description, l.price, l.state, l.created_at, l.updated_at FROM dbo.listings l CROSS JOIN dbo.bench_ten t" |
		tsql_bench 2>&1)
	printf '%s' "$gen" | grep -q '^Msg [0-9]' && die "could not create the 10× view: $gen"
	pg -d bench -c "CREATE FOREIGN TABLE mssql_tributary.listings_x10 (id integer, user_id integer,
		title varchar(200), description text, price numeric(10,2), state varchar(10),
		created_at timestamp(6), updated_at timestamptz(6))
		SERVER mssql_tributary OPTIONS (schema_name 'dbo', table_name 'listings_x10')" \
		-c "CREATE FOREIGN TABLE mssql_tds_fdw.listings_x10 (id integer, user_id integer,
		title varchar(200), description text, price numeric(10,2), state varchar(10))
		SERVER mssql_tds_fdw_showplan OPTIONS (schema_name 'dbo', table_name 'listings_x10')"
	local mtsv=$W/scan_mssql_mem.tsv
	: >"$mtsv"
	local pair name ft
	for pair in "tributary_mssql, $MSSQL_ROWS rows, 8 columns|mssql_tributary.listings" \
		"tributary_mssql, $ten rows, 8 columns|mssql_tributary.listings_x10" \
		"tds_fdw showplan_all, $MSSQL_ROWS rows, 6 columns|mssql_tds_fdw.listings_showplan" \
		"tds_fdw showplan_all, $ten rows, 6 columns|mssql_tds_fdw.listings_x10"; do
		name=${pair%%|*} ft=${pair#*|}
		scan_copy bench "$ft"
		if [ "$M_RC" -ne 0 ]; then
			record "$mtsv" "$name" "–" "" "" 0 0 0 "could not run: $(last_error)"
		else
			record "$mtsv" "$name" "$M_ROWS" "$M_SECS" "" "$M_ANON_KB" "$M_HWM_KB" 0 ""
		fi
	done
	out ""
	out "Backend memory by table size (one run each; the larger scan reads a view that repeats the"
	out "table ten times, \`dbo.listings_x10\`):"
	out ""
	mem_table_header
	out "$(render_mem_table "$mtsv")"
}
