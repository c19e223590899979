/*
 * raw_protocol_test.cpp — protocol-level tests of the TDS test server that FreeTDS's
 * libraries cannot express: RPC by ProcID (10 sp_executesql, 11 sp_prepare, 12 sp_execute,
 * 13 sp_prepexec, 15 sp_unprepare), several RPC calls in one message, PLP parameters sent
 * in chunks, ATTENTION mid-request and after a complete response, the "ignore" status bit,
 * PRELOGIN/LOGIN7 details (ENCRYPT_NOT_SUP, SPID in headers, TDS 7.2 downgrade), and a
 * failed login closing the connection.
 * Usage: tds_server_raw_test HOST PORT USER PASSWORD. Exit status 0 when all checks pass.
 *
 * Zone: test client (C++17, POSIX sockets). A deliberately small TDS client: it decodes
 * only the types these tests use.
 */
#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace
{

int g_checks = 0;
int g_failures = 0;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                           \
		g_checks++;                                                                                \
		if (!(cond)) {                                                                             \
			g_failures++;                                                                          \
			std::fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                              \
			std::fprintf(stderr, __VA_ARGS__);                                                     \
			std::fputc('\n', stderr);                                                              \
		}                                                                                          \
	} while (0)

using Bytes = std::vector<std::uint8_t>;

void
put16(Bytes &b, std::uint16_t v)
{
	b.push_back(static_cast<std::uint8_t>(v));
	b.push_back(static_cast<std::uint8_t>(v >> 8));
}

void
put32(Bytes &b, std::uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
	}
}

void
put64(Bytes &b, std::uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
	}
}

/* ASCII/Latin-1 text as UTF-16LE (enough for these tests) */
void
put_ucs2(Bytes &b, const std::string &s)
{
	for (const unsigned char c : s) {
		put16(b, c);
	}
}

struct Column {
	std::uint8_t type = 0;
	std::uint32_t max_len = 0;
	std::uint8_t scale = 0;
	std::string name;
};

/* What a response contained, reduced to what the checks look at. */
struct Response {
	std::vector<std::vector<Column>> metadata;
	std::vector<std::vector<std::string>> rows;
	std::vector<std::uint16_t> done_status; /* every DONE/DONEPROC/DONEINPROC, in order */
	std::vector<std::uint8_t> done_tokens;
	std::vector<int> errors;
	std::vector<std::int32_t> return_status;
	std::vector<std::string> return_values;
	std::uint32_t loginack_version = 0;
	std::uint16_t header_spid = 0;
	bool closed = false;
};

class Client
{
  public:
	bool
	connect_to(const char *host, int port)
	{
		m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
		sockaddr_in a{};
		a.sin_family = AF_INET;
		a.sin_port = htons(static_cast<std::uint16_t>(port));
		inet_pton(AF_INET, host, &a.sin_addr);
		const int one = 1;
		setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		return ::connect(m_fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
	}
	~Client()
	{
		if (m_fd >= 0) {
			::close(m_fd);
		}
	}
	void
	send_message(std::uint8_t type, const Bytes &payload, std::uint8_t last_status = 0x01)
	{
		std::size_t off = 0;
		std::uint8_t id = 1;
		do {
			const std::size_t n = std::min<std::size_t>(4088, payload.size() - off);
			const bool last = off + n == payload.size();
			Bytes p{type, static_cast<std::uint8_t>(last ? last_status : 0), 0, 0, 0, 0, id++, 0};
			p[2] = static_cast<std::uint8_t>((n + 8) >> 8);
			p[3] = static_cast<std::uint8_t>(n + 8);
			p.insert(p.end(), payload.begin() + static_cast<std::ptrdiff_t>(off),
			         payload.begin() + static_cast<std::ptrdiff_t>(off + n));
			::send(m_fd, p.data(), p.size(), MSG_NOSIGNAL);
			off += n;
		} while (off < payload.size());
	}
	/* One whole response message; false on EOF. */
	bool
	read_message(Bytes &out, std::uint16_t &spid)
	{
		out.clear();
		for (;;) {
			std::uint8_t h[8];
			if (!read_exact(h, 8)) {
				return false;
			}
			spid = static_cast<std::uint16_t>((h[4] << 8) | h[5]);
			const std::size_t len = static_cast<std::size_t>((h[2] << 8) | h[3]) - 8;
			const std::size_t old = out.size();
			out.resize(old + len);
			if (!read_exact(out.data() + old, len)) {
				return false;
			}
			if (h[1] & 0x01) {
				return true;
			}
		}
	}
	bool
	read_exact(std::uint8_t *p, std::size_t n)
	{
		while (n > 0) {
			pollfd pfd{m_fd, POLLIN, 0};
			if (::poll(&pfd, 1, 10000) <= 0) {
				return false;
			}
			const ssize_t k = ::recv(m_fd, p, n, 0);
			if (k <= 0) {
				return false;
			}
			p += k;
			n -= static_cast<std::size_t>(k);
		}
		return true;
	}
	int
	fd() const
	{
		return m_fd;
	}

  private:
	int m_fd = -1;
};

/* Decode a token stream (only the token and data types the tests use). */
Response
parse(const Bytes &b)
{
	Response r;
	std::size_t i = 0;
	const auto u8 = [&]() { return b.at(i++); };
	const auto u16 = [&]() {
		const std::uint16_t v = static_cast<std::uint16_t>(b.at(i) | (b.at(i + 1) << 8));
		i += 2;
		return v;
	};
	const auto u32 = [&]() {
		std::uint32_t v = 0;
		for (int k = 3; k >= 0; k--) {
			v = (v << 8) | b.at(i + static_cast<std::size_t>(k));
		}
		i += 4;
		return v;
	};
	const auto ucs2 = [&](std::size_t chars) {
		std::string s;
		for (std::size_t k = 0; k < chars; k++) {
			const std::uint16_t c = u16();
			s.push_back(c < 0x80 ? static_cast<char>(c) : '?');
		}
		return s;
	};
	std::vector<Column> cols;
	const auto value = [&](const Column &c) -> std::string {
		switch (c.type) {
		case 0x26: {
			const int len = u8();
			std::int64_t v = 0;
			for (int k = 0; k < len; k++) {
				v |= static_cast<std::int64_t>(b.at(i + static_cast<std::size_t>(k))) << (8 * k);
			}
			i += static_cast<std::size_t>(len);
			if (len == 4) {
				v = static_cast<std::int32_t>(v);
			}
			return len == 0 ? "NULL" : std::to_string(v);
		}
		case 0x28: {
			const int len = u8();
			i += static_cast<std::size_t>(len);
			return len == 0 ? "NULL" : "date";
		}
		case 0xE7:
		case 0xEF: {
			if (c.max_len == 0xFFFF) {
				const std::uint64_t total =
				    static_cast<std::uint64_t>(u32()) | (static_cast<std::uint64_t>(u32()) << 32);
				if (total == ~0ULL) {
					return "NULL";
				}
				std::string s;
				for (std::uint32_t chunk = u32(); chunk != 0; chunk = u32()) {
					s += ucs2(chunk / 2);
				}
				return s;
			}
			const std::uint16_t len = u16();
			return len == 0xFFFF ? "NULL" : ucs2(len / 2);
		}
		default:
			throw std::runtime_error("unsupported type in raw test");
		}
	};
	while (i < b.size()) {
		const std::uint8_t tok = u8();
		switch (tok) {
		case 0x81: { /* COLMETADATA */
			cols.clear();
			const std::uint16_t n = u16();
			for (std::uint16_t k = 0; k < n; k++) {
				Column c;
				i += 6; /* user type, flags */
				c.type = u8();
				switch (c.type) {
				case 0x26:
				case 0x68:
				case 0x6D:
					c.max_len = u8();
					break;
				case 0x28:
					break;
				case 0x29:
				case 0x2A:
				case 0x2B:
					c.scale = u8();
					break;
				case 0xE7:
				case 0xEF:
				case 0xA7:
					c.max_len = u16();
					i += 5;
					break;
				default:
					throw std::runtime_error("unsupported column type in raw test");
				}
				c.name = ucs2(u8());
				cols.push_back(c);
			}
			r.metadata.push_back(cols);
			break;
		}
		case 0xD1: {
			std::vector<std::string> row;
			for (const Column &c : cols) {
				row.push_back(value(c));
			}
			r.rows.push_back(row);
			break;
		}
		case 0xFD:
		case 0xFE:
		case 0xFF:
			r.done_tokens.push_back(tok);
			r.done_status.push_back(u16());
			i += 10;
			break;
		case 0xAA:
		case 0xAB: {
			const std::uint16_t len = u16();
			const std::size_t end = i + len;
			const std::int32_t number = static_cast<std::int32_t>(u32());
			if (tok == 0xAA) {
				r.errors.push_back(number);
			}
			i = end;
			break;
		}
		case 0xAD: { /* LOGINACK */
			const std::uint16_t len = u16();
			const std::size_t end = i + len;
			i++;
			r.loginack_version = static_cast<std::uint32_t>((b.at(i) << 24) | (b.at(i + 1) << 16) |
			                                                (b.at(i + 2) << 8) | b.at(i + 3));
			i = end;
			break;
		}
		case 0xE3: {
			const std::uint16_t len = u16();
			i += len;
			break;
		}
		case 0xAE: { /* FEATUREEXTACK */
			while (u8() != 0xFF) {
				i += u32();
			}
			break;
		}
		case 0x79:
			r.return_status.push_back(static_cast<std::int32_t>(u32()));
			break;
		case 0xAC: { /* RETURNVALUE */
			u16();
			ucs2(u8());
			i += 1 + 4 + 2;
			Column c;
			c.type = u8();
			c.max_len = c.type == 0x26 ? u8() : 0;
			r.return_values.push_back(value(c));
			break;
		}
		default:
			throw std::runtime_error("unexpected token " + std::to_string(tok));
		}
	}
	return r;
}

Response
roundtrip(Client &c, std::uint8_t type, const Bytes &payload)
{
	c.send_message(type, payload);
	Bytes msg;
	Response r;
	std::uint16_t spid = 0;
	if (!c.read_message(msg, spid)) {
		r.closed = true;
		return r;
	}
	r = parse(msg);
	r.header_spid = spid;
	return r;
}

Bytes
login7(const std::string &user, const std::string &password, std::uint32_t version)
{
	Bytes fixed;
	put32(fixed, 0); /* length, patched below */
	put32(fixed, version);
	put32(fixed, 4096);
	put32(fixed, 7);
	put32(fixed, static_cast<std::uint32_t>(::getpid()));
	put32(fixed, 0);
	fixed.push_back(0xE0);
	fixed.push_back(0x03);
	fixed.push_back(0x00);
	fixed.push_back(0x00);
	put32(fixed, 0);
	put32(fixed, 0x409);
	const std::string host = "rawtest";
	const std::string app = "raw_protocol_test";
	std::vector<std::string> strings = {host, user, password, app, "127.0.0.1", "", "raw", "", ""};
	Bytes data;
	std::size_t offset = 94;
	Bytes refs;
	for (std::size_t k = 0; k < strings.size(); k++) {
		put16(refs, static_cast<std::uint16_t>(offset + data.size()));
		put16(refs, static_cast<std::uint16_t>(strings[k].size()));
		Bytes enc;
		put_ucs2(enc, strings[k]);
		if (k == 2) {
			for (std::uint8_t &x : enc) {
				x = static_cast<std::uint8_t>(((x << 4) | (x >> 4)) ^ 0xA5);
			}
		}
		data.insert(data.end(), enc.begin(), enc.end());
	}
	Bytes out = fixed;
	out.insert(out.end(), refs.begin(), refs.end());
	for (int k = 0; k < 6; k++) {
		out.push_back(0); /* client id */
	}
	put16(out, 0);
	put16(out, 0); /* SSPI */
	put16(out, 0);
	put16(out, 0); /* attach db file */
	put16(out, 0);
	put16(out, 0); /* change password */
	put32(out, 0); /* long SSPI */
	out.insert(out.end(), data.begin(), data.end());
	const std::uint32_t len = static_cast<std::uint32_t>(out.size());
	std::memcpy(out.data(), &len, 4);
	return out;
}

bool
login(Client &c, const char *host, int port, const std::string &user, const std::string &password,
      std::uint32_t version, Response &r)
{
	if (!c.connect_to(host, port)) {
		return false;
	}
	/* PRELOGIN: VERSION, ENCRYPTION = OFF */
	Bytes pre = {0x00, 0x00, 0x0B, 0x00, 0x06, 0x01, 0x00, 0x11, 0x00,
	             0x01, 0xFF, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	c.send_message(0x12, pre);
	Bytes msg;
	std::uint16_t spid = 0;
	if (!c.read_message(msg, spid)) {
		return false;
	}
	/* find option 1 (ENCRYPTION) */
	for (std::size_t k = 0; k + 4 < msg.size() && msg[k] != 0xFF; k += 5) {
		if (msg[k] == 1) {
			const std::size_t off = static_cast<std::size_t>((msg[k + 1] << 8) | msg[k + 2]);
			CHECK(msg.at(off) == 0x02, "PRELOGIN answers ENCRYPT_NOT_SUP, got %d", msg.at(off));
		}
	}
	r = roundtrip(c, 0x10, login7(user, password, version));
	return !r.closed;
}

Bytes
all_headers()
{
	Bytes b;
	put32(b, 22);
	put32(b, 18);
	put16(b, 2);
	put64(b, 0);
	put32(b, 1);
	return b;
}

void
param_nvarchar(Bytes &b, const std::string &name, const std::string &value, bool plp_chunks = false)
{
	b.push_back(static_cast<std::uint8_t>(name.size()));
	put_ucs2(b, name);
	b.push_back(0);
	b.push_back(0xE7);
	const std::uint8_t coll[5] = {0x09, 0x04, 0xD0, 0x00, 0x34};
	if (plp_chunks) {
		put16(b, 0xFFFF);
		b.insert(b.end(), coll, coll + 5);
		put64(b, 0xFFFFFFFFFFFFFFFEULL); /* unknown length */
		const std::size_t third = value.size() / 3;
		for (std::size_t off = 0; off < value.size();) {
			const std::size_t n = std::min(third == 0 ? value.size() : third, value.size() - off);
			put32(b, static_cast<std::uint32_t>(2 * n));
			put_ucs2(b, value.substr(off, n));
			off += n;
		}
		put32(b, 0);
		return;
	}
	put16(b, 8000);
	b.insert(b.end(), coll, coll + 5);
	put16(b, static_cast<std::uint16_t>(2 * value.size()));
	put_ucs2(b, value);
}

void
param_int(Bytes &b, const std::string &name, std::int32_t value, bool output = false,
          bool null = false)
{
	b.push_back(static_cast<std::uint8_t>(name.size()));
	put_ucs2(b, name);
	b.push_back(output ? 1 : 0);
	b.push_back(0x26);
	b.push_back(4);
	if (null) {
		b.push_back(0);
		return;
	}
	b.push_back(4);
	put32(b, static_cast<std::uint32_t>(value));
}

Bytes
rpc_by_id(std::uint16_t id)
{
	Bytes b = all_headers();
	put16(b, 0xFFFF);
	put16(b, id);
	put16(b, 0);
	return b;
}

Bytes
batch(const std::string &sql)
{
	Bytes b = all_headers();
	put_ucs2(b, sql);
	return b;
}

void
test_rpc_by_procid(const char *host, int port, const std::string &user, const std::string &password)
{
	Client c;
	Response r;
	CHECK(login(c, host, port, user, password, 0x74000004, r), "login");
	CHECK(r.loginack_version == 0x74000004, "LOGINACK 7.4, got %08x", r.loginack_version);
	CHECK(r.header_spid >= 51, "SPID in the login response header, got %u", r.header_spid);

	/* ProcID 10: sp_executesql, unnamed parameters */
	Bytes b = rpc_by_id(10);
	param_nvarchar(b, "", "SELECT @P1 + 1 AS v, @P2 AS s");
	param_nvarchar(b, "", "@P1 int, @P2 nvarchar(10)");
	param_int(b, "", 41);
	param_nvarchar(b, "", "abc");
	r = roundtrip(c, 0x03, b);
	CHECK(r.rows.size() == 1 && r.rows[0].size() == 2 && r.rows[0][0] == "42" &&
	          r.rows[0][1] == "abc",
	      "sp_executesql by ProcID 10");
	CHECK(r.return_status.size() == 1 && r.return_status[0] == 0, "RETURNSTATUS 0");
	CHECK(!r.done_tokens.empty() && r.done_tokens.back() == 0xFE &&
	          (r.done_status.back() & 0x01) == 0,
	      "ends with a final DONEPROC");
	CHECK(r.done_tokens.size() >= 2 && r.done_tokens[0] == 0xFF && (r.done_status[0] & 0x10),
	      "DONEINPROC with DONE_COUNT for the SELECT");

	/* ProcID 13: sp_prepexec returns the handle as RETURNVALUE */
	b = rpc_by_id(13);
	param_int(b, "", 0, true, true);
	param_nvarchar(b, "", "@P1 int");
	param_nvarchar(b, "", "SELECT @P1 * 2 AS v");
	param_int(b, "", 21);
	r = roundtrip(c, 0x03, b);
	CHECK(r.rows.size() == 1 && r.rows[0][0] == "42",
	      "sp_prepexec by ProcID 13 runs the statement");
	CHECK(r.return_values.size() == 1 && std::atoi(r.return_values[0].c_str()) > 0,
	      "sp_prepexec returns a handle");
	const std::int32_t handle = r.return_values.empty() ? 0 : std::atoi(r.return_values[0].c_str());

	/* ProcID 12: sp_execute */
	b = rpc_by_id(12);
	param_int(b, "", handle);
	param_int(b, "", 50);
	r = roundtrip(c, 0x03, b);
	CHECK(r.rows.size() == 1 && r.rows[0][0] == "100", "sp_execute by ProcID 12");

	/* ProcID 11 then 15: sp_prepare / sp_unprepare; executing afterwards fails with 8179 */
	b = rpc_by_id(11);
	param_int(b, "", 0, true, true);
	param_nvarchar(b, "", "@P1 int");
	param_nvarchar(b, "", "SELECT @P1 AS v");
	param_int(b, "", 1);
	r = roundtrip(c, 0x03, b);
	CHECK(r.return_values.size() == 1, "sp_prepare by ProcID 11 returns the handle");
	const std::int32_t h2 = r.return_values.empty() ? 0 : std::atoi(r.return_values[0].c_str());
	b = rpc_by_id(15);
	param_int(b, "", h2);
	r = roundtrip(c, 0x03, b);
	CHECK(r.errors.empty() && r.return_status.size() == 1, "sp_unprepare by ProcID 15");
	b = rpc_by_id(12);
	param_int(b, "", h2);
	r = roundtrip(c, 0x03, b);
	CHECK(r.errors.size() == 1 && r.errors[0] == 8179, "sp_execute of an unprepared handle: 8179");
	CHECK(!r.done_status.empty() && (r.done_status.back() & 0x02), "DONEPROC carries DONE_ERROR");

	/* two calls in one request, separated by 0x80 */
	b = rpc_by_id(10);
	param_nvarchar(b, "", "SELECT 1 AS a");
	b.push_back(0x80);
	put16(b, 0xFFFF);
	put16(b, 10);
	put16(b, 0);
	param_nvarchar(b, "", "SELECT 2 AS a");
	r = roundtrip(c, 0x03, b);
	CHECK(r.rows.size() == 2 && r.rows[1][0] == "2", "two RPC calls in one message");
	int doneprocs = 0;
	for (std::size_t k = 0; k < r.done_tokens.size(); k++) {
		if (r.done_tokens[k] == 0xFE) {
			doneprocs++;
			CHECK((r.done_status[k] & 0x01) == (k + 1 == r.done_tokens.size() ? 0 : 1),
			      "DONEPROC %d MORE bit", doneprocs);
		}
	}
	CHECK(doneprocs == 2, "one DONEPROC per call, got %d", doneprocs);

	/* a (max) parameter sent as PLP in several chunks */
	std::string big(30000, 'x');
	big[0] = 'a';
	big[29999] = 'z';
	b = rpc_by_id(10);
	param_nvarchar(b, "", "SELECT len(@P1) AS n, left(@P1, 1) + right(@P1, 1) AS ends");
	param_nvarchar(b, "", "@P1 nvarchar(max)");
	param_nvarchar(b, "", big, true);
	r = roundtrip(c, 0x03, b);
	CHECK(r.rows.size() == 1 && r.rows[0][0] == "30000" && r.rows[0][1] == "az",
	      "chunked PLP parameter");
}

/* A parameter with a hand-written TYPE_INFO and value. */
void
param_raw(Bytes &b, const std::string &name, const Bytes &type_and_value)
{
	b.push_back(static_cast<std::uint8_t>(name.size()));
	put_ucs2(b, name);
	b.push_back(0);
	b.insert(b.end(), type_and_value.begin(), type_and_value.end());
}

Bytes
le_bytes(std::uint64_t v, int n)
{
	Bytes b;
	for (int k = 0; k < n; k++) {
		b.push_back(static_cast<std::uint8_t>(v >> (8 * k)));
	}
	return b;
}

Bytes
cat(std::initializer_list<Bytes> parts)
{
	Bytes out;
	for (const Bytes &p : parts) {
		out.insert(out.end(), p.begin(), p.end());
	}
	return out;
}

/* Every parameter type decoded by the server, echoed back as text. */
void
test_param_types(const char *host, int port, const std::string &user, const std::string &password)
{
	Client c;
	Response r;
	CHECK(login(c, host, port, user, password, 0x74000004, r), "login");
	const std::uint32_t days_2024_05_06 = 739011; /* since 0001-01-01 */
	const std::uint64_t t_070809 = (7 * 3600 + 8 * 60 + 9);
	const Bytes coll = {0x09, 0x04, 0xD0, 0x00, 0x34};
	Bytes b = rpc_by_id(10);
	param_nvarchar(
	    b, "",
	    "SELECT CAST(@b AS nvarchar(40)) AS b, CAST(@f AS nvarchar(40)) AS f, CAST(@r AS "
	    "nvarchar(40)) AS r, CAST(@m AS nvarchar(40)) AS m, CAST(@d AS nvarchar(40)) AS d, "
	    "CAST(@t AS nvarchar(40)) AS t, CAST(@dt2 AS nvarchar(40)) AS dt2, CAST(@dto AS "
	    "nvarchar(40)) AS dto, CAST(@g AS nvarchar(40)) AS g, CAST(datalength(@vb) AS "
	    "nvarchar(40)) AS vb, '[' + @c + ']' AS c, CAST(@nt AS nvarchar(40)) AS nt, CAST(@dec AS "
	    "nvarchar(40)) AS dec, CAST(@i8 AS nvarchar(40)) AS i8, CAST(@dt AS nvarchar(40)) AS dt, "
	    "CAST(@vc AS nvarchar(40)) AS vc, CAST(@sm AS nvarchar(40)) AS sm, CAST(@n AS "
	    "nvarchar(40)) AS n");
	param_nvarchar(
	    b, "",
	    "@b bit, @f float, @r real, @m money, @d date, @t time(7), @dt2 datetime2(3), "
	    "@dto datetimeoffset(0), @g uniqueidentifier, @vb varbinary(max), @c char(5), @nt ntext, "
	    "@dec decimal(10,3), @i8 bigint, @dt datetime, @vc varchar(20), @sm smallmoney, @n int");
	param_raw(b, "@b", {0x68, 1, 1, 1});
	param_raw(b, "@f", cat({{0x6D, 8, 8}, le_bytes(0x4004000000000000ULL, 8)}));  /* 2.5 */
	param_raw(b, "@r", cat({{0x6D, 4, 4}, le_bytes(0x3F000000u, 4)}));            /* 0.5 */
	param_raw(b, "@m", cat({{0x6E, 8, 8}, le_bytes(0, 4), le_bytes(123456, 4)})); /* 12.3456 */
	param_raw(b, "@d", cat({{0x28, 3}, le_bytes(days_2024_05_06, 3)}));
	param_raw(b, "@t", cat({{0x29, 7, 5}, le_bytes(t_070809 * 10000000ULL + 1234567ULL, 5)}));
	param_raw(
	    b, "@dt2",
	    cat({{0x2A, 3, 7}, le_bytes(t_070809 * 1000 + 123, 4), le_bytes(days_2024_05_06, 3)}));
	param_raw(b, "@dto",
	          cat({{0x2B, 0, 8},
	               le_bytes(t_070809 - 7200, 3),
	               le_bytes(days_2024_05_06, 3),
	               le_bytes(120, 2)}));
	param_raw(b, "@g",
	          {0x24, 16, 16, 0xD4, 0xC3, 0xB2, 0xA1, 0xF6, 0xE5, 0x18, 0x47, 0x9A, 0x0B, 0x1C, 0x2D,
	           0x3E, 0x4F, 0x5A, 0x6B});
	param_raw(b, "@vb",
	          cat({{0xA5, 0xFF, 0xFF},
	               le_bytes(3, 8),
	               le_bytes(2, 4),
	               {1, 2},
	               le_bytes(1, 4),
	               {3},
	               le_bytes(0, 4)}));
	param_raw(b, "@c", cat({{0xAF, 5, 0}, coll, {5, 0, 'a', 'b', ' ', ' ', ' '}}));
	param_raw(b, "@nt",
	          cat({{0x63}, le_bytes(0x7FFFFFFE, 4), coll, le_bytes(4, 4), {'H', 0, 'i', 0}}));
	param_raw(b, "@dec", cat({{0x6A, 5, 10, 3, 5, 0}, le_bytes(12345, 4)})); /* -12.345 */
	param_raw(b, "@i8", cat({{0x26, 8, 8}, le_bytes(9007199254740993ULL, 8)}));
	param_raw(b, "@dt", cat({{0x6F, 8, 8}, le_bytes(45416, 4), le_bytes(t_070809 * 300 + 37, 4)}));
	param_raw(b, "@vc", cat({{0xA7, 20, 0}, coll, {3, 0, 'Z', 'o', 0xEB}})); /* CP1252 'Zoë' */
	param_raw(b, "@sm",
	          cat({{0x6E, 4, 4}, le_bytes(static_cast<std::uint32_t>(-15000), 4)})); /* -1.5 */
	param_raw(b, "@n", {0x26, 4, 0});                                                /* NULL */
	r = roundtrip(c, 0x03, b);
	const std::vector<std::string> want = {"1",
	                                       "2.5",
	                                       "0.5",
	                                       "12.3456",
	                                       "2024-05-06",
	                                       "07:08:09.1234567",
	                                       "2024-05-06 07:08:09.123",
	                                       "2024-05-06 07:08:09 +02:00",
	                                       "A1B2C3D4-E5F6-4718-9A0B-1C2D3E4F5A6B",
	                                       "3",
	                                       "[ab   ]",
	                                       "Hi",
	                                       "-12.345",
	                                       "9007199254740993",
	                                       "2024-05-06 07:08:09.123",
	                                       "Zo?",
	                                       "-1.5",
	                                       "NULL"};
	CHECK(r.errors.empty(), "parameter types accepted (error %d)",
	      r.errors.empty() ? 0 : r.errors[0]);
	CHECK(r.rows.size() == 1 && r.rows[0].size() == want.size(), "one row of %zu columns",
	      want.size());
	for (std::size_t k = 0; r.rows.size() == 1 && k < want.size() && k < r.rows[0].size(); k++) {
		CHECK(r.rows[0][k] == want[k], "parameter %s: got '%s', want '%s'",
		      r.metadata[0][k].name.c_str(), r.rows[0][k].c_str(), want[k].c_str());
	}
}

void
test_attention(const char *host, int port, const std::string &user, const std::string &password)
{
	Client c;
	Response r;
	CHECK(login(c, host, port, user, password, 0x74000004, r), "login");
	/* ATTENTION while the server works: the request ends with DONE(ATTN) */
	c.send_message(0x01, batch("WAITFOR DELAY '00:00:20'; SELECT 1 AS a"));
	std::this_thread::sleep_for(std::chrono::milliseconds(200));
	const auto t0 = std::chrono::steady_clock::now();
	c.send_message(0x06, Bytes{});
	Bytes msg;
	std::uint16_t spid = 0;
	CHECK(c.read_message(msg, spid), "response after ATTENTION");
	r = parse(msg);
	const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	CHECK(!r.done_status.empty() && (r.done_status.back() & 0x20),
	      "DONE_ATTN ends the cancelled request");
	CHECK(s < 3.0, "cancel acknowledged in %.2f s", s);
	/* ATTENTION after a complete response: a lone DONE_ATTN */
	r = roundtrip(c, 0x01, batch("SELECT 5 AS a"));
	CHECK(r.rows.size() == 1 && r.rows[0][0] == "5", "query after cancel");
	c.send_message(0x06, Bytes{});
	CHECK(c.read_message(msg, spid), "lone DONE_ATTN arrives");
	r = parse(msg);
	CHECK(r.done_status.size() == 1 && r.done_status[0] == 0x20 && r.rows.empty(),
	      "lone DONE_ATTN");
	/* a request marked 'ignore' gets a plain DONE */
	c.send_message(0x01, batch("SELECT 6 AS a"), 0x03);
	CHECK(c.read_message(msg, spid), "answer to an ignored request");
	r = parse(msg);
	CHECK(r.rows.empty() && r.done_status.size() == 1 && r.done_status[0] == 0,
	      "ignored request: plain DONE");
	r = roundtrip(c, 0x01, batch("SELECT 7 AS a"));
	CHECK(r.rows.size() == 1 && r.rows[0][0] == "7", "session still in step");
}

void
test_login_variants(const char *host, int port, const std::string &user,
                    const std::string &password)
{
	{
		Client c;
		Response r;
		login(c, host, port, user, password + "x", 0x74000004, r);
		CHECK(r.errors.size() == 1 && r.errors[0] == 18456, "wrong password: error 18456");
		CHECK(r.loginack_version == 0, "no LOGINACK on failure");
		Bytes msg;
		std::uint16_t spid = 0;
		CHECK(!c.read_message(msg, spid), "server closes the connection after a failed login");
	}
	{
		Client c;
		Response r;
		CHECK(login(c, host, port, user, password, 0x72090002, r), "TDS 7.2 login");
		CHECK(r.loginack_version == 0x72090002, "LOGINACK 7.2, got %08x", r.loginack_version);
		r = roundtrip(c, 0x01, batch("SELECT CAST('2024-05-06' AS date) AS d"));
		CHECK(r.metadata.size() == 1 && r.metadata[0][0].type == 0xE7 && r.rows.size() == 1 &&
		          r.rows[0][0] == "2024-05-06",
		      "date travels as nvarchar to a TDS 7.2 client");
	}
	{
		Client c;
		Response r;
		CHECK(login(c, host, port, user, password, 0x74000004, r), "TDS 7.4 login");
		r = roundtrip(c, 0x01, batch("SELECT CAST('2024-05-06' AS date) AS d"));
		CHECK(r.metadata.size() == 1 && r.metadata[0][0].type == 0x28, "date is DATEN for TDS 7.4");
	}
}

} // namespace

int
main(int argc, char **argv)
{
	if (argc != 5) {
		std::fprintf(stderr, "usage: %s HOST PORT USER PASSWORD\n", argv[0]);
		return 2;
	}
	const int port = std::atoi(argv[2]);
	try {
		test_rpc_by_procid(argv[1], port, argv[3], argv[4]);
		test_param_types(argv[1], port, argv[3], argv[4]);
		test_attention(argv[1], port, argv[3], argv[4]);
		test_login_variants(argv[1], port, argv[3], argv[4]);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "FAIL: %s\n", e.what());
		g_failures++;
	}
	std::printf("%d checks, %d failures\n", g_checks, g_failures);
	return g_failures ? 1 : 0;
}
