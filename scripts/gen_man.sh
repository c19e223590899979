#!/usr/bin/env bash
# gen_man.sh BINARY OUTPUT — write the tributary(1) man page from the built loader itself,
# so the man page and `--help` cannot disagree.
#
# help2man (Debian's, pinned in scripts/install_deps.sh) formats the text that BINARY
# prints for `--help` and for `COMMAND --help` of every command its `--help` lists; only
# headings are rearranged here, every flag and its description comes from the binary.
# EXIT STATUS is generated from loader/exit_codes.hpp (the codes main() returns);
# docs/man/tributary.h2m adds what --help does not say (environment, files, examples).
# Called by `make install` (install-man); test/doctest/man_page.sh checks the result.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
out=$2
[ -x "$bin" ] || { echo "gen_man: $bin is not an executable (run make first)" >&2; exit 2; }
command -v help2man >/dev/null ||
	{ echo "gen_man: help2man is not installed (run scripts/install_deps.sh)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C.UTF-8

# The commands, in the order `tributary --help` lists them.
commands=$("$bin" --help | sed -n '/^Subcommands:/,/^$/p' | sed -nE 's/^  ([a-z][a-z-]*) .*/\1/p')
[ -n "$commands" ] || { echo "gen_man: $bin --help lists no commands" >&2; exit 1; }

# The text help2man reads: the global help, then one subsection per command (its own
# description and options). CLI11 writes "-d,--dbname"; help2man wants "-d, --dbname".
{
	printf '#!/bin/sh\n'
	printf 'case "$1" in --version) exec %q --version ;; esac\n' "$bin"
	printf '%q --help | sed -E %q\n' "$bin" 's/^(  -[A-Za-z0-9]),--/\1, --/'
	printf 'printf "\\n*Commands*\\n"\n'
	for c in $commands; do
		printf 'printf "\\n"\n'
		# "Usage: tributary run [OPTIONS]" becomes the subsection heading; the description
		# (first line) an indented paragraph; then the options, without the "Options:" line.
		printf '%q %q --help | sed -E %q\n' "$bin" "$c" \
			'1{h;d};/^Usage: /{s/^Usage: (.*)$/\1:/;p;x;s/^/  /;p;s/.*//;p;d};/^Options:$/d;/^$/d;s/^(  -[A-Za-z0-9]),--/\1, --/'
	done
} >"$work/tributary"
chmod +x "$work/tributary"

# EXIT STATUS from loader/exit_codes.hpp: "exit_x = N, /* meaning */".
{
	cat "$root/docs/man/tributary.h2m"
	printf '\n[COMMANDS]\n\n[EXIT STATUS]\n'
	sed -nE 's|^\s*exit_[a-z_]+ = ([0-9]+),\s*/\* (.*) \*/\s*$|.TP\n.B \1\n\2|p' "$root/loader/exit_codes.hpp"
} >"$work/include.h2m"
grep -q '^\.B [0-9]' "$work/include.h2m" || { echo "gen_man: no exit codes found in loader/exit_codes.hpp" >&2; exit 1; }

help2man --locale=C.UTF-8 --no-info --no-discard-stderr --section 1 --source "tributary" \
	--name "migrate MySQL/MariaDB and SQL Server databases into PostgreSQL" \
	--include "$work/include.h2m" --output "$work/tributary.1" "$work/tributary"
# groff reads the page as UTF-8 only when told so (the help text has dashes and arrows).
{ echo "'\\\" -*- coding: UTF-8 -*-"; cat "$work/tributary.1"; } >"$out"
