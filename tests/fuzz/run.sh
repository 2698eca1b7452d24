#!/bin/sh
# run.sh: builds the libFuzzer targets and runs each for a while, then sums up.
# Usage: sh tests/fuzz/run.sh [SECONDS] [TARGET...]
#
# Each target runs SECONDS (default 180) on its own corpus in
# $FUZZ_OUT/corpus-<target>/, seeded from tests/fuzz/corpus/<target>/ and
# kept between runs, so the committed seeds stay small.  Crashes, leaks,
# timeouts and out-of-memory inputs are saved as $FUZZ_OUT/<target>-crash-*
# (-leak-, -timeout-, -oom-); the log is $FUZZ_OUT/<target>.log.  Exits
# non-zero if any target found one or did not build.
#
# Environment: FUZZ_OUT (default build/fuzz), FUZZ_JOBS targets at once
# (default 1), FUZZ_RSS_MB (2048), FUZZ_FRESH=1 starts each corpus again
# from the seeds, FUZZ_TAP=1 prints TAP lines instead of the summary.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
secs=${1:-180}
[ $# -gt 0 ] && shift
out=${FUZZ_OUT:-build/fuzz}
jobs=${FUZZ_JOBS:-1}
rss=${FUZZ_RSS_MB:-2048}
tap=${FUZZ_TAP:-0}
targets=${*:-fuzz_framer fuzz_event fuzz_display fuzz_chat}

case "$secs" in
'' | *[!0-9]*)
	echo "usage: run.sh [SECONDS] [TARGET...]" >&2
	exit 2
	;;
esac

mkdir -p "$out" || exit 1
if [ "$tap" = 1 ]; then
	# shellcheck disable=SC2086
	sh tests/fuzz/build.sh "$out" $targets >"$out/build.log" 2>&1
else
	# shellcheck disable=SC2086
	sh tests/fuzz/build.sh "$out" $targets
fi
built=$?
if [ "$built" -ne 0 ]; then
	if [ "$tap" = 1 ]; then
		echo "not ok 1 - fuzz targets build (exit $built)"
		grep -v '^  [CL][CD] ' "$out/build.log" | head -20 | sed 's/^/# /'
	fi
	exit 1
fi

# Inputs as large as a few protocol lines; the framer needs lines past
# PROTO_LINE_MAX, so its inputs may be larger.
max_len() {
	case "$1" in
	fuzz_framer) echo 16384 ;;
	fuzz_display) echo 4096 ;;
	*) echo 8192 ;;
	esac
}

dict_of() {
	case "$1" in
	fuzz_display) ;;
	*) echo "-dict=tests/fuzz/protocol.dict" ;;
	esac
}

run_one() {
	t=$1
	corpus=$out/corpus-$t
	[ "${FUZZ_FRESH:-0}" = 1 ] && rm -rf "$corpus"
	mkdir -p "$corpus"
	cp tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null
	rm -f "$out/$t.status"
	# The outer timeout is only for a fuzzer that stops answering.
	# shellcheck disable=SC2046
	timeout -k 10 $((secs + 120)) nice -n "${FUZZ_NICE:-10}" \
	    "$out/$t" -max_total_time="$secs" -timeout=30 \
	    -rss_limit_mb="$rss" -max_len=$(max_len "$t") $(dict_of "$t") \
	    -print_final_stats=1 -artifact_prefix="$out/$t-" \
	    "$corpus" >"$out/$t.log" 2>&1
	echo $? >"$out/$t.status"
}

# Runs the targets, at most $jobs at once.
running=0
for t in $targets; do
	rm -f "$out/$t"-crash-* "$out/$t"-leak-* "$out/$t"-timeout-* \
	    "$out/$t"-oom-* 2>/dev/null
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

stat_of() {
	sed -n "s/^stat::$1: *//p" "$2" | tail -1
}

n=0
failed=0
[ "$tap" = 1 ] || printf '%-14s %-8s %12s %9s %6s %7s  %s\n' target result \
    runs exec/s cov corpus artifacts
for t in $targets; do
	n=$((n + 1))
	log=$out/$t.log
	status=$(cat "$out/$t.status" 2>/dev/null || echo 1)
	runs=$(stat_of number_of_executed_units "$log")
	speed=$(stat_of average_exec_per_sec "$log")
	cov=$(sed -n 's/.*DONE *cov: \([0-9]*\).*/\1/p' "$log" | tail -1)
	# Units in the fuzzer's corpus at the end (the directory keeps more).
	units=$(sed -n 's/.*DONE .* corp: \([0-9]*\).*/\1/p' "$log" | tail -1)
	found=$(ls "$out/$t"-crash-* "$out/$t"-leak-* "$out/$t"-timeout-* \
	    "$out/$t"-oom-* 2>/dev/null)
	if [ "$status" -eq 0 ] && [ -z "$found" ]; then
		result=ok
	else
		result=FOUND
		failed=$((failed + 1))
	fi
	if [ "$tap" = 1 ]; then
		if [ "$result" = ok ]; then
			echo "ok $n - $t ${secs}s, no crash (${runs:-?} runs)"
		else
			echo "not ok $n - $t: exit $status, see $log"
			for a in $found; do echo "# $a"; done
			grep -E 'ERROR|check failed|SUMMARY|runtime error' "$log" |
			    head -5 | sed 's/^/# /'
		fi
	else
		printf '%-14s %-8s %12s %9s %6s %7s  %s\n' "$t" "$result" \
		    "${runs:-?}" "${speed:-?}" "${cov:-?}" "${units:-?}" \
		    "$(echo "$found" | tr '\n' ' ')"
	fi
done
[ "$failed" -eq 0 ]
