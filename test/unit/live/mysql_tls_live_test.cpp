/*
 * mysql_tls_live_test.cpp — TLS to the harness's MariaDB, whose certificate is signed
 * by a throwaway CA and names only "localhost" (test/harness/servers.sh): encrypted
 * when asked, verified when asked (verify_ca, verify_identity), refused with a clear
 * error on a wrong CA or a host the certificate does not name, and a client
 * certificate presented for a REQUIRE X509 account.
 */
#include "test/unit/live/mysql_live.hpp"

using mysql_live::MysqlLive;
using mysql_live::query;
using tributary::remote::ErrorKind;
using tributary::remote::RemoteError;
namespace my = tributary::mysql;
namespace remote = tributary::remote;

namespace {

std::string
env_or_empty(const char *name)
{
	const char *v = mysql_live::env(name);
	return v != nullptr ? v : "";
}

/* The cipher of the session ("" when the connection is not encrypted). */
std::string
cipher(my::MysqlConnection &conn)
{
	auto c = conn.open(query("SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS "
	                         "WHERE VARIABLE_NAME = 'Ssl_cipher'"));
	std::string out;
	if (c->next()) {
		out = mysql_live::text(c->cell(0));
	}
	while (c->next()) {
	}
	return out;
}

class MysqlTls : public MysqlLive {
  protected:
	void SetUp() override
	{
		MysqlLive::SetUp();
		if (HasFatalFailure()) {
			return;
		}
		for (const char *name : {"TRIBUTARY_MYSQL_SSL_CA", "TRIBUTARY_MYSQL_SSL_CERT",
		                         "TRIBUTARY_MYSQL_SSL_KEY", "TRIBUTARY_MYSQL_SSL_OTHER_CA"}) {
			if (mysql_live::env(name) == nullptr) {
				FAIL() << "TLS tests need " << name << " (test/harness/servers.sh exports it)";
			}
		}
	}

	static remote::Options tls(const std::string &mode, const std::string &ca,
	                           const std::string &host = "127.0.0.1")
	{
		auto opts = mysql_live::options();
		opts["ssl_mode"] = mode;
		opts["host"] = host;
		if (!ca.empty()) {
			opts["ssl_ca"] = ca;
		}
		return opts;
	}

	/* Connecting must fail with a connect error (2026) whose text says why. */
	static void expect_refused(const remote::Options &opts, const std::string &why)
	{
		try {
			my::MysqlConnection conn(opts);
			FAIL() << "connected; the session cipher is " << cipher(conn);
		} catch (const RemoteError &e) {
			EXPECT_EQ(e.kind(), ErrorKind::connect);
			EXPECT_EQ(e.code(), 2026) << e.detail();
			EXPECT_NE(e.detail().find(why), std::string::npos) << e.detail();
			const std::string password = opts.at("password");
			if (!password.empty()) {
				EXPECT_EQ(e.detail().find(password), std::string::npos);
				EXPECT_EQ(e.message().find(password), std::string::npos);
			}
		}
	}
};

} // namespace

TEST_F(MysqlTls, disabled_and_required_modes_set_up_the_session_as_asked)
{
	my::MysqlConnection plain(tls("disabled", ""));
	EXPECT_EQ(cipher(plain), "");
	my::MysqlConnection required(tls("required", ""));
	EXPECT_NE(cipher(required), "");
	my::MysqlConnection preferred(tls("preferred", ""));
	EXPECT_NE(cipher(preferred), "");
}

TEST_F(MysqlTls, verify_ca_accepts_the_server_signed_by_the_given_ca)
{
	/* 127.0.0.1 is not in the certificate: verify_ca does not check names. */
	my::MysqlConnection conn(tls("verify_ca", env_or_empty("TRIBUTARY_MYSQL_SSL_CA")));
	EXPECT_NE(cipher(conn), "");
	EXPECT_EQ(scalar("SELECT 1"), "1");
}

TEST_F(MysqlTls, verify_ca_refuses_a_server_signed_by_another_ca)
{
	expect_refused(tls("verify_ca", env_or_empty("TRIBUTARY_MYSQL_SSL_OTHER_CA")),
	               "could not be verified with the CA in ssl_ca");
}

TEST_F(MysqlTls, required_with_a_wrong_ca_is_refused_too)
{
	expect_refused(tls("required", env_or_empty("TRIBUTARY_MYSQL_SSL_OTHER_CA")),
	               "could not be verified with the CA in ssl_ca");
}

TEST_F(MysqlTls, verify_identity_accepts_the_host_the_certificate_names)
{
	my::MysqlConnection conn(
	    tls("verify_identity", env_or_empty("TRIBUTARY_MYSQL_SSL_CA"), "localhost"));
	EXPECT_NE(cipher(conn), "");
	/* A cancel opens a side connection with the same TLS settings; it must work too. */
	{
		auto c = conn.open(query("SELECT seq FROM seq_1_to_100000000"));
		ASSERT_TRUE(c->next());
		conn.cancel();
		EXPECT_THROW(
		    {
			    while (c->next()) {
			    }
		    },
		    RemoteError);
	}
	EXPECT_NE(cipher(conn), "");
}

TEST_F(MysqlTls, verify_identity_refuses_a_host_the_certificate_does_not_name)
{
	expect_refused(tls("verify_identity", env_or_empty("TRIBUTARY_MYSQL_SSL_CA"), "127.0.0.1"),
	               "does not name the host \"127.0.0.1\"");
}

TEST_F(MysqlTls, verify_identity_refuses_another_ca_even_for_the_right_host)
{
	expect_refused(
	    tls("verify_identity", env_or_empty("TRIBUTARY_MYSQL_SSL_OTHER_CA"), "localhost"),
	    "could not be verified with the CA in ssl_ca");
}

TEST_F(MysqlTls, verify_modes_need_a_ca_file)
{
	for (const char *mode : {"verify_ca", "verify_identity"}) {
		try {
			my::MysqlConnection conn(tls(mode, ""));
			FAIL() << mode << " connected without ssl_ca";
		} catch (const RemoteError &e) {
			EXPECT_EQ(e.kind(), ErrorKind::invalid_option) << e.message();
		}
	}
}

TEST_F(MysqlTls, presents_the_client_certificate_to_a_require_x509_account)
{
	const std::string user = mysql_live::unique_name("x509");
	const std::string password = "x509-" + mysql_live::unique_name("pw");
	m_conn->execute("CREATE USER '" + user + "'@'127.0.0.1' IDENTIFIED BY '" + password +
	                "' REQUIRE X509");
	m_drops.push_back("DROP USER IF EXISTS '" + user + "'@'127.0.0.1'");
	m_conn->execute("GRANT SELECT ON *.* TO '" + user + "'@'127.0.0.1'");

	auto opts = tls("verify_ca", env_or_empty("TRIBUTARY_MYSQL_SSL_CA"));
	opts["username"] = user;
	opts["password"] = password;
	try {
		my::MysqlConnection conn(opts);
		FAIL() << "a REQUIRE X509 account logged in without a client certificate";
	} catch (const RemoteError &e) {
		EXPECT_EQ(e.kind(), ErrorKind::connect);
		EXPECT_EQ(e.code(), 1045) << e.detail();
		EXPECT_EQ(e.detail().find(password), std::string::npos);
	}
	opts["ssl_cert"] = env_or_empty("TRIBUTARY_MYSQL_SSL_CERT");
	opts["ssl_key"] = env_or_empty("TRIBUTARY_MYSQL_SSL_KEY");
	my::MysqlConnection conn(opts);
	EXPECT_NE(cipher(conn), "");
}
