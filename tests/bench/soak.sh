#!/bin/sh
# soak.sh: a few hundred clients doing random valid and invalid things to
# txt-chatd (default options) for SECONDS, sampling its RSS, descriptors and
# ping p99 into build/bench/soak.csv; fails if RSS grows after warm-up, if
# descriptors do not come back, or if the server does not stop cleanly.
# Usage: sh tests/bench/soak.sh [SECONDS]
#   SOAK_CLIENTS (300), SOAK_SAMPLE seconds between samples (5), SOAK_SEED
set -u
secs=${1:-300}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
tools=${BENCH_TOOLS:-build/bench-tools/bench}
srv_bin=${TXT_CHATD:-server/txt-chatd}
out=${BENCH_OUT:-build/bench}
clients=${SOAK_CLIENTS:-300}
sample=${SOAK_SAMPLE:-5}
seed=${SOAK_SEED:-$(date +%s)}
# RSS may grow this much after warm-up: 5% and 1 MiB.
slack_pct=5
slack_kib=1024

for b in "$srv_bin" "$tools/loadgen"; do
	[ -x "$b" ] || { echo "soak.sh: $b is missing; run make soak" >&2; exit 1; }
done
mkdir -p "$out"
log=$out/soak-server.log
res=$out/soak.out
csv=$out/soak.csv

: >"$log"
"$srv_bin" -l 127.0.0.1:0 --db :memory: 2>"$log" &
pid=$!
trap 'kill -KILL $pid 2>/dev/null' EXIT
port=
k=0
while [ -z "$port" ] && [ $k -lt 200 ]; do
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
	[ -n "$port" ] && break
	sleep 0.05
	k=$((k + 1))
done
[ -n "$port" ] || { echo "soak.sh: the server did not start" >&2; cat "$log" >&2; exit 1; }

echo "soak: $clients clients for ${secs}s, seed $seed, server pid $pid port $port"
timeout -k 5 $((secs + 120)) "$tools/loadgen" -m soak -p "$port" -P "$pid" \
    -d "$secs" --clients "$clients" --sample $((sample * 1000)) \
    --seed "$seed" >"$res"
lg_status=$?

{
	echo "t_s,rss_kib,fds,p99_us,pings,online,actions,closes"
	sed -n 's/^sample //p' "$res" | awk '{
	    for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	    printf "%s,%s,%s,%s,%s,%s,%s,%s\n", v["t_s"], v["rss_kib"],
	        v["fds"], v["p99_us"], v["pings"], v["online"], v["actions"],
	        v["closes"] }'
} >"$csv"

fail=0
alive=1
kill -0 "$pid" 2>/dev/null || alive=0
if [ $alive -eq 1 ]; then
	kill -TERM "$pid"
	k=0
	while kill -0 "$pid" 2>/dev/null && [ $k -lt 100 ]; do
		sleep 0.05
		k=$((k + 1))
	done
	wait "$pid"
	srv_status=$?
else
	wait "$pid"
	srv_status=$?
	echo "soak: FAIL: the server died (status $srv_status)"
	fail=1
fi
trap - EXIT
if [ $alive -eq 1 ] && [ "$srv_status" -ne 0 ]; then
	echo "soak: FAIL: the server exited with $srv_status on SIGTERM"
	fail=1
fi

result=$(grep '^result ' "$res")
[ -n "$result" ] || { echo "soak: FAIL: loadgen gave no result (status $lg_status)"; fail=1; }
echo "soak: $result"

# RSS after warm-up (the first quarter, at least 30 s: the keepers fill
# every channel's history in about 15 s) must stay within the slack of the
# largest RSS seen during warm-up.
warm=$((secs / 4))
[ "$warm" -lt 30 ] && warm=30
awk -F, -v warm="$warm" -v pct="$slack_pct" -v kib="$slack_kib" '
    NR == 1 { next }
    $1 <= warm { if ($2 > w) w = $2; next }
    { if ($2 > after) after = $2; n++ }
    END {
	if (n == 0) { print "soak: too short for an RSS verdict"; exit 0 }
	lim = w * (1 + pct / 100) + kib
	printf "soak: RSS warm-up max %d KiB, after %d KiB (limit %d)\n",
	    w, after, lim
	exit after > lim
    }' "$csv" || { echo "soak: FAIL: RSS grew after warm-up"; fail=1; }

fds_start=$(printf '%s\n' "$result" | tr ' ' '\n' | sed -n 's/^fds_start=//p')
fds_end=$(printf '%s\n' "$result" | tr ' ' '\n' | sed -n 's/^fds_end=//p')
echo "soak: descriptors at start $fds_start, after the clients left $fds_end"
if [ -z "$fds_end" ] || [ "$fds_end" -gt "$fds_start" ]; then
	echo "soak: FAIL: descriptors did not return to the start"
	fail=1
fi
if [ "$lg_status" -ne 0 ]; then
	echo "soak: FAIL: loadgen exited with $lg_status (see $res)"
	fail=1
fi
echo "soak: samples in $csv, server log in $log"
if [ $fail -ne 0 ]; then
	echo "soak: FAILED"
	exit 1
fi
echo "soak: passed"
