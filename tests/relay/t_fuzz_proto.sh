#!/bin/sh
# Run the protocol decoder's libFuzzer target for a bounded time (TAP).
# XPTY_FUZZ_SECS sets the time (default 20).
bin=./relay/fuzz_proto
if [ ! -x "$bin" ]; then
	echo "1..0 # SKIP fuzz target not built (configure found no clang that links libFuzzer)"
	exit 0
fi
corpus=$(mktemp -d /tmp/xpty-fuzz.XXXXXX)
if "$bin" -max_total_time="${XPTY_FUZZ_SECS:-20}" -max_len=4096 \
    "$corpus" >relay/fuzz_proto.out 2>&1; then
	echo "ok 1 - protocol decoder fuzzed for ${XPTY_FUZZ_SECS:-20}s"
else
	sed 's/^/# /' relay/fuzz_proto.out | tail -40
	echo "not ok 1 - protocol decoder fuzzing found a crash"
fi
rm -rf "$corpus"
echo "1..1"
