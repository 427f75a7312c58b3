#!/bin/sh
# test-failures.sh - after a failed `make check`, print what failed.
#
# usage: build-aux/test-failures.sh TESTS_DIR
#
# CI shows only the start and the end of a long log, and the suite's
# test-suite.log holds every skipped test too, so the failing ones are
# easily cut away.  This reads each test's .trs file (automake's
# parallel harness writes one per test, with its :global-test-result:),
# and for each test that failed, errored or passed unexpectedly prints
# its failing TAP lines and the end of its log, then one last line that
# names them all.  It changes nothing and always exits 0.
dir=${1:-tests}
bad=""
for trs in "$dir"/*.trs; do
	[ -f "$trs" ] || continue
	res=$(sed -n 's/^:global-test-result: //p' "$trs")
	case $res in
	FAIL|ERROR|XPASS) ;;
	*) continue ;;
	esac
	name=${trs%.trs}
	bad="$bad ${name##*/}($res)"
	echo "==== $res: ${name##*/}"
	grep -E '^(not ok|Bail out!)' "$name.log" 2>/dev/null | head -20
	echo "---- the end of ${name##*/}.log:"
	tail -40 "$name.log" 2>/dev/null
done
echo "failed tests:${bad:- none found}"
exit 0
