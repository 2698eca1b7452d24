#!/bin/sh
# run.sh: the benchmark: starts txt-chatd and the raw fan-out baseline on
# 127.0.0.1, runs the workloads W1-W8, prints one table with each figure
# next to its target and its ratio to the baseline measured in the same run,
# and writes build/bench/results.csv (and fanout.png if gnuplot is there).
# Usage: sh tests/bench/run.sh
#   BENCH_QUICK=1        fewer messages, shorter runs (for development)
#   BENCH_ONLY="W1 W4"   run only these workloads (W6, the baseline, runs
#                        with W1-W3; W7, storage, W8, TLS, and W9,
#                        accounts, are their own baselines)
# Loadgen arguments are kept in plain variables and split on purpose.
# shellcheck disable=SC2086,SC3045
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
tools=${BENCH_TOOLS:-build/bench-tools/bench}
srv_bin=${TXT_CHATD:-server/txt-chatd}
cli_bin=${TXT_CHAT:-tui/txt-chat}
out=${BENCH_OUT:-build/bench}
quick=${BENCH_QUICK:-0}
only=${BENCH_ONLY:-W1 W2 W3 W4 W5 W7 W8 W9 W10}

for b in "$srv_bin" "$tools/loadgen" "$tools/baseline" "$tools/tmuxprobe" \
    "$tools/logins"; do
	[ -x "$b" ] || { echo "run.sh: $b is missing; run make bench" >&2; exit 1; }
done
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/txt-bench.XXXXXX") || exit 1
raw=$out/raw.txt
rows=$work/rows
: >"$raw"
: >"$rows"
tck=$(getconf CLK_TCK)
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=1048576
max_clients=$((hard - 64))
[ "$max_clients" -gt 20000 ] && max_clients=20000

if [ "$quick" = 1 ]; then
	deliveries=1000000   # per W1 configuration
	paced_s=3
	idle_n=2000
	hold_s=5
	w4_msgs=20000
	store_per_sender=10000  # W7: 10 senders into a 10-member channel
	store_rows=200000       # W7: messages in the start-up database
	tls_idle=2000           # W8: idle connections, TLS or not
	tls_storm=1000          # W8: handshakes in the storm
else
	deliveries=8000000
	paced_s=10
	idle_n=10000
	hold_s=30
	w4_msgs=100000
	store_per_sender=30000
	store_rows=1000000
	tls_idle=5000
	tls_storm=5000
fi
# W8: handshakes under way at once in a storm ("hundreds at once").
tls_conc=200

srv_pid=
srv_port=
extra_pids=
tmux_sock=txtbench$$

cleanup() {
	[ -n "$srv_pid" ] && kill -KILL "$srv_pid" 2>/dev/null
	# W10's nodes and redis-server.
	for p in $extra_pids; do kill -KILL "$p" 2>/dev/null; done
	# The client writes its last chat-log lines as it exits: wait for it
	# (5 s at most), or they would make $work/home again after the rm.
	cp=$(tmux -L "$tmux_sock" display -p -t bench '#{pane_pid}' 2>/dev/null)
	tmux -L "$tmux_sock" kill-server 2>/dev/null
	k=0
	while [ -n "$cp" ] && [ $k -lt 50 ] && kill -0 "$cp" 2>/dev/null; do
		sleep 0.1
		k=$((k + 1))
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }

# kv KEY LINE: the value of KEY=... in a key=value line.
# A missing key reads as 0; a run that printed no result gets its own row.
kv() {
	v=$(printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1)
	printf '%s' "${v:-0}"
}

# calc EXPR: awk arithmetic, printed with up to 4 significant decimals.
calc() { awk "BEGIN { v = $1; printf \"%.4g\", v }"; }
# test_expr EXPR: awk's truth of EXPR as an exit status.
test_expr() { awk "BEGIN { exit !($1) }"; }

# start NAME CMD...: starts a server, waits for "listening on", sets
# srv_pid and srv_port.
start() {
	name=$1
	shift
	: >"$work/$name.log"
	"$@" 2>"$work/$name.log" &
	srv_pid=$!
	k=0
	while [ $k -lt 200 ]; do
		srv_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
		    "$work/$name.log")
		[ -n "$srv_port" ] && return 0
		kill -0 "$srv_pid" 2>/dev/null || break
		sleep 0.05
		k=$((k + 1))
	done
	say "run.sh: $name did not start:"
	cat "$work/$name.log" >&2
	exit 1
}

stop() {
	[ -n "$srv_pid" ] || return 0
	kill -TERM "$srv_pid" 2>/dev/null
	k=0
	while kill -0 "$srv_pid" 2>/dev/null && [ $k -lt 100 ]; do
		sleep 0.05
		k=$((k + 1))
	done
	kill -KILL "$srv_pid" 2>/dev/null
	wait "$srv_pid" 2>/dev/null
	srv_pid=
}

start_chatd() {
	sname=$1
	shift
	start "$sname" "$srv_bin" -l 127.0.0.1:0 --db :memory: --flood-rate 0 \
	    --max-per-addr 0 --max-clients "$max_clients" "$@"
}

# cpu_us PID: utime + stime of a process in microseconds.
cpu_us() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null |
	    awk -v t="$tck" '{ printf "%d", ($12 + $13) * 1000000 / t }'
}

# wakeups PID: voluntary context switches of every thread of a process.
# Each sleep that ends is one; a preemption (nonvoluntary) while awake is
# the machine's noise, not a wake-up of ours.
wakeups() {
	cat /proc/"$1"/task/*/status 2>/dev/null | awk '
	    /^voluntary_ctxt_switches/ { n += $2 }
	    END { print n + 0 }'
}

# lg NAME ARGS...: runs loadgen against the current server and prints its
# result line; the server's CPU around the whole run goes to the raw file.
lg() {
	name=$1
	shift
	c0=$(cpu_us "$srv_pid")
	timeout -k 5 600 "$tools/loadgen" -p "$srv_port" -P "$srv_pid" "$@" \
	    >"$work/$name.out" 2>"$work/$name.err"
	st=$?
	c1=$(cpu_us "$srv_pid")
	res=$(grep '^result ' "$work/$name.out")
	[ -n "$res" ] || row "$name" "loadgen failed (exit $st)" - - - - FAIL
	printf '%s %s srv_cpu_whole_us=%s exit=%s\n' "$name" "$res" \
	    "$((c1 - c0))" "$st" >>"$raw"
	if [ -s "$work/$name.err" ]; then
		sed "s/^/$name: /" "$work/$name.err" >&2
		sed "s/^/$name: /" "$work/$name.err" >>"$raw"
	fi
	printf '%s\n' "$res"
}

# row WORKLOAD METRIC MEASURED TARGET BASELINE RATIO VERDICT
row() {
	printf '%s|%s|%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" \
	    >>"$rows"
}

verdict() { if test_expr "$1"; then echo PASS; else echo FAIL; fi; }

ms() { calc "$1 / 1000"; }

want() { case " $only " in *" $1 "*) return 0 ;; esac; return 1; }

# W1: burst fan-out, and its baseline (W6).
w1() {
	for n in 10 100 500 2000; do
		for s in $n 5; do
			m=$((deliveries / (n * s)))
			[ $m -lt 1 ] && m=1
			tag="W1 N=$n S=$s M=$m"
			say "$tag"
			args="-m burst -n $n -s $s -M $m -c w1n${n}s$s -x a"
			start_chatd w1
			r=$(lg "w1-n$n-s$s" $args)
			stop
			start base "$tools/baseline"
			b=$(lg "w6-n$n-s$s" $args)
			stop
			dps=$(kv deliveries_per_s "$r")
			bdps=$(kv deliveries_per_s "$b")
			ratio=$(calc "$dps / ($bdps + 0.000001)")
			row "$tag" "deliveries/s" "$dps" ">=0.7x base" "$bdps" \
			    "$ratio" "$(verdict "$ratio >= 0.7")"
			cpu=$(kv srv_cpu_us_per_delivery "$r")
			bcpu=$(kv srv_cpu_us_per_delivery "$b")
			if [ $n -ge 500 ]; then
				t="<=0.2"
				v=$(verdict "$cpu <= 0.2")
			else
				t="-"
				v="-"
			fi
			row "$tag" "server CPU us/delivery" "$cpu" "$t" "$bcpu" \
			    "$(calc "$cpu / ($bcpu + 0.000001)")" "$v"
			row "$tag" "latency p50/p99/max ms" \
			    "$(ms "$(kv p50_us "$r")")/$(ms "$(kv p99_us "$r")")/$(ms "$(kv max_us "$r")")" \
			    "-" \
			    "$(ms "$(kv p50_us "$b")")/$(ms "$(kv p99_us "$b")")/$(ms "$(kv max_us "$b")")" \
			    "$(calc "$(kv p99_us "$r") / ($(kv p99_us "$b") + 0.001)")" "-"
			lost=$(kv lost "$r")
			bad=$(($(kv order_errors "$r") + $(kv disconnects "$r") + $(kv errors "$r")))
			row "$tag" "lost (order/disconnect/errors)" "$lost ($bad)" \
			    "0" "$(kv lost "$b")" "-" \
			    "$(verdict "$lost == 0 && $bad == 0")"
			echo "$n $s $dps $bdps $(kv p99_us "$r") $(kv p99_us "$b")" \
			    >>"$work/plot.dat"
		done
	done
}

# paced_rows TAG RESULT BASELINE_RESULT
paced_rows() {
	r=$2
	b=$3
	p99=$(kv p99_us "$r")
	row "$1" "latency p50/p99 ms" \
	    "$(ms "$(kv p50_us "$r")")/$(ms "$p99")" "p99<=3" \
	    "$(ms "$(kv p50_us "$b")")/$(ms "$(kv p99_us "$b")")" \
	    "$(calc "$p99 / ($(kv p99_us "$b") + 0.001)")" \
	    "$(verdict "$p99 <= 3000")"
	cpu=$(kv srv_cpu_us_per_delivery "$r")
	bcpu=$(kv srv_cpu_us_per_delivery "$b")
	row "$1" "server CPU us/delivery" "$cpu" "-" "$bcpu" \
	    "$(calc "$cpu / ($bcpu + 0.000001)")" "-"
	lost=$(kv lost "$r")
	row "$1" "lost" "$lost" "0" "$(kv lost "$b")" "-" \
	    "$(verdict "$lost == 0")"
}

# W2: paced.
w2() {
	tag="W2a N=500 125 msg/s ${paced_s}s"
	say "$tag"
	args="-m paced -n 500 -r 125 -d $paced_s -c w2a -x a"
	start_chatd w2
	r=$(lg w2a $args)
	stop
	start base "$tools/baseline"
	b=$(lg w6-w2a $args)
	stop
	paced_rows "$tag" "$r" "$b"

	tag="W2b N=100 5 msg/s each ${paced_s}s"
	say "$tag"
	args="-m paced -n 100 -r 500 -d $paced_s -c w2b -x b"
	start_chatd w2
	r=$(lg w2b $args)
	stop
	start base "$tools/baseline"
	b=$(lg w6-w2b $args)
	stop
	paced_rows "$tag" "$r" "$b"
	w2b_p99=$(kv p99_us "$r")
	w2b_base_p99=$(kv p99_us "$b")
}

# W3: many idle registered connections, then W2b with them present.
w3() {
	tag="W3 $idle_n idle + W2b"
	say "$tag"
	# The idle crowd settles for 3 s first: the server parks connections
	# silent for a second, as it would long before a real crowd mattered.
	args="-m paced -n 100 -r 500 -d $paced_s -i $idle_n -I 3000 -c w3 -x c"
	start_chatd w3
	r=$(lg w3 $args)
	stop
	start base "$tools/baseline"
	b=$(lg w6-w3 $args)
	stop
	per=$(kv rss_per_idle_b "$r")
	row "$tag" "server RSS B/idle conn" "$per" "<=2048" \
	    "$(kv rss_per_idle_b "$b")" "-" "$(verdict "$per <= 2048")"
	p99=$(kv p99_us "$r")
	if [ -z "${w2b_p99:-}" ]; then
		start_chatd w2
		w2b_p99=$(kv p99_us "$(lg w2b-ref -m paced -n 100 -r 500 \
		    -d "$paced_s" -c w2b -x b)")
		stop
	fi
	row "$tag" "p99 ms with idle / without" \
	    "$(ms "$p99") / $(ms "$w2b_p99")" "<=1.5x" \
	    "$(ms "$(kv p99_us "$b")") / $(ms "${w2b_base_p99:-0}")" \
	    "$(calc "$p99 / ($w2b_p99 + 0.001)")" \
	    "$(verdict "$p99 <= 1.5 * $w2b_p99")"
	cpu=$(kv srv_cpu_us_per_delivery "$r")
	bcpu=$(kv srv_cpu_us_per_delivery "$b")
	row "$tag" "server CPU us/delivery" "$cpu" "-" "$bcpu" \
	    "$(calc "$cpu / ($bcpu + 0.000001)")" "-"
	row "$tag" "idle connect+register s" \
	    "$(calc "$(kv idle_setup_ms "$r") / 1000")" "-" \
	    "$(calc "$(kv idle_setup_ms "$b") / 1000")" "-" "-"
	lost=$(kv lost "$r")
	row "$tag" "lost" "$lost" "0" "$(kv lost "$b")" "-" \
	    "$(verdict "$lost == 0")"
}

# wait_line FILE PATTERN TIMEOUT_S: waits for a line in a file.
wait_line() {
	k=0
	while [ $k -lt $(($3 * 100)) ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.01
		k=$((k + 1))
	done
	return 1
}

# client_start: (re)starts txt-chat in the tmux pane against srv_port and
# prints the tmuxprobe line of the wait for "[online]".
client_start() {
	home=$work/home
	mkdir -p "$home"
	if ! tmux -L "$tmux_sock" has-session -t bench 2>/dev/null; then
		tmux -L "$tmux_sock" -f /dev/null new-session -d -s bench \
		    -x 160 -y 48 'sleep 3600' || return 1
		tmux -L "$tmux_sock" set -g status off >/dev/null
	fi
	"$tools/tmuxprobe" -L "$tmux_sock" -t bench -w '[online]' -i 1 \
	    -T 10000 -- respawn-pane -k -t bench \
	    "exec env HOME=$home XDG_CONFIG_HOME=$home XDG_DATA_HOME=$home/data LANG=C.UTF-8 TERM=screen-256color $top/$cli_bin -s 127.0.0.1:$srv_port -n watcher"
}

client_pid() { tmux -L "$tmux_sock" display -p -t bench '#{pane_pid}'; }

# w4_burst NAME MARKER [WAIT]: the client joins a channel and takes a
# burst, which starts as soon as loadgen sees the join.  With WAIT, this
# waits for the burst to start; without, it returns at once, so that
# nothing this script spawns competes with the client for the 2 cores
# while the probe measures it (the caller checks w4_started after).
w4_burst() {
	rm -f "$work/$1.out"
	"$tools/loadgen" -p "$srv_port" -P "$srv_pid" -m burst -n 3 -s 3 \
	    -M $((w4_msgs / 3)) -k "$2" -j watcher -c "$1" -x "$1" -t 120 \
	    >"$work/$1.out" 2>"$work/$1.err" &
	lg_pid=$!
	wait_line "$work/$1.out" '^ready' 30 || say "run.sh: $1: loadgen not ready"
	tmux -L "$tmux_sock" send-keys -t bench "/join $1" Enter
	if [ -n "${3:-}" ]; then
		wait_line "$work/$1.out" '^running' 30 ||
		    say "run.sh: $1: no join seen"
	fi
}

# w4_started NAME: says so if the burst of NAME never started.
w4_started() {
	grep -q '^running' "$work/$1.out" 2>/dev/null ||
	    say "run.sh: $1: no join seen"
}

# W4: the real client taking a burst in its current channel.
w4() {
	tag="W4 client, burst of $w4_msgs"
	say "$tag"
	command -v tmux >/dev/null || { row "$tag" "tmux missing" - - - - FAIL; return; }
	[ -x "$cli_bin" ] || { row "$tag" "$cli_bin missing" - - - - FAIL; return; }
	# A server with room to queue the whole burst: this measures the client.
	start_chatd w4 --sendq 64m
	p=$(client_start)
	startup=$(kv wait0_ms "$p")
	cpid=$(client_pid)
	floor=$("$tools/tmuxprobe" -L "$tmux_sock" -t bench -k 20 -g 20 -T 10000)
	marker=LASTOFBURST$$
	cpu0=$(cpu_us "$cpid")
	w4_burst w4chan "$marker"
	pr=$("$tools/tmuxprobe" -L "$tmux_sock" -t bench -w "$marker" -k 400 \
	    -g 20 -i 2 -T 60000)
	cpu1=$(cpu_us "$cpid")
	w4_started w4chan
	tmux -L "$tmux_sock" capture-pane -p -t bench >"$out/w4-screen.txt"
	hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' /proc/"$cpid"/status)
	wait "$lg_pid"
	r=$(grep '^result ' "$work/w4chan.out")
	printf 'w4 %s\nw4-probe %s\nw4-floor %s\nw4-start %s\n' "$r" "$pr" \
	    "$floor" "$p" >>"$raw"
	seen=$(kv wait0_ns "$pr")
	last=$(kv last_send_ns "$r")
	if [ "${seen:-0}" != 0 ] && [ -n "$last" ]; then
		lag=$(calc "($seen - $last) / 1000000")
	else
		lag=never
	fi
	row "$tag" "startup to [online] ms" "$startup" "<50" "-" "-" \
	    "$(verdict "${startup:--1} >= 0 && ${startup:-99} < 50")"
	row "$tag" "last sent -> on screen ms" "$lag" "<=1000" "-" "-" \
	    "$(verdict "\"$lag\" != \"never\" && $lag <= 1000")"
	row "$tag" "client CPU ms during burst" "$(calc "($cpu1 - $cpu0) / 1000")" \
	    "-" "-" "-" "-"
	row "$tag" "client peak RSS MiB" "$(calc "$hwm / 1024")" "<=32" "-" "-" \
	    "$(verdict "$hwm <= 32768")"
	kmax=$(kv key_max_ms "$pr")
	row "$tag" "key echo p50/max ms (n=$(kv keys_seen "$pr"))" \
	    "$(kv key_p50_ms "$pr")/$kmax" "max<=10" \
	    "$(kv key_p50_ms "$floor")/$(kv key_max_ms "$floor") idle" \
	    "$(calc "$kmax / ($(kv key_max_ms "$floor") + 0.001)")" \
	    "$(verdict "$kmax >= 0 && $kmax <= 10")"
	row "$tag" "server lost (to loadgen members)" "$(kv lost "$r")" "0" \
	    "-" "-" "$(verdict "$(kv lost "$r") == 0")"
	stop

	# The same burst with the default output limit (1 MiB) and flood
	# control still off: far more than the client can draw as fast as it
	# arrives, so the server drops it. What a user must get is the reason
	# on screen and the client back online by itself.
	start_chatd w4d
	client_start >/dev/null
	w4_burst w4dflt "${marker}d" wait
	why=$("$tools/tmuxprobe" -L "$tmux_sock" -t bench \
	    -w 'too much output left unread' -w 'reconnecting in' -i 5 -T 30000)
	back=$("$tools/tmuxprobe" -L "$tmux_sock" -t bench -w '[online]' -i 5 \
	    -T 30000)
	wait "$lg_pid"
	tmux -L "$tmux_sock" capture-pane -p -t bench >"$out/w4-default-screen.txt"
	printf 'w4-default-why %s\nw4-default-back %s\n' "$why" "$back" >>"$raw"
	told=$(kv wait0_ns "$why")
	gone=$(kv wait1_ns "$why")
	online=$(kv wait0_ns "$back")
	if ! grep -q 'output queue passed' "$work/w4d.log"; then
		kept="kept (not dropped)"
		ok=1
	elif [ "${told:-0}" != 0 ] && [ "${gone:-0}" != 0 ] &&
	    [ "${online:-0}" != 0 ]; then
		kept="dropped, told why, online in $(calc "($online - $gone) / 1000000") ms"
		ok=1
	else
		kept="dropped, not back"
		ok=0
	fi
	row "$tag" "default --sendq: outcome" "$kept" "told, back" "-" "-" \
	    "$(verdict "$ok == 1")"
	stop
}

# W5: idle server and idle client.
w5() {
	tag="W5 idle ${hold_s}s, 1000 idle conns"
	say "$tag"
	start "w5" "$srv_bin" -l 127.0.0.1:0 --db :memory: --max-per-addr 0 \
	    --max-clients "$max_clients"
	client_start >/dev/null
	cpid=$(client_pid)
	rm -f "$work/w5.out"
	"$tools/loadgen" -p "$srv_port" -P "$srv_pid" -m hold -n 2 -i 1000 \
	    -d "$hold_s" -j watcher -c idlechan -x i -t 300 \
	    >"$work/w5.out" 2>"$work/w5.err" &
	lg_pid=$!
	wait_line "$work/w5.out" '^ready' 60 || say "run.sh: w5: loadgen not ready"
	tmux -L "$tmux_sock" send-keys -t bench "/join idlechan" Enter
	wait_line "$work/w5.out" '^running' 30 || say "run.sh: w5: no join seen"
	w0=$(wakeups "$cpid")
	c0=$(cpu_us "$cpid")
	sleep "$hold_s"
	w1=$(wakeups "$cpid")
	c1=$(cpu_us "$cpid")
	wait "$lg_pid"
	r=$(grep '^result ' "$work/w5.out")
	printf 'w5 %s client_wakeups=%s client_cpu_us=%s\n' "$r" \
	    "$((w1 - w0))" "$((c1 - c0))" >>"$raw"
	sw=$(kv srv_vcsw "$r")
	# Real deadlines in the window: the client's keepalive ping after 30 s
	# of silence wakes the server to answer it, and the server parks that
	# connection again a second later; the server pings only after 60 s.
	if [ "$hold_s" -ge 30 ]; then allow=1; else allow=0; fi
	row "$tag" "server wake-ups" "$sw" "<=$((allow * 2)) (deadlines)" "-" \
	    "-" "$(verdict "$sw <= $allow * 2")"
	row "$tag" "server CPU ms" "$(ms "$(kv srv_cpu_us "$r")")" "-" "-" "-" "-"
	cw=$((w1 - w0))
	row "$tag" "client wake-ups" "$cw" "<=$((allow * 2)) (deadlines)" "-" \
	    "-" "$(verdict "$cw <= $allow * 2")"
	row "$tag" "client CPU ms" "$(ms $((c1 - c0)))" "-" "-" "-" "-"
	stop
}

# start_db NAME DB ARGS...: txt-chatd on database DB with the bench's
# options; -v makes it log its longest commit when it stops.
start_db() {
	dname=$1
	db=$2
	shift 2
	start "$dname" "$srv_bin" -l 127.0.0.1:0 --db "$db" --flood-rate 0 \
	    --max-per-addr 0 --max-clients "$max_clients" -v "$@"
}

# longest_commit NAME: the "longest commit" the stopped server logged, us.
longest_commit() {
	v=$(sed -n 's/.*longest commit: \([0-9]*\) us.*/\1/p' "$work/$1.log" |
	    tail -1)
	printf '%s' "${v:--1}"
}

# stored_db FILE ROWS: a database of one channel holding ROWS messages,
# written by the sqlite3 CLI in one statement (seconds, not minutes).
stored_db() {
	start_db w7mk "$1"
	stop
	sqlite3 "$1" "BEGIN;
	    INSERT INTO channels (id, name, creator, created, next_seq, active)
	    VALUES ('benchstoredchannel001', 'stored', 'gen', 0, $2 + 1, 0);
	    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	        WHERE i < $2)
	    INSERT INTO messages (channel, seq, time, sender, kind, text)
	    SELECT 'benchstoredchannel001', i, 1700000000000 + i, 'gen',
	        'msg', printf('stored line %d of the start-up bench, %s', i,
	        hex(randomblob(12))) FROM n;
	    COMMIT; PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
}

# startup NAME DB: starts txt-chatd on DB and sets st_ms, the time from
# launch to "listening" (polled every 2 ms, so a slight overestimate), and
# st_kib, its RSS then.  Leaves the server running (srv_pid).
startup() {
	: >"$work/$1.log"
	t0=$(date +%s%N)
	"$srv_bin" -l 127.0.0.1:0 --db "$2" </dev/null >/dev/null \
	    2>"$work/$1.log" &
	srv_pid=$!
	k=0
	while ! grep -q 'listening on' "$work/$1.log" && [ $k -lt 5000 ]; do
		sleep 0.002
		k=$((k + 1))
	done
	t1=$(date +%s%N)
	st_kib=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' \
	    /proc/"$srv_pid"/status)
	st_kib=${st_kib:-0}
	st_ms=$(calc "($t1 - $t0) / 1000000")
}

# W7: storage (--db on a file in a temporary directory), each figure next
# to the same run with --db :memory:.
w7() {
	command -v sqlite3 >/dev/null || {
		row W7 "sqlite3 CLI missing" - - - - FAIL
		return
	}
	dbdir=$work/db
	mkdir -p "$dbdir"

	m=$((deliveries / (500 * 5)))
	tag="W7 W1 burst N=500 S=5 M=$m --db"
	say "$tag"
	args="-m burst -n 500 -s 5 -M $m -c w7b -x a"
	start_chatd w7mem -v
	b=$(lg w7-burst-mem $args)
	stop
	start_db w7db "$dbdir/burst.db"
	r=$(lg w7-burst-db $args)
	stop
	dps=$(kv deliveries_per_s "$r")
	bdps=$(kv deliveries_per_s "$b")
	ratio=$(calc "$dps / ($bdps + 0.000001)")
	row "$tag" "deliveries/s (base: :memory:)" "$dps" ">=0.8x mem" "$bdps" \
	    "$ratio" "$(verdict "$ratio >= 0.8")"
	lost=$(kv lost "$r")
	bad=$(($(kv order_errors "$r") + $(kv disconnects "$r") + $(kv errors "$r")))
	row "$tag" "lost (order/disconnect/errors)" "$lost ($bad)" "0" \
	    "$(kv lost "$b")" "-" "$(verdict "$lost == 0 && $bad == 0")"

	tag="W7 10 members, 10 senders, $((10 * store_per_sender)) msgs --db"
	say "$tag"
	args="-m burst -n 10 -s 10 -M $store_per_sender -c w7s -x s"
	start_chatd w7mem -v
	b=$(lg w7-store-mem $args)
	stop
	start_db w7db "$dbdir/store.db"
	r=$(lg w7-store-db $args)
	stop
	sent=$(kv sent "$r")
	el=$(kv elapsed_ms "$r")
	bel=$(kv elapsed_ms "$b")
	sps=$(awk "BEGIN { printf \"%.0f\", $sent * 1000 / ($el + 0.001) }")
	bsps=$(awk "BEGIN { printf \"%.0f\", $(kv sent "$b") * 1000 / ($bel + 0.001) }")
	row "$tag" "messages stored/s" "$sps" ">=150000" "$bsps" \
	    "$(calc "$sps / ($bsps + 0.001)")" "$(verdict "$sps >= 150000")"
	# The server CPU the database adds per stored message: loadgen's CPU
	# of the server during the run with --db minus the same in memory.
	cpu=$(kv srv_cpu_us "$r")
	bcpu=$(kv srv_cpu_us "$b")
	extra=$(calc "($cpu - $bcpu) / ($sent + 0.000001)")
	row "$tag" "server CPU us/msg (db - mem)" \
	    "$extra ($(calc "$cpu / ($sent + 0.000001)") total)" "<=3" \
	    "$(calc "$bcpu / ($(kv sent "$b") + 0.000001)") total" \
	    "$(calc "$cpu / ($bcpu + 0.001)")" "$(verdict "$extra <= 3")"
	lost=$(kv lost "$r")
	stored=$(sqlite3 "$dbdir/store.db" "SELECT count(*) FROM messages")
	row "$tag" "lost / rows in the db" "$lost / $stored" "0 / $sent" \
	    "$(kv lost "$b")" "-" \
	    "$(verdict "$lost == 0 && ${stored:-0} == $sent")"

	tag="W7 paced N=100 1000 msg/s ${paced_s}s --db"
	say "$tag"
	args="-m paced -n 100 -r 1000 -d $paced_s -c w7p -x p"
	start_chatd w7pmem -v
	b=$(lg w7-paced-mem $args)
	stop
	start_db w7pdb "$dbdir/paced.db"
	r=$(lg w7-paced-db $args)
	stop
	p99=$(kv p99_us "$r")
	row "$tag" "latency p50/p99 ms (base: mem)" \
	    "$(ms "$(kv p50_us "$r")")/$(ms "$p99")" "p99<=3" \
	    "$(ms "$(kv p50_us "$b")")/$(ms "$(kv p99_us "$b")")" \
	    "$(calc "$p99 / ($(kv p99_us "$b") + 0.001)")" \
	    "$(verdict "$p99 <= 3000")"
	lc=$(longest_commit w7pdb)
	row "$tag" "longest commit ms" "$(ms "$lc")" "<=3" "-" "-" \
	    "$(verdict "$lc >= 0 && $lc <= 3000")"
	lost=$(kv lost "$r")
	row "$tag" "lost" "$lost" "0" "$(kv lost "$b")" "-" \
	    "$(verdict "$lost == 0")"

	tag="W7 start-up, $store_rows stored msgs"
	say "$tag"
	t=$(date +%s%N)
	stored_db "$dbdir/big.db" "$store_rows"
	gen=$(calc "($(date +%s%N) - $t) / 1000000000")
	start_db w7e "$dbdir/empty.db"
	stop
	startup w7e "$dbdir/empty.db"
	stop
	e_ms=$st_ms
	e_kib=$st_kib
	startup w7s "$dbdir/big.db"
	stop
	row "$tag" "to listening ms (db made in ${gen}s)" "$st_ms" "<200" \
	    "$e_ms empty" "$(calc "$st_ms / ($e_ms + 0.001)")" \
	    "$(verdict "$st_ms < 200")"
	row "$tag" "RSS MiB at listening" "$(calc "$st_kib / 1024")" \
	    "<=1.25x empty" "$(calc "$e_kib / 1024") empty" \
	    "$(calc "$st_kib / ($e_kib + 0.001)")" \
	    "$(verdict "$st_kib <= 1.25 * $e_kib")"
	printf 'w7-startup big_ms=%s big_rss_kib=%s empty_ms=%s empty_rss_kib=%s gen_s=%s\n' \
	    "$st_ms" "$st_kib" "$e_ms" "$e_kib" "$gen" >>"$raw"
	rm -rf "$dbdir"
}

# w9_storms MODE CHAN: W2b (in channel CHAN) while logins in MODE (storm:
# 200 logins at once, guests: 200 guest registrations at once, the same
# connections without a password) run back to back from a client at
# nice 19, as W8's storm; prints loadgen's result.  The storms' lines
# stay in $work/w9-MODE.
w9_storms() {
	storms=$work/w9-$1
	: >"$storms"
	(
		end=$(($(date +%s) + paced_s))
		while [ "$(date +%s)" -lt "$end" ]; do
			nice -n 19 "$tools/logins" -p "$srv_port" -m "$1" -n 200 \
			    >>"$storms" 2>&1 || break
		done
	) &
	storm_pid=$!
	lg "w9-w2b-$1" -m paced -n 100 -r 500 -d "$paced_s" -c "$2" -x b
	wait "$storm_pid"
	sed "s/^/w9-$1 /" "$storms" >>"$raw"
}

# w9_count MODE: the storms of MODE that ended with every login done.
w9_count() {
	grep -c "^result mode=$1 n=200 failed=0" "$work/w9-$1"
}

# W9: accounts.  One login's latency (connect to login_end, argon2id t=2
# m=19 MiB on the hashing threads), then W2b on the same server alone,
# while storms of 200 guest registrations run (the connection churn
# alone) and while storms of 200 logins run: the loop must never wait
# for a hash.  Each W2b run has a channel of its own: the database keeps
# the ones before.
w9() {
	dbdir=$work/db
	mkdir -p "$dbdir"
	tag="W9 accounts (200)"
	say "$tag"
	start_db w9 "$dbdir/acct.db" --allow-plaintext-login
	if ! "$tools/logins" -p "$srv_port" -m setup -n 200 \
	    >>"$raw" 2>"$work/w9-setup.err"; then
		row "$tag" "register 200 accounts" "failed" - - - FAIL
		stop
		return
	fi
	r=$("$tools/logins" -p "$srv_port" -m p50 -n 50 2>>"$raw")
	printf 'w9-p50 %s\n' "$r" >>"$raw"
	p50=$(kv p50_us "$r")
	row "$tag" "login p50/p99 ms" "$(ms "$p50")/$(ms "$(kv p99_us "$r")")" \
	    "p50<=100" - - "$(verdict "$p50 > 0 && $p50 <= 100000")"
	b=$(lg w9-w2b -m paced -n 100 -r 500 -d "$paced_s" -c w9a -x b)
	bp99=$(kv p99_us "$b")
	g=$(w9_storms guests w9g)
	gn=$(w9_count guests)
	r=$(w9_storms storm w9s)
	n=$(w9_count storm)
	stop
	gp99=$(kv p99_us "$g")
	row "$tag" "W2b p99 ms, $gn guest storms" "$(ms "$gp99")" "-" \
	    "$(ms "$bp99")" "$(calc "$gp99 / ($bp99 + 0.001)")" "-"
	p99=$(kv p99_us "$r")
	row "$tag" "W2b p99 ms, $n login storms" "$(ms "$p99")" "<=3" \
	    "$(ms "$bp99")" "$(calc "$p99 / ($bp99 + 0.001)")" \
	    "$(verdict "$n > 0 && $p99 > 0 && $p99 <= 3000")"
	row "$tag" "W2b lost during storms" \
	    "$(($(kv lost "$r") + $(kv lost "$g")))" "0" "$(kv lost "$b")" - \
	    "$(verdict "$(kv lost "$r") + $(kv lost "$g") == 0")"
}

# start_node NAME NODE: txt-chatd with --redis on W10's redis-server;
# its pid and port in node_pid and node_port.
start_node() {
	start "$1" "$srv_bin" -l 127.0.0.1:0 --flood-rate 0 --max-per-addr 0 \
	    --max-clients "$max_clients" --redis "127.0.0.1:$redis_port" \
	    --node "$2"
	node_pid=$srv_pid
	node_port=$srv_port
	extra_pids="$extra_pids $srv_pid"
	srv_pid=
}

# w10_nodes: the options that spread loadgen's connections round-robin
# over the nodes running now (w10_pids, w10_ports), the first by -P and
# -p; srv_pid and srv_port are set to the first node.
w10_nodes() {
	set -- $w10_pids
	srv_pid=$1
	shift
	w10_opts="--redis-port $redis_port"
	for p in "$@"; do w10_opts="$w10_opts --other-pid $p"; done
	set -- $w10_ports
	srv_port=$1
	shift
	for q in "$@"; do w10_opts="$w10_opts --other-port $q"; done
}

# w10_paced N: W2b with its members spread over the N nodes running now.
w10_paced() {
	w10_nodes
	r=$(lg "w10-w2b-${1}n" $w10_paced_args -c "w10p$1" $w10_opts)
	srv_pid=
	p99=$(kv p99_us "$r")
	if [ "$1" = 1 ]; then
		metric="1 node via Redis p50/p99 ms"
		t="-"
		v="-"
	else
		metric="$1 nodes, cross-node p50/p99 ms"
		t="p99<=5"
		v=$(verdict "$p99 > 0 && $p99 <= 5000")
	fi
	row "W10 W2b across nodes" "$metric" \
	    "$(ms "$(kv p50_us "$r")")/$(ms "$p99")" "$t" \
	    "$(ms "$(kv p50_us "$w10_pbase")")/$(ms "$(kv p99_us "$w10_pbase")")" \
	    "$(calc "$p99 / ($(kv p99_us "$w10_pbase") + 0.001)")" "$v"
	w10_lost=$((w10_lost + $(kv lost "$r") + $(kv order_errors "$r")))
}

# w10_burst N: the burst with its members spread over the N nodes running
# now: deliveries/s, each node's CPU per delivery to its own members
# (connection i is on node i mod N) and all nodes' together, against one
# node storing in SQLite; the Redis round trips per message.
w10_burst() {
	w10_nodes
	r=$(lg "w10-burst-${1}n" $w10_burst_args -c "w10b$1" $w10_opts)
	srv_pid=
	tag="W10 burst N=500 S=5 M=$w10_m, $1 node(s)"
	dps=$(kv deliveries_per_s "$r")
	bdps=$(kv deliveries_per_s "$w10_bbase")
	# Three nodes outrun one only with a core each, beside Redis and
	# loadgen; on fewer cores the issue's target is CPU per delivery.
	if [ "$1" = 3 ] && [ "$(nproc)" -ge 5 ]; then
		t=">=1x"; v=$(verdict "$dps >= $bdps")
	elif [ "$1" = 3 ]; then
		t=">=1x on 5+ CPUs"; v="-"
	else
		t="-"; v="-"
	fi
	row "$tag" "deliveries/s (base: 1 node, --db)" "$dps" "$t" "$bdps" \
	    "$(calc "$dps / ($bdps + 0.000001)")" "$v"
	bcpu=$(kv srv_cpu_us_per_delivery "$w10_bbase")
	cpus="$(kv srv_cpu_us "$r"),$(kv other_cpu_us "$r")"
	del=$(kv deliveries "$r")
	# "busiest all": the highest node's figure, then all nodes together.
	fig=$(echo "$cpus" | awk -F, -v n="$1" -v d="$del" -v m=500 '{
	    max = 0; all = 0
	    for (j = 1; j <= n; j++) {
		mem = int((m - j) / n) + 1
		v = $j / (d * mem / m + 0.000001)
		all += $j
		if (v > max) max = v
	    }
	    printf "%.4f %.4f", max, all / (d + 0.000001) }')
	pn=${fig% *}
	an=${fig#* }
	row "$tag" "CPU us/delivery, busiest node" "$pn" "<=2x" "$bcpu" \
	    "$(calc "$pn / ($bcpu + 0.000001)")" "$(verdict "$pn <= 2 * $bcpu")"
	row "$tag" "CPU us/delivery, all nodes" "$an" "-" "$bcpu" \
	    "$(calc "$an / ($bcpu + 0.000001)")" "-"
	calls=$(kv redis_calls "$r")
	sent=$(kv sent "$r")
	row "$tag" "EVALSHA+XREAD per message" \
	    "$(calc "$calls / ($sent + 0.000001)")" "<=2" - - \
	    "$(verdict "$calls >= 0 && $calls <= 2 * $sent")"
	w10_lost=$((w10_lost + $(kv lost "$r") + $(kv order_errors "$r")))
}

# W10: several nodes through Redis (issue 15).  W2b on one node without
# Redis (the baseline), then on one, two and three nodes through Redis,
# its members spread round-robin over them, so that most lines cross
# from one node to another through Redis; and a burst spread the same
# way, against one node storing in SQLite (--db), with each node's CPU
# per delivery and the Redis round trips per message over the run.  The
# nodes start one by one, so a run has no idle node reading along.  The
# machine has two cores: three nodes, Redis and loadgen share them.
w10() {
	command -v redis-server >/dev/null && command -v redis-cli >/dev/null ||
	    { row W10 "redis-server or redis-cli missing" - - - - FAIL; return; }
	mkdir -p "$work/redis"
	# A port another program holds (another run's Redis, say) makes
	# ours exit: the next of a few is tried; a PONG counts only while
	# ours still runs.
	try=0
	while :; do
		redis_port=$((20000 + ($$ + try * 7919) % 20000))
		redis-server --port "$redis_port" --bind 127.0.0.1 \
		    --dir "$work/redis" --save "" --appendonly yes \
		    --appendfsync everysec --daemonize no \
		    --logfile "$work/redis/log" &
		redis_pid=$!
		k=0
		while kill -0 "$redis_pid" 2>/dev/null && [ $k -lt 100 ] &&
		    ! redis-cli -p "$redis_port" ping 2>/dev/null |
		    grep -q PONG; do
			sleep 0.1
			k=$((k + 1))
		done
		kill -0 "$redis_pid" 2>/dev/null && [ $k -lt 100 ] && break
		kill -KILL "$redis_pid" 2>/dev/null
		wait "$redis_pid" 2>/dev/null
		try=$((try + 1))
		if [ $try -ge 5 ]; then
			row W10 "redis-server did not start" - - - - FAIL
			return
		fi
	done
	extra_pids="$extra_pids $redis_pid"
	w10_paced_args="-m paced -n 100 -r 500 -d $paced_s -x b"
	w10_m=$((deliveries / (500 * 5) / 4))
	w10_burst_args="-m burst -n 500 -s 5 -M $w10_m -x a"
	w10_lost=0
	say "W10 baselines: one node without Redis, one with --db"
	start_chatd w10base
	w10_pbase=$(lg w10-w2b-base $w10_paced_args -c w10a)
	stop
	start_db w10db "$work/redis/base.db"
	w10_bbase=$(lg w10-burst-base $w10_burst_args -c w10d)
	stop
	w10_pids=
	w10_ports=
	for n in 1 2 3; do
		start_node "w10n$n" "n$n"
		w10_pids="$w10_pids $node_pid"
		w10_ports="$w10_ports $node_port"
		say "W10 W2b and burst on $n node(s)"
		w10_paced "$n"
		w10_burst "$n"
	done
	row "W10 all runs" "lost or out of order" "$w10_lost" "0" \
	    "$(($(kv lost "$w10_pbase") + $(kv lost "$w10_bbase")))" - \
	    "$(verdict "$w10_lost == 0")"
	# shellcheck disable=SC2086
	kill -TERM $w10_pids 2>/dev/null
	# shellcheck disable=SC2086
	wait $w10_pids 2>/dev/null
	kill -TERM "$redis_pid" 2>/dev/null
	wait "$redis_pid" 2>/dev/null
}

# start_tls NAME ARGS...: txt-chatd as start_chatd starts it, with a TLS
# port too (its number in tls_port), on the certificate tls_cert made.
start_tls() {
	tname=$1
	shift
	start_chatd "$tname" --tls-listen 127.0.0.1:0 --tls-cert "$work/cert.pem" \
	    --tls-key "$work/key.pem" "$@"
	tls_port=$(sed -n \
	    's/.*listening for TLS on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
	    "$work/$tname.log")
}

# tls_cert: an EC P-256 key and a certificate signed by itself, as
# --tls-self-signed makes them.
tls_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$work/key.pem" -out "$work/cert.pem" -days 2 \
	    -subj /CN=txt-chatd >/dev/null 2>&1
}

# W8: TLS, each figure next to the same in plain text in the same run.
w8() {
	command -v openssl >/dev/null && tls_cert || {
		row W8 "openssl CLI missing or failed" - - - - FAIL
		return
	}

	tag="W8 $tls_idle idle, TLS vs plain"
	say "$tag"
	args="-m hold -n 1 -i $tls_idle -d 1 -I 1000 -c w8i -x i"
	start_tls w8i
	b=$(lg w8-idle-plain $args)
	stop
	start_tls w8i
	p=$srv_port
	srv_port=$tls_port
	r=$(lg w8-idle-tls --tls $args)
	srv_port=$p
	stop
	per=$(kv rss_per_idle_b "$r")
	bper=$(kv rss_per_idle_b "$b")
	row "$tag" "server RSS B/idle conn" "$per" "<=20480" "$bper" \
	    "$(calc "$per / ($bper + 0.001)")" "$(verdict "$per <= 20480")"
	row "$tag" "TLS's share B/idle conn" "$(calc "$per - $bper")" "-" "-" \
	    "-" "-"

	tag="W8 storm, $tls_storm handshakes, $tls_conc at once"
	say "$tag"
	args="-m storm -n $tls_conc -M $tls_storm"
	start_tls w8s
	b=$(lg w8-storm-plain $args)
	p=$srv_port
	srv_port=$tls_port
	r=$(lg w8-storm-tls --tls $args)
	srv_port=$p
	stop
	hs=$(kv hs_per_srv_cpu_s "$r")
	row "$tag" "handshakes/server CPU-s" "$hs" ">=2500" \
	    "$(kv hs_per_srv_cpu_s "$b") plain" \
	    "$(calc "$hs / ($(kv hs_per_srv_cpu_s "$b") + 0.001)")" \
	    "$(verdict "$hs >= 2500")"
	row "$tag" "server CPU us/connection" \
	    "$(kv srv_cpu_us_per_hs "$r")" "<=400" \
	    "$(kv srv_cpu_us_per_hs "$b") plain" "-" "-"
	row "$tag" "connect to greeting p50/p99 ms" \
	    "$(ms "$(kv p50_us "$r")")/$(ms "$(kv p99_us "$r")")" "-" \
	    "$(ms "$(kv p50_us "$b")")/$(ms "$(kv p99_us "$b")") plain" \
	    "-" "-"
	row "$tag" "failed" "$(kv failed "$r")" "0" "$(kv failed "$b")" "-" \
	    "$(verdict "$(kv failed "$r") == 0")"

	m=$((deliveries / (500 * 5)))
	tag="W8 W1 burst N=500 S=5 M=$m TLS"
	say "$tag"
	args="-m burst -n 500 -s 5 -M $m -c w8b -x a"
	start_tls w8b
	b=$(lg w8-burst-plain $args)
	stop
	start_tls w8b
	p=$srv_port
	srv_port=$tls_port
	r=$(lg w8-burst-tls --tls $args)
	srv_port=$p
	stop
	dps=$(kv deliveries_per_s "$r")
	bdps=$(kv deliveries_per_s "$b")
	ratio=$(calc "$dps / ($bdps + 0.000001)")
	row "$tag" "deliveries/s (base: plain)" "$dps" ">=0.5x plain" "$bdps" \
	    "$ratio" "$(verdict "$ratio >= 0.5")"
	cpu=$(kv srv_cpu_us_per_delivery "$r")
	bcpu=$(kv srv_cpu_us_per_delivery "$b")
	row "$tag" "server CPU us/delivery" "$cpu" "-" "$bcpu" \
	    "$(calc "$cpu / ($bcpu + 0.000001)")" "-"
	lost=$(kv lost "$r")
	bad=$(($(kv order_errors "$r") + $(kv disconnects "$r") + $(kv errors "$r")))
	row "$tag" "lost (order/disconnect/errors)" "$lost ($bad)" "0" \
	    "$(kv lost "$b")" "-" "$(verdict "$lost == 0 && $bad == 0")"

	args="-m paced -n 100 -r 500 -d $paced_s -c w8p -x b"
	start_tls w8p
	b=$(lg w8-w2b-alone $args)
	stop
	# Waves: $tls_conc at once, every half second (hundreds at once,
	# as after a restart), with the target; then the same storm
	# unpaced, as fast as the machine goes, for information.
	w8_storm "W8 W2b, waves of $tls_conc handshakes" "$b" 400 10000
	w8_storm "W8 W2b, storm unpaced" "$b" 0 -
}

# w8_storm TAG W2B_ALONE RATE P99_TARGET_US: W2b with a storm of
# handshakes running from before its members connect till after it.  The
# storm's client runs at nice 19: its own handshakes would take the CPU
# from the server and from W2b's loadgen on a 2-core machine, which the
# clients of a real storm, elsewhere on the network, do not.
w8_storm() {
	say "$1"
	start_tls w8p
	nice -n 19 "$tools/loadgen" -p "$tls_port" -P "$srv_pid" --tls -m storm \
	    -n "$tls_conc" -r "$3" -M 0 -d $((paced_s + 4)) -t 120 \
	    >"$work/w8-storm.out" 2>"$work/w8-storm.err" &
	storm_pid=$!
	sleep 1
	r=$(lg "w8-w2b-storm-$3" $args)
	wait "$storm_pid"
	st=$(grep '^result ' "$work/w8-storm.out")
	printf 'w8-storm-during-%s %s\n' "$3" "$st" >>"$raw"
	stop
	p99=$(kv p99_us "$r")
	if [ "$4" = - ]; then
		t=-
		v=-
	else
		t="p99<=$(ms "$4")"
		v=$(verdict "$p99 <= $4")
	fi
	row "$1" "W2b p50/p99 ms (base: alone)" \
	    "$(ms "$(kv p50_us "$r")")/$(ms "$p99")" "$t" \
	    "$(ms "$(kv p50_us "$2")")/$(ms "$(kv p99_us "$2")")" \
	    "$(calc "$p99 / ($(kv p99_us "$2") + 0.001)")" "$v"
	row "$1" "handshakes/s meanwhile (all)" \
	    "$(kv handshakes_per_s "$st") ($(kv handshakes "$st"))" "-" "-" \
	    "-" "$(verdict "$(kv handshakes "$st") > 0 && $(kv failed "$st") == 0")"
	lost=$(kv lost "$r")
	row "$1" "lost" "$lost" "0" "$(kv lost "$2")" "-" \
	    "$(verdict "$lost == 0")"
}

say "bench: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); quick=$quick"
say "bench: figures are noisy on a shared machine; compare ratios"
want W1 && w1
want W2 && w2
want W3 && w3
want W4 && w4
want W5 && w5
want W7 && w7
want W8 && w8
want W9 && w9
want W10 && w10

{
	echo "workload,metric,measured,target,baseline,ratio,verdict"
	sed 's/,/;/g; s/|/,/g' "$rows"
} >"$out/results.csv"

printf '\n%-30s %-32s %-18s %-14s %-20s %-7s %s\n' workload metric \
    measured target baseline ratio verdict
awk -F'|' '{ printf "%-30s %-32s %-18s %-14s %-20s %-7s %s\n",
    $1, $2, $3, $4, $5, $6, $7 }' "$rows"
echo
echo "results: $out/results.csv, raw loadgen lines: $raw"

if command -v gnuplot >/dev/null && [ -s "$work/plot.dat" ]; then
	term=png
	gnuplot -e 'set terminal pngcairo' 2>/dev/null && term=pngcairo
	gnuplot -e "term='$term'; data='$work/plot.dat'; out='$out/fanout.png'" \
	    tests/bench/fanout.gp && echo "plot: $out/fanout.png"
fi
if grep -q FAIL "$rows"; then
	echo "bench: some targets missed (see FAIL above)"
fi
exit 0
