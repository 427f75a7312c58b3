# common.sh - shared by the transparency tests (sourced, POSIX sh).
#
# A program's observable result (output and exit status) is captured
# once without libxpty (base) and then in the variants:
#   native   LD_PRELOAD=libxpty.so XPTY_MODE=native: must be identical;
#   wrapper  a descendant of `xpty /bin/sh -c ...` (default scope: the
#            shell is the SVR4 image, what it execs runs native): identical;
#            skipped while src/xpty is not built (XPTY_WRAPPER overrides);
#   svr4     LD_PRELOAD=libxpty.so in the default svr4 mode, for programs
#            that get their pty from openpty/forkpty: libxpty's openpty
#            gives a subsidiary with ptem, ldterm and ttcompat pushed, so
#            it must still work; its terminal modes are illumos's ldterm
#            defaults, and the only differences allowed are those
#            (modes_delta below), each reported as a "# finding".
# Every run is bounded by timeout; a missing tool skips its cases.

top=${XPTY_BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
XPTY_LIB=$top/lib/.libs/libxpty.so
WRAPPER=${XPTY_WRAPPER:-$top/src/xpty}
T=${XPTY_TIMEOUT:-30}
PY=/usr/bin/python3
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/xpty-transp.XXXXXX")
[ -n "${XPTY_KEEP_TMP:-}" ] || trap 'rm -rf "$TMPD"' EXIT
: "${XPTY_RUNDIR:=$TMPD/run}"
mkdir -p "$XPTY_RUNDIR"
export XPTY_RUNDIR
unset XPTY_MODE XPTY_SCOPE LD_PRELOAD
# The wrapper must preload this tree's library.
XPTY_LIBRARY=$XPTY_LIB
export XPTY_LIBRARY
# Programs must not see a terminal of ours (make check may run on one).
exec </dev/null

n=0
failed=0

# Which engine serves managers here: relay (the descriptor is a socket to
# xptyd) or direct (the host ptmx).  XPTY_ENGINE, if set, is inherited.
ENGINE=$(LD_PRELOAD=$XPTY_LIB /bin/sh -c 'exec 3<>/dev/ptmx && readlink /proc/$$/fd/3' \
    2>/dev/null | grep -q '^socket:' && echo relay || echo direct)
echo "# engine: $ENGINE"

ok() {	# ok COND-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}
skip() {	# skip DESCRIPTION REASON
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}
todo() {	# todo COND-STATUS DESCRIPTION REASON: expected failure, known bug
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2 # TODO $3"
	fi
}
diag() { printf '# %s\n' "$@"; }
finish() {
	echo "1..$n"
	exit $failed
}
skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# Show a file as diagnostics (indented, control characters visible).
show_file() {
	sed -n 'l' "$1" | head -n 40 | sed 's/^/#   /'
}

# vrun VARIANT CMD...: run CMD in the variant, bounded by timeout.
vrun() {
	v=$1
	shift
	case $v in
	base)	timeout -k 5 "$T" "$@" ;;
	native)	LD_PRELOAD=$XPTY_LIB XPTY_MODE=native timeout -k 5 "$T" "$@" ;;
	svr4)	LD_PRELOAD=$XPTY_LIB timeout -k 5 "$T" "$@" ;;
	xpg4v2)	LD_PRELOAD=$XPTY_LIB XPTY_MODE=xpg4v2 timeout -k 5 "$T" "$@" ;;
	wrapper) timeout -k 5 "$T" "$WRAPPER" /bin/sh -c 'exec "$@"' sh "$@" ;;
	*)	echo "vrun: unknown variant $v" >&2; return 2 ;;
	esac
}

# keep_stderr ERRFILE OUTFILE: append a run's standard error to its output,
# except libxpty's own one-line diagnostics ("libxpty: ...", e.g. the relay
# fallback notice), which are reported as diagnostics instead.
keep_stderr() {
	grep -v '^libxpty: ' "$1" >>"$2"
	if grep -q '^libxpty: ' "$1"; then
		grep '^libxpty: ' "$1" | sort -u | sed 's/^/# (said) /'
	fi
	return 0
}

have_wrapper() { [ -x "$WRAPPER" ]; }

# The variants must really have libxpty loaded (else the A/B is empty).
check_loaded() {
	for v in native svr4; do
		vrun "$v" /bin/sh -c 'grep -c libxpty /proc/$$/maps' >"$TMPD/maps" 2>/dev/null
		[ "$(cat "$TMPD/maps")" -gt 0 ] 2>/dev/null
		ok $? "libxpty is mapped in the $v variant"
	done
	if have_wrapper; then
		# (stderr apart: sh executing sh is a re-execution, which
		# xpty reports with a warning)
		vrun wrapper /bin/sh -c 'grep -c libxpty /proc/$$/maps; echo "mode=$XPTY_MODE"' \
		    >"$TMPD/maps" 2>"$TMPD/maps.err"
		grep -qx 'mode=native' "$TMPD/maps" && [ "$(head -n 1 "$TMPD/maps")" -gt 0 ] 2>/dev/null
		ok $? "under xpty, a descendant has libxpty loaded in native mode"
	else
		skip "under xpty, a descendant has libxpty loaded in native mode" \
		    "src/xpty is not built (wrapper branch not merged)"
	fi
}

# same NAME FILE-A FILE-B DESCRIPTION: files identical, else show both.
same() {
	if cmp -s "$2" "$3"; then
		ok 0 "$4"
	else
		ok 1 "$4"
		diag "expected ($1 base):"
		show_file "$2"
		diag "got:"
		show_file "$3"
	fi
}

# modes_delta BASE SVR4: compare two `stty -g` strings.  Prints each
# differing field; returns 0 if all differences are illumos's ldterm
# defaults (iflag BRKINT/IMAXBEL, oflag TAB3, cflag speed) or libxpty's
# stream state in c_cc[17] and c_cc[18] (README, Known limits).
modes_delta() {
	awk -v a="$1" -v b="$2" '
	function xor(x, y,   r, bit) {
		r = 0; bit = 1
		while (x > 0 || y > 0) {
			if ((x % 2) != (y % 2)) r += bit
			x = int(x / 2); y = int(y / 2); bit *= 2
		}
		return r
	}
	function hex(s,   i, v) {
		v = 0; s = tolower(s)
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	function within(d, mask,   r) {	# no bit of d outside mask
		while (d > 0) {
			if ((d % 2) && !(mask % 2)) return 0
			d = int(d / 2); mask = int(mask / 2)
		}
		return 1
	}
	BEGIN {
		na = split(a, x, ":"); nb = split(b, y, ":")
		if (na != nb) { print "field count " na " vs " nb; exit 1 }
		name[1] = "iflag"; name[2] = "oflag"; name[3] = "cflag"; name[4] = "lflag"
		allow[1] = hex("2002")	# BRKINT IMAXBEL
		allow[2] = hex("1800")	# TAB3
		allow[3] = hex("100f")	# CBAUD
		allow[4] = 0
		bad = 0
		for (i = 1; i <= na; i++) {
			if (x[i] == y[i]) continue
			d = xor(hex(x[i]), hex(y[i]))
			if (i <= 4) {
				printf "%s %s -> %s (xor %x)\n", name[i], x[i], y[i], d
				if (!within(d, allow[i])) bad = 1
			} else {
				printf "c_cc[%d] %s -> %s\n", i - 5, x[i], y[i]
				if (i - 5 != 17 && i - 5 != 18) bad = 1
			}
		}
		exit bad
	}'
}
