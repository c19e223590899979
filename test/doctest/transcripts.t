#!/usr/bin/perl
# transcripts.t — run the ```console and ```psql transcripts of README.md and docs/**.md
# (test/doctest/doctest.pl) against the throwaway servers and compare their output with
# what the documents show. TAP; run by test/run_all.sh (prove). Documents run in the order
# README.md, docs/tutorial.md, then the rest by name; each uses its own databases.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Find;

my $root = abs_path(dirname(abs_path($0)) . '/../..');
chdir $root or die;
my @docs;
find({ no_chdir => 1, wanted => sub { push @docs, $File::Find::name if /\.md$/ } }, 'docs');
my %rank = ('README.md' => 0, 'docs/tutorial.md' => 1);
@docs = sort { ($rank{$a} // 2) <=> ($rank{$b} // 2) || $a cmp $b } ('README.md', @docs);
@docs = grep {
	open my $fh, '<', $_ or die "$_: $!";
	grep { /^```(console|psql|sql file=)/ } <$fh>;
} @docs;
exec 'perl', "$root/test/doctest/doctest.pl", @docs;
