#!/usr/bin/perl
# doc_coverage.t — everything that exists in the code is documented in docs/reference/, and
# the reference names nothing that does not exist. TAP; run by test/run_all.sh (prove).
#
#   options.md        every option of fdw/pg/options.cpp's option table: a row naming it, with
#                     the places (server, user mapping, table, column) and wrappers (both,
#                     mysql, mssql) the table allows — and no row for an option that is gone;
#                     every IMPORT FOREIGN SCHEMA option of fdw/pg/import.cpp.
#   loader.md         every command, flag and --mode value the built loader's --help (and
#                     each command's --help) lists, and no flag it does not list; every exit
#                     code of loader/exit_codes.hpp, and no other.
#   migration-schema.md  every table, view and function the extension creates (read from the
#                     catalog of a scratch database on the test cluster), each column of each
#                     table and view in that object's section, each argument of each
#                     migration function.
#   links             every relative link of README.md and docs/**.md reaches an existing
#                     file, and an #anchor a heading of it.
# Needs: build/tributary, and a PostgreSQL cluster with the extension available (PGHOST…).
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Spec;

my $root = abs_path(dirname(abs_path($0)) . '/../..');
chdir $root or die;
require "$root/test/doctest/lib.pl";

# The rows of the first Markdown table after a heading matching $heading_re.
sub table_rows {
	my ($text, $heading_re) = @_;
	my @lines = split /\n/, $text;
	my $i = 0;
	$i++ while $i < @lines && $lines[$i] !~ $heading_re;
	$i++ while $i < @lines && $lines[$i] !~ /^\|/;
	my @rows;
	while ($i < @lines && $lines[$i] =~ /^\|/) {
		my $l = $lines[$i++];
		next if $l =~ /^\|[-| ]+\|$/;
		$l =~ s/\\\|/\x01/g;    # an escaped | inside a cell
		my @cells = map { s/\x01/|/gr } map { s/^\s+|\s+$//gr } split /\|/, $l;
		shift @cells;
		push @rows, \@cells;
	}
	shift @rows;    # the header
	return @rows;
}

# ---- options.md ------------------------------------------------------------------------
my $options_md = slurp('docs/reference/options.md');
my $options_cpp = slurp('fdw/pg/options.cpp');
my %spec;
while ($options_cpp =~ /^\s*\{"(\w+)",\s*((?:on_\w+\s*\|?\s*)+),\s*(for_\w+),/mg) {
	my ($name, $where, $drivers) = ($1, $2, $3);
	$spec{$name} = { where => { map { $_ => 1 } $where =~ /on_(\w+)/g }, drivers => $drivers };
}
check(scalar(keys %spec) > 20, "options.cpp's option table parsed (" . scalar(keys %spec) . " options)");
my @option_rows = table_rows($options_md, qr/^# Options/);
my %place_word = (server => 'server', user_mapping => 'user mapping', table => 'table', column => 'column');
for my $name (sort keys %spec) {
	my ($row) = grep { $_->[0] =~ /`\Q$name\E`/ } @option_rows;
	if (!$row) {
		check(0, "options.md documents option $name", "no row of the options table names `$name`");
		next;
	}
	my ($where_cell, $wrappers_cell) = ($row->[1], $row->[2]);
	my @want = sort grep { $spec{$name}{where}{$_} } keys %place_word;
	my @shown = sort grep { $where_cell =~ /\b\Q$place_word{$_}\E\b/ } keys %place_word;
	check("@want" eq "@shown", "options.md: $name is allowed on: @want",
		"the code allows it on: @want; the page says: $where_cell");
	my $d = $spec{$name}{drivers};
	my $wrappers_ok = $d eq 'for_both' ? $wrappers_cell =~ /\bboth\b/
	  : $wrappers_cell !~ /\bboth\b/ && $wrappers_cell =~ /\b\Q${\ substr($d, 4)}\E\b/;
	check($wrappers_ok, "options.md: $name is an option of " . ($d eq 'for_both' ? 'both wrappers' : substr($d, 4)),
		"the page says: $wrappers_cell");
}
for my $row (@option_rows) {
	for my $name ($row->[0] =~ /`(\w+)`/g) {
		check(exists $spec{$name}, "options.md names only existing options: $name",
			"`$name` is not in fdw/pg/options.cpp's option table");
	}
}
my $import_cpp = slurp('fdw/pg/import.cpp');
my %import;
for my $driver (qw(mysql tds)) {
	$import_cpp =~ /${driver}_import_options\[\]\s*=\s*\{([^}]*)\}/ or next;
	$import{$_}{$driver} = 1 for $1 =~ /"(\w+)"/g;
}
check(scalar(keys %import) > 0, "import.cpp's IMPORT FOREIGN SCHEMA options parsed");
my @import_rows = table_rows($options_md, qr/^## IMPORT FOREIGN SCHEMA options/);
for my $name (sort keys %import) {
	my ($row) = grep { $_->[0] =~ /`\Q$name\E`/ } @import_rows;
	my $want = $import{$name}{mysql} && $import{$name}{tds} ? 'both' : $import{$name}{mysql} ? 'mysql' : 'mssql';
	check(!!($row && $row->[1] =~ /\b$want\b/), "options.md documents IMPORT option $name ($want)",
		$row ? "the page says: $row->[1]" : "no row names `$name`");
}
for my $row (@import_rows) {
	my ($name) = $row->[0] =~ /`(\w+)`/;
	check(defined $name && exists $import{$name}, "options.md names only existing IMPORT options: " . ($name // $row->[0]));
}

# ---- loader.md -------------------------------------------------------------------------
my $loader_md = slurp('docs/reference/loader.md');
my $bin = "$root/build/tributary";
my ($commands, $flag_help, $mode_set) = loader_help($bin);
my @commands = @$commands;
my %flags = %$flag_help;
my %modes = %$mode_set;
check(@commands >= 4 && %flags > 10, "the loader's --help lists its commands and flags");
for my $c (@commands) {
	check(!!($loader_md =~ /^\| `\Q$c\E[` ]/m), "loader.md documents the command $c");
}
for my $f (sort keys %flags) {
	check(!!($loader_md =~ /`\Q$f\E[` ]/), "loader.md documents the flag $f");
}
for my $m (sort keys %modes) {
	check(!!($loader_md =~ /\| `\Q$m\E` \|/), "loader.md documents the mode $m (a row of the modes table)");
}
my %doc_flags = map { $_ => 1 } $loader_md =~ /`(--?[a-zA-Z][a-z-]*)[` ]/g;
for my $f (sort keys %doc_flags) {
	check(exists $flags{$f}, "loader.md names only existing flags: $f", "$f is in no --help of the loader");
}
my $codes_hpp = slurp('loader/exit_codes.hpp');
my %code = map { $_ => 1 } $codes_hpp =~ /^\s*exit_\w+\s*=\s*(\d+),/mg;
check(scalar(keys %code) >= 5, "exit_codes.hpp parsed (" . join(', ', sort keys %code) . ")");
my @code_rows = table_rows($loader_md, qr/^## Exit codes/);
my %doc_code = map { $_->[0] => 1 } @code_rows;
for my $c (sort keys %code) {
	check($doc_code{$c}, "loader.md documents exit code $c");
}
for my $c (sort keys %doc_code) {
	check($code{$c}, "loader.md documents only existing exit codes: $c");
}

# ---- migration-schema.md ---------------------------------------------------------------
my $schema_md = slurp('docs/reference/migration-schema.md');
my $db = "doc_coverage_$$";
my $psql = "psql -X -q -At -v ON_ERROR_STOP=1";
system("$psql -d postgres -c 'CREATE DATABASE $db' >/dev/null") == 0 or die "cannot create $db\n";
my $catalog = `$psql -d $db -F '|' <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION tributary;
WITH member AS (
	SELECT classid, objid FROM pg_depend
	WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
	  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'tributary'))
SELECT 'rel', n.nspname || '.' || c.relname, c.relkind::text,
	coalesce((SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute
	          WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped), '')
FROM member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'v')
UNION ALL
SELECT 'fn', CASE WHEN n.nspname = 'public' THEN '' ELSE n.nspname || '.' END || p.proname, '',
	coalesce(array_to_string(p.proargnames, ','), '')
FROM member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
JOIN pg_namespace n ON n.oid = p.pronamespace
UNION ALL
SELECT 'fdw', w.fdwname, '', ''
FROM member m JOIN pg_foreign_data_wrapper w ON m.classid = 'pg_foreign_data_wrapper'::regclass AND w.oid = m.objid
ORDER BY 1, 2;
SQL`;
my $catalog_ok = $? == 0;
system("$psql -d postgres -c 'DROP DATABASE $db' >/dev/null");
check(!!($catalog_ok && $catalog =~ /^rel\|migration\.step\|/m), "the extension's objects read from the catalog");

# The part of the page about one object: its ### section, or else the table row naming it.
sub scope_of {
	my ($text, $object) = @_;
	my @lines = split /\n/, $text;
	for my $i (0 .. $#lines) {
		next unless $lines[$i] =~ /^(#+) .*`\Q$object\E[`(]/;
		my $level = length $1;
		my $j = $i + 1;
		$j++ while $j < @lines && !($lines[$j] =~ /^(#+) / && length $1 <= $level);
		return join("\n", @lines[$i .. $j - 1]);
	}
	my ($row) = grep { /^\| `\Q$object\E[`(]/ } @lines;
	return $row;
}
for my $line (split /\n/, $catalog) {
	my ($kind, $name, $relkind, $cols) = split /\|/, $line, 4;
	next unless defined $cols;
	if ($kind eq 'fdw') {
		check(!!($schema_md =~ /`\Q$name\E`/), "migration-schema.md names the foreign data wrapper $name");
		next;
	}
	if ($kind eq 'fn') {
		my $scope = scope_of($schema_md, $name);
		$scope = $schema_md if !defined $scope && $schema_md =~ /`\Q$name\E\(/;
		check(defined $scope, "migration-schema.md documents the function $name");
		next unless defined $scope && $name =~ /^migration\./;
		for my $arg (grep { length } split /,/, $cols) {
			check(!!($scope =~ /\b\Q$arg\E\b/), "migration-schema.md: $name has its argument $arg documented");
		}
		next;
	}
	my $scope = scope_of($schema_md, $name);
	check(defined $scope, "migration-schema.md documents " . ($relkind eq 'v' ? 'the view' : 'the table') . " $name");
	next unless defined $scope;
	for my $col (split /,/, $cols) {
		check(!!($scope =~ /`\Q$col\E`/), "migration-schema.md: $name.$col is documented",
			"no `$col` in the part of the page about $name");
	}
}

# ---- links ------------------------------------------------------------------------------
# Every relative link of README.md and docs/**.md reaches a file, and its #anchor a heading
# of that file (GitHub's anchors: lower case, punctuation dropped, spaces as dashes).
sub anchors_of {
	my ($path) = @_;
	my %a;
	for my $h (slurp($path) =~ /^#+ (.*)$/mg) {
		(my $slug = lc $h) =~ s/[^\p{L}\p{N} _-]//g;
		$slug =~ s/ /-/g;
		$a{$slug} = 1;
	}
	return \%a;
}
my @pages = ('README.md', split /\n/, `find docs -name '*.md' | sort`);
for my $page (@pages) {
	my $text = slurp($page) =~ s/^```.*?^```//msgr;    # not inside code blocks
	for my $link ($text =~ /\]\(([^)\s]+)\)/g) {
		next if $link =~ m{^[a-z]+://};
		my ($file, $anchor) = split /#/, $link, 2;
		my $target = $file eq '' ? $page : File::Spec->catfile(dirname($page), $file);
		$target = File::Spec->canonpath($target);
		1 while $target =~ s{(^|/)(?!\.\./)[^/]+/\.\./}{$1};
		if (!-e $target) {
			check(0, "$page links to $link", "$target does not exist");
			next;
		}
		next unless defined $anchor && $anchor ne '';
		check(-f $target && anchors_of($target)->{$anchor}, "$page links to $link",
			"$target has no heading with the anchor #$anchor");
	}
}

done();
