#!/bin/sh
# layers.sh - the library's layering holds (tests/layers.txt): no file
# calls a function, uses a variable or includes a header of a layer above
# its own.  The objects are the members of the convenience archive the
# library is linked from (so that no stale object of an earlier build
# counts); tests/layercheck.sh does the reading.
top=${XPTY_BUILDDIR:-..}
src=${srcdir:-.}
ar=$top/lib/.libs/libxpty_core.a

if [ ! -f "$ar" ] || ! command -v nm >/dev/null 2>&1; then
	echo "1..0 # SKIP no $ar or no nm"
	exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
ar="$(cd "$(dirname "$ar")" && pwd)/${ar##*/}"
(cd "$tmp" && ar x "$ar") || exit 1
sh "$src/layercheck.sh" "$src/layers.txt" "" "$tmp"/*.o -- \
    "$src"/../lib/*.[ch] "$src"/../common/*.[ch]
