// Unit tests of loader/plan.cpp: dependency order, cycles, selection.
#include <gtest/gtest.h>

#include "loader/plan.hpp"

namespace {

loader::Step
step(const std::string &name, std::vector<std::string> deps, const std::string &source = "default")
{
	loader::Step s;
	s.name = name;
	s.source = source;
	s.depends_on = std::move(deps);
	return s;
}

std::vector<std::string>
names(const std::vector<loader::Step> &steps)
{
	std::vector<std::string> out;
	for (const auto &s : steps) {
		out.push_back(s.name + "/" + s.source);
	}
	return out;
}

} // namespace

TEST(LoaderPlan, parents_come_before_children)
{
	auto ordered = loader::order_steps({step("photos", {"listings"}), step("listings", {"users"}),
										step("users", {})});
	EXPECT_EQ(names(ordered),
			  (std::vector<std::string>{"users/default", "listings/default", "photos/default"}));
}

TEST(LoaderPlan, every_source_of_a_parent_precedes_its_children)
{
	auto ordered = loader::order_steps({step("listings", {"users"}, "a"), step("users", {}, "b"),
										step("users", {}, "a")});
	EXPECT_EQ(names(ordered), (std::vector<std::string>{"users/a", "users/b", "listings/a"}));
}

TEST(LoaderPlan, independent_steps_keep_name_order)
{
	auto ordered = loader::order_steps({step("b", {}), step("a", {}), step("c", {"a"})});
	EXPECT_EQ(names(ordered), (std::vector<std::string>{"a/default", "b/default", "c/default"}));
}

TEST(LoaderPlan, a_cycle_is_reported_with_its_steps)
{
	try {
		loader::order_steps({step("a", {"b"}), step("b", {"a"}), step("c", {})});
		FAIL() << "a cycle was accepted";
	} catch (const loader::PlanError &e) {
		EXPECT_STREQ(e.what(), "dependencies form a cycle among steps: a, b");
	}
}

TEST(LoaderPlan, an_unknown_dependency_is_reported)
{
	EXPECT_THROW(loader::order_steps({step("a", {"ghost"})}), loader::PlanError);
}

TEST(LoaderPlan, selecting_a_step_can_pull_in_its_dependencies)
{
	auto ordered = loader::order_steps({step("photos", {"listings"}), step("listings", {"users"}),
										step("users", {}), step("other", {})});
	EXPECT_EQ(names(loader::select_steps(ordered, {"listings"}, true)),
			  (std::vector<std::string>{"users/default", "listings/default"}));
	EXPECT_EQ(names(loader::select_steps(ordered, {"listings"}, false)),
			  (std::vector<std::string>{"listings/default"}));
	EXPECT_THROW(loader::select_steps(ordered, {"nope"}, false), loader::PlanError);
}
