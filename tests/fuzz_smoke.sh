#!/bin/sh
# fuzz_smoke.sh: a short run of every fuzz target for make test, as TAP.
# Usage: sh tests/fuzz_smoke.sh BUILD_DIR
# Each target runs FUZZ_SMOKE_SECONDS (default 15) from the committed seeds;
# the long runs are make fuzz (tests/fuzz/run.sh).
set -u
build=${1:?usage: fuzz_smoke.sh BUILD_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd) || exit 1
out=$build/fuzz

# clang with its fuzzer runtime comes with .ci/deps test; without it, skip.
mkdir -p "$out" || exit 1
sh "$top/tests/fuzz/build.sh" "$out" >"$out/build.log" 2>&1
case $? in
0) ;;
77)
	echo "ok 1 - # SKIP clang not installed"
	exit 0
	;;
*)
	echo "not ok 1 - fuzz targets build, see $out/build.log"
	grep -v '^  [CL][CD] ' "$out/build.log" | head -20 | sed 's/^/# /'
	exit 1
	;;
esac
FUZZ_OUT=$out FUZZ_TAP=1 FUZZ_FRESH=1 FUZZ_JOBS=1 \
    exec sh "$top/tests/fuzz/run.sh" "${FUZZ_SMOKE_SECONDS:-15}"
