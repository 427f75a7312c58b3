#!/bin/sh
# script.sh - util-linux script(1) -qec: runs a command on a pty it gets
# from openpty and copies the output.  Output and exit status must be the
# same as without libxpty under LD_PRELOAD in native mode and as a
# descendant of `xpty`; in svr4 mode it must still work, with terminal
# modes differing only by illumos's ldterm defaults.
. "$(dirname "$0")/common.sh"

command -v script >/dev/null 2>&1 || skip_all "script not installed (util-linux)"

check_loaded

cmd='echo hello; test -t 0 && echo isatty; printf "a\tb\n"; stty -g; exit 4'
srun() {	# srun VARIANT: stdout (control characters visible) + status
	vrun "$1" script -qec "$cmd" /dev/null >"$TMPD/$1.raw" 2>"$TMPD/$1.err"
	rc=$?
	keep_stderr "$TMPD/$1.err" "$TMPD/$1.raw"
	{ sed -n 'l' "$TMPD/$1.raw"; echo "exit status $rc"; } >"$TMPD/$1"
}
srun base
grep -qxF 'hello\r$' "$TMPD/base" && grep -qxF 'isatty\r$' "$TMPD/base" &&
    grep -qx 'exit status 4' "$TMPD/base"
ok $? "script without libxpty: output and the command's status 4"
[ $? -eq 0 ] || show_file "$TMPD/base"
for v in native wrapper svr4; do
	if [ $v = wrapper ] && ! have_wrapper; then
		skip "script as a descendant of xpty" "src/xpty is not built (wrapper branch not merged)"
		continue
	fi
	srun $v
	if [ $v = svr4 ]; then
		# everything but the tab line (TAB3) and the modes line
		grep -v -e '^a' -e ':.*:.*:' "$TMPD/base" >"$TMPD/base.cut"
		grep -v -e '^a' -e ':.*:.*:' "$TMPD/$v" >"$TMPD/$v.cut"
		same script "$TMPD/base.cut" "$TMPD/$v.cut" \
		    "script (svr4): the command has a terminal, same output and status as without libxpty"
		delta=$(modes_delta "$(grep ':.*:.*:' "$TMPD/base.raw" | tr -d '\r')" \
		    "$(grep ':.*:.*:' "$TMPD/$v.raw" | tr -d '\r')")
		ok $? "script (svr4): terminal modes differ only by illumos ldterm defaults"
		diag "finding: script svr4 vs native modes: $(echo "$delta" | tr '\n' ';')"
		diag "finding: script svr4 tab line: $(grep '^a' "$TMPD/$v") (native: $(grep '^a' "$TMPD/base"))"
	else
		same script "$TMPD/base" "$TMPD/$v" \
		    "script ($v): same output and status as without libxpty"
	fi
done
finish
