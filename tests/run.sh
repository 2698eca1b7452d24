#!/bin/sh
# run.sh: runs every test program in a build directory and every end-to-end
# script, counts the TAP results and ends with "N passed, N failed".
# Usage: sh tests/run.sh BUILD_DIR [NAME_PATTERN]
set -u
build=${1:?usage: run.sh BUILD_DIR [PATTERN]}
pattern=${2:-}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
log_dir=$build/test-logs
mkdir -p "$log_dir"

export CMOCKA_MESSAGE_OUTPUT=TAP
export TXT_CHATD="$build/txt-chatd"
export TXT_CHAT="$build/txt-chat"
export TXT_TOP="$top"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

passed=0
failed=0
skipped=0
failures=""

# Count one program's TAP output; a program that ends badly without a
# failing TAP line still counts as one failure.
run_one() {
	name=$1
	shift
	log="$log_dir/$name.log"
	start=$(date +%s)
	timeout -k 5 "${TEST_TIMEOUT:-300}" "$@" >"$log" 2>&1
	status=$?
	end=$(date +%s)
	ok=$(grep -c '^ok ' "$log")
	# cmocka reports a skipped test as "not ok N # SKIP".
	skip=$(grep -c '^not ok [0-9]* # SKIP' "$log")
	notok=$(($(grep -c '^not ok ' "$log") - skip))
	if [ "$status" -ne 0 ] && [ "$notok" -eq 0 ]; then
		notok=1
	fi
	passed=$((passed + ok))
	failed=$((failed + notok))
	skipped=$((skipped + skip))
	if [ "$notok" -ne 0 ]; then
		failures="$failures $name"
		printf '%-28s %4d ok %4d FAILED (exit %d, %ds) see %s\n' \
		    "$name" "$ok" "$notok" "$status" $((end - start)) "$log"
		grep -E '^not ok |^# |ERROR|Sanitizer|runtime error' "$log" |
		    head -20 | sed 's/^/    /'
	else
		printf '%-28s %4d ok (%ds)\n' "$name" "$ok" $((end - start))
	fi
}

for t in "$build"/tests/test_* "$build"/tests/it_* "$top"/tests/e2e_*.sh \
    "$top"/tests/fuzz_smoke.sh; do
	[ -f "$t" ] || continue
	case "$t" in *.o | *.d) continue ;; esac
	name=$(basename "$t")
	if [ -n "$pattern" ]; then
		case "$name" in *$pattern*) ;; *) continue ;; esac
	fi
	case "$t" in
	*.sh) run_one "$name" sh "$t" "$build" ;;
	*) run_one "$name" "$t" ;;
	esac
done

[ -n "$failures" ] && echo "failed:$failures"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
