/*
 * client_test.c — db-lib (FreeTDS sybdb) tests of the TDS test server:
 *   types     every result type incl. NULL and non-ASCII, decoded by db-lib
 *   rpc       sp_executesql with typed parameters and an OUTPUT parameter; sp_prepare /
 *             sp_execute / sp_unprepare called by name
 *   cancel    dbcancel() while a large result streams (ATTENTION), and during WAITFOR
 *   lob       >= 16 MB nvarchar(max) and varbinary(max) values arrive whole; TEXTSIZE
 *   kill      KILL from a second connection drops the first one mid-stream
 *   snapshot_on / snapshot_off   SNAPSHOT isolation with --snapshot-isolation on / off
 *   bench     read every row of a query and print rows/s (not a test)
 * Usage: tds_server_client_test HOST:PORT USER PASSWORD TEST... (or "all")
 * Exit status 0 when every check passed.
 *
 * Zone: test client (C, db-lib). Prints one line per failed check.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sybdb.h>
#include <sybfront.h>
#include <time.h>

static const char *g_server;
static const char *g_user;
static const char *g_password;
static int g_failures;
static int g_checks;
static int g_last_msgno;
static char g_last_msg[1024];

#define CHECK(cond, ...)                                                                           \
	do {                                                                                           \
		g_checks++;                                                                                \
		if (!(cond)) {                                                                             \
			g_failures++;                                                                          \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
			fprintf(stderr, __VA_ARGS__);                                                          \
			fputc('\n', stderr);                                                                   \
		}                                                                                          \
	} while (0)

static int
err_handler(DBPROCESS *dbproc, int severity, int dberr, int oserr, char *dberrstr, char *oserrstr)
{
	(void)dbproc;
	(void)severity;
	(void)oserr;
	(void)oserrstr;
	if (getenv("CLIENT_TEST_VERBOSE")) {
		fprintf(stderr, "db-lib error %d: %s\n", dberr, dberrstr ? dberrstr : "");
	}
	return INT_CANCEL;
}

static int
msg_handler(DBPROCESS *dbproc, DBINT msgno, int msgstate, int severity, char *msgtext,
            char *srvname, char *procname, int line)
{
	(void)dbproc;
	(void)msgstate;
	(void)srvname;
	(void)procname;
	(void)line;
	if (severity > 10) {
		g_last_msgno = msgno;
		snprintf(g_last_msg, sizeof g_last_msg, "%s", msgtext ? msgtext : "");
		if (getenv("CLIENT_TEST_VERBOSE")) {
			fprintf(stderr, "server message %d: %s\n", (int)msgno, msgtext);
		}
	}
	return 0;
}

static DBPROCESS *
connect_db(void)
{
	LOGINREC *login = dblogin();
	DBSETLUSER(login, g_user);
	DBSETLPWD(login, g_password);
	DBSETLAPP(login, "client_test");
	DBSETLCHARSET(login, "UTF-8");
	dbsetlversion(login, DBVERSION_74);
	DBPROCESS *db = dbopen(login, g_server);
	dbloginfree(login);
	if (!db) {
		fprintf(stderr, "FAIL: cannot connect to %s\n", g_server);
		exit(1);
	}
	return db;
}

/* Run a batch and discard its results; returns SUCCEED if every statement succeeded. */
static RETCODE
run(DBPROCESS *db, const char *sql)
{
	RETCODE ok = SUCCEED;
	g_last_msgno = 0;
	if (dbcmd(db, sql) != SUCCEED || dbsqlexec(db) != SUCCEED) {
		ok = FAIL;
	}
	RETCODE rc;
	while ((rc = dbresults(db)) != NO_MORE_RESULTS) {
		if (rc == FAIL) {
			ok = FAIL;
			break;
		}
		while (dbnextrow(db) != NO_MORE_ROWS) {
		}
	}
	return ok;
}

/* First column of the first row as text (via dbconvert); "" for NULL. */
static const char *
scalar(DBPROCESS *db, const char *sql)
{
	static char buf[8192];
	buf[0] = '\0';
	if (dbcmd(db, sql) != SUCCEED || dbsqlexec(db) != SUCCEED) {
		strcpy(buf, "<error>");
		return buf;
	}
	int got = 0;
	while (dbresults(db) == SUCCEED) {
		while (dbnextrow(db) == REG_ROW) {
			if (!got && dbnumcols(db) > 0 && dbdata(db, 1)) {
				const DBINT n = dbconvert(db, dbcoltype(db, 1), dbdata(db, 1), dbdatlen(db, 1),
				                          SYBCHAR, (BYTE *)buf, sizeof buf - 1);
				buf[n < 0 ? 0 : n] = '\0';
			}
			got = 1;
		}
	}
	return buf;
}

static void
col_text(DBPROCESS *db, int col, char *buf, int size)
{
	if (!dbdata(db, col)) {
		strcpy(buf, "NULL");
		return;
	}
	const DBINT n = dbconvert(db, dbcoltype(db, col), dbdata(db, col), dbdatlen(db, col), SYBCHAR,
	                          (BYTE *)buf, size - 1);
	buf[n < 0 ? 0 : n] = '\0';
}

static double
now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- types ------------------------------------------------------------------------ */

static void
test_types(void)
{
	DBPROCESS *db = connect_db();
	char buf[256];
	dbsetopt(db, DBTEXTSIZE, "2147483647", 0);
	run(db, "DROP TABLE IF EXISTS dbo.ct_types");
	CHECK(run(db,
	          "CREATE TABLE dbo.ct_types (id int NOT NULL PRIMARY KEY, i int, bi bigint, si "
	          "smallint, "
	          "ti tinyint, b bit, f float, r real, dec decimal(38,10), num numeric(5,2), m money, "
	          "sm smallmoney, d date, t time(7), dt datetime, sdt smalldatetime, dt2 datetime2(7), "
	          "dto datetimeoffset(7), g uniqueidentifier, nv nvarchar(50), vc varchar(50), nc "
	          "nchar(4), "
	          "ch char(4), nvm nvarchar(max), vb varbinary(10), bn binary(4), vbm varbinary(max), "
	          "x xml, tx text, ntx ntext, img image, rv rowversion, sv sql_variant)") == SUCCEED,
	      "create ct_types: %s", g_last_msg);
	CHECK(
	    run(db,
	        "INSERT INTO dbo.ct_types (id, i, bi, si, ti, b, f, r, dec, num, m, sm, d, t, dt, sdt, "
	        "dt2, dto, g, nv, vc, nc, ch, nvm, vb, bn, vbm, x, tx, ntx, img, sv) VALUES (1, "
	        "-2147483648, 9223372036854775807, -32768, 255, 1, 3.141592653589793, 2.5, "
	        "-1234567890123456789012345678.0123456789, -123.45, 922337203685477.5807, "
	        "-214748.3648, "
	        "'0001-01-01', '23:59:59.9999999', '2024-02-29 23:59:59.997', '2079-06-06 23:59', "
	        "'9999-12-31 23:59:59.9999999', '2024-05-06 07:08:09.1234567 -05:30', "
	        "'a1b2c3d4-e5f6-4718-9a0b-1c2d3e4f5a6b', N'Łódź 😀', 'Zoë', N'ab', 'xy', "
	        "REPLICATE(N'ä', 5000), 0x0001FF, 0x0102, 0xDEADBEEF, N'<a>ł</a>', 'text value', "
	        "N'ntext Ł', 0xCAFE, N'variant')") == SUCCEED,
	    "insert row 1: %s", g_last_msg);
	CHECK(run(db, "INSERT INTO dbo.ct_types (id) VALUES (2)") == SUCCEED, "insert row 2: %s",
	      g_last_msg);
	CHECK(dbcmd(db, "SELECT * FROM dbo.ct_types ORDER BY id") == SUCCEED &&
	          dbsqlexec(db) == SUCCEED,
	      "select ct_types: %s", g_last_msg);
	CHECK(dbresults(db) == SUCCEED, "dbresults");
	CHECK(dbnumcols(db) == 33, "33 columns, got %d", dbnumcols(db));
	CHECK(dbcoltype(db, 2) == SYBINT4 && dbcoltype(db, 3) == SYBINT8 &&
	          dbcoltype(db, 9) == SYBDECIMAL && dbcoltype(db, 18) == SYBMSDATETIMEOFFSET &&
	          dbcoltype(db, 19) == 36 /* SYBUNIQUE */,
	      "column types %d %d %d %d %d", dbcoltype(db, 2), dbcoltype(db, 3), dbcoltype(db, 9),
	      dbcoltype(db, 18), dbcoltype(db, 19));
	CHECK(strcmp(dbcolname(db, 20), "nv") == 0, "column name nv, got %s", dbcolname(db, 20));
	if (dbnextrow(db) != REG_ROW) {
		CHECK(0, "row 1 missing");
		dbclose(db);
		return;
	}
	CHECK(*(DBINT *)dbdata(db, 2) == (DBINT)-2147483647 - 1, "int min");
	CHECK(*(DBBIGINT *)dbdata(db, 3) == 9223372036854775807LL, "bigint max");
	CHECK(*(DBSMALLINT *)dbdata(db, 4) == -32768, "smallint min");
	CHECK(*(DBTINYINT *)dbdata(db, 5) == 255, "tinyint max");
	CHECK(*(DBBIT *)dbdata(db, 6) == 1, "bit");
	CHECK(*(DBFLT8 *)dbdata(db, 7) == 3.141592653589793, "float");
	CHECK(*(DBREAL *)dbdata(db, 8) == 2.5f, "real");
	col_text(db, 9, buf, sizeof buf);
	CHECK(strcmp(buf, "-1234567890123456789012345678.0123456789") == 0, "decimal(38,10): %s", buf);
	col_text(db, 10, buf, sizeof buf);
	CHECK(strcmp(buf, "-123.45") == 0, "numeric(5,2): %s", buf);
	const DBMONEY *m = (const DBMONEY *)dbdata(db, 11);
	CHECK(m->mnyhigh == 0x7FFFFFFF && m->mnylow == 0xFFFFFFFFu, "money max %d %u", m->mnyhigh,
	      m->mnylow);
	CHECK(((const DBMONEY4 *)dbdata(db, 12))->mny4 == (DBINT)-2147483647 - 1, "smallmoney min");
	DBDATEREC2 dr;
	memset(&dr, 0, sizeof dr);
	CHECK(dbanydatecrack(db, &dr, dbcoltype(db, 13), dbdata(db, 13)) == SUCCEED &&
	          dr.dateyear == 1 && dr.datemonth == 0 && dr.datedmonth == 1,
	      "date 0001-01-01: %d-%d-%d", dr.dateyear, dr.datemonth, dr.datedmonth);
	dbanydatecrack(db, &dr, dbcoltype(db, 14), dbdata(db, 14));
	CHECK(dr.datehour == 23 && dr.dateminute == 59 && dr.datesecond == 59 &&
	          dr.datensecond == 999999900,
	      "time(7): %d:%d:%d.%d", dr.datehour, dr.dateminute, dr.datesecond, dr.datensecond);
	dbanydatecrack(db, &dr, dbcoltype(db, 15), dbdata(db, 15));
	CHECK(dr.dateyear == 2024 && dr.datemonth == 1 && dr.datedmonth == 29 && dr.datehour == 23 &&
	          dr.datensecond / 1000000 == 997,
	      "datetime: %d-%d-%d %d ns=%d", dr.dateyear, dr.datemonth, dr.datedmonth, dr.datehour,
	      dr.datensecond);
	dbanydatecrack(db, &dr, dbcoltype(db, 16), dbdata(db, 16));
	CHECK(dr.dateyear == 2079 && dr.datemonth == 5 && dr.datedmonth == 6 && dr.datehour == 23 &&
	          dr.dateminute == 59,
	      "smalldatetime: %d-%d-%d %d:%d", dr.dateyear, dr.datemonth, dr.datedmonth, dr.datehour,
	      dr.dateminute);
	dbanydatecrack(db, &dr, dbcoltype(db, 17), dbdata(db, 17));
	CHECK(dr.dateyear == 9999 && dr.datemonth == 11 && dr.datedmonth == 31 &&
	          dr.datensecond == 999999900,
	      "datetime2(7): %d-%d-%d ns=%d", dr.dateyear, dr.datemonth, dr.datedmonth, dr.datensecond);
	const DBDATETIMEALL *dto = (const DBDATETIMEALL *)dbdata(db, 18);
	CHECK(dto->has_offset && dto->offset == -330, "datetimeoffset offset %d", dto->offset);
	/* the wire carries UTC: 07:08:09.1234567 -05:30 is 12:38:09.1234567 UTC */
	CHECK(dto->time == ((12ULL * 60 + 38) * 60 + 9) * 10000000ULL + 1234567ULL,
	      "datetimeoffset time %llu", (unsigned long long)dto->time);
	col_text(db, 19, buf, sizeof buf);
	CHECK(strcasecmp(buf, "A1B2C3D4-E5F6-4718-9A0B-1C2D3E4F5A6B") == 0, "uniqueidentifier: %s",
	      buf);
	CHECK(dbdatlen(db, 20) == (DBINT)strlen("Łódź 😀") &&
	          memcmp(dbdata(db, 20), "Łódź 😀", strlen("Łódź 😀")) == 0,
	      "nvarchar non-ASCII (len %d)", dbdatlen(db, 20));
	CHECK(dbdatlen(db, 21) == (DBINT)strlen("Zoë") &&
	          memcmp(dbdata(db, 21), "Zoë", strlen("Zoë")) == 0,
	      "varchar non-ASCII (len %d)", dbdatlen(db, 21));
	CHECK(dbdatlen(db, 22) == 4 && memcmp(dbdata(db, 22), "ab  ", 4) == 0, "nchar(4) padded");
	CHECK(dbdatlen(db, 23) == 4 && memcmp(dbdata(db, 23), "xy  ", 4) == 0, "char(4) padded");
	CHECK(dbdatlen(db, 24) == 10000, "nvarchar(max) 5000 x 'ä' is 10000 UTF-8 bytes, got %d",
	      dbdatlen(db, 24));
	CHECK(dbdatlen(db, 25) == 3 && memcmp(dbdata(db, 25), "\x00\x01\xFF", 3) == 0, "varbinary");
	CHECK(dbdatlen(db, 26) == 4 && memcmp(dbdata(db, 26), "\x01\x02\x00\x00", 4) == 0,
	      "binary(4) padded");
	CHECK(dbdatlen(db, 27) == 4 && memcmp(dbdata(db, 27), "\xDE\xAD\xBE\xEF", 4) == 0,
	      "varbinary(max)");
	CHECK(dbdatlen(db, 28) == (DBINT)strlen("<a>ł</a>"), "xml length %d", dbdatlen(db, 28));
	CHECK(dbdatlen(db, 29) == 10 && memcmp(dbdata(db, 29), "text value", 10) == 0, "text");
	CHECK(dbdatlen(db, 30) == (DBINT)strlen("ntext Ł"), "ntext");
	CHECK(dbdatlen(db, 31) == 2 && memcmp(dbdata(db, 31), "\xCA\xFE", 2) == 0, "image");
	CHECK(dbdatlen(db, 32) == 8, "rowversion is 8 bytes, got %d", dbdatlen(db, 32));
	CHECK(dbdatlen(db, 33) == 7 && memcmp(dbdata(db, 33), "variant", 7) == 0,
	      "sql_variant as nvarchar");
	if (dbnextrow(db) != REG_ROW) {
		CHECK(0, "row 2 missing");
		dbclose(db);
		return;
	}
	int nulls = 0;
	for (int c = 2; c <= 33; c++) {
		if (c != 32 && dbdata(db, c) == NULL && dbdatlen(db, c) == 0) {
			nulls++;
		}
	}
	CHECK(nulls == 31, "row 2 has 31 NULL columns, got %d", nulls);
	CHECK(dbdata(db, 32) != NULL, "rowversion is set by the server");
	CHECK(dbnextrow(db) == NO_MORE_ROWS, "two rows");
	CHECK(DBCOUNT(db) == 2, "DONE row count 2, got %d", (int)DBCOUNT(db));
	while (dbresults(db) != NO_MORE_RESULTS) {
	}
	/* SQL Server's text comparison: case-insensitive, trailing spaces ignored */
	CHECK(strcmp(scalar(db, "SELECT count(*) FROM dbo.ct_types WHERE nv = N'ŁÓDŹ 😀   '"), "1") == 0,
	      "case-insensitive, trailing-space-insensitive equality");
	/* decimal(38) compares numerically */
	CHECK(strcmp(scalar(db, "SELECT count(*) FROM dbo.ct_types WHERE dec < -1000 AND num < 0"),
	             "1") == 0,
	      "decimal comparison");
	dbclose(db);
}

/* ---- rpc --------------------------------------------------------------------------- */

static RETCODE
rpc_text(DBPROCESS *db, const char *name, const char *value)
{
	return dbrpcparam(db, name, 0, SYBVARCHAR, -1, (DBINT)strlen(value), (BYTE *)value);
}

static void
test_rpc(void)
{
	DBPROCESS *db = connect_db();
	char buf[256];
	run(db, "DROP TABLE IF EXISTS dbo.ct_rpc");
	CHECK(run(db, "CREATE TABLE dbo.ct_rpc (id int NOT NULL PRIMARY KEY, name nvarchar(50), amount "
	              "decimal(18,4), created datetime2(3))") == SUCCEED,
	      "create ct_rpc: %s", g_last_msg);
	CHECK(
	    run(db,
	        "INSERT INTO dbo.ct_rpc VALUES (1, N'Alice', 10.5, '2024-01-01'), (2, N'O''Brien', 20, "
	        "'2024-02-01'), (3, N'Łukasz', 30.25, '2024-03-01'), (4, N'bob', 1, '2024-04-01')") ==
	        SUCCEED,
	    "insert ct_rpc: %s", g_last_msg);

	/* sp_executesql with int, nvarchar, decimal, datetime and an OUTPUT parameter */
	const char *stmt =
	    "SELECT id, name, amount FROM dbo.ct_rpc WHERE name = @name OR (id > @min_id AND "
	    "amount >= @amt) ORDER BY id; SELECT @total = count(*) FROM dbo.ct_rpc WHERE created >= "
	    "@since";
	DBINT min_id = 2;
	DBDECIMAL amt;
	memset(&amt, 0, sizeof amt);
	amt.precision = 18;
	amt.scale = 4;
	dbconvert(db, SYBCHAR, (BYTE *)"25", -1, SYBDECIMAL, (BYTE *)&amt, sizeof amt);
	DBDATETIME since;
	dbconvert(db, SYBCHAR, (BYTE *)"2024-02-01 00:00:00", -1, SYBDATETIME, (BYTE *)&since,
	          sizeof since);
	DBINT total = 0;
	CHECK(dbrpcinit(db, "sp_executesql", 0) == SUCCEED, "dbrpcinit");
	rpc_text(db, "@stmt", stmt);
	rpc_text(
	    db, "@params",
	    "@name nvarchar(50), @min_id int, @amt decimal(18,4), @since datetime, @total int OUTPUT");
	rpc_text(db, "@name", "o'brien  ");
	dbrpcparam(db, "@min_id", 0, SYBINT4, -1, -1, (BYTE *)&min_id);
	dbrpcparam(db, "@amt", 0, SYBDECIMAL, -1, sizeof amt, (BYTE *)&amt);
	dbrpcparam(db, "@since", 0, SYBDATETIME, -1, sizeof since, (BYTE *)&since);
	dbrpcparam(db, "@total", DBRPCRETURN, SYBINT4, -1, 0, (BYTE *)&total);
	CHECK(dbrpcsend(db) == SUCCEED && dbsqlok(db) == SUCCEED, "sp_executesql: %s", g_last_msg);
	int ids[8];
	int n = 0;
	RETCODE rc;
	while ((rc = dbresults(db)) != NO_MORE_RESULTS && rc != FAIL) {
		while (dbnextrow(db) == REG_ROW) {
			if (n < 8) {
				ids[n++] = *(DBINT *)dbdata(db, 1);
			}
		}
	}
	CHECK(n == 2 && ids[0] == 2 && ids[1] == 3, "sp_executesql rows: n=%d", n);
	CHECK(dbhasretstat(db) && dbretstatus(db) == 0, "RETURNSTATUS 0");
	CHECK(dbnumrets(db) == 1, "one RETURNVALUE, got %d", dbnumrets(db));
	if (dbnumrets(db) == 1) {
		CHECK(*(DBINT *)dbretdata(db, 1) == 3, "@total OUTPUT = 3, got %d",
		      *(DBINT *)dbretdata(db, 1));
		CHECK(strcmp(dbretname(db, 1), "@total") == 0, "output name %s", dbretname(db, 1));
	}

	/* parameters in INSERT: non-ASCII text, NULL decimal, text converted to datetime2 */
	CHECK(dbrpcinit(db, "sp_executesql", 0) == SUCCEED, "dbrpcinit");
	rpc_text(db, "@stmt",
	         "INSERT INTO dbo.ct_rpc (id, name, amount, created) VALUES (@id, @name, @amount, "
	         "@created)");
	rpc_text(db, "@params",
	         "@id int, @name nvarchar(50), @amount decimal(18,4), @created datetime2(3)");
	DBINT id5 = 5;
	dbrpcparam(db, "@id", 0, SYBINT4, -1, -1, (BYTE *)&id5);
	rpc_text(db, "@name", "Żółć 😀");
	dbrpcparam(db, "@amount", 0, SYBDECIMAL, -1, 0, NULL);
	rpc_text(db, "@created", "2024-05-06 07:08:09.123");
	CHECK(dbrpcsend(db) == SUCCEED && dbsqlok(db) == SUCCEED, "insert via sp_executesql: %s",
	      g_last_msg);
	while (dbresults(db) != NO_MORE_RESULTS) {
	}
	CHECK(strcmp(scalar(db, "SELECT name FROM dbo.ct_rpc WHERE id = 5"), "Żółć 😀") == 0,
	      "inserted name");
	CHECK(
	    strcmp(
	        scalar(db,
	               "SELECT count(*) FROM dbo.ct_rpc WHERE id = 5 AND amount IS NULL AND created = "
	               "'2024-05-06T07:08:09.123'"),
	        "1") == 0,
	    "inserted NULL decimal and datetime2");

	/* sp_prepare / sp_execute / sp_unprepare by name */
	DBINT handle = 0;
	DBINT options = 1;
	CHECK(dbrpcinit(db, "sp_prepare", 0) == SUCCEED, "dbrpcinit sp_prepare");
	dbrpcparam(db, "@handle", DBRPCRETURN, SYBINT4, -1, 0, (BYTE *)&handle);
	rpc_text(db, "@params", "@P1 int");
	rpc_text(db, "@stmt", "SELECT name FROM dbo.ct_rpc WHERE id = @P1");
	dbrpcparam(db, "@options", 0, SYBINT4, -1, -1, (BYTE *)&options);
	CHECK(dbrpcsend(db) == SUCCEED && dbsqlok(db) == SUCCEED, "sp_prepare: %s", g_last_msg);
	while (dbresults(db) != NO_MORE_RESULTS) {
	}
	CHECK(dbnumrets(db) == 1, "sp_prepare returns the handle");
	if (dbnumrets(db) >= 1) {
		handle = *(DBINT *)dbretdata(db, 1);
	}
	CHECK(handle > 0, "handle %d", handle);
	const char *expect[] = {"Alice", "O'Brien", "Łukasz"};
	for (DBINT id = 1; id <= 3; id++) {
		dbrpcinit(db, "sp_execute", 0);
		dbrpcparam(db, "@handle", 0, SYBINT4, -1, -1, (BYTE *)&handle);
		dbrpcparam(db, NULL, 0, SYBINT4, -1, -1, (BYTE *)&id);
		CHECK(dbrpcsend(db) == SUCCEED && dbsqlok(db) == SUCCEED, "sp_execute %d: %s", id,
		      g_last_msg);
		buf[0] = '\0';
		while (dbresults(db) == SUCCEED) {
			while (dbnextrow(db) == REG_ROW) {
				col_text(db, 1, buf, sizeof buf);
			}
		}
		CHECK(strcmp(buf, expect[id - 1]) == 0, "sp_execute(%d) = %s", id, buf);
	}
	dbrpcinit(db, "sp_unprepare", 0);
	dbrpcparam(db, "@handle", 0, SYBINT4, -1, -1, (BYTE *)&handle);
	CHECK(dbrpcsend(db) == SUCCEED && dbsqlok(db) == SUCCEED, "sp_unprepare");
	while (dbresults(db) != NO_MORE_RESULTS) {
	}
	dbrpcinit(db, "sp_execute", 0);
	dbrpcparam(db, "@handle", 0, SYBINT4, -1, -1, (BYTE *)&handle);
	g_last_msgno = 0;
	rc = dbrpcsend(db) == SUCCEED ? dbsqlok(db) : FAIL;
	while (dbresults(db) != NO_MORE_RESULTS) {
	}
	CHECK(g_last_msgno == 8179, "sp_execute after sp_unprepare: error 8179, got %d", g_last_msgno);

	/* a failing statement inside sp_executesql leaves the connection usable */
	dbrpcinit(db, "sp_executesql", 0);
	rpc_text(db, "@stmt", "SELECT * FROM dbo.no_such_table");
	g_last_msgno = 0;
	rc = dbrpcsend(db) == SUCCEED ? dbsqlok(db) : FAIL;
	while (rc == SUCCEED && dbresults(db) != NO_MORE_RESULTS) {
	}
	CHECK(g_last_msgno == 208, "missing table in RPC: error 208, got %d", g_last_msgno);
	CHECK(strcmp(scalar(db, "SELECT 40 + 2"), "42") == 0, "connection usable after RPC error");
	dbclose(db);
}

/* ---- cancel ------------------------------------------------------------------------ */

static void
ensure_big(DBPROCESS *db)
{
	if (strcmp(scalar(db, "SELECT count(*) FROM dbo.ct_big"), "300000") == 0) {
		return;
	}
	run(db, "DROP TABLE IF EXISTS dbo.ct_big");
	CHECK(run(db, "CREATE TABLE dbo.ct_big (id int NOT NULL PRIMARY KEY, pad nvarchar(100))") ==
	          SUCCEED,
	      "create ct_big: %s", g_last_msg);
	CHECK(run(db, "INSERT INTO dbo.ct_big (id, pad) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
	              "SELECT x + 1 "
	              "FROM c WHERE x < 300000) SELECT x, 'padding padding padding ' || x FROM c") ==
	          SUCCEED,
	      "fill ct_big: %s", g_last_msg);
}

static void
test_cancel(void)
{
	DBPROCESS *db = connect_db();
	ensure_big(db);
	/* an endless cross join: only an attention stops it */
	double t0 = now_seconds();
	CHECK(dbcmd(db, "SELECT a.id, b.pad FROM dbo.ct_big a CROSS JOIN dbo.ct_big b") == SUCCEED &&
	          dbsqlexec(db) == SUCCEED && dbresults(db) == SUCCEED,
	      "start streaming");
	int rows = 0;
	while (rows < 1000 && dbnextrow(db) == REG_ROW) {
		rows++;
	}
	CHECK(rows == 1000, "read 1000 rows before cancel, got %d", rows);
	CHECK(dbcancel(db) == SUCCEED, "dbcancel mid-stream");
	CHECK(now_seconds() - t0 < 10.0, "cancel took %.1f s", now_seconds() - t0);
	CHECK(strcmp(scalar(db, "SELECT 7"), "7") == 0, "connection usable after cancel");

	/* cancel while the server sleeps in WAITFOR */
	t0 = now_seconds();
	dbcmd(db, "WAITFOR DELAY '00:00:30'; SELECT 1");
	CHECK(dbsqlsend(db) == SUCCEED, "send WAITFOR");
	struct timespec pause = {0, 300000000};
	nanosleep(&pause, NULL);
	CHECK(dbcancel(db) == SUCCEED, "dbcancel during WAITFOR");
	CHECK(now_seconds() - t0 < 5.0, "cancel of WAITFOR took %.1f s", now_seconds() - t0);
	CHECK(strcmp(scalar(db, "SELECT 8"), "8") == 0, "connection usable after cancelling WAITFOR");

	/* a cancel after the whole response was read */
	CHECK(strcmp(scalar(db, "SELECT 9"), "9") == 0, "plain query");
	CHECK(dbcancel(db) == SUCCEED, "dbcancel when idle");
	CHECK(strcmp(scalar(db, "SELECT 10"), "10") == 0, "connection usable after idle cancel");
	dbclose(db);
}

/* ---- lob --------------------------------------------------------------------------- */

static void
test_lob(void)
{
	DBPROCESS *db = connect_db();
	run(db, "DROP TABLE IF EXISTS dbo.ct_lob");
	CHECK(run(db, "CREATE TABLE dbo.ct_lob (id int NOT NULL PRIMARY KEY, nv nvarchar(max), vb "
	              "varbinary(max))") == SUCCEED,
	      "create ct_lob: %s", g_last_msg);
	/* 9,000,000 characters = 18,000,000 bytes of UTF-16 on the wire; 18,000,000 bytes of binary */
	CHECK(run(db,
	          "INSERT INTO dbo.ct_lob VALUES (1, REPLICATE(CAST(N'Łx' AS nvarchar(max)), 4500000), "
	          "CAST(REPLICATE('ab', 9000000) AS varbinary(max)))") == SUCCEED,
	      "insert 18 MB values: %s", g_last_msg);
	/* without SET TEXTSIZE the session default (4096 bytes) applies, as on SQL Server */
	CHECK(dbcmd(db, "SELECT vb FROM dbo.ct_lob") == SUCCEED && dbsqlexec(db) == SUCCEED &&
	          dbresults(db) == SUCCEED && dbnextrow(db) == REG_ROW,
	      "select with default textsize");
	CHECK(dbdatlen(db, 1) == 4096, "default TEXTSIZE cuts at 4096 bytes, got %d", dbdatlen(db, 1));
	while (dbnextrow(db) != NO_MORE_ROWS) {
	}
	while (dbresults(db) != NO_MORE_RESULTS) {
	}
	dbsetopt(db, DBTEXTSIZE, "2147483647", 0);
	CHECK(dbcmd(db, "SELECT nv, vb, datalength(nv), datalength(vb) FROM dbo.ct_lob") == SUCCEED &&
	          dbsqlexec(db) == SUCCEED && dbresults(db) == SUCCEED && dbnextrow(db) == REG_ROW,
	      "select large values: %s", g_last_msg);
	const DBINT nvlen = dbdatlen(db, 1);
	const BYTE *nv = dbdata(db, 1);
	CHECK(nvlen == 13500000, "nvarchar(max) arrives whole: %d UTF-8 bytes (want 13500000)", nvlen);
	int pattern_ok = nv != NULL && nvlen == 13500000;
	for (DBINT k = 0; pattern_ok && k < nvlen; k += 3) {
		pattern_ok = memcmp(nv + k, "Łx", 3) == 0;
	}
	CHECK(pattern_ok, "nvarchar(max) content intact");
	const DBINT vblen = dbdatlen(db, 2);
	const BYTE *vb = dbdata(db, 2);
	CHECK(vblen == 18000000, "varbinary(max) arrives whole: %d bytes", vblen);
	CHECK(vb != NULL && vblen == 18000000 && memcmp(vb, "ab", 2) == 0 &&
	          memcmp(vb + vblen - 2, "ab", 2) == 0,
	      "varbinary(max) content intact");
	CHECK(*(DBINT *)dbdata(db, 3) == 18000000, "datalength(nv) = 18000000");
	while (dbnextrow(db) != NO_MORE_ROWS) {
	}
	while (dbresults(db) != NO_MORE_RESULTS) {
	}
	dbclose(db);
}

/* ---- kill -------------------------------------------------------------------------- */

static void
test_kill(void)
{
	DBPROCESS *a = connect_db();
	DBPROCESS *b = connect_db();
	char sql[64];
	ensure_big(a);
	const int spid_a = atoi(scalar(a, "SELECT @@spid"));
	const int spid_b = atoi(scalar(b, "SELECT @@spid"));
	CHECK(spid_a > 0 && spid_b > 0 && spid_a != spid_b, "distinct SPIDs %d %d", spid_a, spid_b);
	CHECK(dbcmd(a, "SELECT x.id FROM dbo.ct_big x CROSS JOIN dbo.ct_big y") == SUCCEED &&
	          dbsqlexec(a) == SUCCEED && dbresults(a) == SUCCEED,
	      "start streaming on a");
	int rows = 0;
	while (rows < 100 && dbnextrow(a) == REG_ROW) {
		rows++;
	}
	snprintf(sql, sizeof sql, "KILL %d", spid_a);
	CHECK(run(b, sql) == SUCCEED, "KILL %d: %s", spid_a, g_last_msg);
	RETCODE rc;
	long more = 0;
	while ((rc = dbnextrow(a)) == REG_ROW && more < 100000000L) {
		more++;
	}
	CHECK(rc == FAIL, "the killed stream ends with FAIL (not a clean end), got %d after %ld rows",
	      rc, more);
	CHECK(dbdead(a), "connection a is dead");
	snprintf(sql, sizeof sql, "KILL %d", spid_b);
	CHECK(run(b, sql) == FAIL && g_last_msgno == 6104, "KILL own spid: error 6104, got %d",
	      g_last_msgno);
	CHECK(run(b, "KILL 32001") == FAIL && g_last_msgno == 6106,
	      "KILL unknown spid: error 6106, got %d", g_last_msgno);
	CHECK(strcmp(scalar(b, "SELECT 11"), "11") == 0, "b still usable");
	dbclose(a);
	dbclose(b);
}

/* ---- snapshot isolation ----------------------------------------------------------- */

/* enabled: the server was started with --snapshot-isolation on */
static void
test_snapshot(int enabled)
{
	DBPROCESS *a = connect_db();
	DBPROCESS *b = connect_db();
	run(a, "DROP TABLE IF EXISTS dbo.ct_snap");
	CHECK(run(a, "CREATE TABLE dbo.ct_snap (id int NOT NULL PRIMARY KEY); INSERT INTO dbo.ct_snap "
	             "VALUES (1), (2)") == SUCCEED,
	      "create ct_snap: %s", g_last_msg);
	CHECK(run(a, "SET TRANSACTION ISOLATION LEVEL SNAPSHOT; BEGIN TRAN") == SUCCEED,
	      "begin snapshot transaction");
	const char *first = scalar(a, "SELECT count(*) FROM dbo.ct_snap");
	if (!enabled) {
		CHECK(g_last_msgno == 3952, "snapshot isolation not allowed: error 3952, got %d",
		      g_last_msgno);
		run(a, "ROLLBACK");
	} else {
		CHECK(strcmp(first, "2") == 0, "first read in the snapshot: %s", first);
		CHECK(run(b, "INSERT INTO dbo.ct_snap VALUES (3)") == SUCCEED, "concurrent insert: %s",
		      g_last_msg);
		CHECK(strcmp(scalar(a, "SELECT count(*) FROM dbo.ct_snap"), "2") == 0,
		      "the snapshot does not see it");
		CHECK(run(a, "COMMIT") == SUCCEED, "commit");
		CHECK(strcmp(scalar(a, "SELECT count(*) FROM dbo.ct_snap"), "3") == 0,
		      "after commit the row is visible");
		CHECK(
		    strcmp(
		        scalar(a,
		               "SELECT snapshot_isolation_state FROM sys.databases WHERE name = db_name()"),
		        "1") == 0,
		    "sys.databases reports snapshot isolation on");
	}
	dbclose(a);
	dbclose(b);
}

/* ---- bench ------------------------------------------------------------------------- */

static void
bench(const char *sql)
{
	DBPROCESS *db = connect_db();
	dbsetopt(db, DBTEXTSIZE, "2147483647", 0);
	const double t0 = now_seconds();
	long rows = 0;
	if (dbcmd(db, sql) != SUCCEED || dbsqlexec(db) != SUCCEED) {
		fprintf(stderr, "bench query failed: %s\n", g_last_msg);
		g_failures++;
		return;
	}
	while (dbresults(db) != NO_MORE_RESULTS) {
		while (dbnextrow(db) == REG_ROW) {
			rows++;
		}
	}
	const double s = now_seconds() - t0;
	printf("bench: %ld rows in %.3f s = %.0f rows/s\n", rows, s, rows / s);
	dbclose(db);
}

int
main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: %s HOST:PORT USER PASSWORD TEST...|all\n", argv[0]);
		return 2;
	}
	g_server = argv[1];
	g_user = argv[2];
	g_password = argv[3];
	if (dbinit() == FAIL) {
		return 1;
	}
	dberrhandle(err_handler);
	dbmsghandle(msg_handler);
	for (int i = 4; i < argc; i++) {
		const char *t = argv[i];
		const int all = strcmp(t, "all") == 0;
		if (all || strcmp(t, "types") == 0) {
			test_types();
		}
		if (all || strcmp(t, "rpc") == 0) {
			test_rpc();
		}
		if (all || strcmp(t, "cancel") == 0) {
			test_cancel();
		}
		if (all || strcmp(t, "lob") == 0) {
			test_lob();
		}
		if (all || strcmp(t, "kill") == 0) {
			test_kill();
		}
		if (strcmp(t, "snapshot_on") == 0 || strcmp(t, "snapshot_off") == 0) {
			test_snapshot(strcmp(t, "snapshot_on") == 0);
		}
		if (strcmp(t, "bench") == 0 && i + 1 < argc) {
			bench(argv[++i]);
		}
	}
	dbexit();
	printf("%d checks, %d failures\n", g_checks, g_failures);
	return g_failures ? 1 : 0;
}
