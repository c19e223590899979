#!/usr/bin/perl
# man_page.t — the man page says what --help says. TAP; run by test/run_all.sh (prove).
#
# The page scripts/gen_man.sh makes from build/tributary (what `make install` installs): it
# renders without groff warnings, and every command, every flag and every --mode value of
# `tributary --help` and of each `tributary COMMAND --help` appears in it, with its help
# text; every exit code of loader/exit_codes.hpp is in its EXIT STATUS section. And
# `man tributary` finds an installed page.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);

my $root = abs_path(dirname(abs_path($0)) . '/../..');
chdir $root or die;
$ENV{LC_ALL} = 'C.UTF-8';
$ENV{MANWIDTH} = 200;    # one help sentence stays on one line
require "$root/test/doctest/lib.pl";

sub check_page {
	my ($label, $page, $bin) = @_;
	my $warnings = `groff -k -man -Tutf8 -ww -z '$page' 2>&1`;
	check($? == 0 && $warnings eq '', "$label renders without groff warnings", split /\n/, $warnings);
	my $text = `man -l '$page' 2>/dev/null`;
	$text =~ s/.\x08//g;                                   # overstrike bold/underline
	$text =~ s/\x{2010}|\x{2011}|‐/-/g;                     # hyphens groff may print
	(my $flat = $text) =~ s/\s+/ /g;
	check(length $text > 1000, "$label renders to text");
	my ($commands, $flags, $modes) = loader_help($bin);
	check(@$commands >= 4, "$label: the loader lists its commands (@$commands)");
	for my $c (@$commands) {
		check(!!($text =~ /^\s+tributary \Q$c\E\b/m), "$label has a section for the command $c");
	}
	for my $f (sort keys %$flags) {
		my $desc = $flags->{$f} =~ s/\s+/ /gr;
		check(!!($flat =~ /(?:^|[\s,])\Q$f\E\b/ && index($flat, $desc) >= 0), "$label documents $f",
			"with its help text: $desc");
	}
	for my $m (sort keys %$modes) {
		check(index($flat, $m) >= 0, "$label names the mode $m");
	}
	my ($status) = $text =~ /^EXIT STATUS\n(.*?)^\S/ms;
	my $hpp = slurp('loader/exit_codes.hpp');
	for my $code ($hpp =~ /^\s*exit_\w+\s*=\s*(\d+),/mg) {
		check(!!(defined $status && $status =~ /^\s+\Q$code\E\s/m), "$label: EXIT STATUS lists $code");
	}
}

my $dir = tempdir(CLEANUP => 1);
my $built = "$root/build/tributary";
system('scripts/gen_man.sh', $built, "$dir/tributary.1");
check($? == 0, "scripts/gen_man.sh builds the page from build/tributary");
check_page('the page built from build/tributary', "$dir/tributary.1", $built) if -s "$dir/tributary.1";

# The installed page: man finds it and it renders. (Its flags are not compared here: other
# checkouts on a shared machine may install their own loader at any time; the page and the
# binary of one `make install` come from the same build, as the check above shows for this
# checkout's.)
my $where = `man -w tributary 2>/dev/null`;
chomp $where;
check($? == 0 && $where ne '', "man -w tributary finds the installed page (make install)", "got: '$where'");
if ($where ne '') {
	my $warnings = `groff -k -man -Tutf8 -ww -z '$where' 2>&1`;
	check($? == 0 && $warnings eq '', "the installed page renders without groff warnings", split /\n/, $warnings);
	my $text = `man tributary 2>/dev/null` =~ s/.\x08//gr;
	for my $section ('NAME', 'SYNOPSIS', 'OPTIONS', 'COMMANDS', 'EXIT STATUS', 'ENVIRONMENT') {
		check(!!($text =~ /^\Q$section\E$/m), "man tributary shows the section $section");
	}
}

done();
