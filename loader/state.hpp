/*
 * state.hpp — the only code that speaks migration.* SQL: loading steps, runs, batches
 * with their bookkeeping, failures, live settings and step locks.
 * Zone: loader.
 */
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "loader/plan.hpp"
#include "loader/target.hpp"

namespace loader {

/* Steps as defined in migration.step (unordered). */
std::vector<Step> load_steps(pqxx::connection &conn);

/* Runs. */
long start_run(pqxx::connection &conn, const std::string &mode, const std::vector<std::string> &steps);
void finish_run(pqxx::connection &conn, long run_id, const std::string &status, long read,
				long written, long failed, const std::string &message);

/* Session advisory lock of one step and source; false if another session holds it. */
bool lock_step(pqxx::connection &conn, const Step &step, bool wait);
void unlock_step(pqxx::connection &conn, const Step &step);

/* Restart a step from its first row (full mode with --restart). */
void reset_step(pqxx::connection &conn, const Step &step);

/*
 * The database side of the batch loop, on one connection.
 * Full mode loads a step's whole source, resuming after its last committed batch; when
 * the step has an updated_at column, its first full run also takes the step's first
 * watermark (the source's max(updated_at) before any row is read).
 * Diff mode loads the rows whose updated_at lies after the watermark less `overlap` and
 * at most the high-water mark taken when the step starts, then advances the watermark.
 */
class PgTarget final : public Target {
public:
	explicit PgTarget(pqxx::connection &conn, bool diff = false, std::string overlap = "5 minutes")
		: m_conn(conn), m_diff(diff), m_overlap(std::move(overlap))
	{
	}

	std::optional<Key> begin_step(const Step &step, long run_id) override;
	void end_step(const Step &step, long run_id) override;
	bool is_completed(const Step &step) override;
	BatchResult load_batch(const Step &step, long run_id, const std::optional<Key> &after,
						   int limit) override;
	std::optional<Key> next_key(const Step &step, const std::optional<Key> &after) override;
	void record_failure(const Step &step, long run_id, const Key &key,
						const DataError &error) override;
	LiveSettings settings(const Step &step) override;

private:
	struct Shape; /* what a step's statements need from the catalogs */
	const Shape &shape(const Step &step);
	void load_staged(pqxx::work &tx, const Step &step, long run_id, long lo, long hi,
					 BatchResult &r, long &failed);

	/* Diff mode: the window's two parameters appended to params. */
	std::vector<std::string> with_window(const Step &step, std::vector<std::string> params) const;

	pqxx::connection &m_conn;
	bool m_diff;
	std::string m_overlap;
	std::vector<std::pair<std::string, std::shared_ptr<Shape>>> m_shapes;
	/* Diff mode, per step and source: (low, high) of the window; high empty = no rows. */
	std::map<std::string, std::pair<std::string, std::string>> m_windows;
};

} // namespace loader
