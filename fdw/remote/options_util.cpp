/*
 * options_util.cpp — see options_util.hpp. Zone: driver zone.
 */
#include "fdw/remote/options_util.hpp"

#include "fdw/remote/driver_zone.hpp"

namespace tributary::remote {

bool
parse_bool_option(const std::string &name, const std::string &value)
{
	std::string v;
	for (const char c : value) {
		v += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	if (v == "true" || v == "on" || v == "yes" || v == "1") {
		return true;
	}
	if (v == "false" || v == "off" || v == "no" || v == "0") {
		return false;
	}
	throw RemoteError(ErrorKind::invalid_option,
					  "invalid value for boolean option \"" + name + "\": \"" + value + "\"");
}

std::vector<long>
type_modifiers(const std::string &type_name)
{
	std::vector<long> out;
	const auto open = type_name.find('(');
	if (open == std::string::npos) {
		return out;
	}
	long value = -1;
	for (std::size_t i = open + 1; i < type_name.size(); i++) {
		const char c = type_name[i];
		if (c >= '0' && c <= '9') {
			value = (value < 0 ? 0 : value * 10) + (c - '0');
		} else if (c == ',' || c == ')') {
			out.push_back(value);
			value = -1;
			if (c == ')') {
				break;
			}
		} else if (c != ' ') {
			return {};
		}
	}
	return out;
}

std::string
enclose(const std::string &text, const std::string &open, char close)
{
	std::string out;
	out.reserve(text.size() + open.size() + 1);
	out += open;
	for (const char c : text) {
		if (c == close) {
			out += close;
		}
		out += c;
	}
	out += close;
	return out;
}

Query
text_query(std::string sql, std::vector<std::string> texts)
{
	Query q;
	q.sql = std::move(sql);
	q.param_storage = std::move(texts);
	for (const auto &t : q.param_storage) {
		Cell c;
		c.kind = CellKind::text;
		c.data = t.data();
		c.size = t.size();
		q.params.push_back(c);
	}
	return q;
}

} // namespace tributary::remote
