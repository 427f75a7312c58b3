#!/bin/sh
# knf.sh - the C sources are written in one dialect, KNF as daemon/ and
# tmux write it: return (x), sizeof(x), a tab between a declaration's
# type and its names.  build-aux/knf.py does the reading (and, without
# --check, the rewriting: run it on a file this test names).  One test
# per directory; skipped where there is no python3.
src=${srcdir:-.}
top=$src/..
knf=$top/build-aux/knf.py

if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP no python3"
	exit 0
fi
set -- lib daemon common src tests
echo "1..$#"
n=0
for d in "$@"; do
	n=$((n + 1))
	files=$(find "$top/$d" -name '*.[ch]' | sort)
	if out=$(python3 "$knf" --check $files 2>&1); then
		echo "ok $n - $d/ is KNF"
	else
		echo "not ok $n - $d/: not KNF (python3 build-aux/knf.py FILE fixes it)"
		echo "$out" | sed 's/^/# /' | head -40
	fi
done
