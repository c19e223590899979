/*
 * target.hpp — what the runner needs from the database, as an interface, so the batch
 * algorithm (resume, bad-row isolation, live settings) is unit-tested with a fake.
 * The PostgreSQL implementation is in state.cpp.
 * Zone: loader.
 */
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "loader/plan.hpp"

namespace loader {

/* A source key: one text value per key column, in key order. */
using Key = std::vector<std::string>;

/* A row (or batch) the database refused because of its data: it goes to failures. */
class DataError : public std::runtime_error {
public:
	DataError(std::string sqlstate, const std::string &message, std::string detail)
		: std::runtime_error(message), m_sqlstate(std::move(sqlstate)), m_detail(std::move(detail))
	{
	}
	const std::string &sqlstate() const noexcept { return m_sqlstate; }
	const std::string &detail() const noexcept { return m_detail; }

private:
	std::string m_sqlstate;
	std::string m_detail;
};

/* Rows a batch, a step or a run read and wrote. */
struct RowCounts {
	long rows_read = 0;
	long inserted = 0;
	long updated = 0;
	long failed = 0; /* rows refused and recorded in failures (included in rows_read) */
	RowCounts &operator+=(const RowCounts &b)
	{
		rows_read += b.rows_read;
		inserted += b.inserted;
		updated += b.updated;
		failed += b.failed;
		return *this;
	}
};

/* A batch's counts (adding batches adds their counts, not their last keys). */
struct BatchResult : RowCounts {
	Key last; /* key of the last row read; empty when rows_read == 0 */
	/*
	 * How far the batch moved through the source, in the unit of its limit: -1 means
	 * rows_read. A batch of listed keys (diff, local-diff) counts its keys, read or not
	 * (a key whose row is gone by then is not a row read, and not the end either).
	 */
	long advanced = -1;
	long moved() const { return advanced >= 0 ? advanced : rows_read; }
	/* Rows may follow although the batch moved less than its limit (a key window with
	 * gaps): the end of the source is not reached. */
	bool more = false;
};

/* Settings a DBA may change while a run goes on (migration.setting). */
struct LiveSettings {
	int batch_size = 0; /* 0: the step's own */
	int rows_per_second = 0; /* 0: unlimited */
	bool paused = false;
};

class Target {
public:
	virtual ~Target() = default;
	/*
	 * Start (or resume) a step in this run: returns the key after which to go on
	 * (nullopt: from the first row).
	 */
	virtual std::optional<Key> begin_step(const Step &step, long run_id) = 0;
	/* The step reached the end of its source in this run. */
	virtual void end_step(const Step &step, long run_id) = 0;
	virtual bool is_completed(const Step &step) = 0;
	/*
	 * Load up to limit rows with keys after `after`, upserting into the target and the
	 * id map, and record the batch — all in one committed transaction. Rows the target
	 * refuses may be isolated and recorded by the target itself (counted in `failed`);
	 * otherwise it throws DataError and keeps nothing of the batch.
	 */
	virtual BatchResult load_batch(const Step &step, long run_id, const std::optional<Key> &after,
								   int limit) = 0;
	/* The key of the first source row after `after`, if any. */
	virtual std::optional<Key> next_key(const Step &step, const std::optional<Key> &after) = 0;
	/* Record a refused row and move the step's resume point past it (committed). */
	virtual void record_failure(const Step &step, long run_id, const Key &key,
								const DataError &error) = 0;
	virtual LiveSettings settings(const Step &step) = 0;
};

} // namespace loader
