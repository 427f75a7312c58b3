#!/bin/sh
# python.sh - CPython's own pty tests (Debian libpython3.11-testsuite):
# test_pty, test_os's openpty tests and test_ioctl (run under `script` so
# it has the controlling terminal it needs, else it skips itself).  Each
# run's per-test outcomes (from --junit-xml) and exit status must be the
# same as without libxpty: under LD_PRELOAD in native mode, as a
# descendant of `xpty`, and under LD_PRELOAD in svr4 mode (Python's
# os.openpty/pty.fork are openpty/forkpty, which libxpty gives ptem,
# ldterm and ttcompat).
. "$(dirname "$0")/common.sh"

[ -x "$PY" ] || skip_all "$PY not installed (transparency/deps.sh installs python3)"
[ -f "$($PY -c 'import test, os; print(os.path.dirname(test.__file__))' 2>/dev/null)/test_pty.py" ] 2>/dev/null ||
	skip_all "CPython's test package missing (libpython3.11-testsuite)"

check_loaded

# outcomes XML: one "test outcome" line per test case, sorted.
outcomes() {
	$PY - "$1" <<'EOP'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception as e:
    print("no junit xml:", type(e).__name__)
    sys.exit(0)
rows = []
for tc in root.iter("testcase"):
    kind = "ok"
    for child in tc:
        if child.tag in ("skipped", "failure", "error"):
            kind = child.tag
    rows.append("%s %s" % (tc.get("name"), kind))
print("\n".join(sorted(rows)))
EOP
}

# pyrun VARIANT TAG ARGS...: outcomes and status into $TMPD/TAG.VARIANT
pyrun() {
	v=$1 tag=$2
	shift 2
	x=$TMPD/$tag.$v.xml
	rm -f "$x"
	if [ "$tag" = ioctl ]; then
		vrun "$v" script -qec "$PY -m test --junit-xml $x $*" /dev/null \
		    >"$TMPD/$tag.$v.log" 2>&1
	else
		vrun "$v" $PY -m test --junit-xml "$x" "$@" >"$TMPD/$tag.$v.log" 2>&1
	fi
	rc=$?
	{ outcomes "$x"; echo "exit status $rc"; } >"$TMPD/$tag.$v"
}

variants="native wrapper svr4"
have_script=0
command -v script >/dev/null 2>&1 && have_script=1
for tag in pty os ioctl; do
	case $tag in
	pty)	args="test_pty" ;;
	os)	args="test_os -m *openpty*" ;;
	ioctl)	args="test_ioctl" ;;
	esac
	if [ $tag = ioctl ] && [ $have_script = 0 ]; then
		skip "python test_ioctl" "script(1) missing (util-linux)"
		continue
	fi
	# shellcheck disable=SC2086
	pyrun base $tag $args
	grep -q ' ok$' "$TMPD/$tag.base" && grep -qx 'exit status 0' "$TMPD/$tag.base"
	ok $? "python $args without libxpty: tests ran and passed"
	[ $? -eq 0 ] || show_file "$TMPD/$tag.base.log"
	if grep -q ' skipped$' "$TMPD/$tag.base"; then
		diag "skipped even without libxpty:" "$(grep ' skipped$' "$TMPD/$tag.base" | tr '\n' ' ')"
	fi
	for v in $variants; do
		if [ $v = wrapper ] && ! have_wrapper; then
			skip "python $args as a descendant of xpty" "src/xpty is not built (wrapper branch not merged)"
			continue
		fi
		# shellcheck disable=SC2086
		pyrun $v $tag $args
		same "$tag" "$TMPD/$tag.base" "$TMPD/$tag.$v" \
		    "python $args ($v): same outcomes and exit status as without libxpty"
		cmp -s "$TMPD/$tag.base" "$TMPD/$tag.$v" || show_file "$TMPD/$tag.$v.log"
	done
done

# XPTY_TRACE leaves no descriptor behind: CPython's test_pass_fds_redirected
# lists the descriptors of the child it starts (issue 14).
for v in base svr4; do
	XPTY_TRACE=$TMPD/passfds.trace pyrun $v passfds test_subprocess \
	    -m test_pass_fds_redirected
done
grep -q 'test_pass_fds_redirected ok' "$TMPD/passfds.base" &&
    grep -qx 'exit status 0' "$TMPD/passfds.base"
ok $? "python test_pass_fds_redirected without libxpty: passes"
same passfds "$TMPD/passfds.base" "$TMPD/passfds.svr4" \
    "python test_pass_fds_redirected (svr4, XPTY_TRACE set): same outcome"
cmp -s "$TMPD/passfds.base" "$TMPD/passfds.svr4" || show_file "$TMPD/passfds.svr4.log"

# pty.spawn in svr4 mode: the child has a real terminal, output as native.
cat >"$TMPD/spawn.py" <<'EOP'
import os, pty, sys
out = bytearray()
def rd(fd):
    data = os.read(fd, 1024)
    out.extend(data)
    return data
status = pty.spawn(["/bin/sh", "-c",
    "echo hello; test -t 0 && echo isatty; printf 'a\\tb\\n'; stty -g"], rd)
with open(sys.argv[1], "w") as f:
    f.write(repr(bytes(out)) + "\n" + "status %d\n" % status)
EOP
spawn_modes() {	# the stty -g line of a spawn transcript
	$PY -c 'import ast,sys; l=open(sys.argv[1]).readline(); print(ast.literal_eval(l).split(b"\r\n")[-2].decode())' "$1"
}
vrun base $PY "$TMPD/spawn.py" "$TMPD/spawn.base" >"$TMPD/spawn.base.log" 2>&1
grep -q "hello.*isatty" "$TMPD/spawn.base" && grep -qx 'status 0' "$TMPD/spawn.base"
ok $? "pty.spawn without libxpty: hello, isatty, status 0"
for v in native wrapper svr4; do
	if [ $v = wrapper ] && ! have_wrapper; then
		skip "pty.spawn as a descendant of xpty" "src/xpty is not built (wrapper branch not merged)"
		continue
	fi
	vrun $v $PY "$TMPD/spawn.py" "$TMPD/spawn.$v" >"$TMPD/spawn.$v.log" 2>&1
	if [ $v = svr4 ]; then
		# same transcript apart from the modes line (and tab3 expansion)
		grep -q "hello.*isatty" "$TMPD/spawn.$v" && grep -qx 'status 0' "$TMPD/spawn.$v"
		ok $? "pty.spawn (svr4): the child has a terminal, hello, isatty, status 0"
		[ $? -eq 0 ] || show_file "$TMPD/spawn.$v"
		b=$(spawn_modes "$TMPD/spawn.base") s=$(spawn_modes "$TMPD/spawn.$v")
		delta=$(modes_delta "$b" "$s")
		ok $? "pty.spawn (svr4): terminal modes differ only by illumos ldterm defaults"
		diag "finding: pty.spawn svr4 vs native modes: $(echo "$delta" | tr '\n' ';')"
		if grep -qF 'a\tb' "$TMPD/spawn.$v"; then
			diag "finding: tab kept as is"
		else
			diag "finding: svr4 (TAB3) expands the tab: $(grep -o 'na *b' "$TMPD/spawn.$v" | head -n 1)"
		fi
	else
		same spawn "$TMPD/spawn.base" "$TMPD/spawn.$v" \
		    "pty.spawn ($v): same transcript and status as without libxpty"
	fi
done
finish
