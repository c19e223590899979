// Unit tests of loader/runner.cpp with a fake Target: keyset batches, bisection of bad
// rows, resume, live settings, retries with backoff after passing errors.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <deque>
#include <functional>
#include <map>
#include <set>

#include <pqxx/pqxx>

#include "loader/runner.hpp"

namespace {

/* A source of integer keys 1..n; some keys are refused by the "target". */
class FakeTarget : public loader::Target {
public:
	FakeTarget(int n, std::set<int> bad) : m_n(n), m_bad(std::move(bad)) {}

	std::optional<loader::Key> begin_step(const loader::Step &, long) override
	{
		fault("begin_step", false);
		m_state = "in_progress";
		return m_resume;
	}
	void end_step(const loader::Step &, long) override { m_state = "completed"; }
	bool is_completed(const loader::Step &) override { return m_state == "completed"; }

	loader::BatchResult load_batch(const loader::Step &, long, const std::optional<loader::Key> &after,
								   int limit) override
	{
		m_calls++;
		fault("load_batch", false);
		int from = after ? std::stoi((*after)[0]) : 0;
		std::vector<int> keys;
		for (int k = from + 1; k <= m_n && static_cast<int>(keys.size()) < limit; k++) {
			keys.push_back(k);
		}
		for (int k : keys) {
			if (m_bad.count(k) > 0) {
				throw loader::DataError("23505", "duplicate key", "Key (id)=(" + std::to_string(k) + ")");
			}
		}
		loader::BatchResult r;
		for (int k : keys) {
			m_loaded[k]++;
			m_target_rows.insert(k); /* an upsert: a row loaded twice is there once */
		}
		r.rows_read = static_cast<long>(keys.size());
		r.inserted = r.rows_read;
		if (!keys.empty()) {
			r.last = {std::to_string(keys.back())};
			m_resume = r.last;
		}
		fault("load_batch", true);
		return r;
	}
	std::optional<loader::Key> next_key(const loader::Step &, const std::optional<loader::Key> &after) override
	{
		fault("next_key", false);
		int from = after ? std::stoi((*after)[0]) : 0;
		if (from + 1 > m_n) {
			return std::nullopt;
		}
		return loader::Key{std::to_string(from + 1)};
	}
	void record_failure(const loader::Step &, long, const loader::Key &key,
						const loader::DataError &e) override
	{
		fault("record_failure", false);
		m_failed_records++;
		m_failed[std::stoi(key[0])] = e.sqlstate();
		m_resume = key;
	}
	loader::LiveSettings settings(const loader::Step &) override
	{
		fault("settings", false);
		return m_settings;
	}

	/*
	 * Faults to inject: per call name, a queue of (throw before or after the call's
	 * effect, the exception to throw); a null thrower lets that call pass.
	 */
	struct Fault {
		bool after_effect;
		std::function<void()> raise;
	};
	void inject(const std::string &call, bool after_effect, std::function<void()> raise)
	{
		m_faults[call].push_back({after_effect, std::move(raise)});
	}
	void fault(const std::string &call, bool after_effect)
	{
		auto it = m_faults.find(call);
		if (it == m_faults.end() || it->second.empty() ||
			it->second.front().after_effect != after_effect) {
			return;
		}
		Fault f = it->second.front();
		it->second.pop_front();
		if (f.raise) {
			f.raise();
		}
	}

	int m_n;
	std::set<int> m_bad;
	std::map<int, int> m_loaded;
	std::map<int, std::string> m_failed;
	std::optional<loader::Key> m_resume;
	std::string m_state = "pending";
	loader::LiveSettings m_settings;
	int m_calls = 0;
	int m_failed_records = 0;
	std::set<int> m_target_rows;
	std::map<std::string, std::deque<Fault>> m_faults;
};

loader::Step
make_step(int batch)
{
	loader::Step s;
	s.name = "users";
	s.source = "default";
	s.batch_size = batch;
	return s;
}

} // namespace

TEST(LoaderRunner, loads_every_row_once_in_keyset_batches)
{
	FakeTarget t(1000, {});
	loader::StepRunner runner(t, nullptr);
	auto totals = runner.run(make_step(128), 1);
	EXPECT_EQ(totals.rows_read, 1000);
	EXPECT_EQ(t.m_loaded.size(), 1000u);
	for (const auto &[k, n] : t.m_loaded) {
		EXPECT_EQ(n, 1) << "key " << k;
	}
	EXPECT_EQ(t.m_state, "completed");
	EXPECT_EQ(totals.batches, 8); /* 7 full batches and a last short one */
}

TEST(LoaderRunner, isolates_bad_rows_and_commits_the_rest)
{
	FakeTarget t(500, {7, 8, 250, 500});
	loader::StepRunner runner(t, nullptr);
	auto totals = runner.run(make_step(64), 1);
	EXPECT_EQ(totals.failed, 4);
	EXPECT_EQ(totals.rows_read, 500);
	EXPECT_EQ(t.m_failed, (std::map<int, std::string>{{7, "23505"}, {8, "23505"}, {250, "23505"}, {500, "23505"}}));
	EXPECT_EQ(t.m_loaded.size(), 496u);
	for (int bad : {7, 8, 250, 500}) {
		EXPECT_EQ(t.m_loaded.count(bad), 0u);
	}
}

TEST(LoaderRunner, resumes_after_the_last_committed_batch)
{
	FakeTarget t(300, {});
	t.m_resume = loader::Key{"200"};
	loader::StepRunner runner(t, nullptr);
	auto totals = runner.run(make_step(50), 2);
	EXPECT_EQ(totals.rows_read, 100);
	EXPECT_EQ(t.m_loaded.begin()->first, 201);
}

TEST(LoaderRunner, follows_a_batch_size_changed_while_running)
{
	FakeTarget t(100, {});
	t.m_settings.batch_size = 10;
	int batches_seen = 0;
	loader::StepRunner runner(t, [&](const loader::Step &, const loader::StepTotals &) {
		if (++batches_seen == 2) {
			t.m_settings.batch_size = 40;
		}
	});
	auto totals = runner.run(make_step(1000), 1);
	EXPECT_EQ(totals.rows_read, 100);
	EXPECT_EQ(totals.batches, 4); /* 10, 10, 40, 40 */
}

TEST(LoaderRunner, stops_between_batches_when_asked)
{
	FakeTarget t(100, {});
	std::atomic<bool> stop{false};
	loader::StepRunner runner(t, [&](const loader::Step &, const loader::StepTotals &) { stop = true; }, &stop);
	auto totals = runner.run(make_step(10), 1);
	EXPECT_EQ(totals.rows_read, 10);
	EXPECT_EQ(t.m_state, "in_progress");
}

namespace {

[[noreturn]] void
lose_connection()
{
	throw pqxx::broken_connection("server closed the connection unexpectedly");
}

std::function<void()>
sql_error(const char *sqlstate)
{
	return [sqlstate]() { throw pqxx::sql_error("ERROR:  some error\nDETAIL:  more", "SELECT 1", sqlstate); };
}

/* A policy that records its waits instead of sleeping. */
loader::RetryPolicy
recording_policy(int attempts, double first_delay, std::vector<double> &waits,
				 std::vector<loader::RetryNotice> *notices = nullptr)
{
	loader::RetryPolicy p;
	p.attempts = attempts;
	p.first_delay = first_delay;
	p.max_delay = 30;
	p.sleep = [&waits](double s) { waits.push_back(s); };
	p.on_retry = [notices](const loader::Step &, const loader::RetryNotice &n) {
		if (notices != nullptr) {
			notices->push_back(n);
		}
	};
	return p;
}

} // namespace

TEST(LoaderRunnerRetry, classifies_passing_errors_as_retryable)
{
	auto retryable = [](const std::function<void()> &raise) {
		try {
			raise();
		} catch (const std::exception &e) {
			return loader::is_retryable(e);
		}
		return false;
	};
	EXPECT_TRUE(retryable(lose_connection));
	for (const char *state : {"08006", "08001", "08P01", "HV00N", "40001", "40P01", "57P01", "57P02",
							  "57P03", "55P03"}) {
		EXPECT_TRUE(retryable(sql_error(state))) << state;
	}
	for (const char *state : {"22P02", "23505", "23503", "57014", "42P01", "HV000", "HV004", "28P01",
							  "53100", "XX000"}) {
		EXPECT_FALSE(retryable(sql_error(state))) << state;
	}
	EXPECT_TRUE(retryable([] { throw pqxx::in_doubt_error("commit outcome unknown"); }));
	EXPECT_TRUE(retryable([] { throw pqxx::deadlock_detected("deadlock detected"); }));
	EXPECT_TRUE(retryable([] { throw pqxx::serialization_failure("could not serialize"); }));
	EXPECT_FALSE(retryable([] { throw loader::DataError("08006", "looks like a lost connection", ""); }));
	EXPECT_FALSE(retryable([] { throw std::runtime_error("step has no diff mode"); }));
	EXPECT_FALSE(retryable([] { throw pqxx::usage_error("misuse"); }));
}

TEST(LoaderRunnerRetry, backoff_doubles_up_to_the_cap)
{
	loader::RetryPolicy p;
	p.first_delay = 0.5;
	p.max_delay = 3;
	EXPECT_DOUBLE_EQ(p.delay_after(1), 0.5);
	EXPECT_DOUBLE_EQ(p.delay_after(2), 1.0);
	EXPECT_DOUBLE_EQ(p.delay_after(3), 2.0);
	EXPECT_DOUBLE_EQ(p.delay_after(4), 3.0);
	EXPECT_DOUBLE_EQ(p.delay_after(40), 3.0);
}

TEST(LoaderRunnerRetry, policy_follows_the_environment_and_ignores_bad_values)
{
	setenv("TRIBUTARY_RETRIES", "3", 1);
	setenv("TRIBUTARY_RETRY_DELAY", "0.25", 1);
	loader::RetryPolicy p = loader::RetryPolicy::from_environment();
	EXPECT_EQ(p.attempts, 3);
	EXPECT_DOUBLE_EQ(p.first_delay, 0.25);
	setenv("TRIBUTARY_RETRIES", "many", 1);
	setenv("TRIBUTARY_RETRY_DELAY", "-1", 1);
	p = loader::RetryPolicy::from_environment();
	EXPECT_EQ(p.attempts, loader::RetryPolicy().attempts);
	EXPECT_DOUBLE_EQ(p.first_delay, loader::RetryPolicy().first_delay);
	unsetenv("TRIBUTARY_RETRIES");
	unsetenv("TRIBUTARY_RETRY_DELAY");
}

TEST(LoaderRunnerRetry, retries_a_lost_connection_and_loads_every_row_once)
{
	FakeTarget t(1000, {});
	t.inject("load_batch", false, nullptr);
	t.inject("load_batch", false, nullptr);
	t.inject("load_batch", false, lose_connection);
	std::vector<double> waits;
	std::vector<loader::RetryNotice> notices;
	loader::StepRunner runner(t, nullptr, nullptr, recording_policy(4, 0.5, waits, &notices));
	auto totals = runner.run(make_step(100), 1);
	EXPECT_EQ(totals.rows_read, 1000);
	EXPECT_EQ(totals.retries, 1);
	EXPECT_EQ(waits, std::vector<double>{0.5});
	ASSERT_EQ(notices.size(), 1u);
	EXPECT_EQ(notices[0].call, "load a batch");
	EXPECT_EQ(notices[0].attempt, 1);
	EXPECT_EQ(notices[0].attempts, 4);
	EXPECT_EQ(notices[0].error, "server closed the connection unexpectedly");
	EXPECT_EQ(t.m_loaded.size(), 1000u);
	for (const auto &[k, n] : t.m_loaded) {
		EXPECT_EQ(n, 1) << "key " << k;
	}
	EXPECT_EQ(t.m_state, "completed");
}

TEST(LoaderRunnerRetry, retries_each_kind_of_call)
{
	FakeTarget t(300, {150});
	t.inject("begin_step", false, sql_error("57P01"));
	t.inject("settings", false, sql_error("08006"));
	t.inject("next_key", false, sql_error("HV00N"));
	t.inject("record_failure", false, sql_error("40P01"));
	std::vector<double> waits;
	loader::StepRunner runner(t, nullptr, nullptr, recording_policy(3, 1, waits));
	auto totals = runner.run(make_step(64), 1);
	EXPECT_EQ(totals.retries, 4);
	EXPECT_EQ(waits, (std::vector<double>{1, 1, 1, 1}));
	EXPECT_EQ(totals.rows_read, 300);
	EXPECT_EQ(t.m_failed_records, 1);
	EXPECT_EQ(t.m_failed, (std::map<int, std::string>{{150, "23505"}}));
	EXPECT_EQ(t.m_target_rows.size(), 299u);
	EXPECT_EQ(t.m_state, "completed");
}

TEST(LoaderRunnerRetry, a_commit_in_doubt_is_loaded_again_without_duplicates)
{
	FakeTarget t(500, {});
	t.inject("load_batch", true, nullptr);
	t.inject("load_batch", true, [] { throw pqxx::in_doubt_error("connection lost during COMMIT"); });
	std::vector<double> waits;
	loader::StepRunner runner(t, nullptr, nullptr, recording_policy(3, 1, waits));
	auto totals = runner.run(make_step(100), 1);
	EXPECT_EQ(totals.retries, 1);
	EXPECT_EQ(t.m_target_rows.size(), 500u);
	/* The batch whose commit was in doubt ran twice; the upsert kept one row each. */
	EXPECT_EQ(t.m_loaded[100], 1);
	EXPECT_EQ(t.m_loaded[101], 2);
	EXPECT_EQ(t.m_loaded[200], 2);
	EXPECT_EQ(t.m_loaded[201], 1);
}

TEST(LoaderRunnerRetry, gives_up_after_the_attempts_and_leaves_a_resumable_state)
{
	FakeTarget t(1000, {});
	t.inject("load_batch", false, nullptr);
	t.inject("load_batch", false, nullptr);
	for (int i = 0; i < 5; i++) {
		t.inject("load_batch", false, sql_error("HV00N"));
	}
	std::vector<double> waits;
	loader::StepRunner runner(t, nullptr, nullptr, recording_policy(5, 0.5, waits));
	EXPECT_THROW(runner.run(make_step(100), 1), pqxx::sql_error);
	EXPECT_EQ(waits, (std::vector<double>{0.5, 1, 2, 4}));
	EXPECT_EQ(runner.totals().rows_read, 200); /* the two batches committed before */
	EXPECT_EQ(runner.totals().retries, 4);
	EXPECT_EQ(t.m_state, "in_progress");
	ASSERT_TRUE(t.m_resume.has_value());
	EXPECT_EQ((*t.m_resume)[0], "200");

	/* The source is back: the next run resumes after the last committed batch. */
	loader::StepRunner again(t, nullptr, nullptr, recording_policy(5, 0.5, waits));
	auto totals = again.run(make_step(100), 2);
	EXPECT_EQ(totals.rows_read, 800);
	EXPECT_EQ(t.m_target_rows.size(), 1000u);
	for (const auto &[k, n] : t.m_loaded) {
		EXPECT_EQ(n, 1) << "key " << k;
	}
	EXPECT_EQ(t.m_state, "completed");
}

TEST(LoaderRunnerRetry, never_retries_refused_data_or_other_errors)
{
	FakeTarget t(200, {});
	t.inject("load_batch", false, sql_error("57014")); /* statement_timeout */
	std::vector<double> waits;
	loader::StepRunner runner(t, nullptr, nullptr, recording_policy(5, 1, waits));
	EXPECT_THROW(runner.run(make_step(100), 1), pqxx::sql_error);
	EXPECT_TRUE(waits.empty());
	EXPECT_EQ(t.m_calls, 1);

	FakeTarget bad(200, {10, 11});
	loader::StepRunner runner2(bad, nullptr, nullptr, recording_policy(5, 1, waits));
	auto totals = runner2.run(make_step(100), 1);
	EXPECT_EQ(totals.retries, 0);
	EXPECT_EQ(totals.failed, 2);
	EXPECT_TRUE(waits.empty());
}

TEST(LoaderRunnerRetry, a_stop_request_ends_the_backoff_wait)
{
	FakeTarget t(200, {});
	t.inject("load_batch", false, lose_connection);
	std::atomic<bool> stop{false};
	loader::RetryPolicy p;
	p.attempts = 5;
	p.first_delay = 30;
	p.on_retry = [&stop](const loader::Step &, const loader::RetryNotice &) { stop = true; };
	loader::StepRunner runner(t, nullptr, &stop, p);
	auto started = std::chrono::steady_clock::now();
	EXPECT_THROW(runner.run(make_step(100), 1), pqxx::broken_connection);
	EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
	EXPECT_EQ(t.m_calls, 1);
}
