#!/bin/sh
# expect.sh - expect(1): spawn a shell command, expect its prompt, send a
# line, expect eof, wait.  The transcript and exit status must be the same
# as without libxpty under LD_PRELOAD in native mode and as a descendant of
# `xpty`; in svr4 mode (libexpect gets its pty from openpty) it must still
# work, with terminal modes differing only by illumos's ldterm defaults, in
# either engine.
. "$(dirname "$0")/common.sh"

command -v expect >/dev/null 2>&1 || skip_all "expect not installed"

check_loaded

cat >"$TMPD/dialog.exp" <<'EOP'
log_user 0
set timeout 10
spawn /bin/sh -c {printf "prompt> "; read x; echo "got:$x"; test -t 0 && echo isatty; printf "a\tb\n"; stty -g; exit 5}
expect {
	"prompt> " {}
	timeout { puts "TIMEOUT waiting for the prompt"; exit 2 }
	eof { puts "EOF before the prompt"; exit 2 }
}
send "hi\r"
expect {
	eof {}
	timeout { puts "TIMEOUT waiting for eof"; exit 3 }
}
set out [string map {"\r" "\\r" "\t" "\\t"} $expect_out(buffer)]
set lines [split [string trimright $out "\n"] "\n"]
puts "OUT:[join [lrange $lines 0 end-1] {\n}]"
puts "MODES:[string map {"\\r" ""} [lindex $lines end]]"
set r [wait]
puts "WAIT:[lindex $r 2] [lindex $r 3]"
EOP

vrun base expect -f "$TMPD/dialog.exp" >"$TMPD/base" 2>"$TMPD/base.err"
echo "exit status $?" >>"$TMPD/base"
keep_stderr "$TMPD/base.err" "$TMPD/base"
grep -qF 'OUT:hi\r\ngot:hi\r\nisatty\r\na\tb\r' "$TMPD/base" && grep -qx 'WAIT:0 5' "$TMPD/base"
ok $? "expect without libxpty: prompt, send, eof, child status 5"
[ $? -eq 0 ] || show_file "$TMPD/base"
for v in native wrapper svr4; do
	if [ $v = wrapper ] && ! have_wrapper; then
		skip "expect as a descendant of xpty" "src/xpty is not built (wrapper branch not merged)"
		continue
	fi
	vrun $v expect -f "$TMPD/dialog.exp" >"$TMPD/$v" 2>"$TMPD/$v.err"
	echo "exit status $?" >>"$TMPD/$v"
	keep_stderr "$TMPD/$v.err" "$TMPD/$v"
	if [ $v = svr4 ]; then
		grep -v '^MODES:' "$TMPD/base" >"$TMPD/base.nomodes"
		grep -v '^MODES:' "$TMPD/$v" >"$TMPD/$v.nomodes"
		# libexpect calls openpty, closes the subsidiary and lets the
		# child reopen it by name: openpty's manager keeps the host's
		# data semantics (xpty(7)), so that moment without a subsidiary
		# is no end of file.
		same expect "$TMPD/base.nomodes" "$TMPD/$v.nomodes" \
		    "expect (svr4): same dialogue, transcript and status as without libxpty"
		delta=$(modes_delta "$(sed -n 's/^MODES://p' "$TMPD/base")" \
		    "$(sed -n 's/^MODES://p' "$TMPD/$v")")
		ok $? "expect (svr4): terminal modes differ only by illumos ldterm defaults"
		diag "finding: expect svr4 vs native modes: $(echo "$delta" | tr '\n' ';')"
	else
		same expect "$TMPD/base" "$TMPD/$v" \
		    "expect ($v): same dialogue, transcript and status as without libxpty"
	fi
done
finish
