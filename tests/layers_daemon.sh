#!/bin/sh
# layers_daemon.sh - xptyd's layering holds (tests/layers_daemon.txt):
# connections own their callbacks, and no file of the daemon calls or
# includes one of a higher layer (tests/layercheck.sh does the reading).
top=${XPTY_BUILDDIR:-..}
src=${srcdir:-.}
set -- "$top"/daemon/xptyd-*.o "$top"/lib/xptyd-*.o "$top"/common/xptyd-*.o
if [ ! -f "$1" ] || ! command -v nm >/dev/null 2>&1; then
	echo "1..0 # SKIP no daemon objects built, or no nm"
	exit 0
fi
exec sh "$src/layercheck.sh" "$src/layers_daemon.txt" xptyd- "$@" -- \
    "$src"/../daemon/*.[ch] "$src"/../common/*.h
