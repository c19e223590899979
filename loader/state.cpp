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
	return state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0 || state == "P0001" ||
		   state == "HV004" || state == "HV005" || state == "HV002";
}

/*
 * A savepoint by hand: libpqxx 6.4's subtransaction does not issue its SAVEPOINT
 * before exec_params. Rolls back to the savepoint unless released.
 */
class Savepoint {
public:
	Savepoint(pqxx::transaction_base &tx, std::string name) : m_tx(tx), m_name(std::move(name))
	{
		m_tx.exec0("SAVEPOINT " + m_name);
	}
	~Savepoint()
	{
		if (!m_released) {
			try {
				m_tx.exec0("ROLLBACK TO SAVEPOINT " + m_name);
			} catch (...) {
				/* the connection broke: the transaction is lost anyway */
			}
		}
	}
	void release()
	{
		m_tx.exec0("RELEASE SAVEPOINT " + m_name);
		m_released = true;
	}
	Savepoint(const Savepoint &) = delete;
	Savepoint &operator=(const Savepoint &) = delete;

private:
	pqxx::transaction_base &m_tx;
	std::string m_name;
	bool m_released = false;
};

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

} // namespace

struct PgTarget::Shape {
	std::vector<std::string> key_cols;	/* quoted */
	std::vector<std::string> key_types; /* format_type */
	std::string src;					/* quoted relation */
	std::string bound_first;			/* key of the batch's last row; LIMIT spliced in */
	std::string bound_next;
	std::string batch_first;			/* the batch up to a known last key */
	std::string batch_next;
	std::string stage_create;			/* a refused batch's rows, staged for bisection */
	std::string stage_first;
	std::string stage_next;
	std::string batch_staged;			/* staged rows $2..$3 */
	std::string staged_row;				/* key and row of staged row $1 */
	std::string ua_type;				/* format_type of the updated_at column, if any */
	std::string next_key_first;
	std::string next_key_next;
	std::string source_row;
	std::string failure_key_cond;
};

std::vector<Step>
load_steps(pqxx::connection &conn)
{
	pqxx::read_transaction tx(conn);
	std::vector<Step> steps;
	for (const auto &row : tx.exec(
			 "SELECT name, source, source_relation::text, target_table::text, source_key, "
			 "target_key, key_mode, coalesce(source_key_column, ''), "
			 "coalesce(updated_at_column, ''), depends_on, batch_size FROM migration.step")) {
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
		steps.push_back(std::move(s));
	}
	return steps;
}

long
start_run(pqxx::connection &conn, const std::string &mode, const std::vector<std::string> &steps)
{
	char host[256] = {0};
	gethostname(host, sizeof(host) - 1);
	pqxx::work tx(conn);
	std::string list = "{";
	for (size_t i = 0; i < steps.size(); i++) {
		list += (i > 0 ? "," : "") + std::string("\"") + steps[i] + "\"";
	}
	list += "}";
	long id = tx.exec_params1("INSERT INTO migration.run (mode, steps, host, pid) "
							  "VALUES ($1, $2::text[], $3, $4) RETURNING id",
							  mode, list, std::string(host), static_cast<int>(getpid()))[0]
				  .as<long>();
	tx.commit();
	return id;
}

void
finish_run(pqxx::connection &conn, long run_id, const std::string &status, long read,
		   long written, long failed, const std::string &message)
{
	pqxx::work tx(conn);
	tx.exec_params("UPDATE migration.run SET status = $2, finished_at = clock_timestamp(), "
				   "rows_read = $3, rows_written = $4, rows_failed = $5, message = nullif($6, '') "
				   "WHERE id = $1",
				   run_id, status, read, written, failed, message);
	tx.commit();
}

namespace {

/* Two-key advisory lock: one key space for tributary, one key per step and source. */
constexpr const char *lock_args = "hashtext('tributary'), hashtext($1 || '/' || $2)";

} // namespace

bool
lock_step(pqxx::connection &conn, const Step &step, bool wait)
{
	pqxx::nontransaction tx(conn);
	if (wait) {
		tx.exec_params(std::string("SELECT pg_advisory_lock(") + lock_args + ")", step.name, step.source);
		return true;
	}
	return tx.exec_params1(std::string("SELECT pg_try_advisory_lock(") + lock_args + ")", step.name,
						   step.source)[0]
		.as<bool>();
}

void
unlock_step(pqxx::connection &conn, const Step &step)
{
	pqxx::nontransaction tx(conn);
	tx.exec_params(std::string("SELECT pg_advisory_unlock(") + lock_args + ")", step.name, step.source);
}

void
reset_step(pqxx::connection &conn, const Step &step)
{
	pqxx::work tx(conn);
	tx.exec_params("UPDATE migration.step_state SET state = 'pending', last_key = NULL, "
				   "updated_at = now() WHERE step = $1 AND source = $2",
				   step.name, step.source);
	/* The restarted load takes a new first watermark. */
	tx.exec_params("DELETE FROM migration.watermark WHERE step = $1 AND source = $2", step.name,
				   step.source);
	tx.commit();
}

const PgTarget::Shape &
PgTarget::shape(const Step &step)
{
	const std::string id = step.name + "/" + step.source;
	for (const auto &entry : m_shapes) {
		if (entry.first == id) {
			return *entry.second;
		}
	}
	auto sh = std::make_shared<Shape>();
	pqxx::read_transaction tx(m_conn);
	sh->src = step.source_relation;
	for (const std::string &k : step.source_key) {
		sh->key_cols.push_back(tx.quote_name(k));
		sh->key_types.push_back(
			tx.exec_params1("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
							"WHERE attrelid = $1::regclass AND attname = $2",
							step.source_relation, k)[0]
				.as<std::string>());
	}
	const std::string tk = tx.quote_name(step.target_key);
	const std::string skc = step.source_key_column.empty() ? "" : tx.quote_name(step.source_key_column);
	const bool map_mode = step.key_mode == "map";

	/* Columns copied: those the source relation and the target share by name. */
	std::vector<std::string> cols;
	for (const auto &row : tx.exec_params(
			 "SELECT quote_ident(a.attname) FROM pg_attribute a JOIN pg_attribute b "
			 "ON b.attname = a.attname AND b.attrelid = $2::regclass AND b.attnum > 0 "
			 "AND NOT b.attisdropped AND b.attgenerated = '' "
			 "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped "
			 "AND a.attname <> $3 AND a.attname <> $4 ORDER BY a.attnum",
			 step.source_relation, step.target_table, step.target_key, step.source_key_column)) {
		cols.push_back(row[0].as<std::string>());
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
	std::string map_table = "migration." + tx.quote_name("map_" + step.name);
	std::string ua;
	std::string ua_type;
	if (!step.updated_at_column.empty()) {
		ua = tx.quote_name(step.updated_at_column);
		ua_type = tx.exec_params1("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
								  "WHERE attrelid = $1::regclass AND attname = $2",
								  step.source_relation, step.updated_at_column)[0]
					  .as<std::string>();
	}
	tx.commit();
	sh->ua_type = ua_type;

	/*
	 * Keyset conditions on the key in parameters $first…, spelled with plain comparisons
	 * (the FDW sends them to the source; a row comparison it would not):
	 * after: (k1 > a) OR (k1 = a AND k2 > b)…; up to: (k1 < a) OR (k1 = a AND k2 <= b)….
	 */
	auto key_cond = [&](size_t first, const char *strict, const char *last) {
		std::vector<std::string> ors;
		for (size_t i = 0; i < sh->key_cols.size(); i++) {
			std::vector<std::string> ands;
			for (size_t j = 0; j <= i; j++) {
				std::string p = "$" + std::to_string(first + j) + "::" + sh->key_types[j];
				const char *op = j < i ? " = " : (i + 1 == sh->key_cols.size() ? last : strict);
				ands.push_back(sh->key_cols[j] + op + p);
			}
			ors.push_back("(" + join(ands, " AND ") + ")");
		}
		return "(" + join(ors, " OR ") + ")";
	};
	auto after_cond = [&](size_t first) { return key_cond(first, " > ", " > "); };
	auto upto_cond = [&](size_t first) { return key_cond(first, " < ", " <= "); };
	const size_t nkeys = sh->key_cols.size();
	std::vector<std::string> order_asc, order_desc, key_text;
	for (const std::string &k : sh->key_cols) {
		order_asc.push_back(k);
		order_desc.push_back(k + " DESC");
		key_text.push_back(k + "::text");
	}

	std::vector<std::string> ins_cols = cols;
	std::vector<std::string> sel_exprs;
	for (const std::string &c : cols) {
		sel_exprs.push_back("m." + c);
	}
	ins_cols.push_back(tk);
	sel_exprs.push_back(map_mode ? "COALESCE(m.tributary_target_key, nextval(" +
									   tx.quote(seq) + "::regclass))"
								 : "m." + sh->key_cols[0]);
	std::string key_expr;
	if (sh->key_cols.size() == 1) {
		key_expr = "m." + sh->key_cols[0];
	} else {
		std::vector<std::string> parts;
		for (size_t i = 0; i < sh->key_cols.size(); i++) {
			parts.push_back(tx.quote(step.source_key[i]) + ", m." + sh->key_cols[i]);
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
	for (size_t i = 0; i < sh->key_cols.size(); i++) {
		if (!map_mode) {
			map_keys.push_back("up.tributary_tk::" + sh->key_types[i]);
		} else if (sh->key_cols.size() == 1) {
			map_keys.push_back("up.tributary_skc::" + sh->key_types[i]);
		} else {
			map_keys.push_back("(up.tributary_skc->>" + tx.quote(step.source_key[i]) + ")::" +
							   sh->key_types[i]);
		}
	}
	std::vector<std::string> map_join;
	for (const std::string &k : sh->key_cols) {
		map_join.push_back("mp." + k + " = src." + k);
	}

	/*
	 * A batch is two statements: the key of its last row (only the key is read, so a
	 * transform view computes nothing else), then the rows up to that key.
	 */
	/*
	 * Diff mode reads only rows changed in the step's window: updated_at after $a (the
	 * watermark less the overlap) and at most $a+1 (the high-water mark taken when the
	 * run started). The window's two parameters come after every other parameter.
	 */
	auto window = [&](size_t first) {
		if (!m_diff) {
			return std::string();
		}
		return " AND (" + ua + " > $" + std::to_string(first) + "::" + ua_type + " AND " + ua +
			   " <= $" + std::to_string(first + 1) + "::" + ua_type + ")";
	};
	auto bound = [&](bool with_after) {
		return "SELECT json_build_array(" + join(key_text, ", ") + ")::text FROM (SELECT " +
			   join(sh->key_cols, ", ") + " FROM " + sh->src + " WHERE " +
			   (with_after ? after_cond(1) : std::string("true")) +
			   window(with_after ? 1 + nkeys : 1) + " ORDER BY " + join(order_asc, ", ") +
			   " LIMIT {LIMIT}) b ORDER BY " + join(order_desc, ", ") + " LIMIT 1";
	};
	sh->bound_first = bound(false);
	sh->bound_next = bound(true);
	auto range = [&](bool with_after) {
		return with_after ? after_cond(2) + " AND " + upto_cond(2 + nkeys) : upto_cond(2);
	};
	auto upsert = [&](const std::string &src_query) {
		return "WITH src AS MATERIALIZED (" + src_query + "), "
			   "m AS (SELECT src.*, mp.target_key AS tributary_target_key FROM src LEFT JOIN " +
			   map_table + " mp ON mp.source = $1::text AND " + join(map_join, " AND ") +
			   "), "
			   "up AS (INSERT INTO " +
			   step.target_table + " AS t (" + join(ins_cols, ", ") + ")" +
			   (identity_always ? " OVERRIDING SYSTEM VALUE" : "") + " SELECT " +
			   join(sel_exprs, ", ") + " FROM m ON CONFLICT (" + tk + ") DO UPDATE SET " +
			   join(updates, ", ") + " RETURNING t." + tk + " AS tributary_tk, " +
			   (skc.empty() ? std::string("NULL") : "t." + skc) +
			   " AS tributary_skc, (t.xmax = 0) AS tributary_inserted), "
			   "mp AS (INSERT INTO " +
			   map_table + " AS x (source, " + join(sh->key_cols, ", ") +
			   ", target_key) SELECT $1::text, " + join(map_keys, ", ") +
			   ", up.tributary_tk FROM up ON CONFLICT (source, " + join(sh->key_cols, ", ") +
			   ") DO UPDATE SET target_key = EXCLUDED.target_key, migrated_at = now()) "
			   "SELECT (SELECT count(*) FROM src), "
			   "(SELECT count(*) FROM up WHERE tributary_inserted), (SELECT count(*) FROM up)";
	};
	sh->batch_first =
		upsert("SELECT * FROM " + sh->src + " WHERE " + range(false) + window(2 + nkeys));
	sh->batch_next =
		upsert("SELECT * FROM " + sh->src + " WHERE " + range(true) + window(2 + 2 * nkeys));
	/*
	 * When a batch is refused, its rows are read once more into a temporary table, numbered
	 * in key order, and bisected there (with savepoints) instead of at the source.
	 */
	auto stage = [&](bool with_after) {
		/* Key parameters from $1 here: the source name is not needed. */
		std::string cond = with_after ? key_cond(1, " > ", " > ") + " AND " + key_cond(1 + nkeys, " < ", " <= ")
									  : key_cond(1, " < ", " <= ");
		return "INSERT INTO pg_temp.tributary_stage SELECT row_number() OVER (ORDER BY " +
			   join(order_asc, ", ") + "), * FROM " + sh->src + " WHERE " + cond +
			   window(with_after ? 1 + 2 * nkeys : 1 + nkeys);
	};
	sh->stage_create = "CREATE TEMP TABLE tributary_stage ON COMMIT DROP AS SELECT 0::bigint AS "
					   "tributary_rn, * FROM " + sh->src + " WITH NO DATA";
	sh->stage_first = stage(false);
	sh->stage_next = stage(true);
	sh->batch_staged = upsert("SELECT * FROM pg_temp.tributary_stage WHERE tributary_rn BETWEEN "
							  "$2::bigint AND $3::bigint");
	sh->staged_row = "SELECT json_build_array(" + join(key_text, ", ") + ")::text, (to_jsonb(s) "
					 "- 'tributary_rn')::text FROM pg_temp.tributary_stage s WHERE tributary_rn = $1";
	auto next_key = [&](bool with_after) {
		return "SELECT json_build_array(" + join(key_text, ", ") + ")::text FROM " + sh->src +
			   " WHERE " + (with_after ? after_cond(1) : std::string("true")) +
			   window(with_after ? 1 + nkeys : 1) + " ORDER BY " + join(order_asc, ", ") +
			   " LIMIT 1";
	};
	sh->next_key_first = next_key(false);
	sh->next_key_next = next_key(true);
	std::vector<std::string> eq;
	for (size_t i = 0; i < sh->key_cols.size(); i++) {
		eq.push_back("s." + sh->key_cols[i] + " = $" + std::to_string(1 + i) + "::" +
					 sh->key_types[i]);
	}
	sh->source_row = "SELECT to_jsonb(s)::text FROM " + sh->src + " s WHERE " + join(eq, " AND ");
	m_shapes.emplace_back(id, sh);
	return *sh;
}

namespace {

std::string
step_id(const Step &step)
{
	return step.name + "/" + step.source;
}

} // namespace

std::optional<Key>
PgTarget::begin_step(const Step &step, long run_id)
{
	if (m_diff) {
		if (step.updated_at_column.empty()) {
			throw std::runtime_error("step \"" + step.name + "\" has no updated_at column, so it has "
									 "no diff mode (define it with updated_at_column)");
		}
		if (!is_completed(step)) {
			throw std::runtime_error("step \"" + step.name + "\" of source \"" + step.source +
									 "\" has not completed a full load; run a full load first");
		}
		const Shape &sh = shape(step);
		const bool temporal = sh.ua_type.rfind("timestamp", 0) == 0 || sh.ua_type == "date";
		pqxx::work tx(m_conn);
		/* The high-water mark now; the low end: the watermark less the overlap window. */
		auto high = tx.exec1("SELECT max(" + tx.quote_name(step.updated_at_column) + ")::text FROM " +
							 step.source_relation)[0];
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
		m_windows[step_id(step)] = {from, high.is_null() ? std::string() : high.as<std::string>()};
		tx.commit();
		return std::nullopt;
	}
	pqxx::work tx(m_conn);
	if (!step.updated_at_column.empty()) {
		/* The first watermark: taken before the first row is read, kept on resume. */
		tx.exec_params("INSERT INTO migration.watermark (step, source, high_water, run_id) "
					   "SELECT $1, $2, m, $3 FROM (SELECT max(" +
						   tx.quote_name(step.updated_at_column) + ")::text AS m FROM " +
						   step.source_relation + ") s WHERE m IS NOT NULL "
												  "ON CONFLICT (step, source) DO NOTHING",
					   step.name, step.source, run_id);
	}
	tx.exec_params("UPDATE migration.step_state SET state = 'in_progress', last_run_id = $3, "
				   "updated_at = now() WHERE step = $1 AND source = $2",
				   step.name, step.source, run_id);
	auto r = tx.exec_params("SELECT last_key::text FROM migration.step_state "
							"WHERE step = $1 AND source = $2",
							step.name, step.source);
	tx.commit();
	if (r.empty() || r[0][0].is_null()) {
		return std::nullopt;
	}
	return parse_key(r[0][0].as<std::string>());
}

void
PgTarget::end_step(const Step &step, long run_id)
{
	pqxx::work tx(m_conn);
	if (m_diff) {
		const auto &w = m_windows[step_id(step)];
		if (!w.second.empty()) {
			tx.exec_params("INSERT INTO migration.watermark AS w (step, source, high_water, run_id) "
						   "VALUES ($1, $2, $3, $4) ON CONFLICT (step, source) DO UPDATE SET "
						   "high_water = EXCLUDED.high_water, run_id = EXCLUDED.run_id, "
						   "updated_at = now()",
						   step.name, step.source, w.second, run_id);
		}
	} else {
		tx.exec_params("UPDATE migration.step_state SET state = 'completed', last_run_id = $3, "
					   "updated_at = now() WHERE step = $1 AND source = $2",
					   step.name, step.source, run_id);
	}
	tx.commit();
}

bool
PgTarget::is_completed(const Step &step)
{
	pqxx::read_transaction tx(m_conn);
	auto r = tx.exec_params("SELECT state = 'completed' FROM migration.step_state "
							"WHERE step = $1 AND source = $2",
							step.name, step.source);
	return !r.empty() && r[0][0].as<bool>();
}

std::vector<std::string>
PgTarget::with_window(const Step &step, std::vector<std::string> params) const
{
	if (m_diff) {
		const auto &w = m_windows.at(step_id(step));
		params.push_back(w.first);
		params.push_back(w.second);
	}
	return params;
}


/*
 * Bisect staged rows lo..hi (numbered in key order) with savepoints: what is accepted
 * stays in the transaction, each refused row is recorded as a failure in it.
 */
void
PgTarget::load_staged(pqxx::work &tx, const Step &step, long run_id, long lo, long hi,
					  BatchResult &r, long &failed)
{
	const Shape &sh = shape(step);
	try {
		Savepoint sp(tx, "tributary_rows");
		auto row = tx.exec_params(sh.batch_staged, step.source, lo, hi)[0];
		sp.release();
		r.rows_read += row[0].as<long>();
		long ins = row[1].as<long>();
		r.inserted += ins;
		r.updated += row[2].as<long>() - ins;
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

BatchResult
PgTarget::load_batch(const Step &step, long run_id, const std::optional<Key> &after, int limit)
{
	const Shape &sh = shape(step);
	std::string bound_sql = after ? sh.bound_next : sh.bound_first;
	bound_sql.replace(bound_sql.find("{LIMIT}"), 7, std::to_string(limit));
	pqxx::work tx(m_conn);
	BatchResult r;
	long failed = 0;
	try {
		auto started = tx.exec1("SELECT clock_timestamp()::text")[0].as<std::string>();
		std::vector<std::string> bound_params;
		if (after) {
			bound_params = *after;
		}
		auto bound = tx.exec_params(bound_sql,
									pqxx::prepare::make_dynamic_params(with_window(step, bound_params)));
		if (bound.empty() || bound[0][0].is_null()) {
			return r; /* no rows after `after` */
		}
		r.last = parse_key(bound[0][0].as<std::string>());
		std::vector<std::string> range;
		if (after) {
			range.insert(range.end(), after->begin(), after->end());
		}
		range.insert(range.end(), r.last.begin(), r.last.end());
		std::vector<std::string> params{step.source};
		params.insert(params.end(), range.begin(), range.end());
		params = with_window(step, params);
		try {
			Savepoint sp(tx, "tributary_batch");
			auto row = tx.exec_params(after ? sh.batch_next : sh.batch_first,
									  pqxx::prepare::make_dynamic_params(params))[0];
			sp.release();
			r.rows_read = row[0].as<long>();
			r.inserted = row[1].as<long>();
			r.updated = row[2].as<long>() - r.inserted;
		} catch (const pqxx::sql_error &e) {
			if (!is_data_error(e.sqlstate())) {
				throw;
			}
			/* Some row was refused: stage the batch's rows once and isolate the bad ones. */
			tx.exec0(sh.stage_create);
			tx.exec_params(after ? sh.stage_next : sh.stage_first,
						   pqxx::prepare::make_dynamic_params(with_window(step, range)));
			long n = tx.exec1("SELECT count(*) FROM pg_temp.tributary_stage")[0].as<long>();
			if (n > 0) {
				load_staged(tx, step, run_id, 1, n, r, failed);
			}
		}
		std::string lower = after ? key_json(*after) : std::string("null");
		tx.exec_params("INSERT INTO migration.batch (run_id, step, source, lower_key, upper_key, "
					   "rows_read, rows_inserted, rows_updated, rows_failed, started_at) "
					   "VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8, $9, $10::timestamptz)",
					   run_id, step.name, step.source, lower, key_json(r.last), r.rows_read,
					   r.inserted, r.updated, failed, started);
		/* A diff run leaves the full load's resume point alone. */
		tx.exec_params("UPDATE migration.step_state SET last_key = CASE WHEN $7 THEN last_key "
					   "ELSE $3::jsonb END, rows_done = rows_done + $4, "
					   "rows_failed = rows_failed + $5, last_run_id = $6, updated_at = now() "
					   "WHERE step = $1 AND source = $2",
					   step.name, step.source, key_json(r.last), r.rows_read - failed, failed,
					   run_id, m_diff);
		tx.exec_params("UPDATE migration.run SET rows_read = rows_read + $2, "
					   "rows_written = rows_written + $3, rows_failed = rows_failed + $4 "
					   "WHERE id = $1",
					   run_id, r.rows_read, r.inserted + r.updated, failed);
		tx.commit();
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

std::optional<Key>
PgTarget::next_key(const Step &step, const std::optional<Key> &after)
{
	const Shape &sh = shape(step);
	pqxx::read_transaction tx(m_conn);
	const std::string &sql = after ? sh.next_key_next : sh.next_key_first;
	std::vector<std::string> params;
	if (after) {
		params = *after;
	}
	auto r = tx.exec_params(sql, pqxx::prepare::make_dynamic_params(with_window(step, params)));
	if (r.empty() || r[0][0].is_null()) {
		return std::nullopt;
	}
	return parse_key(r[0][0].as<std::string>());
}

void
PgTarget::record_failure(const Step &step, long run_id, const Key &key, const DataError &error)
{
	const Shape &sh = shape(step);
	pqxx::work tx(m_conn);
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
				   step.name, step.source, key_json(key), m_diff);
	tx.exec_params("UPDATE migration.run SET rows_read = rows_read + 1, "
				   "rows_failed = rows_failed + 1 WHERE id = $1",
				   run_id);
	tx.commit();
}

LiveSettings
PgTarget::settings(const Step &step)
{
	pqxx::read_transaction tx(m_conn);
	auto r = tx.exec_params1(
		"SELECT coalesce(s.batch_size, d.batch_size, 0), "
		"coalesce(s.rows_per_second, d.rows_per_second, 0), "
		"coalesce(s.paused, false) OR coalesce(d.paused, false) "
		"FROM (SELECT 1) AS one LEFT JOIN migration.setting d ON d.step = '*' "
		"LEFT JOIN migration.setting s ON s.step = $1",
		step.name);
	LiveSettings ls;
	ls.batch_size = r[0].as<int>();
	ls.rows_per_second = r[1].as<int>();
	ls.paused = r[2].as<bool>();
	return ls;
}

} // namespace loader
