/*
 * state.hpp — the only code that speaks migration.* SQL: loading steps, runs, batches
 * with their bookkeeping, failures, live settings and step locks.
 * Zone: loader.
 */
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "loader/plan.hpp"
#include "loader/target.hpp"

namespace loader {

/*
 * A connection to the target database. In a dry run it also holds the one transaction
 * everything happens in, rolled back at the end: units of work become savepoints of it,
 * so the target and the migration schema are left exactly as they were.
 */
class Session {
public:
	Session(std::unique_ptr<pqxx::connection> conn, bool dry_run);
	~Session();
	Session(const Session &) = delete;
	Session &operator=(const Session &) = delete;

	pqxx::connection &conn() { return *m_conn; }
	bool dry_run() const { return m_outer != nullptr; }

	/* Advisory locks this session holds (lock_step), taken again by the next unit of work
	 * when libpqxx has reconnected on its own after a lost backend; throws if another
	 * session took one meanwhile. */
	void held(const std::string &name, const std::string &source, bool shared, bool holds);

private:
	friend class Unit;
	void relock_after_reconnect(pqxx::transaction_base &tx);
	std::unique_ptr<pqxx::connection> m_conn;
	std::unique_ptr<pqxx::work> m_outer;
	long m_units = 0;
	int m_backend = 0;
	struct Held {
		std::string name, source;
		bool shared;
	};
	std::vector<Held> m_locks;
};

/* A savepoint by hand (libpqxx 6.4's subtransaction does not issue its SAVEPOINT before
 * exec_params). Rolls back to the savepoint unless released. */
class Savepoint {
public:
	Savepoint(pqxx::transaction_base &tx, std::string name);
	~Savepoint();
	void release();
	Savepoint(const Savepoint &) = delete;
	Savepoint &operator=(const Savepoint &) = delete;

private:
	pqxx::transaction_base &m_tx;
	std::string m_name;
	bool m_released = false;
};

/* A unit of work: its own transaction, or in a dry run a savepoint of the session's
 * transaction. Not committed: rolled back. */
class Unit {
public:
	explicit Unit(Session &session);
	pqxx::transaction_base &tx() { return *m_tx; }
	void commit();

private:
	std::unique_ptr<pqxx::work> m_own;
	std::unique_ptr<Savepoint> m_savepoint;
	pqxx::transaction_base *m_tx;
};

/* What a run does to each step (tributary run --mode). */
enum class Mode { full, diff, local_diff, retry_failed, find_missing, verify };
Mode parse_mode(const std::string &name); /* throws std::invalid_argument */
const char *mode_name(Mode mode);

/* Steps as defined in migration.step (unordered). */
std::vector<Step> load_steps(Session &session);

/* Runs. */
long start_run(Session &session, const std::string &mode, const std::vector<std::string> &steps);
void finish_run(Session &session, long run_id, const std::string &status, long read,
				long written, long failed, const std::string &message);

/* Advisory lock of one step and source; false if another session holds it. Shared: the
 * loaders that share a parallel full load's ranges. In a dry run the lock lasts until the
 * dry run's transaction ends. */
bool lock_step(Session &session, const Step &step, bool wait, bool shared = false);
void unlock_step(Session &session, const Step &step, bool shared = false);

/* Restart a step from its first row (full mode with --restart). */
void reset_step(Session &session, const Step &step);

/* A key range of a parallel full load (migration.range): first key column in (lower, upper]. */
struct KeyRange {
	int no = 0;
	std::string lower; /* empty: unbounded */
	std::string upper; /* empty: unbounded */
};

/* A source key that did not match its target row (verify, find-missing). */
struct Mismatch {
	Key key;
	std::string kind; /* missing | different | extra */
	bool known_failure = false; /* missing, and an unresolved failure explains it */
	bool repaired = false;		/* verify --repair: matches after it was migrated again */
};

/* One slice of a comparison of source and target, in source key order. */
struct Comparison {
	long rows = 0;	  /* source rows compared */
	Key last;		  /* last source key of the slice; empty at the end */
	bool end = false; /* no source rows after `after`: the slice was the tail */
	std::vector<Mismatch> mismatches;
};

/*
 * The database side of every mode, on one session.
 * Full mode loads a step's whole source, resuming after its last committed batch; when
 * the step has an updated_at column, its first full run also takes the step's first
 * watermark (the source's max(updated_at) before any row is read).
 * Diff mode loads the rows whose updated_at lies after the watermark less `overlap` and
 * at most the high-water mark taken when the step starts, then advances the watermark.
 * Local-diff reads every source row and writes only those whose fingerprint differs
 * from the one kept in the id map.
 * Every upsert keeps the written row's fingerprint in the id map.
 */
class PgTarget final : public Target {
public:
	PgTarget(Session &session, Mode mode = Mode::full, std::string overlap = "5 minutes")
		: m_session(session), m_mode(mode), m_overlap(std::move(overlap))
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

	/*
	 * Load the rows with these source keys (any number; keys no longer in the source are
	 * skipped), upserting as a batch does, refused rows recorded as failures — in one
	 * committed unit per chunk. `loaded` receives the keys written.
	 */
	BatchResult load_keys(const Step &step, long run_id, const std::vector<Key> &keys,
						  std::vector<Key> *loaded = nullptr);
	/*
	 * Compare the source rows after `after` (up to `limit` of them) with the target rows
	 * their id map points at: by key only, or with fingerprints as well. At the end of the
	 * source, the id map's keys after `after` are the tail (extra rows).
	 */
	Comparison compare(const Step &step, const std::optional<Key> &after, int limit,
					   bool fingerprints);
	/* Compare just these keys (verify --repair's second look). */
	std::vector<Mismatch> compare_keys(const Step &step, const std::vector<Key> &keys);
	/* Full mode: load only the rows of these scopes (scope name → value), re-importing the
	 * slice without touching the step's own progress. */
	void set_scope(std::map<std::string, std::string> values) { m_scope = std::move(values); }
	/* --replace after a scoped load: remove the target rows (and id map entries) of the
	 * scope that this run did not write, i.e. that no longer come out of the transform;
	 * returns how many. Rows whose removal is refused (a child still refers to them) are
	 * recorded as failures. */
	long replace_scope(const Step &step, long run_id);
	/* Full mode: load only this range; its progress goes to migration.range_state. */
	void set_range(std::optional<KeyRange> range, int workers = 1)
	{
		m_range = std::move(range);
		m_workers = workers;
	}
	/* The planner's estimate of the source's rows, and the rows the step has done (for
	 * progress); (0, done) when there is no estimate. */
	std::pair<long, long> size_estimate(const Step &step);
	/* Whether the step's foreign keys are checked by batch rather than by PostgreSQL's
	 * per-row triggers (see the statement's comment in state.cpp). */
	bool foreign_keys_by_batch(const Step &step);
	/* De-duplication (step option dedup), before a full load reads a row: which source rows
	 * are duplicates and of which survivor (migration.merge). */
	void prepare_dedup(const Step &step, long run_id);
	/* The step's first watermark (full mode), before any row is read; kept if present. */
	void take_first_watermark(const Step &step, long run_id);
	/* The source keys of a step's unresolved failures, oldest first. */
	std::vector<Key> failed_keys(const Step &step);
	/* Mark failures of these keys resolved unless this run recorded them again. */
	long resolve_failures(const Step &step, long run_id, const std::vector<Key> &keys);
	/* Record mismatches found by this run (migration.mismatch). */
	void record_mismatches(const Step &step, long run_id, const std::vector<Mismatch> &found);
	/* Orphans: delete the target rows (and their id map entries) of these source keys, or
	 * set `mark_column` on them; returns the rows changed. Refused deletes are failures. */
	long remove_orphans(const Step &step, long run_id, const std::vector<Key> &keys,
						const std::string &mark_column);

private:
	struct Shape; /* what a step's statements need from the catalogs */
	const Shape &shape(const Step &step);
	void load_staged(pqxx::transaction_base &tx, const Step &step, long run_id, long lo, long hi,
					 BatchResult &r, long &failed);
	/* One upsert statement: its counts added to r, the rows its foreign key check refused
	 * recorded as failures (counted in failed). */
	void run_upsert(pqxx::transaction_base &tx, const Step &step, long run_id, const std::string &sql,
					const std::vector<std::string> &params, BatchResult &r, long &failed);
	/* A refused selection: staged once into a temp table and bisected there. */
	void load_selection(pqxx::transaction_base &tx, const Step &step, long run_id,
						const std::string &upsert_sql, const std::string &stage_sql,
						const std::vector<std::string> &params,
						const std::vector<std::string> &stage_params, BatchResult &r, long &failed);
	/* Mismatch rows of the compare statement; its last row is the count of source rows. */
	std::vector<Mismatch> mismatches(pqxx::transaction_base &tx, const Step &step,
									 const pqxx::result &rows, long *compared);

	/* Diff mode: the window's two parameters appended to params. */
	std::vector<std::string> with_window(const Step &step, std::vector<std::string> params) const;
	bool windowed() const { return m_mode == Mode::diff; }
	/* Modes that write only rows whose fingerprint differs from the id map's: local-diff,
	 * and diff (its overlap window reads rows again that did not change). */
	bool writes_changed_only() const { return m_mode == Mode::local_diff || m_mode == Mode::diff; }
	/* Diff mode: no source row changed above the watermark. */
	bool nothing_changed(const Step &step) const;
	/* Modes that leave the step's resume point alone (a range has its own). */
	bool keeps_resume_point() const
	{
		return m_mode != Mode::full || m_range.has_value() || !m_scope.empty();
	}
	/* When a full load ends: duplicates' id map entries point at their survivors' rows. */
	void finish_dedup(pqxx::transaction_base &tx, const Step &step);
	/* A statement with its {RANGE} condition filled in (empty without a range). */
	std::string ranged(const Shape &sh, std::string sql) const;
	/* In a unit: the range's progress after a batch (or a recorded failure). */
	void range_progress(pqxx::transaction_base &tx, const Step &step, long run_id, const Key &last,
						long done, long failed);

	Session &m_session;
	Mode m_mode;
	std::string m_overlap;
	std::optional<KeyRange> m_range;
	int m_workers = 1; /* a range's workers share the step's rows per second */
	std::map<std::string, std::string> m_scope;
	std::vector<std::pair<std::string, std::shared_ptr<Shape>>> m_shapes;
	/* Diff mode, per step and source: (low, high) of the window; high empty = no rows. */
	std::map<std::string, std::pair<std::string, std::string>> m_windows;
	/* …and the end the statements use: for timestamps one microsecond above the mark */
	std::map<std::string, std::string> m_window_ends;

	/*
	 * Diff and local-diff find the keys of the changed rows first and then load those keys
	 * as batches (an IN list at the source), instead of reading key ranges: see
	 * load_listed(). Per step and source, the keys found and not yet loaded, in key order.
	 */
	struct Pending {
		std::deque<Key> keys;
		std::optional<Key> searched_to; /* local-diff: the search covered keys up to here */
		bool done = false;				/* the search reached the end of the source */
		bool by_range = false;			/* too many changes to list: key ranges as before */
		long unchanged_read = 0;		/* local-diff: rows read, unchanged, not yet in a batch */
		std::string reading_since;		/* …since when (the batch that reports them starts then) */
	};
	std::map<std::string, Pending> m_pending;
	/* Full load of an integer key: whether the step's last batch was dense (key windows). */
	std::map<std::string, bool> m_dense;
	/* Whether this mode lists changed keys first, and whether it does so for this step. */
	bool lists_keys() const { return m_mode == Mode::diff || m_mode == Mode::local_diff; }
	bool listed(const Step &step) const;
	/* Up to limit keys after `after` from the step's list, searching on as needed. */
	std::vector<Key> pending_keys(const Step &step, const std::optional<Key> &after, size_t limit);
	/* Diff: every key in the window (begin_step); local-diff: the next stretch of keys. */
	void find_window_keys(const Step &step, Pending &p);
	void find_changed_keys(const Step &step, Pending &p, size_t stretch);
	BatchResult load_listed(const Step &step, long run_id, const std::optional<Key> &after, int limit);
	/* The diff window's condition on parameters $first and $first+1 ("" outside diff mode). */
	std::string window_cond(const Shape &sh, size_t first) const;
};

} // namespace loader
