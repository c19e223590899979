/*
 * server.hpp — the listening side of the TDS test server: configuration, the loopback
 * listener, one thread per connection, the session registry (SPIDs, KILL) and the log.
 *
 * Zone: test server (POSIX sockets + threads). The registry lock guards every use of a
 * session from another thread (KILL, shutdown); a session unregisters before it closes its
 * socket, so KILL can never touch a reused file descriptor.
 */
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

namespace tributary::tds_server
{

struct Config {
	std::string host = "127.0.0.1";
	int port = 0;
	std::string port_file;
	std::string db_path;
	std::string user;
	std::string password;
	std::string database = "tributary";
	std::string log_path;
	bool snapshot_isolation = false;
};

/* Line-oriented log; never receives passwords. Thread-safe. */
class Log
{
  public:
	~Log();
	bool open(const std::string &path);
	void line(std::uint16_t spid, const std::string &text);
	bool
	enabled() const
	{
		return m_file != nullptr;
	}

  private:
	std::mutex m_mutex;
	std::FILE *m_file = nullptr;
};

class Session;

class Server
{
  public:
	explicit Server(Config cfg);
	~Server();
	Server(const Server &) = delete;
	Server &operator=(const Server &) = delete;

	/* Prepare the database and listen; false (with a message on stderr) on failure. */
	bool start();
	/* Accept connections until stop_fd becomes readable; then end all sessions. */
	void serve(int stop_fd);

	const Config &
	config() const
	{
		return m_cfg;
	}
	Log &
	log()
	{
		return m_log;
	}

	std::uint16_t register_session(Session *s);
	void unregister_session(std::uint16_t spid);

	enum class KillResult { killed, self, not_found };
	KillResult kill(std::uint16_t spid, std::uint16_t requester);

  private:
	void write_port_file(int port);

	Config m_cfg;
	Log m_log;
	int m_listen_fd = -1;
	std::mutex m_mutex;
	std::condition_variable m_cv;
	std::map<std::uint16_t, Session *> m_sessions;
	std::uint16_t m_next_spid = 51;
	int m_running = 0; /* session threads alive */
};

} // namespace tributary::tds_server
