/*
 * cutover.cpp — `tributary cutover`: the last mile of a zero-downtime migration.
 *
 *   tributary cutover          diff rounds (diff for steps with updated_at, local-diff for
 *                              the others) until a round writes at most --threshold rows:
 *                              the target has caught up; the DBA may freeze the sources.
 *   tributary cutover --final  with the sources frozen: one last round, target sequences
 *                              and identities moved past the migrated keys, constraints
 *                              created NOT VALID validated, verify of every step, and a
 *                              go/no-go report (exit 0: go, 5: no-go).
 * Zone: loader.
 */
#include <iomanip>
#include <iostream>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "loader/commands.hpp"
#include "loader/exit_codes.hpp"
#include "loader/plan.hpp"
#include "loader/state.hpp"

namespace loader {

namespace {

struct Round {
	long written = 0;
	long failed = 0;
	bool ok = true;
	std::string error;
};

/* One round: diff where the step has updated_at, local-diff elsewhere. */
Round
diff_round(const Globals &quiet, const RunOptions &base, const std::vector<Step> &steps)
{
	Round round;
	for (const char *mode : {"diff", "local-diff"}) {
		RunOptions o = base;
		o.mode = mode;
		o.steps.clear();
		for (const Step &s : steps) {
			if (s.updated_at_column.empty() == (std::string(mode) == "local-diff")) {
				o.steps.push_back(s.name);
			}
		}
		if (o.steps.empty()) {
			continue;
		}
		std::vector<StepOutcome> outcomes;
		int rc = cmd_run(quiet, o, &outcomes);
		for (const StepOutcome &s : outcomes) {
			round.written += s.written;
			round.failed += s.failed;
			if (!s.ok && round.error.empty()) {
				round.error = s.step + " [" + s.source + "]: " + s.error;
			}
		}
		round.ok = round.ok && (rc == exit_success || rc == exit_with_failures);
		if (rc != exit_success && rc != exit_with_failures && round.error.empty()) {
			round.error = std::string(mode) + " run ended with exit code " + std::to_string(rc);
		}
	}
	return round;
}

struct Check {
	std::string what;
	bool go;
	std::string detail;
};

} // namespace

int
cmd_cutover(const Globals &g, const RunOptions &base, const CutoverOptions &c)
{
	Globals quiet = g;
	quiet.quiet = true;
	quiet.json = false;
	std::vector<Step> steps;
	{
		Session session(connect(g.connect), false);
		steps = select_steps(order_steps(load_steps(session)), base.steps, base.with_dependencies);
	}
	if (steps.empty()) {
		print_error("no steps to cut over", {}, "Define steps with migration.define_step().");
		return exit_usage;
	}
	/* Names once each (a step may serve several sources). */
	std::vector<Step> by_name;
	std::set<std::string> seen;
	for (const Step &s : steps) {
		if (seen.insert(s.name).second) {
			by_name.push_back(s);
		}
	}
	std::vector<Check> checks;
	if (!c.final) {
		for (int n = 1; n <= c.max_rounds; n++) {
			Round r = diff_round(quiet, base, by_name);
			if (!g.quiet && !g.json) {
				std::cout << "round " << n << ": " << r.written << " rows written, " << r.failed
						  << " failed" << (r.ok ? "" : " — " + r.error) << '\n';
			}
			if (!r.ok) {
				print_error("a diff round failed", r.error, "Fix the cause and run tributary cutover again.");
				return exit_fatal;
			}
			if (r.written <= c.threshold) {
				if (g.json) {
					std::cout << nlohmann::json({{"converged", true}, {"rounds", n}, {"last_round_written", r.written}}).dump(2)
							  << '\n';
				} else if (!g.quiet) {
					std::cout << "converged: the last round wrote " << r.written << " rows (threshold "
							  << c.threshold << ").\nFreeze the sources (stop their writers), then run "
							  << "tributary cutover --final.\n";
				}
				return exit_success;
			}
		}
		print_error("the target did not converge in " + std::to_string(c.max_rounds) + " rounds", {},
					"The sources change faster than the diffs catch up: raise --threshold or --max-rounds, "
					"or throttle the writers.");
		return exit_differences;
	}

	/* --final: the sources are frozen. */
	Round last = diff_round(quiet, base, by_name);
	checks.push_back({"final diff", last.ok,
					  last.ok ? std::to_string(last.written) + " rows written, " + std::to_string(last.failed) + " failed"
							  : last.error});

	auto conn = connect(g.connect);
	std::set<std::string> targets;
	for (const Step &s : by_name) {
		targets.insert(s.target_table);
	}
	/* Sequences and identities behind the migrated keys would hand out taken keys. */
	{
		pqxx::work tx(*conn);
		std::vector<std::string> moved;
		for (const std::string &t : targets) {
			for (const auto &row : tx.exec_params(
					 "SELECT a.attname, pg_get_serial_sequence($1, a.attname) FROM pg_attribute a "
					 "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped "
					 "AND pg_get_serial_sequence($1, a.attname) IS NOT NULL",
					 t)) {
				const std::string col = row[0].as<std::string>(), seq = row[1].as<std::string>();
				auto r = tx.exec1("SELECT (SELECT max(" + tx.quote_name(col) + ") FROM " + t + ")::text, "
								  "(SELECT CASE WHEN is_called THEN last_value END FROM " + seq + ")::text");
				if (r[0].is_null()) {
					continue;
				}
				const std::string max_key = r[0].as<std::string>();
				auto set = tx.exec_params(
					"SELECT setval($1::regclass, $2::bigint) WHERE $2::numeric > coalesce($3::numeric, 0)", seq,
					max_key, r[1].is_null() ? std::optional<std::string>() : r[1].as<std::string>());
				if (!set.empty()) {
					moved.push_back(seq + " moved to " + max_key);
				}
			}
		}
		tx.commit();
		checks.push_back({"sequences", true, moved.empty() ? "all past the migrated keys" : [&]() {
							  std::string out;
							  for (const auto &m : moved) {
								  out += (out.empty() ? "" : ", ") + m;
							  }
							  return out;
						  }()});
	}
	/* Constraints created NOT VALID (to load fast on a live platform): validated now. */
	{
		std::vector<std::string> done, refused;
		for (const std::string &t : targets) {
			pqxx::work list(*conn);
			auto cons = list.exec_params("SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass "
										 "AND NOT convalidated ORDER BY conname",
										 t);
			list.commit();
			for (const auto &con : cons) {
				const std::string name = con[0].as<std::string>();
				try {
					pqxx::work tx(*conn);
					tx.exec0("ALTER TABLE " + t + " VALIDATE CONSTRAINT " + tx.quote_name(name));
					tx.commit();
					done.push_back(t + "." + name);
				} catch (const pqxx::sql_error &e) {
					std::string msg = e.what();
					refused.push_back(t + "." + name + ": " + msg.substr(0, msg.find('\n')));
				}
			}
		}
		std::string detail;
		for (const auto &d : done) {
			detail += (detail.empty() ? "validated " : ", ") + d;
		}
		for (const auto &r : refused) {
			detail += (detail.empty() ? "" : "; ") + std::string("refused ") + r;
		}
		checks.push_back({"constraints", refused.empty(), detail.empty() ? "none NOT VALID" : detail});
	}
	/* Verify every step, and no unresolved failure. */
	{
		RunOptions o = base;
		o.mode = "verify";
		o.steps.clear();
		for (const Step &s : by_name) {
			o.steps.push_back(s.name);
		}
		std::vector<StepOutcome> outcomes;
		int rc = cmd_run(quiet, o, &outcomes);
		long diffs = 0;
		for (const StepOutcome &s : outcomes) {
			diffs += s.differences;
		}
		checks.push_back({"verify", rc == exit_success,
						  rc == exit_success ? "every row matches"
											 : std::to_string(diffs) + " differences (see migration.mismatch)"});
		pqxx::read_transaction tx(*conn);
		long unresolved = tx.exec1("SELECT count(*) FROM migration.unresolved_failures")[0].as<long>();
		checks.push_back({"failures", unresolved == 0, std::to_string(unresolved) + " unresolved"});
	}
	bool go = true;
	for (const Check &ch : checks) {
		go = go && ch.go;
	}
	if (g.json) {
		nlohmann::json j;
		j["go"] = go;
		j["checks"] = nlohmann::json::array();
		for (const Check &ch : checks) {
			j["checks"].push_back({{"check", ch.what}, {"go", ch.go}, {"detail", ch.detail}});
		}
		std::cout << j.dump(2) << '\n';
	} else if (!g.quiet) {
		for (const Check &ch : checks) {
			std::cout << std::left << std::setw(13) << ch.what << (ch.go ? "ok     " : "NO-GO  ") << ch.detail
					  << '\n';
		}
		std::cout << (go ? "GO: the target holds every row of the sources; switch the applications over.\n"
						 : "NO-GO: fix what is listed above, then run tributary cutover --final again.\n");
	}
	return go ? exit_success : exit_differences;
}

} // namespace loader
