// Unit tests of loader/db.cpp: conninfo building as libpq expects it.
#include <gtest/gtest.h>

#include "loader/db.hpp"

TEST(LoaderConninfo, plain_name_becomes_quoted_dbname)
{
	loader::ConnectOptions o;
	o.dbname = "shop";
	EXPECT_EQ(loader::build_conninfo(o), "dbname='shop' fallback_application_name='tributary'");
}

TEST(LoaderConninfo, conninfo_is_kept_and_options_are_appended)
{
	loader::ConnectOptions o;
	o.dbname = "dbname=shop application_name=cron";
	o.port = "5433";
	EXPECT_EQ(loader::build_conninfo(o), "dbname=shop application_name=cron port='5433'");
}

TEST(LoaderConninfo, quotes_and_backslashes_are_escaped)
{
	loader::ConnectOptions o;
	o.dbname = "it's\\db";
	o.user = "o'neil";
	EXPECT_EQ(loader::build_conninfo(o),
			  "dbname='it\\'s\\\\db' user='o\\'neil' fallback_application_name='tributary'");
}

TEST(LoaderConninfo, uri_stays_whole_with_options_as_query_parameters)
{
	loader::ConnectOptions o;
	o.dbname = "postgresql://127.0.0.1/shop";
	o.user = "dba x";
	EXPECT_EQ(loader::build_conninfo(o),
			  "postgresql://127.0.0.1/shop?user=dba%20x&fallback_application_name=tributary");
}

TEST(LoaderConninfo, empty_options_leave_everything_to_libpq_environment)
{
	loader::ConnectOptions o;
	EXPECT_EQ(loader::build_conninfo(o), "fallback_application_name='tributary'");
}
