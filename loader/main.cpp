/*
 * main.cpp — the tributary loader's entry point. Zone: loader.
 */
#include <exception>
#include <iostream>

#include "loader/cli.hpp"
#include "loader/exit_codes.hpp"

int
main(int argc, char **argv)
{
	try {
		return loader::run_cli(argc, argv);
	} catch (const std::exception &e) {
		std::cerr << "tributary: error: " << e.what() << '\n';
	} catch (...) {
		std::cerr << "tributary: error: unknown internal error\n";
	}
	return loader::exit_fatal;
}
