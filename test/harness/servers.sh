#!/usr/bin/env bash
# servers.sh — throwaway servers for one test run: a PostgreSQL 15 cluster, a MariaDB
# server and the project's TDS test server, each on its own port (never colliding with
# servers already running, including another checkout's test run), in a run folder
# inside the checkout (.run/, ignored by git).
#
# Source it, then: harness_start (exports the servers' coordinates, see below) and
# harness_stop (stops exactly the processes harness_start started). with_servers.sh
# wraps a command between the two and stops the servers on exit, failure or signal.
#
# Exported for the suites:
#   PGHOST PGPORT PGUSER PGDATABASE      the cluster (unix socket dir), superuser, test db
#   TRIBUTARY_PG_HOST/PORT               the same cluster over TCP (127.0.0.1)
#   TRIBUTARY_MYSQL_HOST/PORT/USER/PASSWORD/DATABASE/SOCKET   MariaDB
#   TRIBUTARY_MYSQL_SSL_CA/CERT/KEY/OTHER_CA   its TLS: the CA, a client certificate and key,
#                                        and an unrelated CA (server certificate: localhost)
#   TRIBUTARY_TDS_HOST/PORT/USER/PASSWORD/DATABASE            the TDS test server
#   FREETDSCONF                          a freetds.conf naming it "tributary_test" (for tsql)
#   TRIBUTARY_RUN_DIR                    the run folder (logs: pg/pg.log, mariadb.err, tds.log;
#                                        env.sh: all of the above, to source from a shell)

HARNESS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

harness_log() { echo "harness: $*" >&2; }

# A TCP port on 127.0.0.1 that nothing listens on now (the server start retries on a race).
harness_free_port() {
	local port
	for _ in $(seq 1 200); do
		port=$((20000 + RANDOM % 40000))
		if ! ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

harness_random_secret() {
	head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 20
}

# Stop the servers of earlier runs whose harness process is gone (killed with -9).
harness_reap_stale() {
	local dir pid
	for dir in "$HARNESS_ROOT"/.run/run-*; do
		[ -d "$dir" ] || continue
		pid=$(cat "$dir/harness.pid" 2>/dev/null || echo "")
		[ "$pid" = keep ] && continue
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			continue
		fi
		TRIBUTARY_RUN_DIR=$dir harness_stop_dir "$dir"
		rm -rf "$dir"
	done
}

harness_as_pg() {
	# PostgreSQL refuses to run as root: run its tools as the postgres system user then.
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# A private PostgreSQL installation for this run: the server finds its share and lib
# directories relative to its own executable, so a copy of postgres, initdb and pg_ctl
# under $RUN/pginst, with the system's files linked beside them, runs this checkout's
# tributary.so and extension scripts — never whatever another checkout installed last.
# (Falls back to the installed extension when this checkout has not been built.)
harness_private_pg() {
	local inst=$TRIBUTARY_RUN_DIR/pginst sys_share sys_lib bin share lib f
	sys_share=$("$PG_BIN/pg_config" --sharedir)
	sys_lib=$("$PG_BIN/pg_config" --pkglibdir)
	bin=$inst$PG_BIN share=$inst$sys_share lib=$inst$sys_lib
	mkdir -p "$bin" "$share/extension" "$lib"
	cp "$PG_BIN/postgres" "$PG_BIN/initdb" "$PG_BIN/pg_ctl" "$bin/"
	for f in "$sys_share"/*; do
		[ "$(basename "$f")" = extension ] || ln -s "$f" "$share/"
	done
	for f in "$sys_share"/extension/*; do
		case $(basename "$f") in tributary*) ;; *) ln -s "$f" "$share/extension/" ;; esac
	done
	for f in "$sys_lib"/*; do
		[ "$(basename "$f")" = tributary.so ] || ln -s "$f" "$lib/"
	done
	if [ -f "$HARNESS_ROOT/tributary.so" ]; then
		cp "$HARNESS_ROOT/tributary.so" "$lib/"
		cp "$HARNESS_ROOT/tributary.control" "$HARNESS_ROOT"/fdw/sql/tributary--*.sql "$share/extension/"
	else
		harness_log "this checkout has no tributary.so: the cluster uses the installed extension"
		[ -e "$sys_lib/tributary.so" ] && ln -s "$sys_lib/tributary.so" "$lib/"
		for f in "$sys_share"/extension/tributary*; do
			[ -e "$f" ] && ln -s "$f" "$share/extension/"
		done
	fi
	HARNESS_PG_SERVER_BIN=$bin
}

harness_start_pg() {
	local dir=$TRIBUTARY_RUN_DIR/pg port
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir" && chmod 755 "$TRIBUTARY_RUN_DIR"
	harness_private_pg || return 1
	harness_as_pg "$HARNESS_PG_SERVER_BIN/initdb" -D "$dir/data" -U postgres --auth-local=trust \
		--auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$TRIBUTARY_RUN_DIR/initdb.log" 2>&1 ||
		{ cat "$TRIBUTARY_RUN_DIR/initdb.log" >&2; return 1; }
	cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
max_connections = 60
log_min_messages = warning
log_line_prefix = '%m [%p] '
CONF
	for _ in 1 2 3 4 5; do
		port=$(harness_free_port) || return 1
		if harness_as_pg "$HARNESS_PG_SERVER_BIN/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 \
			-o "-p $port" start >/dev/null 2>&1; then
			export PGHOST=$dir PGPORT=$port PGUSER=postgres TRIBUTARY_PG_HOST=127.0.0.1
			export TRIBUTARY_PG_PORT=$port
			head -1 "$dir/data/postmaster.pid" >"$TRIBUTARY_RUN_DIR/pg.pid"
			return 0
		fi
		harness_log "PostgreSQL could not start on port $port; trying another"
	done
	cat "$dir/pg.log" >&2
	return 1
}

# A throwaway CA for MariaDB's TLS: the server's certificate names only "localhost" (no IP
# address), so a client verifying the host name succeeds for localhost and fails for
# 127.0.0.1; a client certificate signed by the same CA; an unrelated CA to be refused.
# EC keys: generated in milliseconds. Test-only secrets, readable by the cluster's user.
harness_make_tls() {
	local dir=$1 name
	mkdir -p "$dir"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3 \
		-subj "/CN=tributary test CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" >/dev/null 2>&1 &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3 \
			-subj "/CN=tributary other CA" -keyout "$dir/other-ca.key" -out "$dir/other-ca.pem" \
			>/dev/null 2>&1 || return 1
	for name in server client; do
		if [ $name = server ]; then
			printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$dir/$name.ext"
		else
			printf 'extendedKeyUsage=clientAuth\n' >"$dir/$name.ext"
		fi
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-subj "/CN=$([ $name = server ] && echo localhost || echo tributary-client)" \
			-keyout "$dir/$name.key" -out "$dir/$name.csr" >/dev/null 2>&1 &&
			openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
				-CAcreateserial -days 3 -extfile "$dir/$name.ext" -out "$dir/$name.pem" \
				>/dev/null 2>&1 || return 1
	done
	chmod 755 "$dir" && chmod 644 "$dir"/*
}

harness_start_mariadb() {
	local dir=$TRIBUTARY_RUN_DIR/mariadb port pid userflag=()
	mkdir -p "$dir"
	harness_make_tls "$TRIBUTARY_RUN_DIR/tls" || { harness_log "could not create the TLS certificates"; return 1; }
	[ "$(id -u)" -eq 0 ] && userflag=(--user=root)
	mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
		--skip-test-db "${userflag[@]}" >"$TRIBUTARY_RUN_DIR/mariadb-install.log" 2>&1 ||
		{ cat "$TRIBUTARY_RUN_DIR/mariadb-install.log" >&2; return 1; }
	for _ in 1 2 3 4 5; do
		port=$(harness_free_port) || return 1
		mariadbd --no-defaults --datadir="$dir/data" --socket="$dir/mysqld.sock" --port="$port" \
			--bind-address=127.0.0.1 --pid-file="$dir/mysqld.pid" --log-error="$TRIBUTARY_RUN_DIR/mariadb.err" \
			--skip-name-resolve --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=0 \
			--max-allowed-packet=64M --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
			--ssl-ca="$TRIBUTARY_RUN_DIR/tls/ca.pem" --ssl-cert="$TRIBUTARY_RUN_DIR/tls/server.pem" \
			--ssl-key="$TRIBUTARY_RUN_DIR/tls/server.key" \
			"${userflag[@]}" >/dev/null 2>&1 &
		pid=$!
		echo "$pid" >"$TRIBUTARY_RUN_DIR/mariadb.pid"
		for _ in $(seq 1 120); do
			if mariadb-admin --no-defaults --socket="$dir/mysqld.sock" -uroot ping >/dev/null 2>&1; then
				export TRIBUTARY_MYSQL_HOST=127.0.0.1 TRIBUTARY_MYSQL_PORT=$port
				export TRIBUTARY_MYSQL_SOCKET=$dir/mysqld.sock
				export TRIBUTARY_MYSQL_USER=tributary TRIBUTARY_MYSQL_DATABASE=tributary_test
				export TRIBUTARY_MYSQL_SSL_CA=$TRIBUTARY_RUN_DIR/tls/ca.pem
				export TRIBUTARY_MYSQL_SSL_CERT=$TRIBUTARY_RUN_DIR/tls/client.pem
				export TRIBUTARY_MYSQL_SSL_KEY=$TRIBUTARY_RUN_DIR/tls/client.key
				export TRIBUTARY_MYSQL_SSL_OTHER_CA=$TRIBUTARY_RUN_DIR/tls/other-ca.pem
				export TRIBUTARY_MYSQL_PASSWORD
				TRIBUTARY_MYSQL_PASSWORD=$(harness_random_secret)
				mariadb --no-defaults --socket="$dir/mysqld.sock" -uroot <<SQL
CREATE DATABASE tributary_test CHARACTER SET utf8mb4;
CREATE USER 'tributary'@'127.0.0.1' IDENTIFIED BY '$TRIBUTARY_MYSQL_PASSWORD';
CREATE USER 'tributary'@'localhost' IDENTIFIED BY '$TRIBUTARY_MYSQL_PASSWORD';
GRANT ALL ON *.* TO 'tributary'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL ON *.* TO 'tributary'@'localhost' WITH GRANT OPTION;
SQL
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.25
		done
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		harness_log "MariaDB could not start on port $port; trying another"
	done
	cat "$TRIBUTARY_RUN_DIR/mariadb.err" >&2
	return 1
}

harness_start_tds() {
	local bin=${TDS_SERVER_BIN:-$HARNESS_ROOT/build/test/tds_server/tds_test_server}
	[ -x "$bin" ] || return 0 # built with the tree once the SQL Server driver lands
	local dir=$TRIBUTARY_RUN_DIR/tds pid
	mkdir -p "$dir"
	export TRIBUTARY_TDS_USER=tributary TRIBUTARY_TDS_DATABASE=tributary
	export TRIBUTARY_TDS_PASSWORD TRIBUTARY_TDS_HOST=127.0.0.1
	TRIBUTARY_TDS_PASSWORD=$(harness_random_secret)
	"$bin" --host 127.0.0.1 --port 0 --port-file "$dir/port" --db "$dir/tds.sqlite" \
		--user "$TRIBUTARY_TDS_USER" --password "$TRIBUTARY_TDS_PASSWORD" \
		--database "$TRIBUTARY_TDS_DATABASE" --log "$TRIBUTARY_RUN_DIR/tds.log" >/dev/null 2>&1 &
	pid=$!
	echo "$pid" >"$TRIBUTARY_RUN_DIR/tds.pid"
	for _ in $(seq 1 100); do
		if [ -s "$dir/port" ]; then
			export TRIBUTARY_TDS_PORT FREETDSCONF=$dir/freetds.conf
			TRIBUTARY_TDS_PORT=$(cat "$dir/port")
			# FreeTDS's own client (tsql -S tributary_test) reaches the server by this name.
			printf '[tributary_test]\n\thost = 127.0.0.1\n\tport = %s\n\ttds version = 7.4\n\tclient charset = UTF-8\n' \
				"$TRIBUTARY_TDS_PORT" >"$FREETDSCONF"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	harness_log "the TDS test server did not start"
	return 1
}

# Stop the servers recorded in a run folder, by the pids this harness wrote there.
harness_stop_dir() {
	local dir=$1 pid
	if [ -f "$dir/pg/data/postmaster.pid" ]; then
		harness_as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
			{ pid=$(cat "$dir/pg.pid" 2>/dev/null) && [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; }
	fi
	for name in mariadb tds; do
		pid=$(cat "$dir/$name.pid" 2>/dev/null || echo "")
		[ -n "$pid" ] || continue
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null
			for _ in $(seq 1 100); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
		fi
		rm -f "$dir/$name.pid"
	done
}

harness_start() {
	mkdir -p "$HARNESS_ROOT/.run"
	harness_reap_stale
	TRIBUTARY_RUN_DIR=$(mktemp -d "$HARNESS_ROOT/.run/run-XXXXXX")
	export TRIBUTARY_RUN_DIR
	echo "${HARNESS_OWNER_PID:-$$}" >"$TRIBUTARY_RUN_DIR/harness.pid"
	harness_start_pg || return 1
	harness_start_mariadb || return 1
	harness_start_tds || return 1
	export PGDATABASE=tributary_test
	harness_as_pg "$PG_BIN/psql" -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -qAt \
		-c "CREATE DATABASE tributary_test" >/dev/null || return 1
	# For a shell attached to kept servers: . $TRIBUTARY_RUN_DIR/env.sh (test-only secrets).
	env | grep -E '^(PG(HOST|PORT|USER|DATABASE)|TRIBUTARY_[A-Z_]+|FREETDSCONF)=' | sed 's/^/export /' \
		>"$TRIBUTARY_RUN_DIR/env.sh"
	harness_log "PostgreSQL on port $PGPORT, MariaDB on port $TRIBUTARY_MYSQL_PORT${TRIBUTARY_TDS_PORT:+, TDS test server on port $TRIBUTARY_TDS_PORT} (run folder ${TRIBUTARY_RUN_DIR#"$HARNESS_ROOT"/})"
}

harness_stop() {
	[ -n "${TRIBUTARY_RUN_DIR:-}" ] && [ -d "$TRIBUTARY_RUN_DIR" ] || return 0
	harness_stop_dir "$TRIBUTARY_RUN_DIR"
}
