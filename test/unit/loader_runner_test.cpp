// Unit tests of loader/runner.cpp with a fake Target: keyset batches, bisection of bad
// rows, resume, live settings.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "loader/runner.hpp"

namespace {

/* A source of integer keys 1..n; some keys are refused by the "target". */
class FakeTarget : public loader::Target {
public:
	FakeTarget(int n, std::set<int> bad) : m_n(n), m_bad(std::move(bad)) {}

	std::optional<loader::Key> begin_step(const loader::Step &, long) override
	{
		m_state = "in_progress";
		return m_resume;
	}
	void end_step(const loader::Step &, long) override { m_state = "completed"; }
	bool is_completed(const loader::Step &) override { return m_state == "completed"; }

	loader::BatchResult load_batch(const loader::Step &, long, const std::optional<loader::Key> &after,
								   int limit) override
	{
		m_calls++;
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
		}
		r.rows_read = static_cast<long>(keys.size());
		r.inserted = r.rows_read;
		if (!keys.empty()) {
			r.last = {std::to_string(keys.back())};
			m_resume = r.last;
		}
		return r;
	}
	std::optional<loader::Key> next_key(const loader::Step &, const std::optional<loader::Key> &after) override
	{
		int from = after ? std::stoi((*after)[0]) : 0;
		if (from + 1 > m_n) {
			return std::nullopt;
		}
		return loader::Key{std::to_string(from + 1)};
	}
	void record_failure(const loader::Step &, long, const loader::Key &key,
						const loader::DataError &e) override
	{
		m_failed[std::stoi(key[0])] = e.sqlstate();
		m_resume = key;
	}
	loader::LiveSettings settings(const loader::Step &) override { return m_settings; }

	int m_n;
	std::set<int> m_bad;
	std::map<int, int> m_loaded;
	std::map<int, std::string> m_failed;
	std::optional<loader::Key> m_resume;
	std::string m_state = "pending";
	loader::LiveSettings m_settings;
	int m_calls = 0;
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
