#!/usr/bin/perl
# transcripts.t — run the ```console and ```psql transcripts of the README, tutorial and operations guide
# (test/doctest/doctest.pl) against the throwaway servers and compare their output with
# what the documents show. TAP; run by test/run_all.sh (prove). The documents, in this order:
# README.md (databases shop, crm), docs/tutorial.md (platform, market_a, the TDS server's
# dbo.users/listings/photos), docs/operations.md (reads what the tutorial left in platform).
# Other pages' examples are not run: a page joins this list once its transcripts can run.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);

my $root = abs_path(dirname(abs_path($0)) . '/../..');
chdir $root or die;
my @docs = ('README.md', 'docs/tutorial.md', 'docs/operations.md');
exec 'perl', "$root/test/doctest/doctest.pl", @docs;
