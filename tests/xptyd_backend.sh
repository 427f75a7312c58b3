#!/bin/sh
# xptyd_backend.sh - xptyd -d names the libevent backend it runs on, and
# that backend is not one configure told it to avoid (XPTY_EVENT_AVOID in
# config.h: NetBSD's kqueue, macOS's kqueue and poll; none on Linux).
# The daemon runs in the foreground on a private socket and is stopped
# by its own pid.

: "${XPTY_BUILDDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
XPTYD=$XPTY_BUILDDIR/daemon/xptyd

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

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xpty-backend.XXXXXX")
chmod 700 "$tmp"
trap 'rm -rf "$tmp"' EXIT

"$XPTYD" -df -S "$tmp/s" 2>"$tmp/log" &
pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q 'listening on' "$tmp/log"; do
	sleep 0.05
	i=$((i + 1))
done
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

line=$(grep 'listening on' "$tmp/log")
method=$(echo "$line" | sed -n 's/.*(libevent \([a-z0-9]*\))$/\1/p')
[ -n "$method" ]
ok $? "xptyd -d names its libevent backend ($line)"
avoid=$(sed -n 's/^#define XPTY_EVENT_AVOID "\(.*\)"$/\1/p' \
    "$XPTY_BUILDDIR/config.h")
bad=1
for a in $avoid; do
	[ "$a" = "$method" ] && bad=0
done
[ -n "$method" ] && [ $bad -eq 1 ]
ok $? "it is none of those configure avoids ('$avoid')"

echo "1..$n"
[ $failed -eq 0 ]
