# lib.bash — helpers for TAP-producing integration scenarios (sourced, not run by prove).
# Each scenario: source this, call plan N, then ok/is/like, and finish.
set -u
T_COUNT=0
T_FAILED=0
plan() { echo "1..$1"; }
ok() { # ok CONDITION_STATUS DESCRIPTION
	T_COUNT=$((T_COUNT + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_COUNT - $2"
	else
		echo "not ok $T_COUNT - $2"
		T_FAILED=$((T_FAILED + 1))
	fi
}
is() { # is GOT EXPECTED DESCRIPTION
	T_COUNT=$((T_COUNT + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $T_COUNT - $3"
	else
		echo "not ok $T_COUNT - $3"
		printf '#   got:      %s\n#   expected: %s\n' "$1" "$2"
		T_FAILED=$((T_FAILED + 1))
	fi
}
like() { # like GOT REGEX DESCRIPTION
	T_COUNT=$((T_COUNT + 1))
	if printf '%s' "$1" | grep -qE -- "$2"; then
		echo "ok $T_COUNT - $3"
	else
		echo "not ok $T_COUNT - $3"
		printf '#   got:      %s\n#   expected to match: %s\n' "$1" "$2"
		T_FAILED=$((T_FAILED + 1))
	fi
}
unlike() { # unlike GOT REGEX DESCRIPTION
	T_COUNT=$((T_COUNT + 1))
	if printf '%s' "$1" | grep -qE -- "$2"; then
		echo "not ok $T_COUNT - $3"
		printf '#   got:      %s\n#   must not match: %s\n' "$1" "$2"
		T_FAILED=$((T_FAILED + 1))
	else
		echo "ok $T_COUNT - $3"
	fi
}
finish() { [ "$T_FAILED" -eq 0 ]; }
psql_admin() { PGOPTIONS="-c client_min_messages=warning" psql -qAtX -v ON_ERROR_STOP=1 "$@"; }
# fresh_db NAME: a new database NAME_<pid> with the extension, as PGDATABASE (and $db).
fresh_db() {
	db=$1_$$
	psql_admin -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
	export PGDATABASE=$db
	psql_admin -c "CREATE EXTENSION tributary"
}
