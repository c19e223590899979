/*
 * state.cpp — see state.hpp. The batch statement: one INSERT … SELECT from the step's
 * source relation, upserting into the target and the id map, with its bookkeeping
 * (batch row, step state, run totals) in the same transaction.
 *
 * Zone: loader. Identifiers come from the catalogs (regclass text, quote_ident) and
 * travel through pqxx's quote_name; values travel only as parameters.
 */
#include "loader/state.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

namespace loader {

namespace {

std::string
join(const std::vector<std::string> &parts, const std::string &sep)
{
	std::string out;
	for (size_t i = 0; i < parts.size(); i++) {
		out += (i > 0 ? sep : "") + parts[i];
	}
	return out;
}

std::vector<std::string>
parse_text_array(const pqxx::field &f)
{
	std::vector<std::string> out;
	if (f.is_null()) {
		return out;
	}
	auto parser = f.as_array();
	for (auto item = parser.get_next(); item.first != pqxx::array_parser::done;
		 item = parser.get_next()) {
		if (item.first == pqxx::array_parser::string_value) {
			out.push_back(item.second);
		}
	}
	return out;
}

std::string
key_json(const Key &key)
{
	return nlohmann::json(key).dump();
}

Key
parse_key(const std::string &json)
{
	Key key;
	for (const auto &v : nlohmann::json::parse(json)) {
		key.push_back(v.is_string() ? v.get<std::string>() : v.dump());
	}
	return key;
}

/* Rows refused for their data: classes 22 and 23, a RAISE in a transform, FDW value errors. */
bool
is_data_error(const std::string &state)
{
	/* 21000: ON CONFLICT met a key twice — a transform that returns duplicate keys */
	return state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0 || state == "P0001" ||
		   state == "HV004" || state == "HV005" || state == "HV002" || state == "21000";
}

DataError
to_data_error(const pqxx::sql_error &e)
{
	std::string msg = e.what();
	std::string detail;
	auto nl = msg.find('\n');
	if (nl != std::string::npos) {
		detail = msg.substr(nl + 1);
		while (!detail.empty() && detail.back() == '\n') {
			detail.pop_back();
		}
		if (detail.rfind("DETAIL:  ", 0) == 0) {
			detail = detail.substr(9);
		}
		msg = msg.substr(0, nl);
	}
	if (msg.rfind("ERROR:  ", 0) == 0) {
		msg = msg.substr(8);
	}
	return DataError(e.sqlstate(), msg, detail);
}

/* One failure row (insert, or one more attempt), inside the caller's transaction. */
void
insert_failure(pqxx::transaction_base &tx, const Step &step, long run_id,
			   const std::string &key_json, const DataError &error, const std::string *row_json)
{
	tx.exec_params(
		"INSERT INTO migration.failure AS f (step, source, source_key, sqlstate, message, detail, "
		"source_row, last_run_id) VALUES ($1, $2, $3::jsonb, $4, $5, nullif($6, ''), "
		"$7::jsonb, $8) "
		"ON CONFLICT (step, source, source_key) DO UPDATE SET attempts = f.attempts + 1, "
		"sqlstate = EXCLUDED.sqlstate, message = EXCLUDED.message, detail = EXCLUDED.detail, "
		"source_row = coalesce(EXCLUDED.source_row, f.source_row), last_seen_at = now(), "
		"last_run_id = EXCLUDED.last_run_id, resolved_at = NULL",
		step.name, step.source, key_json, error.sqlstate(), std::string(error.what()),
		error.detail(), row_json != nullptr ? row_json->c_str() : nullptr, run_id);
}

/*
 * The start of a batch's transaction: its time (for migration.batch), and at least 64MB of
 * work_mem for it. A batch keeps its rows in three CTEs (source rows, rows to write, written
 * rows): ten thousand rows of a few hundred bytes spill to temporary files under the
 * default work_mem of 4MB.
 */
std::string
start_batch(pqxx::transaction_base &tx)
{
	return tx.exec1("SELECT clock_timestamp()::text, set_config('work_mem', CASE WHEN "
					"pg_size_bytes(current_setting('work_mem')) < 64 * 1024 * 1024 THEN '64MB' "
					"ELSE current_setting('work_mem') END, true)")[0]
		.as<std::string>();
}

/* A batch's bookkeeping, inside its transaction: its row, and the run's totals. */
void
record_batch(pqxx::transaction_base &tx, const Step &step, long run_id, const std::string &lower_json,
			 const std::string &upper_json, const BatchResult &r, long failed, const std::string &started)
{
	tx.exec_params("INSERT INTO migration.batch (run_id, step, source, lower_key, upper_key, "
				   "rows_read, rows_inserted, rows_updated, rows_failed, started_at) "
				   "VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8, $9, $10::timestamptz)",
				   run_id, step.name, step.source, lower_json, upper_json, r.rows_read, r.inserted,
				   r.updated, failed, started);
	tx.exec_params("UPDATE migration.run SET rows_read = rows_read + $2, "
				   "rows_written = rows_written + $3, rows_failed = rows_failed + $4 WHERE id = $1",
				   run_id, r.rows_read, r.inserted + r.updated, failed);
}

} // namespace

/* ---- sessions and units of work ------------------------------------------------------ */

Savepoint::Savepoint(pqxx::transaction_base &tx, std::string name) : m_tx(tx), m_name(std::move(name))
{
	m_tx.exec0("SAVEPOINT " + m_name);
}

Savepoint::~Savepoint()
{
	if (!m_released) {
		try {
			m_tx.exec0("ROLLBACK TO SAVEPOINT " + m_name);
		} catch (...) {
			/* the connection broke: the transaction is lost anyway */
		}
	}
}

void
Savepoint::release()
{
	m_tx.exec0("RELEASE SAVEPOINT " + m_name);
	m_released = true;
}

Session::Session(std::unique_ptr<pqxx::connection> conn, bool dry_run) : m_conn(std::move(conn))
{
	if (dry_run) {
		m_outer = std::make_unique<pqxx::work>(*m_conn, "tributary dry run");
	}
}

Session::~Session()
{
	try {
		m_outer.reset(); /* a dry run's transaction: rolled back */
	} catch (...) {
	}
}

Unit::Unit(Session &session)
{
	if (session.m_outer) {
		m_savepoint = std::make_unique<Savepoint>(*session.m_outer,
												  "tributary_unit_" + std::to_string(++session.m_units));
		m_tx = session.m_outer.get();
	} else {
		m_own = std::make_unique<pqxx::work>(session.conn());
		m_tx = m_own.get();
		session.relock_after_reconnect(*m_own);
	}
}

void
Session::held(const std::string &name, const std::string &source, bool shared, bool holds)
{
	if (holds) {
		m_locks.push_back({name, source, shared});
		m_backend = m_conn->backendpid();
		return;
	}
	for (auto it = m_locks.begin(); it != m_locks.end(); ++it) {
		if (it->name == name && it->source == source) {
			m_locks.erase(it);
			return;
		}
	}
}

void
Session::relock_after_reconnect(pqxx::transaction_base &tx)
{
	const int pid = m_conn->backendpid();
	if (m_locks.empty() || pid == m_backend) {
		return;
	}
	for (const Held &h : m_locks) {
		auto r = tx.exec_params(std::string(h.shared ? "SELECT pg_try_advisory_lock_shared(" : "SELECT pg_try_advisory_lock(") +
									"hashtext('tributary'), hashtext($1 || '/' || $2))::text",
								h.name, h.source);
		if (r[0][0].as<std::string>() != "true") {
			throw std::runtime_error("the connection to the database was lost and another run took step \"" +
									 h.name + "\" of source \"" + h.source + "\" meanwhile");
		}
	}
	m_backend = pid;
}

void
Unit::commit()
{
	if (m_own) {
		m_own->commit();
	} else {
		m_savepoint->release();
	}
}

namespace {

const std::vector<std::pair<Mode, const char *>> mode_names = {
	{Mode::full, "full"},
	{Mode::diff, "diff"},
	{Mode::local_diff, "local-diff"},
	{Mode::retry_failed, "retry-failed"},
	{Mode::find_missing, "find-missing"},
	{Mode::verify, "verify"},
};

} // namespace

Mode
parse_mode(const std::string &name)
{
	for (const auto &m : mode_names) {
		if (name == m.second) {
			return m.first;
		}
	}
	throw std::invalid_argument("unknown mode \"" + name + "\"");
}

const char *
mode_name(Mode mode)
{
	for (const auto &m : mode_names) {
		if (mode == m.first) {
			return m.second;
		}
	}
	return "?";
}

/* ---- steps, runs, locks ------------------------------------------------------------- */

struct PgTarget::Shape {
	std::vector<std::string> key_cols;	/* quoted */
	std::vector<std::string> key_types; /* format_type */
	std::string src;					/* quoted relation */
	std::string map_table;
	std::string target;					/* quoted target table */
	std::string tk;						/* quoted target key */
	std::string upsert;					/* {SRC}: the rows, {FILTER}: which of them to write */
	std::string upsert_fresh;			/* the same for rows the id map does not know */
	long long int_max = 0;				/* a single integer key: its type's largest value */
	std::string map_knows;				/* whether the id map knows a key in {COND} */
	std::string changed_filter;			/* local-diff: rows whose fingerprint changed */
	std::string bound_first;			/* key of the batch's last row; LIMIT spliced in */
	std::string bound_next;
	std::string range_first;			/* source rows up to a known last key ($first…) */
	std::string range_next;
	std::string stage_create;			/* a refused batch's rows, staged for bisection */
	std::string stage_insert;			/* {COND}: which source rows */
	std::string staged_row;				/* key and row of staged row $1 */
	std::string ua;						/* the quoted updated_at column, if any */
	std::string ua_type;				/* format_type of the updated_at column, if any */
	std::string find_window;			/* diff: keys in the window; LIMIT spliced in */
	std::string find_changed;			/* local-diff: keys of rows whose fingerprint changed */
	std::string stretch_end;			/* local-diff: the id map's key OFFSET n after $2… */
	std::string after2, upto2, between2; /* keys after $2…, up to $2…, both ($2… < k ≤ $2+n…) */
	std::string next_key_first;
	std::string next_key_next;
	std::string source_row;
	std::string key_json_expr;			/* json_build_array(k1::text, …)::text */
	std::string source_fp;				/* fingerprint of a source row `s`, in target types */
	std::string target_fp;				/* fingerprint of a target row `t` */
	std::string compare;				/* {SCOND}: source rows, {MCOND}: id map rows */
	std::string tail;					/* id map rows after the last source key */
	std::string map_cols;				/* mp.k1, mp.k2 … */
	bool fast_fk = false;				/* foreign keys checked per batch, not per row */
	std::string target_name;			/* the target's name, for messages */
	std::string dedup_w;				/* AND NOT a merged duplicate (rows m) */
	std::string dedup_s;				/* the same for source rows s, id map rows xm */
	std::string dedup_xm;
	/* scope name → (quoted column, type) of the source relation */
	std::map<std::string, std::pair<std::string, std::string>> scope_cols;
};

std::vector<Step>
load_steps(Session &session)
{
	Unit u(session);
	auto &tx = u.tx();
	std::vector<Step> steps;
	for (const auto &row : tx.exec(
			 "SELECT name, source, source_relation::text, target_table::text, source_key, "
			 "target_key, key_mode, coalesce(source_key_column, ''), "
			 "coalesce(updated_at_column, ''), depends_on, batch_size, "
			 "coalesce(options->>'fk_check', 'auto'), coalesce(options->'scopes', '{}')::text, "
			 "ARRAY(SELECT jsonb_array_elements_text(options->'dedup'->'columns')), "
			 "ARRAY(SELECT lower(trim(o)) FROM unnest(string_to_array(options->'dedup'->>'order', ',')) o) "
			 "FROM migration.step")) {
		Step s;
		s.name = row[0].as<std::string>();
		s.source = row[1].as<std::string>();
		s.source_relation = row[2].as<std::string>();
		s.target_table = row[3].as<std::string>();
		s.source_key = parse_text_array(row[4]);
		s.target_key = row[5].as<std::string>();
		s.key_mode = row[6].as<std::string>();
		s.source_key_column = row[7].as<std::string>();
		s.updated_at_column = row[8].as<std::string>();
		s.depends_on = parse_text_array(row[9]);
		s.batch_size = row[10].as<int>();
		s.fk_check = row[11].as<std::string>();
		const nlohmann::json scopes = nlohmann::json::parse(row[12].as<std::string>());
		for (auto it = scopes.begin(); it != scopes.end(); ++it) {
			s.scopes.emplace_back(it.key(), it.value().get<std::string>());
		}
		s.dedup_columns = parse_text_array(row[13]);
		/* "created_at desc nulls last" → (created_at, DESC NULLS LAST); checked by define_step */
		for (const std::string &item : parse_text_array(row[14])) {
			auto sp = item.find_first_of(" \t");
			std::string words = sp == std::string::npos ? "" : item.substr(sp);
			std::string clean;
			for (char c : words) {
				if (std::isalpha(static_cast<unsigned char>(c)) || c == ' ') {
					clean += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
				}
			}
			s.dedup_order.emplace_back(item.substr(0, sp), clean);
		}
		steps.push_back(std::move(s));
	}
	u.commit();
	return steps;
}

long
start_run(Session &session, const std::string &mode, const std::vector<std::string> &steps)
{
	char host[256] = {0};
	gethostname(host, sizeof(host) - 1);
	Unit u(session);
	auto &tx = u.tx();
	long id = tx.exec_params1("INSERT INTO migration.run (mode, dry_run, steps, host, pid) "
							  "VALUES ($1, $2, ARRAY(SELECT jsonb_array_elements_text($3::jsonb)), "
							  "$4, $5) RETURNING id",
							  mode, session.dry_run(), nlohmann::json(steps).dump(),
							  std::string(host), static_cast<int>(getpid()))[0]
				  .as<long>();
	u.commit();
	return id;
}

void
finish_run(Session &session, long run_id, const std::string &status, long read, long written,
		   long failed, const std::string &message)
{
	/* The run's own connection sat idle while the steps ran: if it was lost meanwhile,
	 * libpqxx reconnects at the next try. */
	for (int attempt = 1;; attempt++) {
		try {
			Unit u(session);
			u.tx().exec_params("UPDATE migration.run SET status = $2, finished_at = clock_timestamp(), "
							   "rows_read = $3, rows_written = $4, rows_failed = $5, "
							   "message = nullif($6, '') WHERE id = $1",
							   run_id, status, read, written, failed, message);
			u.commit();
			return;
		} catch (const pqxx::broken_connection &) {
			if (attempt >= 3 || session.dry_run()) {
				throw;
			}
			std::this_thread::sleep_for(std::chrono::seconds(1));
		}
	}
}

namespace {

/* Two-key advisory lock: one key space for tributary, one key per step and source. */
constexpr const char *lock_args = "hashtext('tributary'), hashtext($1 || '/' || $2)";

} // namespace

bool
lock_step(Session &session, const Step &step, bool wait, bool shared)
{
	/* A dry run holds its locks until its transaction ends. */
	const std::string fn = std::string(wait ? "pg_advisory" : "pg_try_advisory") +
						   (session.dry_run() ? "_xact_lock" : "_lock") + (shared ? "_shared(" : "(");
	Unit u(session);
	auto r = u.tx().exec_params("SELECT " + fn + lock_args + ")::text", step.name, step.source);
	u.commit();
	const bool holds = wait || r[0][0].as<std::string>() == "true";
	if (holds && !session.dry_run()) {
		session.held(step.name, step.source, shared, true);
	}
	return holds;
}

void
unlock_step(Session &session, const Step &step, bool shared)
{
	if (session.dry_run()) {
		return;
	}
	session.held(step.name, step.source, shared, false);
	pqxx::nontransaction tx(session.conn());
	tx.exec_params(std::string(shared ? "SELECT pg_advisory_unlock_shared(" : "SELECT pg_advisory_unlock(") +
					   lock_args + ")",
				   step.name, step.source);
}

void
reset_step(Session &session, const Step &step)
{
	Unit u(session);
	auto &tx = u.tx();
	tx.exec_params("UPDATE migration.step_state SET state = 'pending', last_key = NULL, "
				   "updated_at = now() WHERE step = $1 AND source = $2",
				   step.name, step.source);
	/* The restarted load takes a new first watermark, and cuts new ranges. */
	tx.exec_params("DELETE FROM migration.watermark WHERE step = $1 AND source = $2", step.name,
				   step.source);
	tx.exec_params("DELETE FROM migration.range WHERE step = $1 AND source = $2", step.name,
				   step.source);
	u.commit();
}

/* ---- the statements of a step --------------------------------------------------------- */

namespace {

std::string
step_id(const Step &step)
{
	return step.name + "/" + step.source;
}

void
replace_all(std::string &text, const std::string &from, const std::string &to)
{
	for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
		text.replace(pos, from.size(), to);
	}
}

std::string
fill(std::string tpl, const std::vector<std::pair<std::string, std::string>> &values)
{
	for (const auto &v : values) {
		replace_all(tpl, v.first, v.second);
	}
	return tpl;
}

/* A SQL string literal (standard_conforming_strings, as every supported server has). */
std::string
sql_literal(const std::string &value)
{
	std::string out = "'";
	for (char c : value) {
		out += c == '\'' ? std::string("''") : std::string(1, c);
	}
	return out + "'";
}

/* A PostgreSQL array literal of text values: {"a","b\"c"}. */
std::string
array_literal(const std::vector<std::string> &values)
{
	std::string out = "{";
	for (size_t i = 0; i < values.size(); i++) {
		out += i > 0 ? ",\"" : "\"";
		for (char c : values[i]) {
			if (c == '"' || c == '\\') {
				out += '\\';
			}
			out += c;
		}
		out += '"';
	}
	return out + "}";
}

} // namespace

const PgTarget::Shape &
PgTarget::shape(const Step &step)
{
	const std::string id = step_id(step);
	for (const auto &entry : m_shapes) {
		if (entry.first == id) {
			return *entry.second;
		}
	}
	auto sh = std::make_shared<Shape>();
	Unit u(m_session);
	auto &tx = u.tx();
	sh->src = step.source_relation;
	sh->target = step.target_table;
	/* A column's type as SQL spells it, e.g. "numeric(10,2)". */
	auto column_type = [&tx](const std::string &rel, const std::string &col) {
		return tx.exec_params1("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
							   "WHERE attrelid = $1::regclass AND attname = $2",
							   rel, col)[0]
			.as<std::string>();
	};
	for (const std::string &k : step.source_key) {
		sh->key_cols.push_back(tx.quote_name(k));
		sh->key_types.push_back(column_type(step.source_relation, k));
	}
	const std::string tk = tx.quote_name(step.target_key);
	sh->tk = tk;
	const std::string skc = step.source_key_column.empty() ? "" : tx.quote_name(step.source_key_column);
	const bool map_mode = step.key_mode == "map";

	/* Columns copied: those the source relation and the target share by name, with the
	 * target's type (fingerprints compare source rows cast to it). */
	std::vector<std::string> cols, col_types;
	for (const auto &row : tx.exec_params(
			 "SELECT quote_ident(a.attname), format_type(b.atttypid, b.atttypmod) "
			 "FROM pg_attribute a JOIN pg_attribute b "
			 "ON b.attname = a.attname AND b.attrelid = $2::regclass AND b.attnum > 0 "
			 "AND NOT b.attisdropped AND b.attgenerated = '' "
			 "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped "
			 "AND a.attname <> $3 AND a.attname <> $4 ORDER BY a.attnum",
			 step.source_relation, step.target_table, step.target_key, step.source_key_column)) {
		cols.push_back(row[0].as<std::string>());
		col_types.push_back(row[1].as<std::string>());
	}
	std::string seq;
	bool identity_always = false;
	if (map_mode) {
		auto r = tx.exec_params1("SELECT pg_get_serial_sequence($1, $2), "
								 "(SELECT attidentity = 'a' FROM pg_attribute WHERE attrelid = "
								 "$1::regclass AND attname = $2)",
								 step.target_table, step.target_key);
		seq = r[0].as<std::string>();
		identity_always = r[1].as<bool>();
	}
	const std::string tk_type = column_type(step.target_table, step.target_key);
	const std::string map_table = "migration." + tx.quote_name("map_" + step.name);
	sh->map_table = map_table;
	std::string ua;
	if (!step.updated_at_column.empty()) {
		ua = tx.quote_name(step.updated_at_column);
		sh->ua_type = column_type(step.source_relation, step.updated_at_column);
	}
	/*
	 * The foreign keys of the target, for the by-batch check (see below), and whether that
	 * check may replace PostgreSQL's per-row one here.
	 */
	struct ForeignKey {
		std::string name, parent, parent_name;
		std::vector<std::string> cols, types, parent_cols, col_names;
	};
	std::vector<ForeignKey> fks;
	/* Whether the target has a trigger of its own (one that is not disabled), and a rule. */
	auto own = tx.exec_params1("SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT "
							   "tgisinternal AND tgenabled <> 'D'), EXISTS (SELECT 1 FROM pg_rewrite WHERE "
							   "ev_class = $1::regclass AND rulename <> '_RETURN')",
							   step.target_table);
	const bool own_triggers = own[0].as<bool>(), rules = own[1].as<bool>();
	/* Whether the target stores each row as sent: no trigger and no rule can change it. */
	const bool stored_as_sent = !own_triggers && !rules;
	bool fast_fk = false;
	if (step.fk_check != "row" && !own_triggers) {
		auto safe = tx.exec_params1(
			"SELECT has_parameter_privilege('session_replication_role', 'SET') "
			"AND (SELECT relkind = 'r' FROM pg_class WHERE oid = $1::regclass) "
			"AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE confrelid = $1::regclass AND contype = 'f' "
			"AND confkey <> ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = $1::regclass "
			"AND attname = $2)]) "
			"AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f' "
			"AND (confmatchtype <> 's' OR condeferrable))",
			step.target_table, step.target_key);
		fast_fk = safe[0].as<bool>();
	}
	for (const auto &row : tx.exec_params(
			 "SELECT c.conname, c.confrelid::regclass::text, p.relname, "
			 "ARRAY(SELECT quote_ident(a.attname) FROM unnest(c.conkey) WITH ORDINALITY k(n, i) "
			 "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i), "
			 "ARRAY(SELECT format_type(a.atttypid, a.atttypmod) FROM unnest(c.conkey) WITH ORDINALITY k(n, i) "
			 "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i), "
			 "ARRAY(SELECT quote_ident(a.attname) FROM unnest(c.confkey) WITH ORDINALITY k(n, i) "
			 "JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i), "
			 "ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i) "
			 "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) "
			 "FROM pg_constraint c JOIN pg_class p ON p.oid = c.confrelid "
			 "WHERE c.conrelid = $1::regclass AND c.contype = 'f' ORDER BY c.conname",
			 step.target_table)) {
		ForeignKey fk;
		fk.name = row[0].as<std::string>();
		fk.parent = row[1].as<std::string>();
		fk.parent_name = row[2].as<std::string>();
		fk.cols = parse_text_array(row[3]);
		fk.types = parse_text_array(row[4]);
		fk.parent_cols = parse_text_array(row[5]);
		fk.col_names = parse_text_array(row[6]);
		fks.push_back(std::move(fk));
	}
	for (const auto &scope : step.scopes) {
		sh->scope_cols[scope.first] = {tx.quote_name(scope.second), column_type(step.source_relation, scope.second)};
	}
	sh->target_name = tx.exec_params1("SELECT relname FROM pg_class WHERE oid = $1::regclass",
									  step.target_table)[0]
						  .as<std::string>();
	const std::string quoted_seq = map_mode ? tx.quote(seq) : std::string();
	std::vector<std::string> quoted_key_names;
	for (const std::string &k : step.source_key) {
		quoted_key_names.push_back(tx.quote(k));
	}
	u.commit();

	/*
	 * Keyset conditions on the key in parameters $first…, spelled with plain comparisons
	 * (the FDW sends them to the source; a row comparison it would not):
	 * after: (k1 > a) OR (k1 = a AND k2 > b)…; up to: (k1 < a) OR (k1 = a AND k2 <= b)….
	 */
	const size_t nkeys = sh->key_cols.size();
	auto key_cond = [&](size_t first, const char *strict, const char *last) {
		std::vector<std::string> ors;
		for (size_t i = 0; i < nkeys; i++) {
			std::vector<std::string> ands;
			for (size_t j = 0; j <= i; j++) {
				std::string p = "$" + std::to_string(first + j) + "::" + sh->key_types[j];
				const char *op = j < i ? " = " : (i + 1 == nkeys ? last : strict);
				ands.push_back(sh->key_cols[j] + op + p);
			}
			ors.push_back("(" + join(ands, " AND ") + ")");
		}
		return "(" + join(ors, " OR ") + ")";
	};
	auto after_cond = [&](size_t first) { return key_cond(first, " > ", " > "); };
	auto upto_cond = [&](size_t first) { return key_cond(first, " < ", " <= "); };
	/* (after, up to]: with `after` the after-key's parameters come first. */
	auto range = [&](bool with_after, size_t first) {
		return with_after ? after_cond(first) + " AND " + upto_cond(first + nkeys) : upto_cond(first);
	};
	std::vector<std::string> order_asc, order_desc, key_text, map_cols;
	for (const std::string &k : sh->key_cols) {
		order_asc.push_back(k);
		order_desc.push_back(k + " DESC");
		key_text.push_back(k + "::text");
		map_cols.push_back("mp." + k);
	}
	sh->map_cols = join(map_cols, ", ");
	sh->key_json_expr = "json_build_array(" + join(key_text, ", ") + ")::text";

	std::vector<std::string> ins_cols = cols;
	std::vector<std::string> sel_exprs;
	std::vector<std::string> src_cast, tgt_cols;
	for (size_t i = 0; i < cols.size(); i++) {
		sel_exprs.push_back("m." + cols[i]);
		src_cast.push_back("CAST(s." + cols[i] + " AS " + col_types[i] + ")");
		tgt_cols.push_back("t." + cols[i]);
	}
	/* fingerprint_values(a, b) equals fingerprint(ROW(a, b)) without building the row: it
	 * hashes 1.5M listings in 0.38 s against 0.78 s. A function takes at most 100
	 * arguments, and VARIADIC at least one. */
	const bool by_values = !cols.empty() && cols.size() <= 100;
	auto fingerprint = [by_values](const std::vector<std::string> &values) {
		return by_values ? "migration.fingerprint_values(" + join(values, ", ") + ")"
						 : "migration.fingerprint(ROW(" + join(values, ", ") + "))";
	};
	sh->source_fp = fingerprint(src_cast);
	sh->target_fp = fingerprint(tgt_cols);
	ins_cols.push_back(tk);
	sel_exprs.push_back(map_mode ? "COALESCE(m.tributary_target_key, nextval(" + quoted_seq +
									   "::regclass))"
								 : "m." + sh->key_cols[0]);
	std::string key_expr;
	if (nkeys == 1) {
		key_expr = "m." + sh->key_cols[0];
	} else {
		std::vector<std::string> parts;
		for (size_t i = 0; i < nkeys; i++) {
			parts.push_back(quoted_key_names[i] + ", m." + sh->key_cols[i]);
		}
		key_expr = "jsonb_build_object(" + join(parts, ", ") + ")";
	}
	if (!skc.empty() && skc != tk) {
		ins_cols.push_back(skc);
		sel_exprs.push_back(key_expr);
	}
	std::vector<std::string> updates;
	for (const std::string &c : ins_cols) {
		if (c != tk) {
			updates.push_back(c + " = EXCLUDED." + c);
		}
	}
	if (updates.empty()) {
		updates.push_back(tk + " = EXCLUDED." + tk);
	}
	/* The source key of each upserted row, from what RETURNING can see. */
	std::vector<std::string> map_keys;
	for (size_t i = 0; i < nkeys; i++) {
		if (!map_mode) {
			map_keys.push_back("up.tributary_tk::" + sh->key_types[i]);
		} else if (nkeys == 1) {
			map_keys.push_back("up.tributary_skc::" + sh->key_types[i]);
		} else {
			map_keys.push_back("(up.tributary_skc->>" + quoted_key_names[i] + ")::" +
							   sh->key_types[i]);
		}
	}
	std::vector<std::string> map_join, using_keys;
	for (const std::string &k : sh->key_cols) {
		map_join.push_back("mp." + k + " = src." + k);
	}

	/*
	 * The upsert of a batch: the rows ({SRC}, parameters from $2; $1 is the source name)
	 * joined to the id map, written to the target, the id map updated with the written
	 * rows' target keys and fingerprints. {FILTER} picks the rows to write.
	 */
	std::string m_fp = sh->source_fp;
	replace_all(m_fp, "CAST(s.", "CAST(m.");
	/*
	 * Foreign keys by batch: PostgreSQL checks a foreign key with one query per inserted
	 * row (its RI trigger), which costs more than the insert itself. Where it is safe (the
	 * session may set session_replication_role, the target has no trigger of its own, no
	 * other table refers to a column we write other than the target key, every foreign key
	 * is MATCH SIMPLE and not deferrable, and every foreign key column is written here),
	 * the batch does the same check while it reads its rows: each row's parent is locked
	 * FOR KEY SHARE — as the RI trigger would, so a parent cannot be deleted under us —
	 * and a flag column per foreign key (tributary_fk_N) says whether it was there. Only
	 * rows whose parents exist are written, with the per-row triggers off for the
	 * statement. A row without its parent becomes a failure with PostgreSQL's own SQLSTATE
	 * (23503), message and detail. step option fk_check 'row' turns this off.
	 */
	std::string fk_flags, fk_ok = "true", fk_bad = "NULL::json", fk_drop;
	for (const ForeignKey &fk : fks) {
		for (const std::string &c : fk.cols) {
			if (std::find(ins_cols.begin(), ins_cols.end(), c) == ins_cols.end()) {
				fast_fk = false; /* a column filled by a default: leave it to the trigger */
			}
		}
	}
	if (fast_fk && !fks.empty()) {
		std::vector<std::string> oks, whens;
		for (size_t f = 0; f < fks.size(); f++) {
			const ForeignKey &fk = fks[f];
			const std::string flag = "tributary_fk_" + std::to_string(f + 1);
			std::vector<std::string> match, nulls, shown, names;
			for (size_t i = 0; i < fk.cols.size(); i++) {
				match.push_back("p." + fk.parent_cols[i] + " = CAST(s." + fk.cols[i] + " AS " + fk.types[i] + ")");
				nulls.push_back("s." + fk.cols[i] + " IS NULL");
				shown.push_back("CAST(m." + fk.cols[i] + " AS " + fk.types[i] + ")::text");
				names.push_back(fk.col_names[i]);
			}
			fk_flags += ", (" + join(nulls, " OR ") + " OR EXISTS (SELECT 1 FROM " + fk.parent + " p WHERE " +
						join(match, " AND ") + " FOR KEY SHARE OF p)) AS " + flag;
			fk_drop += " - '" + flag + "'";
			oks.push_back("m." + flag);
			/* PostgreSQL's words for the same violation (ri_ReportViolation). */
			whens.push_back("WHEN NOT m." + flag + " THEN json_build_array(" + sql_literal(fk.name) +
							", format('Key (%s)=(%s) is not present in table %s.', " +
							sql_literal(join(names, ", ")) + ", concat_ws(', ', " + join(shown, ", ") +
							"), " + sql_literal("\"" + fk.parent_name + "\"") + "))");
		}
		fk_ok = join(oks, " AND ");
		fk_bad = "CASE " + join(whens, " ") + " END";
	} else {
		fast_fk = false;
	}
	sh->fast_fk = fast_fk;
	/* The source key and row of a refused row, for its failure record. */
	std::vector<std::string> key_text_m;
	for (const std::string &k : sh->key_cols) {
		key_text_m.push_back("m." + k + "::text");
	}
	const std::string returning =
		" RETURNING t." + tk + " AS tributary_tk, " + (skc.empty() ? std::string("NULL") : "t." + skc) +
		" AS tributary_skc, (t.xmax = 0) AS tributary_inserted, " + sh->target_fp + " AS tributary_fp";
	const std::string insert_head = "INSERT INTO " + step.target_table + " AS t (" + join(ins_cols, ", ") +
									")" + (identity_always ? " OVERRIDING SYSTEM VALUE" : "") + " SELECT " +
									join(sel_exprs, ", ") + " FROM w AS m WHERE m.tributary_fk_ok";
	const std::string on_conflict = " ON CONFLICT (" + tk + ") DO UPDATE SET " + join(updates, ", ");
	/*
	 * Map mode: a row the id map does not know gets a new key from the sequence and is
	 * inserted, never merged into an existing row (a sequence behind the table's keys is a
	 * failure, not an overwrite); a known row is upserted at its mapped key (it comes back
	 * if it was deleted). Keep mode upserts every row at its source key.
	 */
	const std::string writes =
		map_mode ? "up_new AS (" + insert_head + " AND m.tributary_target_key IS NULL" + returning +
					   "), up_old AS (" + insert_head + " AND m.tributary_target_key IS NOT NULL" +
					   on_conflict + returning +
					   "), up AS (SELECT * FROM up_new UNION ALL SELECT * FROM up_old), "
				 : "up AS (" + insert_head + on_conflict + returning + "), ";
	/* The id map entries of the written rows: new rows' entries are new (plain insert). */
	/* A step with scopes keeps each row's scope values in its id map entry (--replace). */
	std::string scope_expr = "NULL::jsonb", scope_join;
	if (!step.scopes.empty()) {
		std::vector<std::string> parts, on;
		for (const auto &scope : step.scopes) {
			parts.push_back(sql_literal(scope.first) + ", m." + sh->scope_cols[scope.first].first + "::text");
		}
		scope_expr = "jsonb_build_object(" + join(parts, ", ") + ")";
		for (size_t i = 0; i < nkeys; i++) {
			on.push_back("sw." + sh->key_cols[i] + " = " + map_keys[i]);
		}
		scope_join = " JOIN w AS sw ON " + join(on, " AND ");
	}
	auto map_insert = [&](const std::string &from, bool upsert) {
		if (!map_mode && !upsert) {
			return std::string();
		}
		return "mp_" + from + " AS (INSERT INTO " + map_table + " AS x (source, " +
			   join(sh->key_cols, ", ") + ", target_key, fingerprint, scope) SELECT $1::text, " +
			   join(map_keys, ", ") + ", up.tributary_tk, up.tributary_fp, " +
			   (step.scopes.empty() ? std::string("NULL::jsonb") : std::string("sw.tributary_scope")) +
			   " FROM " + from + " AS up" + scope_join +
			   (upsert ? " ON CONFLICT (source, " + join(sh->key_cols, ", ") +
							 ") DO UPDATE SET target_key = EXCLUDED.target_key, fingerprint = "
							 "EXCLUDED.fingerprint, scope = EXCLUDED.scope, migrated_at = now()"
					   : std::string()) +
			   "), ";
	};
	/* De-duplication: merged duplicates are not written (their id map entries point at
	 * the survivor's row, written when the step ends) and not compared. */
	if (!step.dedup_columns.empty()) {
		auto merged = [&](const std::string &alias) {
			std::vector<std::string> kt;
			for (const std::string &k : sh->key_cols) {
				kt.push_back(alias + "." + k + "::text");
			}
			return " AND NOT EXISTS (SELECT 1 FROM migration.merge g WHERE g.step = " + sql_literal(step.name) +
				   " AND g.source = $1::text AND g.source_key = json_build_array(" + join(kt, ", ") +
				   ")::jsonb)";
		};
		sh->dedup_w = merged("m");
		sh->dedup_s = merged("s");
		sh->dedup_xm = merged("xm");
	}
	/*
	 * {M}: the rows with their id map entries. A full load's batch whose key range the id
	 * map does not know yet (the usual case: a first load) skips the look-up: its rows
	 * have no entries, and m and w are then only src, read where they are used (the
	 * planner drops the writes of known rows, as no row has a target key).
	 */
	const std::string row_json = "to_jsonb(m.*) - 'tributary_target_key' - 'tributary_fp_old' - "
								 "'tributary_fk_ok' - 'tributary_scope' - 'tributary_rn' - 'tributary_new_key'" +
								 fk_drop;
	/* The refused rows of `rows` (those without a parent): their keys, errors and rows. */
	auto refused = [&](const std::string &rows, const std::string &where) {
		return "(SELECT json_agg(json_build_array(json_build_array(" + join(key_text_m, ", ") + "), " + fk_bad +
			   ", " + row_json + "))::text FROM " + rows + " AS m WHERE " + where + ")";
	};
	sh->upsert =
		"WITH src AS MATERIALIZED (SELECT s.*" + fk_flags + " FROM ({SRC}) AS s), "
		"m AS ({M}), "
		"w AS {WMAT}(SELECT m.*, " + fk_ok + " AS tributary_fk_ok, " + scope_expr +
		" AS tributary_scope FROM m WHERE true{FILTER}" + sh->dedup_w + "), " + writes +
		map_insert("up_new", false) + map_insert(map_mode ? "up_old" : "up", true) +
		"tributary_done AS (SELECT 1) "
		"SELECT (SELECT count(*) FROM src), "
		"(SELECT count(*) FROM up WHERE tributary_inserted), (SELECT count(*) FROM up), " +
		refused("w", "NOT m.tributary_fk_ok");
	sh->changed_filter = " AND m.tributary_fp_old IS DISTINCT FROM " + m_fp;
	/*
	 * A fresh batch in map mode, when the target stores rows as sent and the step has no
	 * scope and no de-duplication: each row takes its new key from the sequence as it is
	 * read, and the target and the id map are both written from the rows read, without a
	 * RETURNING list built and read back. The id map's fingerprint is then the source
	 * row's in the target's types, which is what the target's own would be (and what
	 * local-diff compares it with).
	 */
	if (map_mode && stored_as_sent && step.scopes.empty() && step.dedup_columns.empty()) {
		const std::string ok = "(" + fk_ok + ")";
		std::vector<std::string> direct_sel = sel_exprs;
		direct_sel[cols.size()] = "m.tributary_new_key";
		std::vector<std::string> m_keys;
		for (const std::string &k : sh->key_cols) {
			m_keys.push_back("m." + k);
		}
		sh->upsert_fresh =
			"WITH src AS MATERIALIZED (SELECT s.*" + fk_flags + ", nextval(" + quoted_seq +
			"::regclass) AS tributary_new_key FROM ({SRC}) AS s), "
			"up AS (INSERT INTO " + step.target_table + " AS t (" + join(ins_cols, ", ") + ")" +
			(identity_always ? " OVERRIDING SYSTEM VALUE" : "") + " SELECT " + join(direct_sel, ", ") +
			" FROM src AS m WHERE " + ok + "), "
			"mp AS (INSERT INTO " + map_table + " (source, " + join(sh->key_cols, ", ") +
			", target_key, fingerprint, scope) SELECT $1::text, " + join(m_keys, ", ") +
			", m.tributary_new_key, " + m_fp + ", NULL::jsonb FROM src AS m WHERE " + ok + "), "
			"n AS (SELECT count(*) AS c FROM src AS m WHERE " + ok + ") "
			"SELECT (SELECT count(*) FROM src), (SELECT c FROM n), (SELECT c FROM n), " +
			refused("src", "NOT " + ok);
	} else {
		sh->upsert_fresh = fill(sh->upsert, {{"{M}", "SELECT src.*, CAST(NULL AS " + tk_type +
														  ") AS tributary_target_key, CAST(NULL AS bigint) AS "
														  "tributary_fp_old FROM src"},
											 {"{WMAT}", "NOT MATERIALIZED "}});
	}
	replace_all(sh->upsert, "{M}",
				"SELECT src.*, mp.target_key AS tributary_target_key, mp.fingerprint AS tributary_fp_old FROM src "
				"LEFT JOIN " + map_table + " mp ON mp.source = $1::text AND " + join(map_join, " AND "));
	replace_all(sh->upsert, "{WMAT}", "MATERIALIZED ");
	/* Whether the id map knows a key of a full load's batch (its range: {COND} from $2). */
	sh->map_knows = "SELECT EXISTS (SELECT 1 FROM " + map_table + " WHERE source = $1::text AND {COND})";

	/*
	 * Diff mode reads only rows changed in the step's window: updated_at after $a (the
	 * watermark less the overlap) and at most $a+1 (the high-water mark taken when the
	 * run started). The window's two parameters come after every other parameter.
	 */
	sh->ua = ua;
	if (nkeys == 1) {
		const std::string &t = sh->key_types[0];
		sh->int_max = t == "bigint" ? std::numeric_limits<long long>::max()
					  : t == "integer" ? std::numeric_limits<int>::max()
					  : t == "smallint" ? std::numeric_limits<short>::max()
										: 0;
	}
	sh->after2 = after_cond(2);
	sh->upto2 = upto_cond(2);
	sh->between2 = range(true, 2);
	auto window = [&](size_t first) { return window_cond(*sh, first); };
	/*
	 * A batch is two statements: the key of its last row (only the key is read, so a
	 * transform view computes nothing else), then the rows up to that key.
	 */
	auto bound = [&](bool with_after) {
		return "SELECT " + sh->key_json_expr + " FROM (SELECT " + join(sh->key_cols, ", ") +
			   " FROM " + sh->src + " WHERE " +
			   (with_after ? after_cond(1) : std::string("true")) +
			   window(with_after ? 1 + nkeys : 1) + "{RANGE} ORDER BY " + join(order_asc, ", ") +
			   " LIMIT {LIMIT}) b ORDER BY " + join(order_desc, ", ") + " LIMIT 1";
	};
	sh->bound_first = bound(false);
	sh->bound_next = bound(true);
	sh->range_first = range(false, 2) + window(2 + nkeys) + "{RANGE}";
	sh->range_next = range(true, 2) + window(2 + 2 * nkeys) + "{RANGE}";
	/*
	 * When a batch is refused, its rows are read once more into a temporary table, numbered
	 * in key order, and bisected there (with savepoints) instead of at the source.
	 */
	sh->stage_create = "CREATE TEMP TABLE tributary_stage ON COMMIT DROP AS SELECT 0::bigint AS "
					   "tributary_rn, * FROM " + sh->src + " WITH NO DATA";
	sh->stage_insert = "INSERT INTO pg_temp.tributary_stage SELECT row_number() OVER (ORDER BY " +
					   join(order_asc, ", ") + "), * FROM " + sh->src + " WHERE {COND}";
	sh->staged_row = "SELECT " + sh->key_json_expr + ", (to_jsonb(s.*) - 'tributary_rn')::text "
					 "FROM pg_temp.tributary_stage s WHERE tributary_rn = $1";
	auto next_key = [&](bool with_after) {
		return "SELECT " + sh->key_json_expr + " FROM " + sh->src + " WHERE " +
			   (with_after ? after_cond(1) : std::string("true")) +
			   window(with_after ? 1 + nkeys : 1) + "{RANGE} ORDER BY " + join(order_asc, ", ") +
			   " LIMIT 1";
	};
	sh->next_key_first = next_key(false);
	sh->next_key_next = next_key(true);

	/*
	 * Diff and local-diff list the keys of the changed rows before writing any (see
	 * load_listed). Diff: the keys in the window, sorted here rather than at the source
	 * (OFFSET 0 keeps the ORDER BY from being pushed, so the source's plan is the window's
	 * index, not its primary key read in order). Local-diff: the source rows of a stretch
	 * of keys ({COND}, parameters from $2) fingerprinted and compared with the id map's
	 * fingerprints of the same stretch; new rows (no id map entry) are changed rows too.
	 * Its one row: the source rows read, and the changed keys as a JSON array in key order.
	 */
	sh->find_window = "SELECT " + sh->key_json_expr + " FROM (SELECT " + join(sh->key_cols, ", ") +
					  " FROM " + sh->src + " WHERE true" + window(1) + "{RANGE} OFFSET 0) s ORDER BY " +
					  join(order_asc, ", ") + " LIMIT {LIMIT}";
	std::vector<std::string> s_keys, mp_on;
	for (const std::string &k : sh->key_cols) {
		s_keys.push_back("s." + k);
		mp_on.push_back("mp." + k + " = s." + k);
	}
	sh->find_changed = "WITH s AS MATERIALIZED (SELECT " + join(s_keys, ", ") + ", " + sh->source_fp +
					   " AS tributary_fp FROM " + sh->src + " s WHERE {COND}{RANGE}" + sh->dedup_s +
					   "), x AS (SELECT " + join(s_keys, ", ") + " FROM s LEFT JOIN (SELECT " +
					   join(sh->key_cols, ", ") + ", fingerprint FROM " + map_table +
					   " WHERE source = $1::text AND {COND}) mp ON " + join(mp_on, " AND ") +
					   " WHERE mp.fingerprint IS DISTINCT FROM s.tributary_fp) "
					   "SELECT (SELECT count(*) FROM s), (SELECT json_agg(" + sh->key_json_expr +
					   " ORDER BY " + join(order_asc, ", ") + ") FROM x)::text";
	sh->stretch_end = "SELECT " + sh->key_json_expr + " FROM " + map_table +
					  " WHERE source = $1::text AND {COND} ORDER BY " + join(order_asc, ", ") +
					  " OFFSET {OFFSET} LIMIT 1";
	std::vector<std::string> eq;
	for (size_t i = 0; i < nkeys; i++) {
		eq.push_back("s." + sh->key_cols[i] + " = $" + std::to_string(1 + i) + "::" +
					 sh->key_types[i]);
	}
	sh->source_row = "SELECT to_jsonb(s.*)::text FROM " + sh->src + " s WHERE " + join(eq, " AND ");

	/*
	 * Comparing source and target: the source rows ({SCOND}) against the id map's rows
	 * ({MCOND}) and the target rows they point at, joined on the source key. {SFP} and
	 * {TFP} are the fingerprints, or NULL when comparing keys only. Each result row is a
	 * mismatch: missing (no target row), extra (no source row), different; in key order
	 * (the join's own order depends on its plan).
	 */
	sh->compare =
		"WITH s AS MATERIALIZED (SELECT " + join(sh->key_cols, ", ") +
		", {SFP} AS tributary_fp, true AS tributary_in_source FROM " + sh->src +
		" s WHERE {SCOND}" + sh->dedup_s + "), "
		"d AS MATERIALIZED (SELECT " + sh->map_cols + ", {TFP} AS tributary_fp, "
		"t." + tk + " IS NOT NULL AS tributary_present FROM (SELECT * FROM " + map_table +
		" xm WHERE source = $1::text AND {MCOND}" + sh->dedup_xm + ") mp LEFT JOIN " + step.target_table + " t ON t." +
		tk + " = mp.target_key), "
		"x AS (SELECT " + join(sh->key_cols, ", ") + ", " + sh->key_json_expr +
		" AS k, CASE WHEN s.tributary_in_source IS NULL THEN 'extra' "
		"WHEN d.tributary_present IS NOT TRUE THEN 'missing' ELSE 'different' END AS kind "
		"FROM s FULL JOIN d USING (" + join(sh->key_cols, ", ") + ") "
		"WHERE (s.tributary_in_source AND d.tributary_present IS NOT TRUE) "
		"OR (s.tributary_in_source IS NULL AND d.tributary_present) "
		"OR (s.tributary_fp IS DISTINCT FROM d.tributary_fp AND s.tributary_in_source "
		"AND d.tributary_present)) "
		"(SELECT k, kind FROM x ORDER BY " + join(sh->key_cols, ", ") +
		") UNION ALL SELECT NULL, (SELECT count(*) FROM s)::text";
	sh->tail = "SELECT json_build_array(" + join(map_cols, "::text, ") + "::text)::text FROM (SELECT * FROM " + map_table +
			   " xm WHERE source = $1::text AND {MCOND}" + sh->dedup_xm + ") mp JOIN " + step.target_table + " t ON t." +
			   tk + " = mp.target_key ORDER BY " + join(map_cols, ", ");
	m_shapes.emplace_back(id, sh);
	return *sh;
}

namespace {

/*
 * The rows with these keys, as a condition on parameters from $first: `k = ANY($n)` for a
 * one-column key (an IN list at the source), one AND group per key otherwise.
 */
std::string
keyset_cond(const std::vector<std::string> &key_cols, const std::vector<std::string> &key_types,
			size_t first, const std::vector<Key> &keys, std::vector<std::string> &params)
{
	if (key_cols.size() == 1) {
		std::vector<std::string> values;
		for (const Key &k : keys) {
			values.push_back(k.at(0));
		}
		params.push_back(array_literal(values));
		return key_cols[0] + " = ANY ($" + std::to_string(first) + "::" + key_types[0] + "[])";
	}
	std::vector<std::string> ors;
	size_t n = first;
	for (const Key &k : keys) {
		std::vector<std::string> ands;
		for (size_t i = 0; i < key_cols.size(); i++) {
			ands.push_back(key_cols[i] + " = $" + std::to_string(n++) + "::" + key_types[i]);
			params.push_back(k.at(i));
		}
		ors.push_back("(" + join(ands, " AND ") + ")");
	}
	return "(" + join(ors, " OR ") + ")";
}

/* Keys per statement when a list of keys is sent to the source. */
constexpr size_t keys_per_statement = 500;

} // namespace

std::optional<Key>
PgTarget::begin_step(const Step &step, long run_id)
{
	if (m_mode == Mode::diff) {
		if (step.updated_at_column.empty()) {
			throw std::runtime_error("step \"" + step.name + "\" has no updated_at column, so it has "
									 "no diff mode (define it with updated_at_column, or use "
									 "--mode local-diff)");
		}
	}
	if (m_mode != Mode::full && !is_completed(step)) {
		throw std::runtime_error("step \"" + step.name + "\" of source \"" + step.source +
								 "\" has not completed a full load; run a full load first");
	}
	if (m_mode == Mode::diff) {
		const Shape &sh = shape(step);
		const bool temporal = sh.ua_type.rfind("timestamp", 0) == 0 || sh.ua_type == "date";
		Unit u(m_session);
		auto &tx = u.tx();
		/* The low end: the watermark less the overlap window. */
		auto low = tx.exec_params(
			temporal ? "SELECT (high_water::" + sh.ua_type + " - $3::interval)::" + sh.ua_type +
						   "::text FROM migration.watermark WHERE step = $1 AND source = $2"
					 : std::string("SELECT high_water FROM migration.watermark "
								   "WHERE step = $1 AND source = $2 AND $3::text IS NOT NULL"),
			step.name, step.source, m_overlap);
		/* No watermark (the source was empty at the full load): from the beginning. */
		std::string from = !low.empty() ? low[0][0].as<std::string>()
						   : temporal	? std::string("0001-01-01")
										: std::string("-9223372036854775808");
		/*
		 * The high-water mark now: the newest updated_at above the low end. The condition
		 * travels to the source (with an index on updated_at only the changed rows are
		 * touched), whether or not the transform view lets max() itself be pushed.
		 */
		const std::string ua = tx.quote_name(step.updated_at_column);
		const bool fine = sh.ua_type.rfind("timestamp", 0) == 0;
		auto high = tx.exec_params1(std::string("SELECT m::text, ") +
										(fine ? "(m + interval '1 microsecond')::text" : "m::text") +
										" FROM (SELECT max(" + ua + ") AS m FROM " + step.source_relation +
										" WHERE " + ua + " > $1::" + sh.ua_type + ") s",
									from);
		m_windows[step_id(step)] = {from, high[0].is_null() ? std::string() : high[0].as<std::string>()};
		m_window_ends[step_id(step)] =
			high[0].is_null() ? std::string() : high[fine ? 1 : 0].as<std::string>();
		u.commit();
		m_pending[step_id(step)] = Pending{};
		if (!nothing_changed(step)) {
			find_window_keys(step, m_pending[step_id(step)]);
		}
		return std::nullopt;
	}
	if (m_mode == Mode::local_diff) {
		m_pending[step_id(step)] = Pending{};
	}
	if (m_mode != Mode::full || !m_scope.empty()) {
		/* every other mode, and a scoped re-import, reads from the first row */
		return std::nullopt;
	}
	if (m_range) {
		/* One range of a parallel load (its first watermark was taken before any range). */
		char host[256] = {0};
		gethostname(host, sizeof(host) - 1);
		Unit u(m_session);
		auto r = u.tx().exec_params(
			"UPDATE migration.range_state SET state = 'in_progress', last_run_id = $4, "
			"claimed_by = $5, updated_at = now() WHERE step = $1 AND source = $2 AND no = $3 "
			"RETURNING last_key::text",
			step.name, step.source, m_range->no, run_id,
			std::string(host) + ":" + std::to_string(getpid()));
		u.commit();
		if (r.empty() || r[0][0].is_null()) {
			return std::nullopt;
		}
		return parse_key(r[0][0].as<std::string>());
	}
	take_first_watermark(step, run_id);
	prepare_dedup(step, run_id);
	Unit u(m_session);
	auto &tx = u.tx();
	tx.exec_params("UPDATE migration.step_state SET state = 'in_progress', last_run_id = $3, "
				   "updated_at = now() WHERE step = $1 AND source = $2",
				   step.name, step.source, run_id);
	auto r = tx.exec_params("SELECT last_key::text FROM migration.step_state "
							"WHERE step = $1 AND source = $2",
							step.name, step.source);
	u.commit();
	if (r.empty() || r[0][0].is_null()) {
		return std::nullopt;
	}
	return parse_key(r[0][0].as<std::string>());
}

void
PgTarget::take_first_watermark(const Step &step, long run_id)
{
	if (step.updated_at_column.empty()) {
		return;
	}
	/* The first watermark: taken before the first row is read, kept on resume. */
	Unit u(m_session);
	auto &tx = u.tx();
	tx.exec_params("INSERT INTO migration.watermark (step, source, high_water, run_id) "
				   "SELECT $1, $2, m, $3 FROM (SELECT max(" +
					   tx.quote_name(step.updated_at_column) + ")::text AS m FROM " +
					   step.source_relation + ") s WHERE m IS NOT NULL "
											  "ON CONFLICT (step, source) DO NOTHING",
				   step.name, step.source, run_id);
	u.commit();
}

void
PgTarget::prepare_dedup(const Step &step, long run_id)
{
	if (step.dedup_columns.empty()) {
		return;
	}
	const Shape &sh = shape(step);
	Unit u(m_session);
	auto &tx = u.tx();
	std::vector<std::string> dup, not_null, order, keys_text;
	for (const std::string &c : step.dedup_columns) {
		dup.push_back(tx.quote_name(c));
		not_null.push_back(tx.quote_name(c) + " IS NOT NULL");
	}
	for (const auto &o : step.dedup_order) {
		order.push_back(tx.quote_name(o.first) + " " + o.second); /* words checked by define_step */
	}
	for (const std::string &k : sh.key_cols) {
		order.push_back(k);
		keys_text.push_back(k + "::text");
	}
	std::vector<std::string> dup_text;
	for (const std::string &d : dup) {
		dup_text.push_back(d + "::text");
	}
	/* Groups of equal dedup values in this source; the first row of each in `order` survives. */
	const std::string window = "(PARTITION BY " + join(dup, ", ") + " ORDER BY " + join(order, ", ") + ")";
	tx.exec0("CREATE TEMP TABLE tributary_dedup ON COMMIT DROP AS SELECT json_build_array(" +
			 join(keys_text, ", ") + ")::jsonb AS source_key, jsonb_build_array(" + join(dup_text, ", ") +
			 ") AS dup_values, row_number() OVER " + window + " AS rn, first_value(json_build_array(" +
			 join(keys_text, ", ") + ")::jsonb) OVER " + window + " AS survivor FROM " + sh.src +
			 " WHERE " + join(not_null, " AND "));
	tx.exec_params("DELETE FROM migration.merge WHERE step = $1 AND source = $2", step.name, step.source);
	tx.exec_params("DELETE FROM migration.dedup_key WHERE step = $1 AND source = $2", step.name, step.source);
	tx.exec_params("INSERT INTO migration.dedup_key (step, source, source_key, dup_values) "
				   "SELECT $1, $2, source_key, dup_values FROM pg_temp.tributary_dedup WHERE rn = 1",
				   step.name, step.source);
	tx.exec_params("INSERT INTO migration.merge (step, source, source_key, survivor_source, survivor_key, "
				   "dup_values, run_id) SELECT $1, $2, source_key, $2, survivor, dup_values, $3 "
				   "FROM pg_temp.tributary_dedup WHERE rn > 1",
				   step.name, step.source, run_id);
	/* A survivor that duplicates a row of another source of the step, whose load is complete,
	 * merges into that row (the source migrated first wins), with its own duplicates. */
	tx.exec_params("INSERT INTO migration.merge (step, source, source_key, survivor_source, survivor_key, "
				   "dup_values, run_id) SELECT DISTINCT ON (d.source_key) $1, $2, d.source_key, o.source, "
				   "o.source_key, d.dup_values, $3 FROM pg_temp.tributary_dedup d JOIN migration.dedup_key o "
				   "ON o.step = $1 AND o.source <> $2 AND o.dup_values = d.dup_values "
				   "JOIN migration.step_state st ON st.step = $1 AND st.source = o.source AND st.state = 'completed' "
				   "WHERE d.rn = 1 ORDER BY d.source_key, o.source",
				   step.name, step.source, run_id);
	tx.exec_params("UPDATE migration.merge m SET survivor_source = x.survivor_source, survivor_key = x.survivor_key "
				   "FROM migration.merge x WHERE m.step = $1 AND m.source = $2 AND m.survivor_source = $2 "
				   "AND x.step = $1 AND x.source = $2 AND x.source_key = m.survivor_key AND x.survivor_source <> $2",
				   step.name, step.source);
	tx.exec_params("DELETE FROM migration.dedup_key k USING migration.merge m WHERE k.step = $1 AND k.source = $2 "
				   "AND m.step = $1 AND m.source = $2 AND m.source_key = k.source_key",
				   step.name, step.source);
	tx.exec0("DROP TABLE pg_temp.tributary_dedup");
	u.commit();
}

void
PgTarget::finish_dedup(pqxx::transaction_base &tx, const Step &step)
{
	if (step.dedup_columns.empty()) {
		return;
	}
	const Shape &sh = shape(step);
	/* Each duplicate's id map entry: the survivor's target key. */
	std::vector<std::string> keys_from_json, on;
	for (size_t i = 0; i < sh.key_cols.size(); i++) {
		keys_from_json.push_back("(g.source_key->>" + std::to_string(i) + ")::" + sh.key_types[i]);
		on.push_back("sm." + sh.key_cols[i] + " = (g.survivor_key->>" + std::to_string(i) + ")::" +
					 sh.key_types[i]);
	}
	tx.exec_params("INSERT INTO " + sh.map_table + " AS x (source, " + join(sh.key_cols, ", ") +
					   ", target_key) SELECT $2, " + join(keys_from_json, ", ") + ", sm.target_key "
					   "FROM migration.merge g JOIN " + sh.map_table + " sm ON sm.source = g.survivor_source AND " +
					   join(on, " AND ") + " WHERE g.step = $1 AND g.source = $2 ON CONFLICT (source, " +
					   join(sh.key_cols, ", ") + ") DO UPDATE SET target_key = EXCLUDED.target_key, "
					   "fingerprint = NULL, migrated_at = now()",
				   step.name, step.source);
}

std::string
PgTarget::ranged(const Shape &sh, std::string sql) const
{
	std::string cond;
	if (m_range) {
		std::vector<std::string> parts;
		if (!m_range->lower.empty()) {
			parts.push_back(sh.key_cols[0] + " > " + m_range->lower);
		}
		if (!m_range->upper.empty()) {
			parts.push_back(sh.key_cols[0] + " <= " + m_range->upper);
		}
		if (!parts.empty()) {
			cond = " AND (" + join(parts, " AND ") + ")";
		}
	}
	for (const auto &scope : m_scope) {
		const auto &col = sh.scope_cols.at(scope.first);
		cond += " AND (" + col.first + " = CAST(" + sql_literal(scope.second) + " AS " + col.second + "))";
	}
	replace_all(sql, "{RANGE}", cond);
	return sql;
}

void
PgTarget::range_progress(pqxx::transaction_base &tx, const Step &step, long run_id, const Key &last,
						 long done, long failed)
{
	if (!m_range) {
		return;
	}
	tx.exec_params("UPDATE migration.range_state SET last_key = $4::jsonb, rows_done = rows_done + $5, "
				   "rows_failed = rows_failed + $6, last_run_id = $7, updated_at = now() "
				   "WHERE step = $1 AND source = $2 AND no = $3",
				   step.name, step.source, m_range->no, key_json(last), done, failed, run_id);
}

void
PgTarget::end_step(const Step &step, long run_id)
{
	if (m_range) {
		Unit u(m_session);
		u.tx().exec_params("UPDATE migration.range_state SET state = 'completed', last_run_id = $4, "
						   "updated_at = now() WHERE step = $1 AND source = $2 AND no = $3",
						   step.name, step.source, m_range->no, run_id);
		u.commit();
		return;
	}
	const bool completes = m_mode == Mode::full && m_scope.empty();
	const std::string map_table = completes ? shape(step).map_table : std::string();
	bool parents_of_others = false;
	Unit u(m_session);
	auto &tx = u.tx();
	if (m_mode == Mode::diff) {
		const auto &w = m_windows[step_id(step)];
		if (!w.second.empty()) {
			tx.exec_params("INSERT INTO migration.watermark AS w (step, source, high_water, run_id) "
						   "VALUES ($1, $2, $3, $4) ON CONFLICT (step, source) DO UPDATE SET "
						   "high_water = EXCLUDED.high_water, run_id = EXCLUDED.run_id, "
						   "updated_at = now()",
						   step.name, step.source, w.second, run_id);
		}
	} else if (completes) {
		finish_dedup(tx, step);
		tx.exec_params("UPDATE migration.step_state SET state = 'completed', last_run_id = $3, "
					   "updated_at = now() WHERE step = $1 AND source = $2",
					   step.name, step.source, run_id);
		parents_of_others = tx.exec_params1("SELECT EXISTS (SELECT 1 FROM migration.step WHERE $1 = ANY (depends_on))",
											step.name)[0]
								.as<bool>();
	}
	u.commit();
	/*
	 * The steps that depend on this one translate their keys through its id map. Without
	 * statistics the map is planned as a bitmap scan per looked-up key; without a
	 * visibility map every look-up also reads the map's heap (its primary key includes
	 * target_key, so a vacuumed map answers from the index alone). So the map of a step
	 * others depend on is vacuumed and analyzed, any other map analyzed (autovacuum
	 * vacuums it as any table). VACUUM runs outside a transaction; a dry run rolls
	 * everything back and skips both. (A role that may not vacuum or analyze the map gets
	 * PostgreSQL's warning, not an error.)
	 */
	if (completes && !m_session.dry_run()) {
		pqxx::nontransaction nt(m_session.conn());
		nt.exec0((parents_of_others ? "VACUUM (ANALYZE) " : "ANALYZE ") + map_table);
	}
}

bool
PgTarget::is_completed(const Step &step)
{
	Unit u(m_session);
	auto r = u.tx().exec_params("SELECT state = 'completed' FROM migration.step_state "
								"WHERE step = $1 AND source = $2",
								step.name, step.source);
	u.commit();
	return !r.empty() && r[0][0].as<bool>();
}

std::vector<std::string>
PgTarget::with_window(const Step &step, std::vector<std::string> params) const
{
	if (windowed()) {
		params.push_back(m_windows.at(step_id(step)).first);
		params.push_back(m_window_ends.at(step_id(step)));
	}
	return params;
}

/*
 * Bisect staged rows lo..hi (numbered in key order) with savepoints: what is accepted
 * stays in the transaction, each refused row is recorded as a failure in it.
 */
void
PgTarget::load_staged(pqxx::transaction_base &tx, const Step &step, long run_id, long lo, long hi,
					  BatchResult &r, long &failed)
{
	const Shape &sh = shape(step);
	try {
		Savepoint sp(tx, "tributary_rows");
		run_upsert(tx, step, run_id,
				   fill(sh.upsert, {{"{SRC}", "SELECT * FROM pg_temp.tributary_stage WHERE tributary_rn "
											  "BETWEEN $2::bigint AND $3::bigint"},
									{"{FILTER}", writes_changed_only() ? sh.changed_filter : ""}}),
				   {step.source, std::to_string(lo), std::to_string(hi)}, r, failed);
		sp.release();
		return;
	} catch (const pqxx::sql_error &e) {
		if (!is_data_error(e.sqlstate())) {
			throw;
		}
		if (lo == hi) {
			auto staged = tx.exec_params1(sh.staged_row, lo);
			std::string row_json = staged[1].as<std::string>();
			insert_failure(tx, step, run_id, staged[0].as<std::string>(), to_data_error(e),
						   &row_json);
			r.rows_read++;
			failed++;
			return;
		}
	}
	long mid = lo + (hi - lo) / 2;
	load_staged(tx, step, run_id, lo, mid, r, failed);
	load_staged(tx, step, run_id, mid + 1, hi, r, failed);
}

void
PgTarget::run_upsert(pqxx::transaction_base &tx, const Step &step, long run_id,
					 const std::string &sql, const std::vector<std::string> &params, BatchResult &r,
					 long &failed)
{
	const Shape &sh = shape(step);
	if (sh.fast_fk) {
		tx.exec0("SET LOCAL session_replication_role = replica");
	}
	auto row = tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params))[0];
	if (sh.fast_fk) {
		tx.exec0("SET LOCAL session_replication_role = origin");
	}
	r.rows_read += row[0].as<long>();
	const long ins = row[1].as<long>();
	r.inserted += ins;
	r.updated += row[2].as<long>() - ins;
	if (row[3].is_null()) {
		return;
	}
	/* Rows the by-batch foreign key check refused: failures, as the RI trigger would say. */
	for (const auto &bad : nlohmann::json::parse(row[3].as<std::string>())) {
		const std::string constraint = bad[1][0].get<std::string>();
		DataError e("23503",
					"insert or update on table \"" + sh.target_name +
						"\" violates foreign key constraint \"" + constraint + "\"",
					bad[1][1].get<std::string>());
		const std::string row_json = bad[2].dump();
		insert_failure(tx, step, run_id, bad[0].dump(), e, &row_json);
		failed++;
	}
}

void
PgTarget::load_selection(pqxx::transaction_base &tx, const Step &step, long run_id,
						 const std::string &upsert_sql, const std::string &stage_sql,
						 const std::vector<std::string> &params,
						 const std::vector<std::string> &stage_params, BatchResult &r, long &failed)
{
	const Shape &sh = shape(step);
	try {
		Savepoint sp(tx, "tributary_batch");
		BatchResult one;
		long refused = 0;
		run_upsert(tx, step, run_id, upsert_sql, params, one, refused);
		sp.release();
		r += one;
		failed += refused;
	} catch (const pqxx::sql_error &e) {
		if (!is_data_error(e.sqlstate())) {
			throw;
		}
		/* Some row was refused: stage the rows once and isolate the bad ones. */
		tx.exec0(sh.stage_create);
		tx.exec_params(stage_sql, pqxx::prepare::make_dynamic_params(stage_params));
		long n = tx.exec1("SELECT count(*) FROM pg_temp.tributary_stage")[0].as<long>();
		/* A transform that returns a key more than once: none of its rows is written (which
		 * one would be right?); the key becomes a failure, the rest of the batch moves. */
		for (const auto &dup : tx.exec("SELECT " + sh.key_json_expr + ", count(*), (SELECT (to_jsonb(x.*) - "
									   "'tributary_rn')::text FROM pg_temp.tributary_stage x WHERE "
									   "x.tributary_rn = min(s.tributary_rn)) FROM pg_temp.tributary_stage s "
									   "GROUP BY " + join(sh.key_cols, ", ") + " HAVING count(*) > 1")) {
			const std::string key = dup[0].as<std::string>(), row_json = dup[2].as<std::string>();
			DataError e("21000",
						"source key " + key + " of step \"" + step.name + "\" comes " + dup[1].as<std::string>() +
							" times out of the source relation",
						"None of its rows is migrated until the transform returns one row per key.");
			insert_failure(tx, step, run_id, key, e, &row_json);
			r.rows_read += dup[1].as<long>();
			failed += dup[1].as<long>();
			tx.exec_params("DELETE FROM pg_temp.tributary_stage s WHERE " + sh.key_json_expr + " = $1", key);
		}
		if (n > 0) {
			load_staged(tx, step, run_id, 1, n, r, failed);
		}
		tx.exec0("DROP TABLE pg_temp.tributary_stage");
	}
}

std::pair<long, long>
PgTarget::size_estimate(const Step &step)
{
	long total = 0, done = 0;
	try {
		Unit u(m_session);
		auto plan = u.tx().exec1("EXPLAIN (FORMAT JSON) SELECT 1 FROM " + step.source_relation)[0];
		auto rows = nlohmann::json::parse(plan.as<std::string>())[0]["Plan"]["Plan Rows"];
		total = rows.is_number() ? rows.get<long>() : 0;
		auto st = u.tx().exec_params("SELECT rows_done FROM migration.step_state WHERE step = $1 AND source = $2",
									 step.name, step.source);
		done = st.empty() ? 0 : st[0][0].as<long>();
		u.commit();
	} catch (const pqxx::sql_error &) {
		/* no estimate: progress shows no share */
	}
	return {total, done};
}

bool
PgTarget::foreign_keys_by_batch(const Step &step)
{
	return shape(step).fast_fk;
}

bool
PgTarget::nothing_changed(const Step &step) const
{
	return windowed() && m_windows.at(step_id(step)).second.empty();
}

BatchResult
PgTarget::load_batch(const Step &step, long run_id, const std::optional<Key> &after, int limit)
{
	if (nothing_changed(step)) {
		return BatchResult{};
	}
	if (listed(step)) {
		return load_listed(step, run_id, after, limit);
	}
	const Shape &sh = shape(step);
	BatchResult r;
	/*
	 * Key windows: a full load of a single integer key whose last batch was dense (at least
	 * half of its key span held rows) takes the next batch as the keys (after, after+limit]
	 * without asking the source where the batch ends — at most `limit` rows, since the key
	 * is unique. The batch that finds fewer rows than half its window goes back to asking
	 * (a sparse stretch, or the end of the source).
	 */
	std::optional<long long> window_end;
	if (m_mode == Mode::full && m_scope.empty() && sh.int_max > 0 && after) {
		const long long a = std::stoll(after->at(0));
		if (m_range && !m_range->upper.empty() && a >= std::stoll(m_range->upper)) {
			return r; /* the range is done */
		}
		if (m_dense[step_id(step)] && a <= sh.int_max - limit) {
			window_end = a + limit;
		}
	}
	std::string bound_sql = ranged(sh, after ? sh.bound_next : sh.bound_first);
	bound_sql.replace(bound_sql.find("{LIMIT}"), 7, std::to_string(limit));
	Unit u(m_session);
	auto &tx = u.tx();
	long failed = 0;
	try {
		auto started = start_batch(tx);
		if (window_end) {
			r.last = Key{std::to_string(*window_end)};
		} else {
			std::vector<std::string> bound_params;
			if (after) {
				bound_params = *after;
			}
			auto bound = tx.exec_params(bound_sql,
										pqxx::prepare::make_dynamic_params(with_window(step, bound_params)));
			if (bound.empty() || bound[0][0].is_null()) {
				u.commit();
				return r; /* no rows after `after` */
			}
			r.last = parse_key(bound[0][0].as<std::string>());
		}
		std::vector<std::string> range;
		if (after) {
			range.insert(range.end(), after->begin(), after->end());
		}
		range.insert(range.end(), r.last.begin(), r.last.end());
		std::vector<std::string> params{step.source};
		params.insert(params.end(), range.begin(), range.end());
		const std::string cond = ranged(sh, after ? sh.range_next : sh.range_first);
		/* The stage statement has no source-name parameter: its conditions start at $1. */
		std::string stage_cond = cond;
		const size_t nparams = range.size() + (windowed() ? 2 : 0);
		for (size_t i = 1; i <= nparams; i++) {
			replace_all(stage_cond, "$" + std::to_string(i + 1) + "::", "$@" + std::to_string(i) + "::");
		}
		replace_all(stage_cond, "$@", "$");
		/* A full load's batch that the id map knows nothing of (no earlier run wrote a key
		 * of its range) needs no id map look-up. Without a scope the condition names only
		 * key columns, which the id map has under the same names. */
		bool fresh = false;
		if (m_mode == Mode::full && m_scope.empty()) {
			fresh = !tx.exec_params1(fill(sh.map_knows, {{"{COND}", cond}}),
									 pqxx::prepare::make_dynamic_params(params))[0]
						 .as<bool>();
		}
		load_selection(tx, step, run_id,
					   fill(fresh ? sh.upsert_fresh : sh.upsert,
							{{"{SRC}", "SELECT * FROM " + sh.src + " WHERE " + cond},
							 {"{FILTER}", writes_changed_only() ? sh.changed_filter : ""}}),
					   fill(sh.stage_insert, {{"{COND}", stage_cond}}), with_window(step, params),
					   with_window(step, range), r, failed);
		if (window_end && r.rows_read == 0) {
			/* An empty window: nothing to record; ask the source where the rows go on. */
			u.commit();
			m_dense[step_id(step)] = false;
			return load_batch(step, run_id, after, limit);
		}
		/* The batch covers (lower, upper]: a range's first batch starts at the range. */
		std::string lower = after ? key_json(*after)
							: m_range && !m_range->lower.empty() ? key_json(Key{m_range->lower})
																 : std::string("null");
		record_batch(tx, step, run_id, lower, key_json(r.last), r, failed, started);
		/* Only a full load moves the step's resume point (a range: the range's). */
		tx.exec_params("UPDATE migration.step_state SET last_key = CASE WHEN $7 THEN last_key "
					   "ELSE $3::jsonb END, rows_done = rows_done + CASE WHEN $8 THEN $4 ELSE 0 END, "
					   "rows_failed = rows_failed + $5, last_run_id = $6, updated_at = now() "
					   "WHERE step = $1 AND source = $2",
					   step.name, step.source, key_json(r.last), r.rows_read - failed, failed,
					   run_id, keeps_resume_point(), m_mode == Mode::full);
		range_progress(tx, step, run_id, r.last, r.rows_read - failed, failed);
		u.commit();
	} catch (const pqxx::sql_error &e) {
		/* Refused while reading the source itself: the runner narrows it down by key. */
		if (is_data_error(e.sqlstate())) {
			throw to_data_error(e);
		}
		throw;
	}
	r.failed = failed;
	if (sh.int_max > 0) {
		/* Dense: the batch's rows fill at least half of the keys it spans. */
		if (window_end) {
			m_dense[step_id(step)] = 2 * r.rows_read >= limit;
			r.more = true; /* fewer rows than the limit is a gap, not the end */
		} else if (after && r.rows_read > 0) {
			m_dense[step_id(step)] = std::stoll(r.last.at(0)) - std::stoll(after->at(0)) <= 2L * r.rows_read;
		}
	}
	return r;
}

std::string
PgTarget::window_cond(const Shape &sh, size_t first) const
{
	if (!windowed()) {
		return std::string();
	}
	/* For timestamps the upper end is exclusive, one microsecond above the high-water
	 * mark: a source with finer fractions (SQL Server's datetime2(7)) has its newest row
	 * just above the mark as PostgreSQL reads it. */
	const bool fine = sh.ua_type.rfind("timestamp", 0) == 0;
	return " AND (" + sh.ua + " > $" + std::to_string(first) + "::" + sh.ua_type + " AND " + sh.ua +
		   (fine ? " < $" : " <= $") + std::to_string(first + 1) + "::" + sh.ua_type + ")";
}

namespace {

/*
 * Diff lists at most this many changed keys (about 100 bytes each in memory); a window
 * with more changes is read by key ranges, as a full load reads (each batch's rows
 * filtered by the window at the source). TRIBUTARY_LIST_KEYS_MAX overrides it.
 */
long
max_listed_keys()
{
	const char *env = std::getenv("TRIBUTARY_LIST_KEYS_MAX");
	char *end = nullptr;
	const long value = env != nullptr ? std::strtol(env, &end, 10) : 0;
	return env != nullptr && end != env && *end == '\0' && value >= 0 ? value : 2000000;
}

} // namespace

bool
PgTarget::listed(const Step &step) const
{
	if (!lists_keys()) {
		return false;
	}
	auto it = m_pending.find(step_id(step));
	return it != m_pending.end() && !it->second.by_range;
}

void
PgTarget::find_window_keys(const Step &step, Pending &p)
{
	const Shape &sh = shape(step);
	const long most = max_listed_keys();
	std::string sql = ranged(sh, sh.find_window);
	sql.replace(sql.find("{LIMIT}"), 7, std::to_string(most + 1));
	Unit u(m_session);
	auto rows = u.tx().exec_params(sql, pqxx::prepare::make_dynamic_params(with_window(step, {})));
	u.commit();
	if (static_cast<long>(rows.size()) > most) {
		p.by_range = true;
		return;
	}
	for (const auto &row : rows) {
		p.keys.push_back(parse_key(row[0].as<std::string>()));
	}
	p.done = true;
}

void
PgTarget::find_changed_keys(const Step &step, Pending &p, size_t stretch)
{
	const Shape &sh = shape(step);
	Unit u(m_session);
	auto &tx = u.tx();
	auto now = start_batch(tx);
	if (p.unchanged_read == 0) {
		p.reading_since = now;
	}
	/* The stretch ends at the id map's key `stretch` keys on; after the map's last key
	 * it is open (the source's new rows at the end of the key order). */
	std::vector<std::string> params{step.source};
	if (p.searched_to) {
		params.insert(params.end(), p.searched_to->begin(), p.searched_to->end());
	}
	std::string end_sql = sh.stretch_end;
	replace_all(end_sql, "{COND}", p.searched_to ? sh.after2 : std::string("true"));
	replace_all(end_sql, "{OFFSET}", std::to_string(stretch - 1));
	auto end = tx.exec_params(end_sql, pqxx::prepare::make_dynamic_params(params));
	std::string cond;
	if (end.empty()) {
		cond = p.searched_to ? sh.after2 : std::string("true");
	} else {
		Key last = parse_key(end[0][0].as<std::string>());
		params.insert(params.end(), last.begin(), last.end());
		cond = p.searched_to ? sh.between2 : sh.upto2;
		p.searched_to = last;
	}
	auto row = tx.exec_params1(ranged(sh, fill(sh.find_changed, {{"{COND}", cond}})),
							   pqxx::prepare::make_dynamic_params(params));
	u.commit();
	long changed = 0;
	if (!row[1].is_null()) {
		for (const auto &k : nlohmann::json::parse(row[1].as<std::string>())) {
			p.keys.push_back(parse_key(k.get<std::string>()));
			changed++;
		}
	}
	p.unchanged_read += row[0].as<long>() - changed;
	p.done = end.empty();
}

std::vector<Key>
PgTarget::pending_keys(const Step &step, const std::optional<Key> &after, size_t limit)
{
	Pending &p = m_pending.at(step_id(step));
	/* Keys up to `after` were loaded (or recorded as failures): forget them. */
	if (after) {
		auto it = std::find(p.keys.begin(), p.keys.end(), *after);
		if (it != p.keys.end()) {
			p.keys.erase(p.keys.begin(), it + 1);
		}
	}
	/* Local-diff searches a stretch of ten batches at a time. */
	const size_t stretch = std::max<size_t>(10 * limit, 1000);
	while (p.keys.size() < limit && !p.done) {
		find_changed_keys(step, p, stretch);
	}
	return std::vector<Key>(p.keys.begin(), p.keys.begin() + std::min(limit, p.keys.size()));
}

/*
 * A batch of diff or local-diff: the next listed keys, read from the source by key (an
 * IN list there; diff keeps its window, so a row changed again since the run started
 * waits for the next run), written where their fingerprint changed. Diff's window is
 * the updated_at index's range at the source: reading it by key ranges instead made the
 * source walk its primary key through unchanged rows for every batch.
 */
BatchResult
PgTarget::load_listed(const Step &step, long run_id, const std::optional<Key> &after, int limit)
{
	const Shape &sh = shape(step);
	std::vector<Key> keys = pending_keys(step, after, static_cast<size_t>(limit));
	Pending &p = m_pending.at(step_id(step));
	/* The rows local-diff read and found unchanged since the last batch are this one's. */
	const long unchanged = p.unchanged_read;
	BatchResult r;
	if (keys.empty() && unchanged == 0) {
		return r;
	}
	long failed = 0;
	Unit u(m_session);
	auto &tx = u.tx();
	if (keys.empty()) {
		/* The end, after unchanged rows only: a batch that read them and wrote nothing. */
		r.rows_read = unchanged;
		r.advanced = 0;
		record_batch(tx, step, run_id, after ? key_json(*after) : std::string("null"), "null", r, 0,
					 p.reading_since);
		u.commit();
		p.unchanged_read -= unchanged;
		return r;
	}
	try {
		auto started = start_batch(tx);
		/* A key of several columns is one AND group of parameters: a few hundred a statement. */
		const size_t per_statement = sh.key_cols.size() == 1 ? keys.size() : keys_per_statement;
		for (size_t at = 0; at < keys.size(); at += per_statement) {
			std::vector<Key> chunk(keys.begin() + at, keys.begin() + std::min(keys.size(), at + per_statement));
			std::vector<std::string> params{step.source}, stage_params;
			std::string cond = keyset_cond(sh.key_cols, sh.key_types, 2, chunk, params);
			std::string stage_cond = keyset_cond(sh.key_cols, sh.key_types, 1, chunk, stage_params);
			cond += window_cond(sh, params.size() + 1);
			stage_cond += window_cond(sh, stage_params.size() + 1);
			load_selection(tx, step, run_id,
						   fill(sh.upsert, {{"{SRC}", "SELECT * FROM " + sh.src + " WHERE " + cond},
											{"{FILTER}", sh.changed_filter}}),
						   fill(sh.stage_insert, {{"{COND}", stage_cond}}), with_window(step, params),
						   with_window(step, stage_params), r, failed);
		}
		r.last = keys.back();
		r.advanced = static_cast<long>(keys.size());
		r.rows_read += unchanged;
		record_batch(tx, step, run_id, key_json(keys.front()), key_json(keys.back()), r, failed,
					 unchanged > 0 ? p.reading_since : started);
		tx.exec_params("UPDATE migration.step_state SET rows_failed = rows_failed + $3, last_run_id = $4, "
					   "updated_at = now() WHERE step = $1 AND source = $2",
					   step.name, step.source, failed, run_id);
		u.commit();
		p.unchanged_read -= unchanged;
	} catch (const pqxx::sql_error &e) {
		/* Refused while reading the source itself: the runner narrows it down by key. */
		if (is_data_error(e.sqlstate())) {
			throw to_data_error(e);
		}
		throw;
	}
	r.failed = failed;
	return r;
}

BatchResult
PgTarget::load_keys(const Step &step, long run_id, const std::vector<Key> &keys,
					std::vector<Key> *loaded)
{
	const Shape &sh = shape(step);
	BatchResult total;
	for (size_t at = 0; at < keys.size(); at += keys_per_statement) {
		std::vector<Key> chunk(keys.begin() + at,
							   keys.begin() + std::min(keys.size(), at + keys_per_statement));
		std::vector<std::string> params{step.source};
		std::string cond = keyset_cond(sh.key_cols, sh.key_types, 2, chunk, params);
		std::vector<std::string> stage_params;
		std::string stage_cond = keyset_cond(sh.key_cols, sh.key_types, 1, chunk, stage_params);
		Unit u(m_session);
		auto &tx = u.tx();
		BatchResult r;
		long failed = 0;
		auto started = tx.exec1("SELECT clock_timestamp()::text")[0].as<std::string>();
		try {
			load_selection(tx, step, run_id,
						   fill(sh.upsert, {{"{SRC}", "SELECT * FROM " + sh.src + " WHERE " + cond},
											{"{FILTER}", ""}}),
						   fill(sh.stage_insert, {{"{COND}", stage_cond}}), params, stage_params, r,
						   failed);
		} catch (const pqxx::sql_error &e) {
			if (!is_data_error(e.sqlstate())) {
				throw;
			}
			/* The source refuses to produce some row of the chunk: one key at a time. */
			u.commit();
			for (const Key &k : chunk) {
				try {
					total += load_keys(step, run_id, {k}, loaded);
				} catch (const DataError &de) {
					record_failure(step, run_id, k, de);
					total.rows_read++;
					total.failed++;
				}
			}
			continue;
		}
		if (loaded != nullptr) {
			/* The keys written: their id map entries were written by this transaction. */
			std::vector<std::string> kp;
			std::string kc = keyset_cond(sh.key_cols, sh.key_types, 2, chunk, kp);
			kp.insert(kp.begin(), step.source);
			for (const auto &row : tx.exec_params(
					 "SELECT " + sh.key_json_expr + " FROM " + sh.map_table + " WHERE source = $1 AND " +
						 kc + " AND migrated_at >= now()",
					 pqxx::prepare::make_dynamic_params(kp))) {
				loaded->push_back(parse_key(row[0].as<std::string>()));
			}
		}
		record_batch(tx, step, run_id, key_json(chunk.front()), key_json(chunk.back()), r, failed,
					 started);
		u.commit();
		r.failed = failed;
		total += r;
	}
	return total;
}

std::vector<Mismatch>
PgTarget::mismatches(pqxx::transaction_base &tx, const Step &step, const pqxx::result &rows,
					 long *compared)
{
	std::vector<Mismatch> out;
	for (const auto &row : rows) {
		if (row[0].is_null()) {
			*compared = row[1].as<long>(); /* the last row: how many source rows */
			continue;
		}
		Mismatch m;
		m.key = parse_key(row[0].as<std::string>());
		m.kind = row[1].as<std::string>();
		out.push_back(std::move(m));
	}
	/* A missing row that an unresolved failure explains is a known failure. */
	std::vector<Key> missing;
	for (const Mismatch &m : out) {
		if (m.kind == "missing") {
			missing.push_back(m.key);
		}
	}
	if (!missing.empty()) {
		std::set<std::string> known;
		for (const auto &row : tx.exec_params(
				 "SELECT source_key::text FROM migration.failure WHERE step = $1 AND source = $2 "
				 "AND resolved_at IS NULL AND source_key IN (SELECT jsonb_array_elements($3::jsonb))",
				 step.name, step.source, nlohmann::json(missing).dump())) {
			known.insert(key_json(parse_key(row[0].as<std::string>())));
		}
		for (Mismatch &m : out) {
			m.known_failure = m.kind == "missing" && known.count(key_json(m.key)) > 0;
		}
	}
	return out;
}

Comparison
PgTarget::compare(const Step &step, const std::optional<Key> &after, int limit, bool fingerprints)
{
	const Shape &sh = shape(step);
	const size_t nkeys = sh.key_cols.size();
	std::string bound_sql = ranged(sh, after ? sh.bound_next : sh.bound_first);
	bound_sql.replace(bound_sql.find("{LIMIT}"), 7, std::to_string(limit));
	Comparison c;
	Unit u(m_session);
	auto &tx = u.tx();
	std::vector<std::string> params{step.source};
	if (after) {
		params.insert(params.end(), after->begin(), after->end());
	}
	auto bound = tx.exec_params(bound_sql, pqxx::prepare::make_dynamic_params(
											   std::vector<std::string>(params.begin() + 1, params.end())));
	if (bound.empty() || bound[0][0].is_null()) {
		/* The tail: id map rows after the last source key have no source row. */
		c.end = true;
		std::string cond = "true";
		if (after) {
			/* after_cond from $2, spelled here for the map's own columns */
			std::vector<std::string> ors;
			for (size_t i = 0; i < nkeys; i++) {
				std::vector<std::string> parts;
				for (size_t j = 0; j <= i; j++) {
					parts.push_back(sh.key_cols[j] + (j < i ? " = $" : " > $") + std::to_string(2 + j) +
									"::" + sh.key_types[j]);
				}
				ors.push_back("(" + join(parts, " AND ") + ")");
			}
			cond = "(" + join(ors, " OR ") + ")";
		}
		for (const auto &row :
			 tx.exec_params(fill(sh.tail, {{"{MCOND}", cond}}), pqxx::prepare::make_dynamic_params(params))) {
			Mismatch m;
			m.key = parse_key(row[0].as<std::string>());
			m.kind = "extra";
			c.mismatches.push_back(std::move(m));
		}
		u.commit();
		return c;
	}
	c.last = parse_key(bound[0][0].as<std::string>());
	params.insert(params.end(), c.last.begin(), c.last.end());
	const std::string cond = ranged(sh, after ? sh.range_next : sh.range_first);
	auto rows = tx.exec_params(fill(sh.compare, {{"{SCOND}", cond},
												 {"{MCOND}", cond},
												 {"{SFP}", fingerprints ? sh.source_fp : "NULL::bigint"},
												 {"{TFP}", fingerprints ? sh.target_fp : "NULL::bigint"}}),
							   pqxx::prepare::make_dynamic_params(params));
	c.mismatches = mismatches(tx, step, rows, &c.rows);
	u.commit();
	return c;
}

std::vector<Mismatch>
PgTarget::compare_keys(const Step &step, const std::vector<Key> &keys)
{
	const Shape &sh = shape(step);
	std::vector<Mismatch> out;
	for (size_t at = 0; at < keys.size(); at += keys_per_statement) {
		std::vector<Key> chunk(keys.begin() + at,
							   keys.begin() + std::min(keys.size(), at + keys_per_statement));
		std::vector<std::string> params{step.source};
		std::string cond = keyset_cond(sh.key_cols, sh.key_types, 2, chunk, params);
		Unit u(m_session);
		auto &tx = u.tx();
		auto rows = tx.exec_params(fill(sh.compare, {{"{SCOND}", cond},
													 {"{MCOND}", cond},
													 {"{SFP}", sh.source_fp},
													 {"{TFP}", sh.target_fp}}),
								   pqxx::prepare::make_dynamic_params(params));
		long compared = 0;
		auto found = mismatches(tx, step, rows, &compared);
		u.commit();
		out.insert(out.end(), found.begin(), found.end());
	}
	return out;
}

std::optional<Key>
PgTarget::next_key(const Step &step, const std::optional<Key> &after)
{
	if (nothing_changed(step)) {
		return std::nullopt;
	}
	if (listed(step)) {
		auto keys = pending_keys(step, after, 1);
		return keys.empty() ? std::nullopt : std::optional<Key>(keys.front());
	}
	const Shape &sh = shape(step);
	Unit u(m_session);
	const std::string sql = ranged(sh, after ? sh.next_key_next : sh.next_key_first);
	std::vector<std::string> params;
	if (after) {
		params = *after;
	}
	auto r = u.tx().exec_params(sql, pqxx::prepare::make_dynamic_params(with_window(step, params)));
	u.commit();
	if (r.empty() || r[0][0].is_null()) {
		return std::nullopt;
	}
	return parse_key(r[0][0].as<std::string>());
}

void
PgTarget::record_failure(const Step &step, long run_id, const Key &key, const DataError &error)
{
	const Shape &sh = shape(step);
	Unit u(m_session);
	auto &tx = u.tx();
	std::string row_json;
	bool have_row = false;
	try {
		Savepoint sp(tx, "tributary_source_row");
		auto r = tx.exec_params(sh.source_row, pqxx::prepare::make_dynamic_params(key));
		if (!r.empty() && !r[0][0].is_null()) {
			row_json = r[0][0].as<std::string>();
			have_row = true;
		}
		sp.release();
	} catch (const pqxx::sql_error &) {
		/* The transform itself fails on this row: keep the failure without its row. */
	}
	insert_failure(tx, step, run_id, key_json(key), error, have_row ? &row_json : nullptr);
	tx.exec_params("UPDATE migration.step_state SET last_key = CASE WHEN $4 THEN last_key "
				   "ELSE $3::jsonb END, rows_failed = rows_failed + 1, updated_at = now() "
				   "WHERE step = $1 AND source = $2",
				   step.name, step.source, key_json(key), keeps_resume_point());
	range_progress(tx, step, run_id, key, 0, 1);
	tx.exec_params("UPDATE migration.run SET rows_read = rows_read + 1, "
				   "rows_failed = rows_failed + 1 WHERE id = $1",
				   run_id);
	u.commit();
}

LiveSettings
PgTarget::settings(const Step &step)
{
	Unit u(m_session);
	auto r = u.tx().exec_params1(
		"SELECT coalesce(s.batch_size, d.batch_size, 0), "
		"coalesce(s.rows_per_second, d.rows_per_second, 0), "
		"coalesce(s.paused, false) OR coalesce(d.paused, false), coalesce(s.jobs, d.jobs, 0) "
		"FROM (SELECT 1) AS one LEFT JOIN migration.setting d ON d.step = '*' "
		"LEFT JOIN migration.setting s ON s.step = $1",
		step.name);
	u.commit();
	LiveSettings ls;
	ls.batch_size = r[0].as<int>();
	ls.rows_per_second = r[1].as<int>();
	ls.paused = r[2].as<bool>();
	if (m_range && ls.rows_per_second > 0) {
		/* The step's limit, shared by the workers of its ranges (as many as may run now). */
		const int live = r[3].as<int>();
		const int sharing = std::max(1, live > 0 ? std::min(live, m_workers) : m_workers);
		ls.rows_per_second = std::max(1, ls.rows_per_second / sharing);
	}
	return ls;
}

std::vector<Key>
PgTarget::failed_keys(const Step &step)
{
	Unit u(m_session);
	std::vector<Key> keys;
	for (const auto &row : u.tx().exec_params("SELECT source_key::text FROM migration.failure "
											  "WHERE step = $1 AND source = $2 AND resolved_at IS NULL "
											  "ORDER BY id",
											  step.name, step.source)) {
		keys.push_back(parse_key(row[0].as<std::string>()));
	}
	u.commit();
	return keys;
}

long
PgTarget::resolve_failures(const Step &step, long run_id, const std::vector<Key> &keys)
{
	if (keys.empty()) {
		return 0;
	}
	Unit u(m_session);
	auto r = u.tx().exec_params(
		"UPDATE migration.failure SET resolved_at = now() WHERE step = $1 AND source = $2 "
		"AND resolved_at IS NULL AND last_run_id IS DISTINCT FROM $3 "
		"AND source_key IN (SELECT jsonb_array_elements($4::jsonb))",
		step.name, step.source, run_id, nlohmann::json(keys).dump());
	u.commit();
	return static_cast<long>(r.affected_rows());
}

void
PgTarget::record_mismatches(const Step &step, long run_id, const std::vector<Mismatch> &found)
{
	if (found.empty()) {
		return;
	}
	nlohmann::json rows = nlohmann::json::array();
	for (const Mismatch &m : found) {
		rows.push_back({{"k", m.key}, {"kind", m.kind}, {"known", m.known_failure},
						{"repaired", m.repaired}});
	}
	Unit u(m_session);
	u.tx().exec_params("INSERT INTO migration.mismatch (run_id, step, source, source_key, kind, "
					   "known_failure, repaired_at) SELECT $1, $2, $3, r->'k', r->>'kind', "
					   "(r->>'known')::boolean, CASE WHEN (r->>'repaired')::boolean THEN now() END "
					   "FROM jsonb_array_elements($4::jsonb) AS r",
					   run_id, step.name, step.source, rows.dump());
	u.commit();
}

long
PgTarget::replace_scope(const Step &step, long run_id)
{
	const Shape &sh = shape(step);
	nlohmann::json scope = nlohmann::json::object();
	for (const auto &s : m_scope) {
		scope[s.first] = s.second;
	}
	std::vector<std::string> key_text_mp;
	for (const std::string &k : sh.key_cols) {
		key_text_mp.push_back("mp." + k + "::text");
	}
	const std::string key_json_mp = "json_build_array(" + join(key_text_mp, ", ") + ")";
	Unit u(m_session);
	std::vector<Key> stale;
	for (const auto &row : u.tx().exec_params(
			 "SELECT " + key_json_mp + "::text FROM " + sh.map_table + " mp WHERE mp.source = $1 "
			 "AND mp.scope @> $2::jsonb AND mp.migrated_at < (SELECT started_at FROM migration.run "
			 "WHERE id = $3) AND NOT EXISTS (SELECT 1 FROM migration.failure f WHERE f.step = $4 "
			 "AND f.source = $1 AND f.last_run_id = $3 AND f.source_key = " + key_json_mp + "::jsonb) "
			 "ORDER BY " + sh.map_cols,
			 step.source, scope.dump(), run_id, step.name)) {
		stale.push_back(parse_key(row[0].as<std::string>()));
	}
	u.commit();
	return stale.empty() ? 0 : remove_orphans(step, run_id, stale, "");
}

long
PgTarget::remove_orphans(const Step &step, long run_id, const std::vector<Key> &keys,
						 const std::string &mark_column)
{
	const Shape &sh = shape(step);
	std::string set;
	if (!mark_column.empty()) {
		Unit u(m_session);
		auto r = u.tx().exec_params("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
									"WHERE attrelid = $1::regclass AND attname = $2 AND attnum > 0 "
									"AND NOT attisdropped",
									step.target_table, mark_column);
		const std::string col = u.tx().quote_name(mark_column);
		u.commit();
		if (r.empty()) {
			throw std::runtime_error("target " + step.target_table + " of step \"" + step.name +
									 "\" has no column \"" + mark_column + "\" to mark orphans in");
		}
		const std::string type = r[0][0].as<std::string>();
		if (type == "boolean") {
			set = col + " = true";
		} else if (type.rfind("timestamp", 0) == 0 || type == "date") {
			set = col + " = coalesce(t." + col + ", now())";
		} else {
			throw std::runtime_error("column \"" + mark_column + "\" of " + step.target_table +
									 " is " + type + ": orphans are marked in a boolean, "
									 "timestamp or date column");
		}
	}
	long changed = 0;
	for (const Key &k : keys) {
		std::vector<std::string> params{step.source};
		std::string cond = keyset_cond(sh.key_cols, sh.key_types, 2, {k}, params);
		Unit u(m_session);
		auto &tx = u.tx();
		try {
			Savepoint sp(tx, "tributary_orphan");
			std::string sql;
			if (set.empty()) {
				/* The target row, then its id map entry. */
				sql = "WITH mp AS (SELECT target_key FROM " + sh.map_table + " WHERE source = $1 AND " +
					  cond + "), gone AS (DELETE FROM " + sh.target + " t USING mp WHERE t." + sh.tk +
					  " = mp.target_key RETURNING 1), unmapped AS (DELETE FROM " + sh.map_table +
					  " WHERE source = $1 AND " + cond + ") SELECT count(*) FROM gone";
			} else {
				sql = "UPDATE " + sh.target + " t SET " + set + " WHERE t." + sh.tk +
					  " IN (SELECT target_key FROM " + sh.map_table + " WHERE source = $1 AND " +
					  cond + ")";
			}
			auto r = tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
			sp.release();
			changed += set.empty() ? r[0][0].as<long>() : static_cast<long>(r.affected_rows());
		} catch (const pqxx::sql_error &e) {
			if (!is_data_error(e.sqlstate())) {
				throw;
			}
			/* e.g. a child row still refers to it: kept, and recorded. */
			insert_failure(tx, step, run_id, key_json(k), to_data_error(e), nullptr);
		}
		u.commit();
	}
	return changed;
}

} // namespace loader
