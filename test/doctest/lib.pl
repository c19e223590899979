# lib.pl — what the doctest suites share (require it from a *.t file): a small TAP writer
# (check(OK, NAME, DIAG…) records one test, done() prints the plan and the results and exits;
# a crash before done() prints no plan, so the suite fails), slurp(PATH), and loader_help(BIN):
# what the loader's --help and each command's --help list.
use strict;
use warnings;

my ($tap_count, $tap_failed, @tap_out) = (0, 0);

sub check {
	my ($ok, $name, @diag) = @_;
	$tap_count++;
	push @tap_out, ($ok ? "ok" : "not ok") . " $tap_count - $name\n";
	push @tap_out, map { "#   $_\n" } @diag unless $ok;
	$tap_failed++ unless $ok;
}

sub slurp {
	my ($path) = @_;
	open my $fh, '<', $path or die "cannot read $path: $!\n";
	local $/;
	return <$fh>;
}

sub done {
	print "1..$tap_count\n", @tap_out;
	exit($tap_failed ? 1 : 0);
}

# The commands, every flag with its help text, and the --mode values of a loader binary.
sub loader_help {
	my ($bin) = @_;
	my $main = `'$bin' --help`;
	my @commands = (($main =~ /^Subcommands:\n((?:  .*\n)+)/m)[0] // '') =~ /^  ([a-z][a-z-]*)\s/mg;
	my (%flags, %modes);
	for my $text ($main, map { scalar `'$bin' $_ --help` } @commands) {
		my @lines = split /\n/, $text;
		for my $i (0 .. $#lines) {
			next unless $lines[$i] =~ /^  (-\S+)(.*)$/;
			my ($spec, $rest) = ($1, $2);
			# the help text: after the column gap, or on the next line when the flag is long
			my $desc = $rest =~ /\s{2,}(\S.*)$/ ? $1 : ($lines[$i + 1] // '') =~ s/^\s+//r;
			$flags{$_} = $desc for split /,/, $spec;
			if ($lines[$i] =~ /\{([a-z,-]+)\}/) {
				$modes{$_} = 1 for split /,/, $1;
			}
		}
	}
	return (\@commands, \%flags, \%modes);
}

1;
