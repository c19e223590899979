/*
 * tds_read_ahead_live_test.cpp — scans long enough for the cursor's read-ahead
 * thread (it starts after the first 1000 rows) against the harness's TDS test
 * server: every row in order across many small batches, and the ways a scan
 * ends while the thread owns the connection — cancel, early close, a lost
 * connection, a watched interrupt flag while the thread waits for the server.
 */
#include "test/unit/live/tds_live.hpp"

#include <sys/socket.h>

#include <chrono>
#include <csignal>
#include <thread>

using tds_live::query;
using tds_live::TdsLive;
using tds_live::text;
using tributary::remote::CellKind;
using tributary::remote::ErrorKind;
using tributary::remote::RemoteError;
namespace tds = tributary::tds;

extern "C" int dbiordesc(tds_dblib_dbprocess *dbproc);

namespace {

/* More rows than the cursor reads before it starts its read-ahead thread (1000). */
constexpr int rows_past_sync = 5000;

tributary::remote::Options
with_fetch_size(const char *rows)
{
	auto opts = tds_live::options();
	opts["fetch_size"] = rows;
	return opts;
}

} // namespace

TEST_F(TdsLive, reads_every_row_in_order_across_small_read_ahead_batches)
{
	const std::string t = table("ahead", "(id int NOT NULL PRIMARY KEY, s nvarchar(40), "
	                                     "v varchar(20), d decimal(12,2) NULL)");
	insert_numbers(t,
	               "i, N'Zoë 東京 🐕 ' + CAST(i AS nvarchar(10)), 'v' + CAST(i AS varchar(10)), "
	               "CASE WHEN i % 3 = 0 THEN NULL ELSE CAST(i AS decimal(12,2)) / 4 END",
	               rows_past_sync);
	tds::TdsConnection conn(with_fetch_size("7")); /* batches of 7 rows: many hand-overs */
	auto c = conn.open(query("SELECT id, s, v, d FROM [" + t + "] ORDER BY id"));
	long expected = 0;
	while (c->next()) {
		expected++;
		ASSERT_EQ(c->cell(0).i, expected);
		ASSERT_EQ(text(c->cell(1)), "Zoë 東京 🐕 " + std::to_string(expected));
		ASSERT_EQ(text(c->cell(2)), "v" + std::to_string(expected));
		if (expected % 3 == 0) {
			ASSERT_EQ(c->cell(3).kind, CellKind::null) << expected;
		} else {
			ASSERT_EQ(c->cell(3).kind, CellKind::decimal) << expected;
		}
	}
	EXPECT_EQ(expected, rows_past_sync);
	EXPECT_EQ(c->rows_read(), static_cast<std::uint64_t>(rows_past_sync));
	EXPECT_FALSE(c->next()); /* still the end, not an error */
	c.reset();
	auto d = conn.open(query("SELECT COUNT(*) FROM [" + t + "]"));
	ASSERT_TRUE(d->next());
	EXPECT_EQ(d->cell(0).i, rows_past_sync);
}

TEST_F(TdsLive, cancels_a_scan_whose_read_ahead_is_running_then_runs_the_next_query)
{
	const std::string t = table("aheadcancel", "(id int NOT NULL PRIMARY KEY, pad nvarchar(100))");
	insert_numbers(t, "i, REPLICATE(N'x', 100)", 50000);
	tds::TdsConnection conn(with_fetch_size("100"));
	auto c = conn.open(query("SELECT id, pad FROM [" + t + "] ORDER BY id"));
	for (int i = 0; i < 3000; i++) {
		ASSERT_TRUE(c->next());
	}
	conn.cancel(); /* what the transaction abort callback does */
	try {
		c->next();
		FAIL() << "a cancelled scan went on";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::cancelled);
	}
	c.reset();
	EXPECT_FALSE(conn.broken());
	auto d = conn.open(query("SELECT MAX(id) FROM [" + t + "]"));
	ASSERT_TRUE(d->next());
	EXPECT_EQ(d->cell(0).i, 50000);
}

TEST_F(TdsLive, closes_a_scan_early_while_its_read_ahead_is_running)
{
	const std::string t = table("aheadearly", "(id int NOT NULL PRIMARY KEY, pad nvarchar(100))");
	insert_numbers(t, "i, REPLICATE(N'z', 100)", 50000);
	tds::TdsConnection conn(with_fetch_size("50"));
	for (int round = 0; round < 3; round++) {
		auto c = conn.open(query("SELECT id, pad FROM [" + t + "] ORDER BY id"));
		for (int i = 1; i <= 2500; i++) {
			ASSERT_TRUE(c->next());
			ASSERT_EQ(c->cell(0).i, i);
		}
	}
	EXPECT_FALSE(conn.broken());
	auto d = conn.open(query("SELECT MIN(id) FROM [" + t + "]"));
	ASSERT_TRUE(d->next());
	EXPECT_EQ(d->cell(0).i, 1);
}

TEST_F(TdsLive, reports_a_connection_lost_under_the_read_ahead)
{
	const std::string t = table("aheadlost", "(id int NOT NULL PRIMARY KEY, pad nvarchar(200))");
	insert_numbers(t, "i, REPLICATE(N'y', 200)", 50000);
	tds::TdsConnection conn(with_fetch_size("100"));
	auto c = conn.open(query("SELECT id, pad FROM [" + t + "] ORDER BY id"));
	for (int i = 0; i < 2000; i++) {
		ASSERT_TRUE(c->next());
	}
	::shutdown(dbiordesc(conn.handle()), SHUT_RDWR);
	std::uint64_t rows = 2000;
	try {
		while (c->next()) {
			rows++; /* rows the thread already read may still come */
		}
		FAIL() << "the scan ended quietly after " << rows << " of 50000 rows";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::connection_lost) << e.message() << " " << e.detail();
	}
	EXPECT_LT(rows, 50000u);
	EXPECT_TRUE(conn.broken());
}

/*
 * A batch whose first result streams 4000 rows of 200 bytes, then waits 8 s: the
 * server sends what fills its buffers at once (most of the rows) and the rest with
 * the next statement's answer, so the read-ahead thread is left waiting for the
 * server in the middle of the result — where db-lib must be interrupted. (The
 * thread hands a batch over once the backend waits for it; rows it reads after
 * that stay with it until its wait ends.)
 */
class TdsReadAheadLive : public TdsLive {
protected:
	std::string waiting_batch_table()
	{
		const std::string t =
		    table("aheadwait", "(id int NOT NULL PRIMARY KEY, pad nvarchar(100))");
		insert_numbers(t, "i, REPLICATE(N'w', 100)", 4000);
		return t;
	}
	static std::string waiting_batch(const std::string &t)
	{
		return "SELECT id, pad FROM [" + t + "] ORDER BY id; WAITFOR DELAY '00:00:08'; SELECT 1";
	}
};

TEST_F(TdsReadAheadLive, stops_a_read_ahead_that_waits_for_the_server)
{
	const std::string t = waiting_batch_table();
	tds::TdsConnection conn(with_fetch_size("10000")); /* the rest of the rows fit one batch */
	auto c = conn.open(query(waiting_batch(t)));
	for (int i = 0; i < 1500; i++) {
		ASSERT_TRUE(c->next());
	}
	std::this_thread::sleep_for(std::chrono::milliseconds(200));
	const auto start = std::chrono::steady_clock::now();
	c.reset(); /* an early close while the thread is blocked: it is interrupted, not awaited */
	const auto took = std::chrono::steady_clock::now() - start;
	EXPECT_GT(took, std::chrono::milliseconds(50)) << "the thread was not waiting for the server";
	EXPECT_LT(took, std::chrono::seconds(4));
	EXPECT_FALSE(conn.broken());
	auto d = conn.open(query("SELECT 9"));
	ASSERT_TRUE(d->next());
	EXPECT_EQ(d->cell(0).i, 9);
}

TEST_F(TdsReadAheadLive, cancels_a_read_ahead_waiting_for_the_server_when_a_watched_flag_is_set)
{
	static volatile std::sig_atomic_t cancel_pending = 0;
	cancel_pending = 0;
	const std::string t = waiting_batch_table();
	tds::TdsConnection conn(with_fetch_size("10000"));
	tributary::remote::InterruptFlags flags;
	flags.cancel = &cancel_pending;
	conn.watch_interrupts(flags);
	auto c = conn.open(query(waiting_batch(t)));
	std::thread signaller([]() {
		std::this_thread::sleep_for(std::chrono::milliseconds(500));
		cancel_pending = 1; /* PostgreSQL's SIGINT handler, on the backend's thread */
	});
	const auto start = std::chrono::steady_clock::now();
	std::uint64_t rows = 0;
	try {
		while (c->next()) {
			rows++;
		}
		ADD_FAILURE() << "the request was not cancelled";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::cancelled) << e.message() << " " << e.detail();
	}
	signaller.join();
	EXPECT_GT(rows, 1000u); /* the synchronous rows and at least one batch */
	EXPECT_LT(rows, 4000u);
	EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
	cancel_pending = 0;
	c.reset();
	EXPECT_FALSE(conn.broken());
	auto d = conn.open(query("SELECT 10"));
	ASSERT_TRUE(d->next());
	EXPECT_EQ(d->cell(0).i, 10);
}
