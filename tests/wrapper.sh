#!/bin/sh
# wrapper.sh - TAP tests for the xpty wrapper command (src/xpty).
#
# The environment handed to CMD, exit statuses, the pre-exec warnings
# (missing library, static program, set-user-ID program) and the load
# handshake, checked with a stand-in library built here when a compiler
# is available, and with the real libxpty when it implements it.

: "${XPTY_BUILDDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
XPTY=$XPTY_BUILDDIR/src/xpty
LIB=$XPTY_BUILDDIR/lib/.libs/libxpty.so.0
CC=${CC:-cc}

n=0
failed=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}
skip() {
	n=$((n + 1))
	echo "ok $n # SKIP $1"
}
todo() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2 # TODO $3"
	else
		echo "not ok $n - $2 # TODO $3"
	fi
}
diag() {
	[ -n "$*" ] || return 0
	printf '%s\n' "$@" | sed '/^$/d; s/^/# /'
}

if [ ! -x "$XPTY" ]; then
	echo "1..0 # SKIP $XPTY not built"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xpty-wrapper.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
unset XPTY_LIBRARY XPTY_MODE XPTY_SCOPE XPTY_TRACE XPTY_HANDSHAKE_FD

# Any shared object that is surely loadable and is not libxpty.
LIBC=$(ldd /bin/sh 2>/dev/null | awk '/libc\.so/ { print $3; exit }')

# A stand-in library that answers the handshake and changes nothing else,
# so that CMD shows the environment exactly as the wrapper made it (the
# real library rewrites XPTY_MODE under XPTY_SCOPE=image).  Without a
# compiler, a missing library does (with a warning on stderr).
cat > "$tmp/fake.c" <<'EOF'
#include <stdlib.h>
#include <unistd.h>
__attribute__((constructor)) static void
init(void)
{
	const char *s = getenv("XPTY_HANDSHAKE_FD");

	if (s != NULL) {
		int fd = atoi(s);
		(void)!write(fd, "L", 1);
		close(fd);
		unsetenv("XPTY_HANDSHAKE_FD");
	}
}
EOF
if $CC -shared -fPIC -o "$tmp/libfake.so" "$tmp/fake.c" 2>/dev/null; then
	FAKE=$tmp/libfake.so
else
	FAKE=
fi
RAW=${FAKE:-/nonexistent/libxpty.so.0}

# --- --version, --help, usage ---
out=$("$XPTY" --version); rc=$?
echo "$out" | grep -Eq '^xpty \(libxpty\) [0-9]+\.[0-9]+' && [ $rc -eq 0 ]
ok $? "--version prints 'xpty (libxpty) VERSION'"
out=$("$XPTY" --help); rc=$?
echo "$out" | grep -q -- '--xpg4v2' && [ $rc -eq 0 ]
ok $? "--help prints the options and exits 0"
"$XPTY" --no-such-option true >/dev/null 2>&1
[ $? -eq 125 ]; ok $? "an unknown option exits 125"
"$XPTY" >/dev/null 2>&1
[ $? -eq 125 ]; ok $? "no command exits 125"

# --- the environment CMD gets ---
# The old entry: libc, or under AddressSanitizer its runtime (a sanitized
# wrapper crashes at start when anything else is preloaded ahead of it).
ASANRT=$(ldd "$XPTY" 2>/dev/null | awk '/libasan/ {print $3}')
[ -n "$ASANRT" ] && LIBC=$ASANRT
if [ -n "$LIBC" ]; then
	env=$(LD_PRELOAD=$LIBC "$XPTY" env 2>/dev/null)
	echo "$env" | grep -qxF "LD_PRELOAD=$LIBC:$LIB"
	ok $? "LD_PRELOAD keeps the old entry and appends $LIB"
	diag "$(echo "$env" | grep '^LD_PRELOAD=')"
else
	skip "no libc path from ldd"
fi
env=$("$XPTY" env 2>/dev/null)
echo "$env" | grep -qxF "LD_PRELOAD=$LIB"
ok $? "LD_PRELOAD is the absolute library path when unset before"
env=$(LD_PRELOAD=$LIB "$XPTY" env 2>/dev/null)
echo "$env" | grep -qxF "LD_PRELOAD=$LIB"
ok $? "the library is not added to LD_PRELOAD twice"
raw() {
	XPTY_LIBRARY=$RAW "$XPTY" "$@" 2>/dev/null
}
env=$(raw env)
echo "$env" | grep -qx 'XPTY_MODE=svr4'
ok $? "XPTY_MODE=svr4 by default"
echo "$env" | grep -qx 'XPTY_SCOPE=image'
ok $? "XPTY_SCOPE=image by default"
echo "$env" | grep -q '^XPTY_TRACE=\|^XPTY_REPORT='
[ $? -ne 0 ]; ok $? "no XPTY_TRACE or XPTY_REPORT by default"
raw --xpg4v2 env | grep -qx 'XPTY_MODE=xpg4v2'
ok $? "--xpg4v2 gives XPTY_MODE=xpg4v2"
raw --native env | grep -qx 'XPTY_MODE=native'
ok $? "--native gives XPTY_MODE=native"
XPTY_MODE=native raw --svr4 env | grep -qx 'XPTY_MODE=svr4'
ok $? "--svr4 overrides an inherited XPTY_MODE"
raw --tree env | grep -qx 'XPTY_SCOPE=tree'
ok $? "--tree gives XPTY_SCOPE=tree"
raw --trace env | grep -qx 'XPTY_TRACE=stderr'
ok $? "--trace gives XPTY_TRACE=stderr"
raw --report env | grep -qx 'XPTY_REPORT=stderr'
ok $? "--report gives XPTY_REPORT=stderr"
env=$(raw --trace="$tmp/t" --report="$tmp/r" env)
echo "$env" | grep -qxF "XPTY_TRACE=$tmp/t" &&
    echo "$env" | grep -qxF "XPTY_REPORT=$tmp/r"
ok $? "--trace=FILE --report=FILE give XPTY_TRACE=FILE, XPTY_REPORT=FILE"
env=$(XPTY_LIBRARY=/some/where/libx.so "$XPTY" env 2>/dev/null)
echo "$env" | grep -qxF "LD_PRELOAD=/some/where/libx.so"
ok $? "XPTY_LIBRARY chooses the library"
out=$("$XPTY" echo --xpg4v2 -x 2>/dev/null)
[ "$out" = "--xpg4v2 -x" ]
ok $? "options after CMD belong to CMD"
out=$("$XPTY" -- echo hi 2>/dev/null)
[ "$out" = "hi" ]
ok $? "-- ends the options"

# --- exit status and process identity ---
"$XPTY" sh -c 'exit 42' 2>/dev/null
[ $? -eq 42 ]; ok $? "CMD's exit status is xpty's"
"$XPTY" no-such-command-xpty 2>/dev/null
[ $? -eq 127 ]; ok $? "a command not found exits 127"
"$XPTY" "$tmp/no/such/file" 2>/dev/null
[ $? -eq 127 ]; ok $? "a missing path exits 127"
printf 'data\n' > "$tmp/notexec"
"$XPTY" "$tmp/notexec" 2>/dev/null
[ $? -eq 126 ]; ok $? "a file that is not executable exits 126"
out=$(sh -c 'echo $$; exec "$1" sh -c "echo \$\$"' sh "$XPTY" 2>/dev/null)
[ "$(echo "$out" | sed -n 1p)" = "$(echo "$out" | sed -n 2p)" ]
ok $? "CMD runs in the xpty process itself (same pid)"

# --- the library cannot be loaded ---
err=$(XPTY_LIBRARY=/nonexistent/libxpty.so "$XPTY" sh -c 'echo ran' \
    2>&1 >"$tmp/out")
echo "$err" | grep -q '^xpty: libxpty was not loaded into sh: '
ok $? "a missing library is diagnosed"
diag "$err"
grep -qx ran "$tmp/out"
ok $? "and CMD still runs"

if [ -n "$LIBC" ]; then
	# A loadable library that never answers the handshake.
	err=$(XPTY_LIBRARY=$LIBC "$XPTY" true 2>&1 >/dev/null)
	echo "$err" | grep -q '^xpty: libxpty was not loaded into true: '
	ok $? "no handshake from CMD is diagnosed"
	diag "$err"
else
	skip "no libc path from ldd"
fi

# --- the handshake, with the stand-in library ---
if [ -n "$FAKE" ]; then
	err=$(XPTY_LIBRARY=$tmp/libfake.so "$XPTY" sh -c 'echo ran' \
	    2>&1 >"$tmp/out")
	[ -z "$err" ] && grep -qx ran "$tmp/out"
	ok $? "a library that answers the handshake gives no diagnostic"
	diag "$err"
	out=$(XPTY_LIBRARY=$tmp/libfake.so "$XPTY" sh -c \
	    'echo "fd=${XPTY_HANDSHAKE_FD-unset}"' 2>/dev/null)
	[ "$out" = "fd=unset" ]
	ok $? "CMD does not see XPTY_HANDSHAKE_FD after the handshake"
else
	skip "cannot build a shared object with $CC"
	skip "cannot build a shared object with $CC"
fi

# --- the real library, once it is built ---
if [ -f "$LIB" ]; then
	err=$("$XPTY" true 2>&1 >/dev/null | grep '^xpty: ')
	if grep -q XPTY_HANDSHAKE_FD "$LIB" 2>/dev/null; then
		[ -z "$err" ]
		ok $? "libxpty loads and answers the handshake"
	else
		[ -z "$err" ]
		todo $? "libxpty loads and answers the handshake" \
		    "the library does not implement XPTY_HANDSHAKE_FD yet"
	fi
	diag "$err"
	env=$("$XPTY" env 2>/dev/null)
	echo "$env" | grep -qx 'XPTY_MODE=native' &&
	    ! echo "$env" | grep -q '^XPTY_SCOPE='
	ok $? "with XPTY_SCOPE=image libxpty leaves native mode to descendants"
	"$XPTY" --tree --xpg4v2 env 2>/dev/null | grep -qx 'XPTY_MODE=xpg4v2'
	ok $? "with --tree descendants keep the mode"
	printf '%s\n' '#include <fcntl.h>' '#include <stdlib.h>' \
	    'int main(void) { return posix_openpt(O_RDWR) < 0; }' \
	    > "$tmp/openpt.c"
	if $CC -o "$tmp/openpt" "$tmp/openpt.c" 2>/dev/null; then
		out=$("$XPTY" --trace="$tmp/trace" --report="$tmp/report" \
		    "$tmp/openpt" 2>&1)
		[ -s "$tmp/trace" ] && [ -s "$tmp/report" ] &&
		    ! echo "$out" | grep -q '^xpty: '
		ok $? "--trace=FILE and --report=FILE reach the library"
		diag "$out" "$(head -3 "$tmp/trace" "$tmp/report" 2>&1)"
	else
		skip "cannot build a program with $CC"
	fi
	# A daemon-shaped program that executes itself again in a child (as
	# sshd and dropbear do per connection): that image runs native, and
	# the wrapper says so once; --tree, or executing another program,
	# gives no warning.
	cat > "$tmp/reexec.c" <<'EOF2'
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
int
main(int argc, char **argv)
{
	pid_t p;

	if (argc > 1 && strcmp(argv[1], "again") == 0)
		return 3;
	if ((p = fork()) == 0) {
		execv(argv[1], argv + 1);
		_exit(1);
	}
	waitpid(p, NULL, 0);
	return 7;
}
EOF2
	if $CC -o "$tmp/reexec" "$tmp/reexec.c" 2>/dev/null; then
		err=$("$XPTY" "$tmp/reexec" "$tmp/reexec" again 2>&1 >/dev/null)
		rc=$?
		[ "$(echo "$err" | grep -c 'executed itself again')" -eq 1 ] &&
		    echo "$err" | grep -q -- '--tree' &&
		    [ "$(echo "$err" | wc -l)" -eq 1 ]
		ok $? "a command that executes itself again: one warning naming --tree"
		diag "$err"
		[ $rc -eq 7 ]; ok $? "and its exit status is unchanged"
		err=$("$XPTY" --tree "$tmp/reexec" "$tmp/reexec" again 2>&1 >/dev/null)
		[ -z "$err" ]
		ok $? "with --tree the re-execution gets no warning"
		diag "$err"
		err=$("$XPTY" "$tmp/reexec" /bin/true 2>&1 >/dev/null)
		[ -z "$err" ]
		ok $? "executing another program gets no warning"
		diag "$err"
		err=$("$XPTY" "$tmp/reexec" /bin/sh -c "exec $tmp/reexec again" \
		    2>&1 >/dev/null)
		[ -z "$err" ]
		ok $? "the same program executed by another one gets no warning"
		diag "$err"
	else
		skip "cannot build a program with $CC"
		skip "cannot build a program with $CC"
		skip "cannot build a program with $CC"
		skip "cannot build a program with $CC"
		skip "cannot build a program with $CC"
	fi
else
	skip "$LIB not built"
	skip "$LIB not built"
	skip "$LIB not built"
	skip "$LIB not built"
	skip "$LIB not built"
	skip "$LIB not built"
	skip "$LIB not built"
	skip "$LIB not built"
	skip "$LIB not built"
fi

# --- programs the preload cannot reach ---
printf 'int main(void) { return 0; }\n' > "$tmp/static.c"
if $CC -static -o "$tmp/static" "$tmp/static.c" 2>/dev/null &&
    "$tmp/static"; then
	err=$(XPTY_LIBRARY=$RAW "$XPTY" "$tmp/static" 2>&1)
	rc=$?
	echo "$err" | grep -q "^xpty: warning: $tmp/static is statically linked"
	ok $? "a statically linked CMD gets a warning"
	diag "$err"
	[ $rc -eq 0 ]; ok $? "and still runs"
	printf '#!%s\n' "$tmp/static" > "$tmp/script"
	chmod +x "$tmp/script"
	"$XPTY" "$tmp/script" 2>&1 | grep -q "$tmp/static is statically linked"
	ok $? "a script whose interpreter is static gets the warning"
else
	skip "$CC -static does not work here"
	skip "$CC -static does not work here"
	skip "$CC -static does not work here"
fi
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	cp /bin/true "$tmp/suid" && chown nobody "$tmp/suid" &&
	    chmod 4755 "$tmp/suid"
	err=$("$XPTY" "$tmp/suid" 2>&1)
	echo "$err" | grep -q "^xpty: warning: $tmp/suid is set-user-ID"
	ok $? "a set-user-ID CMD gets a warning"
	diag "$err"
else
	err=$("$XPTY" /bin/true 2>&1 | grep 'set-user-ID')
	[ -z "$err" ]
	ok $? "a plain CMD gets no set-user-ID warning (root needed for more)"
fi

echo "1..$n"
[ $failed -eq 0 ]
