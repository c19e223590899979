/*
 * loader_telemetry_test.cpp — the pure parts of `run --metrics-file` and `report`:
 * escaping, the atomic file write, the metrics file of a run whose database cannot be
 * reached, and the report page drawn from given data. (With a database and a browser:
 * test/integration/metrics_report.sh.)
 */
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "loader/metrics.hpp"
#include "loader/report.hpp"

namespace {

std::string
read_file(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
}

size_t
count(const std::string &text, const std::string &what)
{
	size_t n = 0;
	for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
		n++;
	}
	return n;
}

class TempDir : public ::testing::Test {
protected:
	void SetUp() override
	{
		char name[] = "/tmp/tributary_telemetry_XXXXXX";
		ASSERT_NE(mkdtemp(name), nullptr);
		m_dir = name;
	}
	void TearDown() override { std::system(("rm -rf '" + m_dir + "'").c_str()); }
	std::string m_dir;
};

loader::Step
step(const std::string &name)
{
	loader::Step s;
	s.name = name;
	s.source = "default";
	s.source_relation = "src." + name;
	return s;
}

} // namespace

TEST(PrometheusEscape, escapes_backslash_quote_and_newline_in_label_values)
{
	EXPECT_EQ(loader::prometheus_escape("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

TEST(PrometheusEscape, leaves_quotes_alone_in_help_text)
{
	EXPECT_EQ(loader::prometheus_escape("say \"hi\"\\\n", true), "say \"hi\"\\\\\\n");
}

TEST(HtmlEscape, escapes_the_five_markup_characters)
{
	EXPECT_EQ(loader::html_escape("<a href=\"x\" title='y'>&</a>"),
			  "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
}

TEST_F(TempDir, write_file_atomically_replaces_the_file_and_leaves_no_temporary_file)
{
	const std::string path = m_dir + "/run.prom";
	ASSERT_EQ(loader::write_file_atomically(path, "one\n"), "");
	ASSERT_EQ(loader::write_file_atomically(path, "two\n"), "");
	EXPECT_EQ(read_file(path), "two\n");
	EXPECT_EQ(std::system(("test $(ls -A '" + m_dir + "' | wc -l) -eq 1").c_str()), 0);
}

TEST_F(TempDir, write_file_atomically_says_why_it_could_not)
{
	EXPECT_NE(loader::write_file_atomically(m_dir + "/nosuch/run.prom", "x").find("could not create file"),
			  std::string::npos);
}

TEST_F(TempDir, metrics_file_problem_names_a_missing_directory_or_a_directory_path)
{
	EXPECT_EQ(loader::metrics_file_problem(m_dir + "/run.prom"), "");
	EXPECT_EQ(loader::metrics_file_problem(m_dir + "/nosuch/run.prom"),
			  "directory \"" + m_dir + "/nosuch\" of the metrics file does not exist");
	EXPECT_EQ(loader::metrics_file_problem(m_dir), "metrics file \"" + m_dir + "\" is a directory");
}

TEST_F(TempDir, run_metrics_without_a_database_still_write_the_loaders_own_numbers)
{
	const std::string path = m_dir + "/run.prom";
	loader::ConnectOptions nowhere;
	nowhere.host = m_dir + "/no-server-here";
	nowhere.dbname = "x";
	loader::StepTotals t;
	t.rows_read = 120;
	t.inserted = 100;
	t.updated = 15;
	t.failed = 5;
	t.batches = 3;
	{
		loader::RunMetrics m(path, nowhere, {42, "full", false, true}, {step("users"), step("pets")});
		EXPECT_NE(read_file(path).find("tributary_run_status{mode=\"full\",status=\"running\"} 1\n"),
				  std::string::npos);
		m.batch(step("users"), t, 2.0);
		loader::StepTotals older = t;
		older.rows_read = 60; /* a parallel worker's older total arrives late */
		m.batch(step("users"), older, 1.0);
		m.step_end(step("pets"), {}, 0, "locked by another run");
		m.finish("succeeded_with_failures", 1);
	}
	const std::string text = read_file(path);
	const std::string users = "{step=\"users\",source=\"default\",mode=\"full\"";
	EXPECT_NE(text.find("tributary_run_id{mode=\"full\"} 42\n"), std::string::npos);
	EXPECT_NE(text.find("tributary_run_exit_code{mode=\"full\"} 1\n"), std::string::npos);
	EXPECT_NE(text.find("tributary_run_running{mode=\"full\"} 0\n"), std::string::npos);
	EXPECT_NE(text.find("tributary_step_rows_read_total" + users + "} 120\n"), std::string::npos);
	EXPECT_NE(text.find("tributary_step_rows_written_total" + users + ",action=\"updated\"} 15\n"),
			  std::string::npos);
	EXPECT_NE(text.find("tributary_step_rows_failed_total" + users + "} 5\n"), std::string::npos);
	EXPECT_NE(text.find("tributary_step_rows_per_second" + users + "} 60\n"), std::string::npos);
	EXPECT_NE(text.find("outcome=\"locked\"} 1\n"), std::string::npos);
	/* What only the database knows is left out rather than guessed. */
	EXPECT_EQ(text.find("tributary_batch_duration_seconds"), std::string::npos);
	EXPECT_EQ(text.find("backlog"), std::string::npos);
	EXPECT_EQ(count(text, "# TYPE "), count(text, "# HELP "));
	EXPECT_EQ(text.back(), '\n');
}

TEST_F(TempDir, run_metrics_left_without_finish_say_the_run_failed)
{
	const std::string path = m_dir + "/run.prom";
	loader::ConnectOptions nowhere;
	nowhere.host = m_dir + "/no-server-here";
	{
		loader::RunMetrics m(path, nowhere, {7, "diff", false, false}, {step("users")});
	}
	const std::string text = read_file(path);
	EXPECT_NE(text.find("tributary_run_status{mode=\"diff\",status=\"failed\"} 1\n"), std::string::npos);
	EXPECT_NE(text.find("tributary_run_exit_code{mode=\"diff\"} 3\n"), std::string::npos);
}

TEST(RenderReport, draws_many_batches_as_at_most_one_bar_per_pixel)
{
	loader::ReportRun run;
	run.id = 3;
	run.mode = "full";
	run.status = "succeeded";
	run.started = 1000;
	run.finished = 2000;
	loader::ReportStep s;
	s.name = "users";
	s.source = "default";
	for (int i = 0; i < 20000; i++) {
		s.batches_list.push_back({1000 + i * 0.05, 1000 + (i + 1) * 0.05, 10});
	}
	s.batches = 20000;
	s.rows_read = 200000;
	s.first_start = 1000;
	s.last_finish = 2000;
	s.outcome = "completed";
	run.steps.push_back(s);
	const std::string page = loader::render_report(run);
	const size_t bars = count(page, "<rect class=\"batch\"");
	EXPECT_GE(bars, 1u);
	EXPECT_LE(bars, 800u);
	EXPECT_NE(page.find("<td class=\"num rate\">200</td>"), std::string::npos);
	EXPECT_EQ(count(page, "<script"), 0u);
}

TEST(RenderReport, says_so_when_a_run_committed_no_batch_and_escapes_failures)
{
	loader::ReportRun run;
	run.id = 4;
	run.mode = "verify";
	run.status = "failed";
	run.message = "users: could not <connect>";
	run.steps.push_back({});
	run.steps.back().name = "users";
	run.steps.back().outcome = "failed: could not <connect>";
	run.failures.push_back({"users", "default", "[\"1\"]", "23505", "<b>dup</b>", "", "", 1, true});
	run.failures_total = 1;
	const std::string page = loader::render_report(run);
	EXPECT_NE(page.find("id=\"no-batches\""), std::string::npos);
	EXPECT_NE(page.find("&lt;b&gt;dup&lt;/b&gt;"), std::string::npos);
	EXPECT_NE(page.find("failed: could not &lt;connect&gt;"), std::string::npos);
	EXPECT_NE(page.find("id=\"mismatches-none\""), std::string::npos);
	EXPECT_EQ(page.find("<b>"), std::string::npos);
}
