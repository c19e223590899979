/*
 * mysql_secrets_live_test.cpp — through PostgreSQL: a non-superuser cannot read another
 * user's mapping options, and no password (the right one or a wrong one) appears in an
 * error, a notice, EXPLAIN, or the server log, across the failures a mapping meets:
 * wrong password, missing remote table, conversion error, cancel, a dropped connection
 * at commit (a WARNING from a cleanup path), TLS refusal, a bad IMPORT option.
 * Needs the installed extension and the harness (PG*, TRIBUTARY_MYSQL_*, TRIBUTARY_RUN_DIR).
 */
#include "test/unit/live/fuzz_support.hpp"
#include "test/unit/live/mysql_live.hpp"

#include <fstream>
#include <sstream>

namespace {

using fuzz::env_value;
using fuzz::Notices;

std::string
pg_log_path()
{
	return env_value("TRIBUTARY_RUN_DIR") + "/pg/pg.log";
}

std::streamoff
file_size(const std::string &path)
{
	std::ifstream in(path, std::ios::binary | std::ios::ate);
	return in ? static_cast<std::streamoff>(in.tellg()) : 0;
}

std::string
read_from(const std::string &path, std::streamoff offset)
{
	std::ifstream in(path, std::ios::binary);
	in.seekg(offset);
	std::ostringstream out;
	out << in.rdbuf();
	return out.str();
}

/* Everything PostgreSQL said back: rows, errors, notices, all in verbose form. */
class Session {
  public:
	Session() : m_conn(""), m_notices(m_conn, m_said)
	{
		m_conn.set_verbosity(pqxx::connection_base::verbose);
	}

	std::string run(const std::string &sql)
	{
		std::string out;
		try {
			pqxx::nontransaction tx(m_conn);
			for (const auto &row : tx.exec(sql)) {
				for (const auto &field : row) {
					out += field.is_null() ? std::string("<NULL>") : field.as<std::string>();
					out += '|';
				}
				out += '\n';
			}
		} catch (const pqxx::sql_error &e) {
			out += std::string("ERROR ") + e.sqlstate() + ": " + e.what();
		}
		m_said += out + "\n";
		return out;
	}

	pqxx::connection &conn() { return m_conn; }
	const std::string &everything_said() const { return m_said; }

  private:
	pqxx::connection m_conn;
	std::string m_said;
	Notices m_notices;
};

} // namespace

TEST(MysqlSecrets, passwords_never_reach_errors_explain_or_the_server_log)
{
	ASSERT_EQ(mysql_live::missing_environment(), "");
	ASSERT_NE(env_value("TRIBUTARY_RUN_DIR"), "");
	const std::string log = pg_log_path();
	ASSERT_TRUE(std::ifstream(log).good()) << log;
	const std::streamoff log_start = file_size(log);

	const std::string password = env_value("TRIBUTARY_MYSQL_PASSWORD");
	const std::string wrong = "Wr0ng-" + mysql_live::unique_name("pw") + "-secret";
	ASSERT_GE(password.size(), 12U);
	const std::string suffix = std::to_string(getpid());
	const std::string srv = "secrets_" + suffix, bad = "secrets_bad_" + suffix,
	                  tls = "secrets_tls_" + suffix;

	Session s;
	auto q = [&](const std::string &v) { return s.conn().quote(v); };
	s.run("SET client_min_messages = notice");
	s.run("CREATE EXTENSION IF NOT EXISTS tributary");
	s.run("CREATE SERVER " + srv + " FOREIGN DATA WRAPPER tributary_mysql OPTIONS (host " +
	      q(env_value("TRIBUTARY_MYSQL_HOST")) + ", port " + q(env_value("TRIBUTARY_MYSQL_PORT")) +
	      ", dbname " + q(env_value("TRIBUTARY_MYSQL_DATABASE")) + ")");
	s.run("CREATE USER MAPPING FOR CURRENT_USER SERVER " + srv + " OPTIONS (username " +
	      q(env_value("TRIBUTARY_MYSQL_USER")) + ", password " + q(password) + ")");
	s.run("CREATE SERVER " + bad + " FOREIGN DATA WRAPPER tributary_mysql OPTIONS (host " +
	      q(env_value("TRIBUTARY_MYSQL_HOST")) + ", port " + q(env_value("TRIBUTARY_MYSQL_PORT")) +
	      ")");
	s.run("CREATE USER MAPPING FOR CURRENT_USER SERVER " + bad + " OPTIONS (username " +
	      q(env_value("TRIBUTARY_MYSQL_USER")) + ", password " + q(wrong) + ")");
	s.run("CREATE SERVER " + tls + " FOREIGN DATA WRAPPER tributary_mysql OPTIONS (host " +
	      "'localhost', port " + q(env_value("TRIBUTARY_MYSQL_PORT")) +
	      ", ssl_mode 'verify_identity', ssl_ca " + q(env_value("TRIBUTARY_MYSQL_SSL_OTHER_CA")) +
	      ")");
	s.run("CREATE USER MAPPING FOR CURRENT_USER SERVER " + tls + " OPTIONS (username " +
	      q(env_value("TRIBUTARY_MYSQL_USER")) + ", password " + q(password) + ")");
	const std::string t = "secrets_t_" + suffix;
	const auto table = [&](const std::string &name, const std::string &server,
	                       const std::string &options) {
		s.run("CREATE FOREIGN TABLE " + name + " (n int) SERVER " + server + " OPTIONS (" +
		      options + ")");
	};
	table(t, srv, "query 'SELECT seq AS n FROM seq_1_to_5'");
	table(t + "_missing", srv, "table_name 'no_such_table_anywhere'");
	table(t + "_text", srv, "query 'SELECT ''not a number'' AS n'");
	table(t + "_slow", srv, "query 'SELECT SLEEP(10) AS n'");
	table(t + "_bad", bad, "query 'SELECT 1 AS n'");
	table(t + "_tls", tls, "query 'SELECT 1 AS n'");

	/* The failures a mapping meets. */
	EXPECT_NE(s.run("SELECT count(*) FROM " + t), "");
	EXPECT_NE(s.run("SELECT * FROM " + t + "_bad").find("ERROR HV00N"), std::string::npos)
	    << s.everything_said();
	EXPECT_NE(s.run("SELECT * FROM " + t + "_missing").find("ERROR"), std::string::npos);
	EXPECT_NE(s.run("SELECT * FROM " + t + "_text").find("ERROR"), std::string::npos);
	EXPECT_NE(s.run("SET statement_timeout = '200ms'; SELECT * FROM " + t + "_slow").find("ERROR 57014"),
	          std::string::npos);
	s.run("RESET statement_timeout");
	EXPECT_NE(s.run("SELECT * FROM " + t + "_tls").find("ERROR HV00N"), std::string::npos);
	EXPECT_NE(s.run("IMPORT FOREIGN SCHEMA x FROM SERVER " + srv + " INTO public OPTIONS (no_such 'x')")
	              .find("ERROR"),
	          std::string::npos);
	s.run("EXPLAIN (VERBOSE) SELECT * FROM " + t + " WHERE n > 2");
	s.run("EXPLAIN (VERBOSE, ANALYZE) SELECT * FROM " + t + "_bad");
	/* A connection killed inside a transaction: COMMIT warns from a cleanup path. */
	s.run("CREATE FOREIGN TABLE " + t + "_id (id bigint) SERVER " + srv +
	      " OPTIONS (query 'SELECT CONNECTION_ID() AS id')");
	{
		pqxx::work tx(s.conn());
		/* The transaction's one remote connection (its snapshot) and its thread id. */
		const std::string id = tx.exec("SELECT id FROM " + t + "_id")[0][0].as<std::string>();
		tributary::mysql::MysqlConnection killer(mysql_live::options());
		killer.execute("KILL CONNECTION " + id);
		tx.commit();
	}
	/* The next transaction reconnects. */
	EXPECT_NE(s.run("SELECT count(*) FROM " + t).find("5"), std::string::npos) << s.everything_said();

	/* What a non-superuser sees of other mappings. */
	const std::string role = "secrets_role_" + suffix;
	s.run("CREATE ROLE " + role);
	s.run("GRANT USAGE ON FOREIGN SERVER " + srv + " TO " + role);
	s.run("SET ROLE " + role);
	const std::string visible =
	    s.run("SELECT srvname, usename, umoptions FROM pg_user_mappings WHERE srvname IN (" +
	          q(srv) + ", " + q(bad) + ")");
	EXPECT_EQ(visible.find("password"), std::string::npos) << visible;
	const std::string catalog = s.run("SELECT umoptions FROM pg_user_mapping");
	EXPECT_NE(catalog.find("permission denied for table pg_user_mapping"), std::string::npos) << catalog;
	EXPECT_EQ(s.run("SELECT count(*) FROM information_schema.user_mapping_options WHERE "
	                "option_name = 'password' AND option_value IS NOT NULL"),
	          "0|\n");
	s.run("RESET ROLE");

	s.run("DROP SERVER " + srv + ", " + bad + ", " + tls + " CASCADE"); /* and the grant */
	s.run("DROP ROLE " + role);

	const std::string said = s.everything_said();
	const std::string logged = read_from(log, log_start);
	/* Not vacuous: the failures and the cleanup WARNING did reach both places. */
	EXPECT_NE(said.find("could not end the remote transaction"), std::string::npos) << said;
	EXPECT_NE(logged.find("could not connect to MySQL server"), std::string::npos) << logged;
	EXPECT_NE(logged.find("could not end the remote transaction"), std::string::npos) << logged;
	for (const std::string &secret : {password, wrong}) {
		EXPECT_EQ(said.find(secret), std::string::npos) << "a password reached the client:\n" << said;
		EXPECT_EQ(logged.find(secret), std::string::npos) << "a password reached the server log";
	}
}
