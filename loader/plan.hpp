/*
 * plan.hpp — the steps of a migration and their order. Pure: no database here;
 * state.cpp loads the definitions, runner.cpp executes them.
 * Zone: loader.
 */
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace loader {

/* One step for one source, as defined by migration.define_step. */
struct Step {
	std::string name;
	std::string source;
	std::string source_relation; /* quoted, schema-qualified (regclass text) */
	std::string target_table;	 /* quoted, schema-qualified */
	std::vector<std::string> source_key;
	std::string target_key;
	std::string key_mode; /* "keep" or "map" */
	std::string source_key_column; /* empty if none */
	std::string updated_at_column; /* empty if none */
	std::vector<std::string> depends_on;
	int batch_size = 10000;
	std::string fk_check = "auto"; /* options->>'fk_check': auto (by batch when safe) | row */
	/* options->'scopes': scope name → column of the source relation, in name order */
	std::vector<std::pair<std::string, std::string>> scopes;
	/* options->'dedup': the columns that identify a duplicate, and the order (column,
	 * "ASC"/"DESC" and "NULLS …" words) whose first row survives */
	std::vector<std::string> dedup_columns;
	std::vector<std::pair<std::string, std::string>> dedup_order;
};

class PlanError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

/*
 * Order steps so that every step comes after the steps it depends on; among steps
 * that are free at the same time, keep name order (then source order), so the order is
 * stable. Throws PlanError naming the cycle or the unknown dependency.
 */
std::vector<Step> order_steps(std::vector<Step> steps);

/*
 * Keep the steps named in `only` (all if empty) and, with `with_dependencies`, the
 * steps they depend on. Throws PlanError for a name that is not a step.
 */
std::vector<Step> select_steps(const std::vector<Step> &ordered,
							   const std::vector<std::string> &only, bool with_dependencies);

} // namespace loader
