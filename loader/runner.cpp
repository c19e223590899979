/*
 * runner.cpp — see runner.hpp. Zone: loader.
 */
#include "loader/runner.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include <pqxx/pqxx>

namespace loader {

namespace {

std::string
first_line(const char *text)
{
	std::string s = text;
	auto nl = s.find('\n');
	if (nl != std::string::npos) {
		s.resize(nl);
	}
	if (s.rfind("ERROR:  ", 0) == 0 || s.rfind("FATAL:  ", 0) == 0) {
		s = s.substr(8);
	}
	return s;
}

void
warn_retry(const Step &step, const RetryNotice &n)
{
	std::ostringstream line;
	line << "tributary: warning: could not " << n.call << " of step \"" << step.name << "\" ["
		 << step.source << "], trying again in " << std::fixed << std::setprecision(1) << n.delay
		 << " s (try " << n.attempt + 1 << " of " << n.attempts << ")\n"
		 << "DETAIL:  " << n.error << '\n';
	std::cerr << line.str() << std::flush;
}

/* A positive number from the environment, or `fallback`. */
double
env_number(const char *name, double fallback)
{
	const char *value = std::getenv(name);
	if (value == nullptr || *value == '\0') {
		return fallback;
	}
	char *end = nullptr;
	double v = std::strtod(value, &end);
	if (end == value || *end != '\0' || !std::isfinite(v) || v < 0) {
		return fallback;
	}
	return v;
}

} // namespace

RetryPolicy
RetryPolicy::from_environment()
{
	RetryPolicy p;
	double attempts = env_number("TRIBUTARY_RETRIES", p.attempts);
	if (attempts >= 1 && attempts <= 1000) {
		p.attempts = static_cast<int>(attempts);
	}
	p.first_delay = env_number("TRIBUTARY_RETRY_DELAY", p.first_delay);
	if (p.first_delay > p.max_delay) {
		p.max_delay = p.first_delay;
	}
	return p;
}

double
RetryPolicy::delay_after(int attempt) const
{
	double d = first_delay;
	for (int i = 1; i < attempt && d < max_delay; i++) {
		d *= 2;
	}
	return std::min(d, max_delay);
}

bool
is_retryable(const std::exception &e)
{
	if (dynamic_cast<const DataError *>(&e) != nullptr) {
		return false;
	}
	/* libpqxx raises broken_connection for SQLSTATE class 08 too (the FDW's 08006). */
	if (dynamic_cast<const pqxx::broken_connection *>(&e) != nullptr ||
		dynamic_cast<const pqxx::in_doubt_error *>(&e) != nullptr ||
		dynamic_cast<const pqxx::serialization_failure *>(&e) != nullptr ||
		dynamic_cast<const pqxx::deadlock_detected *>(&e) != nullptr ||
		dynamic_cast<const pqxx::statement_completion_unknown *>(&e) != nullptr) {
		return true;
	}
	if (auto *sql = dynamic_cast<const pqxx::sql_error *>(&e)) {
		const std::string &s = sql->sqlstate();
		return s.rfind("08", 0) == 0 || s == "HV00N" || s == "40001" || s == "40P01" ||
			   s == "57P01" || s == "57P02" || s == "57P03" || s == "55P03";
	}
	return false;
}

StepRunner::StepRunner(Target &target, BatchObserver observer, const std::atomic<bool> *stop,
					   RetryPolicy retry)
	: m_target(target), m_observer(std::move(observer)), m_stop(stop), m_retry(std::move(retry))
{
	if (m_retry.attempts < 1) {
		m_retry.attempts = 1;
	}
}

void
StepRunner::wait(double seconds)
{
	if (m_retry.sleep) {
		m_retry.sleep(seconds);
		return;
	}
	using clock = std::chrono::steady_clock;
	const clock::time_point until =
		clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds));
	while (!stopping() && clock::now() < until) {
		clock::duration left = until - clock::now();
		std::this_thread::sleep_for(std::min<clock::duration>(left, std::chrono::milliseconds(100)));
	}
}

template <typename Fn>
auto
StepRunner::retrying(const Step &step, const char *call, StepTotals &totals, Fn &&fn)
	-> decltype(fn())
{
	for (int attempt = 1;; attempt++) {
		try {
			return fn();
		} catch (const std::exception &e) {
			if (!is_retryable(e) || attempt >= m_retry.attempts || stopping()) {
				throw;
			}
			RetryNotice n{call, first_line(e.what()), attempt, m_retry.attempts,
						  m_retry.delay_after(attempt)};
			if (m_retry.on_retry) {
				m_retry.on_retry(step, n);
			} else {
				warn_retry(step, n);
			}
			totals.retries++;
			wait(n.delay);
			if (stopping()) {
				throw;
			}
		}
	}
}

StepRunner::Slice
StepRunner::load(const Step &step, long run_id, const std::optional<Key> &after, int limit,
				 StepTotals &totals)
{
	try {
		BatchResult r = retrying(step, "load a batch", totals,
								 [&] { return m_target.load_batch(step, run_id, after, limit); });
		totals += r;
		if (r.moved() == 0 && !r.more) {
			return {after, 0};
		}
		totals.batches++;
		return {r.last, r.moved(), r.more};
	} catch (const DataError &e) {
		if (limit == 1) {
			std::optional<Key> key = retrying(step, "find the next key", totals,
											  [&] { return m_target.next_key(step, after); });
			if (!key) {
				return {after, 0};
			}
			retrying(step, "record a failed row", totals,
					 [&] { m_target.record_failure(step, run_id, *key, e); });
			totals.rows_read++;
			totals.failed++;
			return {key, 1};
		}
		/* Bisect: the good rows commit, the bad ones are narrowed down to single rows. */
		int half = limit / 2;
		Slice left = load(step, run_id, after, half, totals);
		if (left.rows < half && !left.more) {
			return left;
		}
		Slice right = load(step, run_id, left.after, limit - half, totals);
		return {right.after, left.rows + right.rows, right.more};
	}
}

void
StepRunner::throttle(const LiveSettings &settings, long rows, double seconds)
{
	if (settings.rows_per_second <= 0 || rows <= 0) {
		return;
	}
	double wanted = static_cast<double>(rows) / settings.rows_per_second;
	if (wanted > seconds) {
		std::this_thread::sleep_for(std::chrono::duration<double>(wanted - seconds));
	}
}

StepTotals
StepRunner::run(const Step &step, long run_id)
{
	m_totals = StepTotals();
	StepTotals &totals = m_totals;
	std::optional<Key> after =
		retrying(step, "start", totals, [&] { return m_target.begin_step(step, run_id); });
	auto read_settings = [&] {
		return retrying(step, "read the live settings", totals,
						[&] { return m_target.settings(step); });
	};
	for (;;) {
		if (stopping()) {
			return totals;
		}
		LiveSettings settings = read_settings();
		while (settings.paused) {
			std::this_thread::sleep_for(std::chrono::milliseconds(500));
			if (stopping()) {
				return totals;
			}
			settings = read_settings();
		}
		int limit = settings.batch_size > 0 ? settings.batch_size : step.batch_size;
		auto started = std::chrono::steady_clock::now();
		Slice s = load(step, run_id, after, limit, totals);
		double seconds =
			std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
		if (s.rows == 0 && !s.more) {
			break;
		}
		after = s.after;
		if (m_observer) {
			m_observer(step, totals);
		}
		if (s.rows < limit && !s.more) {
			break; /* the source has no more rows after this batch */
		}
		throttle(settings, s.rows, seconds);
	}
	retrying(step, "finish", totals, [&] { m_target.end_step(step, run_id); });
	return totals;
}

} // namespace loader
