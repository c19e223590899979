/*
 * db.cpp — see db.hpp. Zone: loader.
 */
#include "loader/db.hpp"

#include <cctype>

namespace loader {

namespace {

std::string
quote_value(const std::string &value)
{
	std::string out = "'";
	for (char c : value) {
		if (c == '\'' || c == '\\') {
			out += '\\';
		}
		out += c;
	}
	out += '\'';
	return out;
}

bool
is_uri(const std::string &value)
{
	return value.rfind("postgresql://", 0) == 0 || value.rfind("postgres://", 0) == 0;
}

bool
is_conninfo(const std::string &value)
{
	return value.find('=') != std::string::npos;
}

std::string
percent_encode(const std::string &value)
{
	static const char hex[] = "0123456789ABCDEF";
	std::string out;
	for (unsigned char c : value) {
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
			out += static_cast<char>(c);
		} else {
			out += '%';
			out += hex[c >> 4];
			out += hex[c & 15];
		}
	}
	return out;
}

} // namespace

std::string
build_conninfo(const ConnectOptions &options)
{
	std::string conninfo;
	auto add = [&conninfo](const char *key, const std::string &value) {
		if (value.empty()) {
			return;
		}
		if (!conninfo.empty()) {
			conninfo += ' ';
		}
		conninfo += key;
		conninfo += '=';
		conninfo += quote_value(value);
	};
	if (is_uri(options.dbname)) {
		/* A URI must stay whole; other options travel as its query parameters. */
		std::string uri = options.dbname;
		auto add_param = [&uri](const char *key, const std::string &value) {
			if (value.empty()) {
				return;
			}
			uri += uri.find('?') == std::string::npos ? '?' : '&';
			uri += key;
			uri += '=';
			uri += percent_encode(value);
		};
		add_param("host", options.host);
		add_param("port", options.port);
		add_param("user", options.user);
		if (uri.find("application_name") == std::string::npos) {
			add_param("fallback_application_name", "tributary");
		}
		return uri;
	}
	if (is_conninfo(options.dbname)) {
		conninfo = options.dbname;
	} else {
		add("dbname", options.dbname);
	}
	add("host", options.host);
	add("port", options.port);
	add("user", options.user);
	if (conninfo.find("application_name") == std::string::npos) {
		add("fallback_application_name", "tributary");
	}
	return conninfo;
}

std::unique_ptr<pqxx::connection>
connect(const ConnectOptions &options)
{
	return std::make_unique<pqxx::connection>(build_conninfo(options));
}

ErrorClass
classify(const std::exception &e)
{
	if (dynamic_cast<const pqxx::broken_connection *>(&e) != nullptr ||
		dynamic_cast<const pqxx::serialization_failure *>(&e) != nullptr ||
		dynamic_cast<const pqxx::deadlock_detected *>(&e) != nullptr) {
		return ErrorClass::retry;
	}
	if (auto *sql = dynamic_cast<const pqxx::sql_error *>(&e)) {
		const std::string &state = sql->sqlstate();
		/* Classes 22 (data exception) and 23 (integrity constraint): the row is bad. */
		if (state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0) {
			return ErrorClass::data;
		}
	}
	return ErrorClass::fatal;
}

} // namespace loader
