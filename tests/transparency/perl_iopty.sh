#!/bin/sh
# perl_iopty.sh - Perl IO::Pty (libio-pty-perl): spawn a command on a pty
# (make_slave_controlling_terminal, exec) and read its output to the end.
# The transcript, how the read loop ended and the exit status must be the
# same as without libxpty under LD_PRELOAD in native mode and as a
# descendant of `xpty`.
# Debian's IO::Tty is built without <stropts.h>: it gets its pty with
# posix_openpt/grantpt/ptsname and pushes no modules, so in svr4 mode the
# subsidiary is a bare STREAMS pty (a raw byte pipe, not a terminal), as on
# illumos for a client that pushes nothing; xpg4v2 mode autopushes the
# modules and makes it a terminal again.  Both are checked as specified.
. "$(dirname "$0")/common.sh"

command -v perl >/dev/null 2>&1 || skip_all "perl not installed"
perl -MIO::Pty -e 1 2>/dev/null || skip_all "IO::Pty missing (libio-pty-perl)"

check_loaded

cat >"$TMPD/spawn.pl" <<'EOP'
use strict; use warnings;
use IO::Pty;
my $pty = IO::Pty->new or die "IO::Pty->new: $!";
my $pid = fork; die "fork: $!" unless defined $pid;
if (!$pid) {
	$pty->make_slave_controlling_terminal;
	my $slave = $pty->slave;
	close $pty;
	open STDIN, "<&", $slave or die; open STDOUT, ">&", $slave or die;
	open STDERR, ">&", $slave or die;
	close $slave;
	exec "/bin/sh", "-c", $ARGV[0] or exit 127;
}
$pty->close_slave;
my ($out, $buf, $n) = ("");
while (1) {
	$n = sysread($pty, $buf, 4096);
	last if !defined $n || $n == 0;
	$out .= $buf;
}
my $end = defined $n ? "read 0" : "read error " . ($!+0);
waitpid($pid, 0);
$out =~ s/\r/\\r/g; $out =~ s/\n/\\n/g; $out =~ s/\t/\\t/g;
print "output: $out\nend: $end\nstatus: $?\n";
EOP
cmd='echo hello; test -t 0 && echo isatty; printf "a\tb\n"; stty -g; exit 3'

vrun base perl "$TMPD/spawn.pl" "$cmd" >"$TMPD/base" 2>"$TMPD/base.err"
keep_stderr "$TMPD/base.err" "$TMPD/base"
grep -q '^output: hello\\r\\nisatty\\r\\na\\tb\\r\\n' "$TMPD/base" && grep -qx 'status: 768' "$TMPD/base"
ok $? "IO::Pty without libxpty: output read to the end, status 3"
[ $? -eq 0 ] || show_file "$TMPD/base"
for v in native wrapper; do
	if [ $v = wrapper ] && ! have_wrapper; then
		skip "IO::Pty as a descendant of xpty" "src/xpty is not built (wrapper branch not merged)"
		continue
	fi
	vrun $v perl "$TMPD/spawn.pl" "$cmd" >"$TMPD/$v" 2>"$TMPD/$v.err"
keep_stderr "$TMPD/$v.err" "$TMPD/$v"
	same iopty "$TMPD/base" "$TMPD/$v" "IO::Pty ($v): same transcript, end and status as without libxpty"
done

# svr4: no pushes, so a bare stream: raw bytes, no terminal, SVR4 end of file
vrun svr4 perl "$TMPD/spawn.pl" 'echo hello; test -t 0 || echo notatty; exit 3' >"$TMPD/svr4" 2>"$TMPD/svr4.err"
keep_stderr "$TMPD/svr4.err" "$TMPD/svr4"
grep -qx 'output: hello\\nnotatty\\n' "$TMPD/svr4" && grep -qx 'end: read 0' "$TMPD/svr4" &&
    grep -qx 'status: 768' "$TMPD/svr4"
ok $? "IO::Pty (svr4, nothing pushed): a bare stream, raw bytes, not a terminal, read 0 at the end"
[ $? -eq 0 ] || show_file "$TMPD/svr4"
diag "finding: Debian's IO::Tty pushes no modules, so under svr4 its pty is raw and not a terminal (SVR4 semantics; use XPTY_MODE=xpg4v2 or native for it); base ends with '$(grep '^end:' "$TMPD/base")', svr4 with 'end: read 0'"

# xpg4v2: autopush at open makes it a terminal
vrun xpg4v2 perl "$TMPD/spawn.pl" "$cmd" >"$TMPD/xpg4v2" 2>"$TMPD/xpg4v2.err"
keep_stderr "$TMPD/xpg4v2.err" "$TMPD/xpg4v2"
grep -q '^output: hello\\r\\nisatty\\r\\n' "$TMPD/xpg4v2" && grep -qx 'status: 768' "$TMPD/xpg4v2"
ok $? "IO::Pty (xpg4v2): the autopushed subsidiary is a terminal, status 3"
[ $? -eq 0 ] || show_file "$TMPD/xpg4v2"
finish
