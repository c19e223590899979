/*
 * mysql_interrupt_live_test.cpp — the MySQL driver notices PostgreSQL's cancel
 * flags while it waits for the harness's MariaDB (a SLEEP, a metadata lock wait,
 * a slow row in the middle of a scan), kills the remote query promptly, and leaves
 * the connection usable. The flags stand in for QueryCancelPending/ProcDiePending.
 */
#include "test/unit/live/mysql_live.hpp"

#include <chrono>
#include <csignal>
#include <thread>

using mysql_live::MysqlLive;
using mysql_live::query;
using mysql_live::scan_modes;
using mysql_live::settings;
using tributary::remote::ErrorKind;
using tributary::remote::InterruptFlags;
using tributary::remote::RemoteError;
namespace my = tributary::mysql;

namespace {

using clock_type = std::chrono::steady_clock;

volatile std::sig_atomic_t g_cancel = 0;
volatile std::sig_atomic_t g_die = 0;

/* Raise a flag after a delay, on a thread of its own (as a signal handler would). */
class RaiseLater {
  public:
	RaiseLater(volatile std::sig_atomic_t &flag, std::chrono::milliseconds delay)
	    : m_thread([&flag, delay]() {
		      std::this_thread::sleep_for(delay);
		      flag = 1;
	      })
	{
	}
	~RaiseLater() { m_thread.join(); }

  private:
	std::thread m_thread;
};

class MysqlInterrupt : public MysqlLive {
  protected:
	void SetUp() override
	{
		MysqlLive::SetUp();
		if (HasFatalFailure()) {
			return; /* no connection to watch */
		}
		g_cancel = 0;
		g_die = 0;
		m_conn->watch_interrupts(InterruptFlags{&g_cancel, &g_die});
	}
	void TearDown() override
	{
		g_cancel = 0;
		g_die = 0;
		MysqlLive::TearDown();
	}

	/* Read the whole result; returns the error kind, or nullopt-like "ended". */
	static std::string drain(tributary::remote::Cursor &c)
	{
		try {
			while (c.next()) {
			}
			return "ended";
		} catch (const RemoteError &e) {
			return e.kind() == ErrorKind::cancelled ? "cancelled" : "error " + std::to_string(e.code());
		}
	}
};

} // namespace

TEST_F(MysqlInterrupt, cancel_flag_stops_a_sleeping_query_promptly)
{
	const auto start = clock_type::now();
	{
		RaiseLater later(g_cancel, std::chrono::milliseconds(200));
		try {
			auto c = m_conn->open(query("SELECT SLEEP(20) FROM seq_1_to_3"));
			drain(*c);
		} catch (const RemoteError &e) {
			EXPECT_EQ(e.kind(), ErrorKind::cancelled) << e.detail();
		}
	}
	EXPECT_LT(clock_type::now() - start, std::chrono::seconds(3));
	g_cancel = 0;
	EXPECT_FALSE(m_conn->broken());
	EXPECT_EQ(scalar("SELECT 6 * 7"), "42");
}

TEST_F(MysqlInterrupt, die_flag_stops_a_metadata_lock_wait)
{
	const std::string t = table("locked", "(id INT PRIMARY KEY) ENGINE=InnoDB");
	m_conn->execute("INSERT INTO `" + t + "` VALUES (1), (2)");
	my::MysqlConnection locker(mysql_live::options());
	locker.execute("LOCK TABLES `" + t + "` WRITE");
	const auto start = clock_type::now();
	{
		RaiseLater later(g_die, std::chrono::milliseconds(200));
		try {
			auto c = m_conn->open(query("SELECT id FROM `" + t + "`"));
			FAIL() << "read a write-locked table: " << drain(*c);
		} catch (const RemoteError &e) {
			EXPECT_EQ(e.kind(), ErrorKind::cancelled) << e.code() << " " << e.detail();
			EXPECT_EQ(e.code(), 1317);
		}
	}
	EXPECT_LT(clock_type::now() - start, std::chrono::seconds(3));
	g_die = 0;
	locker.execute("UNLOCK TABLES");
	EXPECT_EQ(scalar("SELECT COUNT(*) FROM `" + t + "`"), "2");
}

TEST_F(MysqlInterrupt, cancel_flag_stops_a_statement_waiting_on_a_lock)
{
	const std::string t = table("locked", "(id INT PRIMARY KEY) ENGINE=InnoDB");
	my::MysqlConnection locker(mysql_live::options());
	locker.execute("LOCK TABLES `" + t + "` WRITE");
	const auto start = clock_type::now();
	{
		RaiseLater later(g_cancel, std::chrono::milliseconds(200));
		EXPECT_THROW(m_conn->execute("INSERT INTO `" + t + "` VALUES (1)"), RemoteError);
	}
	EXPECT_LT(clock_type::now() - start, std::chrono::seconds(3));
	g_cancel = 0;
	locker.execute("UNLOCK TABLES");
	EXPECT_EQ(scalar("SELECT COUNT(*) FROM `" + t + "`"), "0");
}

TEST_F(MysqlInterrupt, cancel_flag_stops_a_scan_that_is_slow_between_rows)
{
	for (const auto &mode : scan_modes()) {
		SCOPED_TRACE(mode.name);
		const auto start = clock_type::now();
		std::string how;
		std::uint64_t rows = 0;
		{
			/*
			 * Rows of 2 kB, so the server flushes its network buffer and the
			 * first rows arrive before it sleeps in the middle of the result.
			 */
			RaiseLater later(g_cancel, std::chrono::milliseconds(500));
			try {
				auto c = m_conn->open(
				    query("SELECT seq, REPEAT('x', 2000), SLEEP(IF(seq > 200, 20, 0)) "
				          "FROM seq_1_to_400"),
				    settings(mode, 10, 5));
				how = drain(*c);
				rows = c->rows_read();
			} catch (const RemoteError &e) {
				how = "open failed: " + std::to_string(e.code());
			}
		}
		EXPECT_GE(rows, 200U) << how;
		EXPECT_LT(clock_type::now() - start, std::chrono::seconds(3)) << how;
		/* SLEEP() interrupted by KILL QUERY may end its row with 1 instead of an error. */
		EXPECT_TRUE(how == "cancelled" || how == "ended") << how;
		g_cancel = 0;
		EXPECT_FALSE(m_conn->broken());
		EXPECT_EQ(scalar("SELECT 'usable'"), "usable");
	}
}

TEST_F(MysqlInterrupt, flag_raised_between_calls_does_not_kill_later_queries)
{
	g_cancel = 1;
	std::this_thread::sleep_for(std::chrono::milliseconds(100));
	g_cancel = 0;
	EXPECT_EQ(scalar("SELECT SLEEP(0.3) + 1"), "1");
	/* Quick calls while the watchdog lingers: still correct results. */
	for (int i = 0; i < 200; i++) {
		ASSERT_EQ(scalar("SELECT " + std::to_string(i)), std::to_string(i));
	}
}
