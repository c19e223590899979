#!/usr/bin/perl
# mem_sampler.pl DATABASE OUT — peak memory of the PostgreSQL backends connected to one
# database while a benchmark runs.
#
# Samples /proc/PID/status of every backend of DATABASE (process title "postgres: USER
# DATABASE …") every 50 ms, until SIGTERM or until the benchmark that started it is gone,
# then writes one line to OUT: "peak_anon_kB peak_hwm_kB backends", where peak_anon_kB is
# the largest private memory (RssAnon: the backend's own heap, not the shared buffers)
# seen in one backend and peak_hwm_kB the largest VmHWM (peak resident set, shared pages
# it touched included). Reads /proc only: no processes are started while sampling.
use strict;
use warnings;
use Time::HiRes qw(sleep);

my ($db, $out) = @ARGV;
die "usage: mem_sampler.pl DATABASE OUT\n" unless defined $out;
my $stop = 0;
$SIG{TERM} = sub { $stop = 1; };
my $parent = getppid();
my (%anon, %hwm);

sub sample {
	my ($pid) = @_;
	open(my $fh, '<', "/proc/$pid/status") or return;
	while (my $line = <$fh>) {
		if ($line =~ /^RssAnon:\s+(\d+)/) {
			$anon{$pid} = $1 if !defined $anon{$pid} || $1 > $anon{$pid};
		} elsif ($line =~ /^VmHWM:\s+(\d+)/) {
			$hwm{$pid} = $1 if !defined $hwm{$pid} || $1 > $hwm{$pid};
		}
	}
	close($fh);
}

sub backends {
	my @pids;
	opendir(my $dh, '/proc') or return ();
	for my $pid (grep { /^\d+$/ } readdir($dh)) {
		open(my $fh, '<', "/proc/$pid/cmdline") or next;
		my $cmd = <$fh> // '';
		close($fh);
		push @pids, $pid if $cmd =~ /^postgres: \S+ \Q$db\E /;
	}
	closedir($dh);
	return @pids;
}

my @pids;
my $n = 0;
while (!$stop && getppid() == $parent) {
	# Look for new backends every 0.5 s, and at every sample until one is there.
	@pids = backends() if !@pids || $n % 10 == 0;
	$n++;
	sample($_) for @pids;
	sleep(0.05);
}
my ($a, $h) = (0, 0);
for (values %anon) { $a = $_ if $_ > $a; }
for (values %hwm) { $h = $_ if $_ > $h; }
open(my $fh, '>', $out) or die "mem_sampler: cannot write $out: $!\n";
printf $fh "%d %d %d\n", $a, $h, scalar(keys %anon);
close($fh);
