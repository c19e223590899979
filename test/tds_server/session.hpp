/*
 * session.hpp — one client connection of the TDS test server: login, the request loop,
 * batch execution (statements, control flow, SET/USE/transactions), SQLite execution and
 * result streaming, DDL, and RPC calls. The class is defined here; its methods are split
 * by concern across login.cpp, session.cpp, batch.cpp, statements.cpp, query.cpp,
 * ddl.cpp and rpc.cpp.
 *
 * Zone: test server. A Session runs on its own thread and owns its socket (Channel) and
 * its SQLite connection. Only kill() may be called from another thread, under the
 * server's registry lock.
 */
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "test/tds_server/catalog.hpp"
#include "test/tds_server/encode.hpp"
#include "test/tds_server/packet.hpp"
#include "test/tds_server/server.hpp"
#include "test/tds_server/splitter.hpp"
#include "test/tds_server/translate.hpp"
#include "test/tds_server/value.hpp"

namespace tributary::tds_server
{

struct RpcCall;

/* Thrown when the client's ATTENTION is seen; the request ends with DONE(ATTN). */
struct Cancelled {
};

/* A parameter declaration of sp_executesql / sp_prepare: "@p1 int OUTPUT". */
struct ParamDecl {
	std::string name; /* lower-case, with '@' */
	SqlType type;
	bool output = false;
};

struct PreparedStatement {
	std::vector<ParamDecl> params;
	std::string sql; /* T-SQL text */
};

enum class Isolation { read_uncommitted, read_committed, repeatable_read, snapshot, serializable };

class Session
{
  public:
	Session(Server &server, int fd);
	~Session();
	Session(const Session &) = delete;
	Session &operator=(const Session &) = delete;

	/* Thread entry: login, then requests until EOF, error or KILL. */
	void run();
	/* From another thread: drop the connection now. */
	void
	kill()
	{
		m_ch.kill();
	}
	std::uint16_t
	spid() const
	{
		return m_spid;
	}

  private:
	/* ---- login.cpp */
	bool handshake();
	void reply_prelogin(const Message &m);
	bool login(const Message &m);
	void login_failed(const std::string &user, const ServerMessage *first);

	/* ---- session.cpp: loop, response framing */
	bool open_database();
	void serve();
	void log(const std::string &text);
	void before_output();
	void out_done(std::uint16_t status, std::uint16_t cmd, std::uint64_t rows);
	void set_pending_done(std::uint8_t tok, std::uint16_t status, std::uint16_t cmd,
	                      std::uint64_t rows);
	void finish_response();
	void send_message(const ServerMessage &msg);
	void send_info(int number, const std::string &text);
	void ack_attention();
	void check_cancel();
	TranslateContext translate_context();
	std::optional<Token> global_value(const std::string &name);

	/* ---- batch.cpp: batches, control flow, dispatch */
	void on_batch(const Message &m);
	void run_batch_text(const std::string &sql, Scope &scope);
	bool run_one(std::vector<Statement> &stmts, std::size_t &i, Scope &scope);
	void skip_one(const std::vector<Statement> &stmts, std::size_t &i);
	bool execute_statement(Statement &st, Scope &scope);
	void dispatch(Statement &st, Scope &scope);

	/* ---- statements.cpp: SET, USE, transactions, variables, messages */
	void run_set(Statement &st, Scope &scope);
	void run_use(Statement &st);
	void run_begin_tran();
	void run_commit(Statement &st);
	void run_rollback(Statement &st);
	void run_save(Statement &st);
	void run_declare(Statement &st, Scope &scope);
	void run_print(Statement &st, Scope &scope);
	void run_raiserror(Statement &st, Scope &scope, bool is_throw);
	void run_waitfor(Statement &st);
	void run_kill(Statement &st);
	void tran_envchange(std::uint8_t type, bool begin);
	void after_error_tran_check();
	bool evaluate_condition(const std::vector<Token> &cond, Scope &scope);

	/* ---- query.cpp: SQLite execution and streaming */
	void run_sql(Statement &st, Scope &scope);
	sqlite3_stmt *prepare(const std::string &sql, std::uint16_t cmd);
	void bind_scope(sqlite3_stmt *st, Scope &scope);
	void stream_rows(sqlite3_stmt *st, const SelectInfo *info, Scope &scope);
	void run_dml(sqlite3_stmt *st, std::uint16_t cmd);
	void run_assignment(sqlite3_stmt *st, const SelectInfo &info, Scope &scope);
	void run_showplan(const std::string &sql, const std::string &text, Scope &scope);
	std::vector<ResultColumn> describe(sqlite3_stmt *st, const SelectInfo *info, bool has_row,
	                                   Scope &scope);
	std::optional<ColumnMeta> probe_type(const std::string &expr, const std::string &tail);
	int step(sqlite3_stmt *st);
	[[noreturn]] void raise_sqlite(int rc, std::uint16_t cmd, bool at_prepare);
	Value eval_scalar(const std::string &expr_sql, Scope &scope);
	void encode_return_value(ByteBuffer &out, const Variable &v);
	void check_snapshot();

	/* ---- ddl.cpp */
	void run_ddl(Statement &st);
	void create_table(Statement &st, std::size_t i);
	void create_view(Statement &st, std::size_t i, bool or_alter);
	void create_index(Statement &st, std::size_t i);
	void create_schema(Statement &st, std::size_t i);
	void drop_objects(Statement &st);
	void alter_table(Statement &st);
	/* ALTER DATABASE {name | CURRENT} SET ALLOW_SNAPSHOT_ISOLATION {ON | OFF}. */
	void alter_database(Statement &st);
	void truncate_table(Statement &st);
	void ddl_done();

	/* ---- rpc.cpp */
	void on_rpc(const Message &m);
	void run_rpc_call(ByteReader &r, bool &more);
	void require_params(const RpcCall &call, std::size_t n);
	void collect_outputs(RpcCall &call, const std::vector<Variable> &values,
	                     std::size_t first_ordinal);
	void rpc_executesql(RpcCall &call);
	void rpc_prepare(RpcCall &call, bool execute);
	void rpc_execute(RpcCall &call);
	void finish_rpc_call(const RpcCall &call);
	void exec_with_params(const std::string &sql, const std::vector<ParamDecl> &decls,
	                      std::vector<Variable> &args, Scope &scope);

	Server &m_server;
	Channel m_ch;
	std::uint16_t m_spid = 0;
	sqlite3 *m_db = nullptr;
	Catalog m_catalog{nullptr};
	WireOptions m_wire;
	std::string m_user;
	std::string m_app;
	std::string m_host;
	std::string m_database;

	/* SET options and @@ values */
	std::uint32_t m_textsize = 4096;
	bool m_nocount = false;
	bool m_fmtonly = false;
	bool m_showplan = false;
	std::int64_t m_rowcount_limit = 0;
	Isolation m_isolation = Isolation::read_committed;
	int m_trancount = 0;
	bool m_ddl_in_tran = false;
	std::uint64_t m_tran_seq = 0;
	std::uint8_t m_tran_descriptor[8] = {};
	std::int64_t m_rowcount = 0;
	std::int64_t m_last_error = 0;

	/* RPC prepared statements */
	std::map<std::int32_t, PreparedStatement> m_prepared;
	std::int32_t m_next_handle = 1;

	/* response framing */
	struct PendingDone {
		bool set = false;
		std::uint8_t token = 0;
		std::uint16_t status = 0;
		std::uint16_t cmd = 0;
		std::uint64_t rows = 0;
	} m_pending;
	bool m_in_proc = false;
	bool m_proc_error = false;
	bool m_connection_lost = false;

	std::unordered_map<std::string, sqlite3_stmt *> m_stmt_cache;
	ByteBuffer m_row;
	std::uint32_t m_poll_counter = 0;
	const std::string *m_batch_sql = nullptr; /* text of the running batch, for line numbers */
};

} // namespace tributary::tds_server
