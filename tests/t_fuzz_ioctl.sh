#!/bin/sh
# Run the ioctl decoder's libFuzzer target (fuzz_ioctl.c) for a bounded
# time (TAP).  XPTY_FUZZ_SECS sets the time per engine (default 20).  The
# direct engine always runs; the relay engine only with XPTY_FUZZ_RELAY=1:
# there a subsidiary-side ioctl that asks xptyd to place a message (a B0
# tcsetattr under ptem, pckt's M_IOCTL) can wait for the manager's reader
# (a second B0 tcsetattr before the manager reads blocks for good), which
# the fuzzer hits as a hang.  Any crash, sanitizer report or input that
# runs over 10 s (a hang) fails; its reproducer is kept in
# fuzz_ioctl-ENGINE.art/.
bin=./fuzz_ioctl
secs=${XPTY_FUZZ_SECS:-20}
engines=direct
[ "${XPTY_FUZZ_RELAY:-0}" = 1 ] && engines="direct relay"
if [ ! -x "$bin" ]; then
	echo "1..0 # SKIP fuzz target not built (configure found no clang that links libFuzzer)"
	exit 0
fi
n=0
for engine in $engines; do
	n=$((n + 1))
	corpus=$(mktemp -d /tmp/xpty-fuzz.XXXXXX)
	out=fuzz_ioctl-$engine.out
	rm -rf "fuzz_ioctl-$engine.art"
	mkdir -p "fuzz_ioctl-$engine.art"
	if [ $engine = direct ]; then
		XPTY_ENGINE=direct; export XPTY_ENGINE
	else
		unset XPTY_ENGINE
	fi
	if "$bin" -max_total_time="$secs" -timeout=10 -max_len=1024 \
	    -artifact_prefix="fuzz_ioctl-$engine.art/" "$corpus" >"$out" 2>&1 &&
	    ! grep -q 'runtime error' "$out"; then
		runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$out")
		echo "ok $n - ioctl decoder fuzzed for ${secs}s, $engine engine (${runs:-?} inputs)"
	else
		sed 's/^/# /' "$out" | tail -60
		echo "not ok $n - ioctl decoder fuzzing, $engine engine: crash, hang or sanitizer report"
	fi
	rm -rf "$corpus"
done
echo "1..$n"
