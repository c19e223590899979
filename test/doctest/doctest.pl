#!/usr/bin/perl
# doctest.pl [--update] FILE.md… — run the transcripts of Markdown documents and compare
# what they print with what the documents show. TAP on stdout, one test per command.
#
# What runs (everything else in a document is prose or display-only):
#   ```console   shell transcript: "$ cmd" lines (continued by "> " lines, as bash's PS2
#                shows them), each followed by the output the reader sees.
#   ```psql      psql transcript: "db=# sql" lines (continued by "db-# ", "db'# ", "db(# ")
#                followed by their output. The prompt names the database. Each ```psql
#                block is one psql session.
#   ```sql file=PATH   not run: the block must equal the file PATH (so a file shown in a
#                document cannot drift from the one the commands use).
#
# A document runs top to bottom as one bash session (cd and export carry over) in the
# repository root, on a pseudo-terminal — so the output is what a reader sees: the
# loader's progress lines are rewritten in place, stdout and stderr interleave as on a
# screen. build/ comes first in PATH (the loader just built); PAGER is cat.
#
# Comparison, after normalising both sides:
#   - trailing blanks on each line and blank lines at the end of each output are ignored;
#   - psql's "psql:<stdin>:N: " prefix on errors and notices is dropped (psql adds it when
#     it reads a script, as here, and not at an interactive prompt);
#   - volatile values become placeholders: "12345 rows/s" → "N rows/s", "(4.2 s)" →
#     "(N s)", ", 4.2 s," → ", N s,", timestamps → TIMESTAMP;
#   - consecutive loader progress lines ("step [source]: …") are compared as a set:
#     steps that run in parallel (--jobs) finish in any order;
#   - a line "..." in the document stands for any number of lines (0 or more).
# Exit status 0 only if every command printed what its document shows.
# --update rewrites the expected output of each command that does not match with what it
# printed (for authoring; review the diff, then put back the "..." lines you want).
use strict;
use warnings;
use File::Temp qw(tempdir);
use Cwd qw(abs_path);
use File::Basename qw(dirname);

my $update = 0;
if (@ARGV && $ARGV[0] eq '--update') {
	$update = 1;
	shift @ARGV;
}
die "usage: doctest.pl [--update] FILE.md...\n" unless @ARGV;
my $root = abs_path(dirname(abs_path($0)) . '/../..');
my $timeout = $ENV{DOCTEST_TIMEOUT} || 900;

# ---------------------------------------------------------------------------------------
# Parsing

# Per transcript kind: the prompt that starts a command, the one that continues it ($2: the
# text; $1: psql's database, empty for the shell).
my %prompts = (
	console => [ qr/^()\$ (.*)$/, qr/^()> ?(.*)$/ ],
	psql => [ qr/^(\w+)=[#>] ?(.*)$/, qr/^(\w+)[-'"(*][#>] ?(.*)$/ ],
);

sub parse_doc {
	my ($file) = @_;
	open my $fh, '<', $file or die "cannot read $file: $!\n";
	my @lines = <$fh>;
	close $fh;
	chomp @lines;
	my (@items, @files);
	my ($kind, $block, $item, $fence_line, $file_ref, @file_body) = ('', 0);
	for (my $i = 0; $i < @lines; $i++) {
		my $l = $lines[$i];
		my $n = $i + 1;
		if ($kind eq '') {
			if ($l =~ /^```(console|psql)\s*$/) {
				$kind = $1;
				$block++;
				$item = undef;
			} elsif ($l =~ /^```sql\s+file=(\S+)\s*$/) {
				$kind = 'file';
				$file_ref = $1;
				$fence_line = $n;
				@file_body = ();
			}
			next;
		}
		if ($l =~ /^```\s*$/) {
			if ($kind eq 'file') {
				push @files, { line => $fence_line, path => $file_ref, body => [@file_body],
					first => $fence_line - 1, last => $i };
			}
			$kind = '';
			next;
		}
		if ($kind eq 'file') {
			push @file_body, $l;
			next;
		}
		# A prompt starts a command, continuation prompts extend it, anything else is output.
		my ($start, $more) = @{ $prompts{$kind} };
		if ($l =~ $start) {
			$item = { kind => $kind eq 'console' ? 'sh' : 'sql', line => $n, block => $block,
				db => $1, cmd => [$2], expected => [], first => $i, last => $i };
			push @items, $item;
		} elsif (defined $item && !@{ $item->{expected} } && $l =~ $more) {
			push @{ $item->{cmd} }, $2;
			$item->{last} = $i;
		} elsif (defined $item) {
			push @{ $item->{expected} }, $l;
		} else {
			die "$file:$n: output before the first prompt\n";
		}
	}
	die "$file: unterminated code block\n" if $kind ne '';
	return { file => $file, lines => \@lines, items => \@items, files => \@files };
}

# ---------------------------------------------------------------------------------------
# Running one document

sub script_for {
	my ($doc) = @_;
	my $s = "exec 2>&1\ncd '$root' || exit 1\n"
	  . "export PATH='$root/build':\"\$PATH\" PAGER=cat PSQL_PAGER=cat\n";
	my $items = $doc->{items};
	my $i = 0;
	while ($i < @$items) {
		my $it = $items->[$i];
		if ($it->{kind} eq 'sh') {
			$s .= "printf '\\n\@\@DOCTEST $i\@\@\\n'\n" . join("\n", @{ $it->{cmd} }) . "\n";
			$i++;
			next;
		}
		# One psql session per ```psql block; statements separated by markers.
		my $db = $it->{db};
		$s .= "printf '\\n'\npsql -X -d '$db' <<'DOCTEST_PSQL_EOF'\n";
		while ($i < @$items && $items->[$i]{kind} eq 'sql' && $items->[$i]{block} == $it->{block}) {
			die "$doc->{file}:$items->[$i]{line}: one psql block, one database\n"
			  if $items->[$i]{db} ne $db;
			$s .= "\\echo \@\@DOCTEST $i\@\@\n" . join("\n", @{ $items->[$i]{cmd} }) . "\n";
			$i++;
		}
		$s .= "DOCTEST_PSQL_EOF\n";
	}
	$s .= "printf '\\n\@\@DOCTEST END\@\@\\n'\n";
	return $s;
}

# What a terminal shows: CR LF → LF, a bare CR returns to the line start (the loader
# rewrites its progress line), ESC[K erases to the end of the line.
sub screen {
	my ($raw) = @_;
	$raw =~ s/\r+\n/\n/g;
	my @out;
	for my $line (split /\n/, $raw, -1) {
		$line =~ s/\e\[K//g;
		$line =~ s/^.*\r//s;
		$line =~ s/\e\[[0-9;]*[A-Za-z]//g;
		push @out, $line;
	}
	return join("\n", @out);
}

sub run_doc {
	my ($doc) = @_;
	my $dir = tempdir(CLEANUP => 1);
	my $script = "$dir/doc.sh";
	open my $fh, '>', $script or die;
	print $fh script_for($doc);
	close $fh;
	# script(1) gives the commands a terminal (stdin too, at end of input: nothing waits for it).
	my $cmd = "timeout $timeout script -qefc 'bash $script' /dev/null </dev/null";
	my $raw = `$cmd`;
	my $status = $? >> 8;
	my %out;
	my $text = screen($raw);
	my @parts = split /\n?\@\@DOCTEST (\d+|END)\@\@\n/, $text, -1;
	shift @parts;    # before the first marker
	while (@parts >= 2) {
		my ($id, $body) = splice @parts, 0, 2;
		$out{$id} = [ split /\n/, $body, -1 ];
	}
	$out{__status} = $status;
	$out{__complete} = exists $out{END};
	return \%out;
}

# ---------------------------------------------------------------------------------------
# Comparing

sub normalise_line {
	my ($l) = @_;
	$l =~ s/\s+$//;
	$l =~ s/^psql:[^:\s]+:\d+: //;
	$l =~ s/\b\d+ rows\/s\b/N rows\/s/g;
	$l =~ s/\(\d+(?:\.\d+)? s\)/(N s)/g;
	$l =~ s/, \d+(?:\.\d+)? s,/, N s,/g;
	$l =~ s/\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d(?::\d\d)?|Z)?/TIMESTAMP/g;
	return $l;
}

sub normalise {
	my @l = map { normalise_line($_) } @_;
	pop @l while @l && $l[-1] eq '';
	# Parallel steps finish in any order: sort each run of progress lines.
	my @out;
	my @run;
	my $is_progress = qr/^\S+ \[[^\]]+\]: \d+ rows, /;
	for my $x (@l, undef) {
		if (defined $x && $x =~ $is_progress) {
			push @run, $x;
			next;
		}
		push @out, sort @run;
		@run = ();
		push @out, $x if defined $x;
	}
	return @out;
}

# Does @act match @exp, where an "..." line of @exp matches any number of lines?
sub matches {
	my ($exp, $act) = @_;
	my %memo;
	my $m;
	$m = sub {
		my ($i, $j) = @_;
		my $key = "$i,$j";
		return $memo{$key} if exists $memo{$key};
		my $r;
		if ($i == @$exp) {
			$r = $j == @$act;
		} elsif ($exp->[$i] eq '...') {
			$r = $m->($i + 1, $j) || ($j < @$act && $m->($i, $j + 1));
		} else {
			$r = $j < @$act && $exp->[$i] eq $act->[$j] && $m->($i + 1, $j + 1);
		}
		return $memo{$key} = $r ? 1 : 0;
	};
	return $m->(0, 0);
}

sub diag_lines {
	my ($label, @l) = @_;
	my @shown = @l > 60 ? (@l[0 .. 59], "… (" . (@l - 60) . " more lines)") : @l;
	print "#   $label:\n";
	print "#     $_\n" for @shown;
}

# ---------------------------------------------------------------------------------------

my @docs = map { parse_doc($_) } @ARGV;
my $planned = 0;
$planned += @{ $_->{items} } + @{ $_->{files} } for @docs;
print "1..$planned\n";
my ($n, $failed) = (0, 0);
for my $doc (@docs) {
	for my $f (@{ $doc->{files} }) {
		$n++;
		my $path = "$root/$f->{path}";
		my @want;
		if (open my $fh, '<', $path) {
			@want = <$fh>;
			chomp @want;
		}
		$f->{want} = [@want];
		my @shown = @{ $f->{body} };
		if (join("\n", @want) eq join("\n", @shown)) {
			print "ok $n - $doc->{file}:$f->{line}: shows $f->{path} as it is\n";
		} else {
			$failed++;
			print "not ok $n - $doc->{file}:$f->{line}: shows $f->{path} as it is\n";
			print "#   the block differs from the file; copy the file into the document\n";
		}
	}
	my $out = run_doc($doc);
	my @items = @{ $doc->{items} };
	for my $i (0 .. $#items) {
		$n++;
		my $it = \%{ $items[$i] };
		my $title = $it->{cmd}[0];
		$title = substr($title, 0, 70) . '…' if length $title > 70;
		my $name = "$doc->{file}:$it->{line}: $title";
		$name =~ s/#/\\#/g;
		my @act = exists $out->{$i} ? @{ $out->{$i} } : ();
		if (!exists $out->{$i}) {
			$failed++;
			print "not ok $n - $name\n#   never ran (the document's script stopped early, status $out->{__status})\n";
			next;
		}
		my @e = normalise(@{ $it->{expected} });
		my @a = normalise(@act);
		my $ok = matches(\@e, \@a);
		if ($ok) {
			print "ok $n - $name\n";
		} else {
			$failed++;
			print "not ok $n - $name\n";
			diag_lines('the document shows', @e);
			diag_lines('the command printed', @a);
		}
		if ($update && !$ok) {    # what matches stays as the document has it
			my @raw = map { my $x = $_; $x =~ s/\s+$//; $x =~ s/^psql:[^:\s]+:\d+: //; $x } @act;
			pop @raw while @raw && $raw[-1] eq '';
			# a psql result is followed by a blank line before the next prompt
			push @raw, '' if $it->{kind} eq 'sql' && @raw && $i < $#items
			  && $items[$i + 1]{block} == $it->{block} && $raw[-1] =~ /^\(\d+ rows?\)$/;
			$it->{actual} = \@raw;
		}
	}
	if (!$out->{__complete}) {
		print "# $doc->{file}: the transcript did not run to its end (status $out->{__status}; timeout ${timeout}s?)\n";
	}
	if ($update) {
		my @lines = @{ $doc->{lines} };
		my @new;
		my %file_at = map { $_->{first} => $_ } @{ $doc->{files} };
		my %at = map { $_->{first} => $_ } @items;
		for (my $i = 0; $i < @lines; $i++) {
			push @new, $lines[$i];
			if (my $f = $file_at{$i}) {
				push @new, @{ $f->{want} }, $lines[$f->{last}];
				$i = $f->{last};
				next;
			}
			my $it = $at{$i} or next;
			push @new, @lines[$i + 1 .. $it->{last}];
			push @new, @{ $it->{actual} || $it->{expected} };
			$i = $it->{last} + @{ $it->{expected} };
		}
		open my $fh, '>', $doc->{file} or die;
		print $fh join("\n", @new), "\n";
		close $fh;
	}
}
exit($failed ? 1 : 0);
