/*
 * commands.hpp — the loader's commands (the table is in cli.cpp).
 * Zone: loader.
 */
#pragma once

#include <string>
#include <vector>

#include "loader/db.hpp"

namespace loader {

struct Globals {
	ConnectOptions connect;
	bool quiet = false;
	bool json = false;
};

struct RunOptions {
	std::vector<std::string> steps; /* empty: all */
	bool with_dependencies = false;
	bool restart = false;
	bool wait = false;
	int jobs = 1;
	std::string mode = "full";		   /* full | diff | local-diff | retry-failed | find-missing | verify */
	std::string overlap = "5 minutes"; /* diff: how far before the watermark to look again */
	bool dry_run = false;			   /* everything in one transaction, rolled back */
	bool repair = false;			   /* verify: migrate mismatching rows again */
	bool delete_orphans = false;	   /* find-missing, verify: remove rows whose source row is gone */
	std::string mark_orphans;		   /* … or set this column on them */
};

int cmd_check(const Globals &g);
int cmd_plan(const Globals &g, const RunOptions &o);
int cmd_status(const Globals &g);
int cmd_run(const Globals &g, const RunOptions &o);

/* Errors in PostgreSQL's style on stderr. */
void print_error(const std::string &message, const std::string &detail = {},
				 const std::string &hint = {});

} // namespace loader
