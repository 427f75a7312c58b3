#!/bin/sh
# layercheck.sh - does a program's layering hold?  No object calls a
# function or uses a variable defined by an object of a higher layer, and
# no source includes a header of a higher layer.
#
# usage: layercheck.sh LIST STRIP OBJECT... -- SOURCE...
#   LIST     the layers, bottom up: lines "NAME PATTERN...", PATTERN a
#            shell pattern of base names (sources and headers); lines
#            "except FILE SYMBOL-OR-HEADER why" for declared exceptions;
#            # comments.  A file in no layer is not checked (an aggregate
#            header, a public one), but an object in none fails.
#   STRIP    a prefix to take off object base names (automake's
#            per-program "prog-"), or "" for none
#   OBJECT   the built objects (nm reads what each defines and uses)
#   SOURCE   the sources and headers whose #include "..." lines count
# Output is TAP: one line per object (its layer) and one per violation,
# naming both sides.  Used by tests/layers_daemon.sh.
list=$1
strip=$2
shift 2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/facts"
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	o=${1##*/}
	o=${o#"$strip"}
	o=${o%.o}.c
	echo "obj $o" >>"$tmp/facts"
	nm "$1" 2>/dev/null | awk -v m="$o" '
	$1 == "U" && NF == 2 { print "sym", m, "U", $2 }
	NF == 3 && $2 ~ /^[TDBRCGSVW]$/ { print "sym", m, "D", $3 }' \
	    >>"$tmp/facts"
	shift
done
[ "${1:-}" = -- ] && shift
for f; do
	[ -f "$f" ] || continue
	sed -n "s|^#include \"\\([^\"]*\\)\".*|inc ${f##*/} \\1|p" "$f"
done >>"$tmp/facts"

awk '
BEGIN {
	nl = npat = nobj = nund = ninc = t = bad = 0	# numeric subscripts
}
function glob2re(p) {
	gsub(/\./, "\\.", p)
	gsub(/\*/, ".*", p)
	return "^" p "$"
}
function layer(f,	i) {
	for (i = 0; i < npat; i++)
		if (f ~ pre[i])
			return prank[i]
	return -1
}
function report(user, what, other, verb,	lu, lo) {
	lu = layer(user)
	lo = layer(other)
	if (lu < 0 || lo < 0 || lo <= lu)
		return
	if ((user " " what) in exc) {
		printf "ok %d - %s (%s) %s %s of %s (%s) # SKIP declared exception\n",
		    ++t, user, lname[lu], verb, what, other, lname[lo]
		return
	}
	printf "not ok %d - %s (%s) %s %s of %s (%s), a higher layer\n",
	    ++t, user, lname[lu], verb, what, other, lname[lo]
	bad = 1
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
END {
	for (i = 1; i <= nobj; i++) {
		if (layer(obj[i]) >= 0)
			printf "ok %d - %s is in layer %s\n", ++t, obj[i],
			    lname[layer(obj[i])]
		else {
			printf "not ok %d - %s is in no layer of %s\n", ++t,
			    obj[i], list
			bad = 1
		}
	}
	for (i = 1; i <= nund; i++) {
		split(und[i], a, " ")
		if ((a[2] in def) && def[a[2]] != a[1] && !seen[und[i]]++)
			report(a[1], a[2], def[a[2]], "uses")
	}
	for (i = 1; i <= ninc; i++) {
		split(inc[i], a, " ")
		report(a[1], a[2], a[2], "includes")
	}
	printf "1..%d\n", t
	exit bad
}' list="$list" "$list" "$tmp/facts"
