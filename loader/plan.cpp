/*
 * plan.cpp — see plan.hpp. Zone: loader.
 */
#include "loader/plan.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace loader {

std::vector<Step>
order_steps(std::vector<Step> steps)
{
	std::sort(steps.begin(), steps.end(), [](const Step &a, const Step &b) {
		return a.name != b.name ? a.name < b.name : a.source < b.source;
	});
	std::set<std::string> names;
	for (const Step &s : steps) {
		names.insert(s.name);
	}
	for (const Step &s : steps) {
		for (const std::string &d : s.depends_on) {
			if (names.count(d) == 0) {
				throw PlanError("step \"" + s.name + "\" depends on unknown step \"" + d + "\"");
			}
		}
	}
	std::vector<Step> ordered;
	std::set<std::string> done; /* names all of whose sources are placed */
	std::vector<bool> placed(steps.size(), false);
	while (ordered.size() < steps.size()) {
		std::vector<size_t> ready;
		for (size_t i = 0; i < steps.size(); i++) {
			if (placed[i]) {
				continue;
			}
			bool free = std::all_of(steps[i].depends_on.begin(), steps[i].depends_on.end(),
									[&done](const std::string &d) { return done.count(d) > 0; });
			if (free) {
				ready.push_back(i);
			}
		}
		if (ready.empty()) {
			std::string cycle;
			for (size_t i = 0; i < steps.size(); i++) {
				if (!placed[i]) {
					cycle += (cycle.empty() ? "" : ", ") + steps[i].name;
				}
			}
			throw PlanError("dependencies form a cycle among steps: " + cycle);
		}
		for (size_t i : ready) {
			placed[i] = true;
			ordered.push_back(steps[i]);
		}
		for (size_t i : ready) {
			const std::string &name = steps[i].name;
			bool all = true;
			for (size_t j = 0; j < steps.size(); j++) {
				all = all && (steps[j].name != name || placed[j]);
			}
			if (all) {
				done.insert(name);
			}
		}
	}
	return ordered;
}

std::vector<Step>
select_steps(const std::vector<Step> &ordered, const std::vector<std::string> &only,
			 bool with_dependencies)
{
	if (only.empty()) {
		return ordered;
	}
	std::map<std::string, const Step *> by_name;
	for (const Step &s : ordered) {
		by_name.emplace(s.name, &s);
	}
	std::set<std::string> wanted;
	std::vector<std::string> todo = only;
	while (!todo.empty()) {
		std::string name = todo.back();
		todo.pop_back();
		if (by_name.count(name) == 0) {
			throw PlanError("step \"" + name + "\" does not exist");
		}
		if (!wanted.insert(name).second || !with_dependencies) {
			continue;
		}
		for (const Step &s : ordered) {
			if (s.name == name) {
				todo.insert(todo.end(), s.depends_on.begin(), s.depends_on.end());
			}
		}
	}
	std::vector<Step> result;
	for (const Step &s : ordered) {
		if (wanted.count(s.name) > 0) {
			result.push_back(s);
		}
	}
	return result;
}

} // namespace loader
