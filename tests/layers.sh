#!/bin/sh
# layers.sh - the library's layering holds (tests/layers.txt): no file
# calls a function, uses a variable or includes a header of a layer above
# its own.  Calls are read from the built objects (nm on the convenience
# archive: what each object defines and what it leaves undefined),
# includes from the sources.  One test line per object (it is in a layer)
# and one per violation, naming both sides.
top=${XPTY_BUILDDIR:-..}
src=${srcdir:-.}
list=$src/layers.txt
ar=$top/lib/.libs/libxpty_core.a

if [ ! -f "$ar" ] || ! command -v nm >/dev/null 2>&1; then
	echo "1..0 # SKIP no $ar or no nm"
	exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# "obj FILE" lines for the archive's members, "sym FILE TYPE NAME" for
# their global symbols, "inc FILE HEADER" for the sources' includes.
ar t "$ar" | sed 's/\.o$/.c/; s/^/obj /' > "$tmp/facts"
nm -A "$ar" 2>/dev/null | awk '
{
	n = split($1, a, ":"); m = a[2]; sub(/\.o$/, ".c", m)
	if ($2 == "U" && NF == 3) print "sym", m, "U", $3
	else if (NF == 3 && $2 ~ /^[TDBRCGSVW]$/) print "sym", m, "D", $3
}' >> "$tmp/facts"
for f in "$src"/../lib/*.[ch] "$src"/../common/*.[ch]; do
	[ -f "$f" ] || continue
	sed -n "s|^#include \"\\([^\"]*\\)\".*|inc ${f##*/} \\1|p" "$f"
done >> "$tmp/facts"

awk '
BEGIN { nl = npat = nobj = nund = ninc = t = bad = 0 }
function glob2re(p) {
	gsub(/\./, "\\.", p); gsub(/\*/, ".*", p)
	return "^" p "$"
}
function layer(f,	i) {
	for (i = 0; i < npat; i++)
		if (f ~ pre[i])
			return prank[i]
	return -1
}
FNR == NR {
	if ($0 ~ /^#/ || NF < 2)
		next
	if ($1 == "except") {
		exc[$2 " " $3] = 1
		next
	}
	lname[nl] = $1
	for (i = 2; i <= NF; i++) {
		pre[npat] = glob2re($i)
		prank[npat++] = nl
	}
	nl++
	next
}
$1 == "obj" { obj[++nobj] = $2; next }
$1 == "sym" && $3 == "D" { def[$4] = $2; next }
$1 == "sym" && $3 == "U" { und[++nund] = $2 " " $4; next }
$1 == "inc" { inc[++ninc] = $2 " " $3; next }
function report(user, what, other, verb,	lu, lo) {
	lu = layer(user); lo = layer(other)
	if (lu < 0 || lo < 0 || lo <= lu)
		return
	if ((user " " what) in exc) {
		printf "ok %d - %s (%s) %s %s of %s (%s) # SKIP known exception (tests/layers.txt)\n",
		    ++t, user, lname[lu], verb, what, other, lname[lo]
		return
	}
	printf "not ok %d - %s (%s) %s %s of %s (%s), a higher layer\n",
	    ++t, user, lname[lu], verb, what, other, lname[lo]
	bad = 1
}
END {
	for (i = 1; i <= nobj; i++) {
		if (layer(obj[i]) >= 0)
			printf "ok %d - %s is in layer %s\n", ++t, obj[i], lname[layer(obj[i])]
		else {
			printf "not ok %d - %s is in no layer of tests/layers.txt\n", ++t, obj[i]
			bad = 1
		}
	}
	for (i = 1; i <= nund; i++) {
		split(und[i], a, " ")
		if ((a[2] in def) && def[a[2]] != a[1] && !seen[a[1] " " a[2]]++)
			report(a[1], a[2], def[a[2]], "uses")
	}
	for (i = 1; i <= ninc; i++) {
		split(inc[i], a, " ")
		report(a[1], a[2], a[2], "includes")	# "of" itself
	}
	printf "1..%d\n", t
	exit bad
}' "$list" "$tmp/facts"
