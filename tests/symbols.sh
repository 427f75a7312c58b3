#!/bin/sh
# symbols.sh - the library exports exactly its API and the interposed libc
# names; interposers are unversioned (a version node would stop them from
# interposing glibc's versioned references); and a client built with
# hardened distribution flags imports nothing in the pty/descriptor family
# that libxpty does not interpose.
top=${XPTY_BUILDDIR:-..}
src=${srcdir:-.}
lib=$top/lib/.libs/libxpty.so.0
n=0; fail=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }

exports=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TW]$/ {print $3}' | sort)
api=$(printf '%s\n' $exports | grep '^xpty_')
others=$(printf '%s\n' $exports | grep -v '^xpty_')

for s in $api; do
	case $s in *@@XPTY_0.1) ;; *) t 1 "API symbol $s is in version node XPTY_0.1"; continue;; esac
	t 0 "API symbol $s is in version node XPTY_0.1"
done
bad=$(printf '%s\n' $others | grep '@' || true)
[ -z "$bad" ]; t $? "interposed names are unversioned (found: ${bad:-none})"

expected="__open64_2 __open_2 __openat64_2 __openat_2 __poll_chk __ppoll_chk
__ptsname_r_chk __read_chk
close close_range closefrom dup dup2 dup3 epoll_create epoll_create1 epoll_ctl
fclose
fcntl fcntl64 forkpty getmsg
getpmsg getpt grantpt ioctl isastream isatty login_tty open open64 openat
openat64 openpty poll posix_openpt ppoll pselect ptsname ptsname_r putmsg
putpmsg read readv select tcgetattr tcsetattr unlockpt write
__sysv_signal bsd_signal sigaction siginterrupt signal sigset sysv_signal
_Fork clone execl execle execlp execv execve execveat execvp execvpe fdopen
fexecve popen posix_spawn posix_spawnp sendmmsg sendmsg setsid system vfork
writev"
extra=$(printf '%s\n' $others | grep -vxF "$(printf '%s\n' $expected)" || true)
[ -z "$extra" ]; t $? "no internal symbol is exported (extra: ${extra:-none})"
missing=$(printf '%s\n' $expected | grep -vxF "$(printf '%s\n' $others)" || true)
[ -z "$missing" ]; t $? "every interposed name is exported (missing: ${missing:-none})"

# The Debian symbols file lists the same names (dpkg-gensymbols fails the
# package build otherwise); only in a source tree that has debian/.
symfile=$src/../debian/libxpty0.symbols
if [ -f "$symfile" ]; then
	listed=$(awk '/^ / && $1 !~ /^XPTY_/ {sub(/@.*/, "", $1); print $1}' "$symfile" | sort)
	plain=$(printf '%s\n' $exports | sed 's/@.*//' | sort)
	diff=$(printf '%s\n' $plain | grep -vxF "$(printf '%s\n' $listed)" || true)
	gone=$(printf '%s\n' $listed | grep -vxF "$(printf '%s\n' $plain)" || true)
	[ -z "$diff$gone" ]
	t $? "debian/libxpty0.symbols lists every export (not listed: ${diff:-none}; not exported: ${gone:-none})"
fi

# A client built the way distributions build (fortify 3, LFS).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/client.c" <<'EOC'
#define _GNU_SOURCE
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
int main(int argc, char **argv) {
	char buf[64], name[64]; struct termios t; int m, s, a, b;
	m = posix_openpt(O_RDWR | O_NOCTTY); grantpt(m); unlockpt(m);
	ptsname_r(m, name, argc + sizeof(name) - 1);
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	s = openat(AT_FDCWD, name, O_RDWR | O_NOCTTY);
	ioctl(s, 0x5302, "ptem"); tcgetattr(s, &t); tcsetattr(s, TCSANOW, &t);
	isatty(s); (void)!write(s, "x", 1); (void)!read(m, buf, argc + 10);
	a = dup(m); b = dup2(m, 50); dup3(m, 51, 0); fcntl(m, F_DUPFD, 60);
	openpty(&a, &b, NULL, NULL, NULL); close(a); close(b);
	FILE *f = fopen(argv[0], "r"); if (f) fclose(f);
	closefrom(40); close(s); close(m); return 0;
}
EOC
if ${CC:-cc} -O2 -D_FORTIFY_SOURCE=3 -D_FILE_OFFSET_BITS=64 -o "$tmp/client" "$tmp/client.c" 2>"$tmp/cc.log"; then
	t 0 "hardened client builds"
	family='^(__)?(open|openat|ioctl|read|readv|write|close|dup|fcntl|ptsname|grantpt|unlockpt|posix_openpt|getpt|tcgetattr|tcsetattr|isatty|openpty|forkpty|login_tty|close_range|closefrom|fclose)'
	imports=$(nm -D --undefined-only "$tmp/client" | awk '{print $2}' | sed 's/@.*//' | grep -E "$family" | sort -u)
	for s in $imports; do
		printf '%s\n' $others | grep -qxF "$s"
		t $? "hardened client's import $s is interposed"
	done
else
	t 1 "hardened client builds: $(cat "$tmp/cc.log")"
fi
echo "1..$n"
exit $fail
