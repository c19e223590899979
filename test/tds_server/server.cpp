/*
 * server.cpp — listener, session threads, registry, KILL and the log.
 *
 * Zone: test server (POSIX sockets + std::thread). Listens on loopback only; with port 0
 * the kernel picks a free port and it is written to --port-file (atomically, via rename)
 * once connections are accepted, so parallel test runs never collide.
 */
#include "test/tds_server/server.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "test/tds_server/catalog.hpp"
#include "test/tds_server/session.hpp"
#include "test/tds_server/sqlite_ext.hpp"
#include "test/tds_server/sqlite_util.hpp"

namespace tributary::tds_server
{

Log::~Log()
{
	if (m_file) {
		std::fclose(m_file);
	}
}

bool
Log::open(const std::string &path)
{
	m_file = std::fopen(path.c_str(), "a");
	return m_file != nullptr;
}

void
Log::line(std::uint16_t spid, const std::string &text)
{
	if (!m_file) {
		return;
	}
	const auto now = std::chrono::system_clock::now();
	const std::time_t t = std::chrono::system_clock::to_time_t(now);
	const auto ms =
	    std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
	    1000;
	struct tm tmv;
	localtime_r(&t, &tmv);
	char stamp[32];
	std::strftime(stamp, sizeof stamp, "%H:%M:%S", &tmv);
	std::lock_guard<std::mutex> lock(m_mutex);
	std::fprintf(m_file, "%s.%03d [%u] %s\n", stamp, static_cast<int>(ms), spid, text.c_str());
	std::fflush(m_file);
}

Server::Server(Config cfg) : m_cfg(std::move(cfg)) {}

Server::~Server()
{
	if (m_listen_fd >= 0) {
		::close(m_listen_fd);
	}
}

bool
Server::start()
{
	if (!m_cfg.log_path.empty() && !m_log.open(m_cfg.log_path)) {
		std::fprintf(stderr, "tds_test_server: cannot open log file %s\n", m_cfg.log_path.c_str());
		return false;
	}
	/* Create the database, switch it to WAL and (re)build the catalog. */
	sqlite3 *db = nullptr;
	if (sqlite3_open_v2(m_cfg.db_path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	                    nullptr) != SQLITE_OK) {
		std::fprintf(stderr, "tds_test_server: cannot open %s: %s\n", m_cfg.db_path.c_str(),
		             db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return false;
	}
	try {
		if (!register_sqlite_extensions(db)) {
			throw std::runtime_error("cannot register SQLite extensions");
		}
		sqlite3_busy_timeout(db, 10000);
		exec(db, "PRAGMA journal_mode = WAL");
		CatalogOptions opt;
		opt.database = m_cfg.database;
		set_snapshot_isolation(m_cfg.snapshot_isolation);
		init_catalog(db, opt);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "tds_test_server: cannot prepare %s: %s\n", m_cfg.db_path.c_str(),
		             e.what());
		sqlite3_close(db);
		return false;
	}
	sqlite3_close(db);
	/* rowversion values only grow: seed from the clock (microseconds) */
	seed_rowversion(
	    static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
	                                   std::chrono::system_clock::now().time_since_epoch())
	                                   .count()));

	struct addrinfo hints;
	std::memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	struct addrinfo *res = nullptr;
	const std::string port = std::to_string(m_cfg.port);
	if (getaddrinfo(m_cfg.host.c_str(), port.c_str(), &hints, &res) != 0 || !res) {
		std::fprintf(stderr, "tds_test_server: cannot resolve %s\n", m_cfg.host.c_str());
		return false;
	}
	const struct addrinfo *ai = res;
	bool loopback = false;
	if (ai->ai_family == AF_INET) {
		const auto *sin = reinterpret_cast<const sockaddr_in *>(ai->ai_addr);
		loopback = (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	} else if (ai->ai_family == AF_INET6) {
		const auto *sin6 = reinterpret_cast<const sockaddr_in6 *>(ai->ai_addr);
		loopback = IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
	}
	if (!loopback) {
		freeaddrinfo(res);
		std::fprintf(stderr, "tds_test_server: refusing to listen on non-loopback address %s\n",
		             m_cfg.host.c_str());
		return false;
	}
	m_listen_fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	const int one = 1;
	::setsockopt(m_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (m_listen_fd < 0 || ::bind(m_listen_fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    ::listen(m_listen_fd, 128) != 0) {
		std::fprintf(stderr, "tds_test_server: cannot listen on %s:%d: %s\n", m_cfg.host.c_str(),
		             m_cfg.port, std::strerror(errno));
		freeaddrinfo(res);
		return false;
	}
	freeaddrinfo(res);
	struct sockaddr_storage bound;
	socklen_t blen = sizeof bound;
	::getsockname(m_listen_fd, reinterpret_cast<sockaddr *>(&bound), &blen);
	const int actual =
	    ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in *>(&bound)->sin_port
	                                     : reinterpret_cast<sockaddr_in6 *>(&bound)->sin6_port);
	m_log.line(0, "listening on " + m_cfg.host + ":" + std::to_string(actual) + ", database " +
	                  m_cfg.database + " in " + m_cfg.db_path);
	if (!m_cfg.port_file.empty()) {
		write_port_file(actual);
	}
	return true;
}

void
Server::write_port_file(int port)
{
	const std::string tmp = m_cfg.port_file + ".tmp";
	std::FILE *f = std::fopen(tmp.c_str(), "w");
	if (!f) {
		std::fprintf(stderr, "tds_test_server: cannot write %s\n", tmp.c_str());
		return;
	}
	std::fprintf(f, "%d\n", port);
	std::fclose(f);
	std::rename(tmp.c_str(), m_cfg.port_file.c_str());
}

void
Server::serve(int stop_fd)
{
	for (;;) {
		struct pollfd fds[2] = {{m_listen_fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
		const int r = ::poll(fds, 2, -1);
		if (r < 0) {
			if (errno == EINTR) {
				continue;
			}
			break;
		}
		if (fds[1].revents) {
			break;
		}
		if (!(fds[0].revents & POLLIN)) {
			continue;
		}
		const int fd = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
		if (fd < 0) {
			continue;
		}
		const int one = 1;
		::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		{
			std::lock_guard<std::mutex> lock(m_mutex);
			m_running++;
		}
		std::thread([this, fd] {
			{
				Session s(*this, fd);
				s.run();
			}
			std::lock_guard<std::mutex> lock(m_mutex);
			m_running--;
			m_cv.notify_all();
		}).detach();
	}
	::close(m_listen_fd);
	m_listen_fd = -1;
	std::unique_lock<std::mutex> lock(m_mutex);
	for (auto &kv : m_sessions) {
		kv.second->kill();
	}
	m_cv.wait_for(lock, std::chrono::seconds(5), [this] { return m_running == 0; });
	m_log.line(0, "stopped");
}

std::uint16_t
Server::register_session(Session *s)
{
	std::lock_guard<std::mutex> lock(m_mutex);
	while (m_sessions.count(m_next_spid) || m_next_spid < 51) {
		m_next_spid = static_cast<std::uint16_t>(m_next_spid >= 32000 ? 51 : m_next_spid + 1);
	}
	const std::uint16_t spid = m_next_spid;
	m_next_spid = static_cast<std::uint16_t>(m_next_spid >= 32000 ? 51 : m_next_spid + 1);
	m_sessions[spid] = s;
	return spid;
}

void
Server::unregister_session(std::uint16_t spid)
{
	std::lock_guard<std::mutex> lock(m_mutex);
	m_sessions.erase(spid);
}

Server::KillResult
Server::kill(std::uint16_t spid, std::uint16_t requester)
{
	if (spid == requester) {
		return KillResult::self;
	}
	std::lock_guard<std::mutex> lock(m_mutex);
	const auto it = m_sessions.find(spid);
	if (it == m_sessions.end()) {
		return KillResult::not_found;
	}
	it->second->kill();
	return KillResult::killed;
}

} // namespace tributary::tds_server
