/*
 * mysql_params_live_test.cpp — parameters travel as real prepared-statement
 * parameters, each with its native type, against the harness's MariaDB.
 */
#include "test/unit/live/mysql_live.hpp"
#include "test/unit/cells.hpp"

using mysql_live::MysqlLive;
using mysql_live::text;
using tributary::remote::Cell;
using tributary::remote::CellKind;
using tributary::remote::ErrorKind;
using tributary::remote::Query;
using tributary::remote::RemoteError;
using tributary::remote::Temporal;

using test_cells::int_cell;
using test_cells::temporal;

namespace {

/* A data-carrying cell whose bytes live in q.param_storage. */
void
add_data(Query &q, CellKind kind, const std::string &bytes)
{
	q.param_storage.push_back(bytes);
	Cell c;
	c.kind = kind;
	q.params.push_back(c);
}

/* Point data cells at their storage once param_storage stops growing. */
void
bind_storage(Query &q)
{
	std::size_t s = 0;
	for (Cell &c : q.params) {
		if (c.kind == CellKind::text || c.kind == CellKind::bytes || c.kind == CellKind::decimal) {
			c.data = q.param_storage[s].data();
			c.size = q.param_storage[s].size();
			s++;
		}
	}
}


} // namespace

TEST_F(MysqlLive, binds_every_parameter_kind_natively)
{
	const std::string t =
	    table("params", "(id INT, i BIGINT, u BIGINT UNSIGNED, de DECIMAL(20,6), f DOUBLE, "
	                    "s VARCHAR(50), b VARBINARY(20), d DATE, dt DATETIME(6), tm TIME, "
	                    "ts TIMESTAMP(6) NULL, flag TINYINT(1)) DEFAULT CHARSET=utf8mb4");
	m_conn->execute("INSERT INTO `" + t +
	                "` VALUES (1, -9223372036854775808, 18446744073709551615, "
	                "-12345.678901, 0.30000000000000004, 'it''s a \\\\ 🐶', X'00FF27', "
	                "'2024-02-29', '2024-05-06 07:08:09.123456', '-100:00:01', "
	                "'2024-05-06 05:00:00.5', 1), (2, 0, 0, 0, 0, '', '', '2000-01-01', "
	                "'2000-01-01', '00:00:00', NULL, 0)");
	Query q;
	q.sql = "SELECT id FROM `" + t +
	        "` WHERE i = ? AND u = ? AND de = ? AND f = ? AND s = ? AND b = ? AND d = ? "
	        "AND dt = ? AND tm = ? AND ts = ? AND flag = ? AND ? IS NULL";
	q.params.push_back(int_cell(INT64_MIN));
	Cell u;
	u.kind = CellKind::uint64;
	u.u = UINT64_MAX;
	q.params.push_back(u);
	add_data(q, CellKind::decimal, "-12345.678901");
	Cell f;
	f.kind = CellKind::float64;
	f.f = 0.1 + 0.2;
	q.params.push_back(f);
	add_data(q, CellKind::text, "it's a \\ 🐶");
	add_data(q, CellKind::bytes, std::string("\x00\xFF\x27", 3));
	q.params.push_back(temporal(CellKind::date, 2024, 2, 29, 0, 0, 0));
	q.params.push_back(temporal(CellKind::timestamp, 2024, 5, 6, 7, 8, 9, 123456));
	Cell tm = temporal(CellKind::time, 0, 0, 0, 100, 0, 1);
	tm.negative = true;
	q.params.push_back(tm);
	/* 07:00:00.5+02:00 is 05:00:00.5 UTC, the session's zone. */
	q.params.push_back(temporal(CellKind::timestamptz, 2024, 5, 6, 7, 0, 0, 500000, 120));
	Cell flag;
	flag.kind = CellKind::boolean;
	flag.i = 1;
	q.params.push_back(flag);
	q.params.push_back(Cell{}); /* NULL */
	bind_storage(q);
	auto c = m_conn->open(q);
	ASSERT_TRUE(c->next());
	EXPECT_EQ(c->cell(0).i, 1);
	EXPECT_FALSE(c->next());
}

TEST_F(MysqlLive, reruns_prepared_statement_with_new_parameters_every_time)
{
	const std::string t = table("rerun", "(id INT PRIMARY KEY, v VARCHAR(20))");
	m_conn->execute("INSERT INTO `" + t + "` SELECT seq, CONCAT('v', seq) FROM seq_1_to_50");
	for (int i = 1; i <= 20; i++) {
		Query q;
		q.sql = "SELECT id, v FROM `" + t + "` WHERE id = ?";
		q.params.push_back(int_cell(i));
		auto c = m_conn->open(q);
		ASSERT_TRUE(c->next()) << i;
		EXPECT_EQ(c->cell(0).i, i);
		EXPECT_EQ(text(c->cell(1)), "v" + std::to_string(i));
		EXPECT_FALSE(c->next());
	}
}

TEST_F(MysqlLive, passes_text_parameter_with_quotes_verbatim)
{
	const std::string tricky = "x' OR '1'='1";
	const std::string t = table("inj", "(v VARCHAR(50))");
	m_conn->execute("INSERT INTO `" + t + "` VALUES ('a'), ('b')");
	Query q;
	q.sql = "SELECT COUNT(*) FROM `" + t + "` WHERE v = ?";
	add_data(q, CellKind::text, tricky);
	bind_storage(q);
	auto c = m_conn->open(q);
	ASSERT_TRUE(c->next());
	EXPECT_EQ(c->cell(0).i, 0);
}

TEST_F(MysqlLive, rejects_parameter_count_mismatch)
{
	Query q;
	q.sql = "SELECT ? + ?";
	q.params.push_back(int_cell(1));
	try {
		m_conn->open(q);
		FAIL() << "ran with a missing parameter";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::internal);
	}
	EXPECT_EQ(scalar("SELECT 3"), "3");
}
