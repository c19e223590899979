/*
 * cli.hpp — the loader's command line: global options and the table of commands.
 * Zone: loader.
 */
#pragma once

#include <string>
#include <vector>

namespace loader {

/* Parse argv and run the chosen command; returns an ExitCode. Never throws. */
int run_cli(int argc, char **argv);

} // namespace loader
