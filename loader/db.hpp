/*
 * db.hpp — connecting to PostgreSQL the way every PostgreSQL tool does (a conninfo
 * string or URI, PG* environment variables, ~/.pgpass, all by libpq), and classifying
 * database errors for the loader's retry and exit-code decisions.
 * Zone: loader.
 */
#pragma once

#include <memory>
#include <string>

#include <pqxx/pqxx>

namespace loader {

/* libpq-style connection options from the command line; empty = not given. */
struct ConnectOptions {
	std::string dbname; /* a database name, or a whole conninfo string or URI */
	std::string host;
	std::string port;
	std::string user;
};

/*
 * Build the conninfo for libpq: a -d value that is a conninfo ("key=value …") or a URI
 * ("postgresql://…") is used as is and the other options are appended; a plain name
 * becomes dbname=…. Values are quoted as libpq requires.
 */
std::string build_conninfo(const ConnectOptions &options);

/* Open a connection; throws pqxx::broken_connection with libpq's message. */
std::unique_ptr<pqxx::connection> connect(const ConnectOptions &options);

/* What the loader should do about an exception from libpqxx. */
enum class ErrorClass { retry, fatal, data };
ErrorClass classify(const std::exception &e);

} // namespace loader
