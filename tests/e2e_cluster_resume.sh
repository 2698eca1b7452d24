#!/bin/sh
# e2e_cluster_resume.sh: the real client on nodes of one chat through
# Redis (-s a,b).  Its node is killed while it is stopped; lines are said
# on a third node; it moves to a node started after those lines and,
# paging after the last line it saw, gets every one of them, each once.
# TAP output.
# Usage: sh tests/e2e_cluster_resume.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib/e2e.sh"
e2e_init "${1:-}" cluster_resume
e2e_plan 4
A="" RP="" REDIS_PID=""

# Lines said while the client is stopped: more than a node's ring (100).
MISSED=150

# A redis-server of its own on a free loopback port, without files.
redis_start() {
	for try in 1 2 3 4 5; do
		RP=$((20000 + ($$ * 7 + try * 977) % 30000))
		redis-server --port "$RP" --bind 127.0.0.1 --save "" \
		    --appendonly no --dir "$E2E_TMP" \
		    --logfile "$E2E_TMP/redis.log" >/dev/null 2>&1 &
		REDIS_PID=$!
		e2e_track "$REDIS_PID"
		end=$(($(e2e_now_ms) + E2E_WAIT * 1000))
		while e2e_alive "$REDIS_PID" &&
		    [ "$(e2e_now_ms)" -lt "$end" ]; do
			if [ "$(redis-cli -p "$RP" ping 2>/dev/null)" = PONG ]; then
				return 0
			fi
			sleep 0.05
		done
		kill -KILL "$REDIS_PID" 2>/dev/null
		e2e_untrack "$REDIS_PID"
	done
	e2e_diag "redis-server did not start"
	return 1
}

# Nodes n1 and n3, and n2's port, free until n2 starts there later;
# alice on n1 in channel resume with the first three lines, said on n3.
t_start() {
	command -v redis-server >/dev/null && command -v redis-cli >/dev/null ||
	    { e2e_diag "no redis-server or redis-cli"; return 1; }
	redis_start || return 1
	e2e_server_start 0 --redis "127.0.0.1:$RP" --node n2 || return 1
	P2=$E2E_PORT
	e2e_server_stop || return 1
	e2e_server_start 0 --redis "127.0.0.1:$RP" --node n1 --flood-rate 0 ||
	    return 1
	P1=$E2E_PORT S1=$E2E_SRV_PID
	e2e_server_start 0 --redis "127.0.0.1:$RP" --node n3 --flood-rate 0 ||
	    return 1
	P3=$E2E_PORT
	e2e_rawcli "$E2E_TMP/keeper.out" -e -n keeper -c resume "$P3" \
	    "seen 1" "seen 2" "seen 3" || return 1
	A=$(e2e_client alice -s "127.0.0.1:$P1,127.0.0.1:$P2" -n alice) &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_say "$A" "/join resume" &&
	    e2e_wait_for "$A" 'you joined resume' &&
	    e2e_wait_for "$A" ' keeper seen 3$' &&
	    e2e_say "$A" "/window 1" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status'
}

# Alice is stopped and her node killed; 150 lines are said on n3; n2
# starts after them; alice goes on.
t_away() {
	pid=$(e2e_client_pid "$A")
	[ -n "$pid" ] || return 1
	set --
	for i in $(seq 1 "$MISSED"); do
		set -- "$@" "$(printf 'missed %03d' "$i")"
	done
	kill -STOP "$pid" &&
	    kill -KILL "$S1" && wait "$S1" 2>/dev/null
	e2e_untrack "$S1"
	e2e_rawcli "$E2E_TMP/talker.out" -e -n talker -j resume "$P3" \
	    "$@" || { kill -CONT "$pid"; return 1; }
	# The talker's lines are all in Redis before n2 starts.
	end=$(($(e2e_now_ms) + E2E_WAIT * 1000))
	until [ "$(redis-cli -p "$RP" --raw eval \
	    "return #redis.call('KEYS', 'txt:log:*')" 0)" = 1 ] &&
	    [ "$(redis-cli -p "$RP" --raw eval \
	    "return redis.call('XLEN', redis.call('KEYS', 'txt:log:*')[1])" \
	    0)" = $((MISSED + 3)) ]; do
		[ "$(e2e_now_ms)" -lt "$end" ] ||
		    { kill -CONT "$pid"; e2e_diag "lines not in redis"; return 1; }
		sleep 0.05
	done
	e2e_server_start "$P2" --redis "127.0.0.1:$RP" --node n2 ||
	    { kill -CONT "$pid"; return 1; }
	kill -CONT "$pid" &&
	    e2e_wait_for "$A" "connecting to 127.0.0.1:$P2" 30 &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' 30
}

# Every missed line is unread once: the title counts 150, and the channel
# shows the newest and, at its top after paging up, the oldest.
t_caught_up() {
	end=$(($(e2e_now_ms) + E2E_WAIT * 1000))
	until [ "$(e2e_title "$A")" = "($MISSED) txt-chat" ]; do
		if [ "$(e2e_now_ms)" -ge "$end" ]; then
			e2e_diag "title: $(e2e_title "$A")"
			e2e_show "$A"
			return 1
		fi
		sleep 0.05
	done
	e2e_say "$A" "/window 3" &&
	    e2e_wait_for "$A" '^\[resume\]' &&
	    e2e_wait_for "$A" ' talker missed 150$' &&
	    e2e_keys "$A" M-Home &&
	    e2e_wait_for "$A" ' keeper seen 3$' &&
	    e2e_wait_for "$A" ' talker missed 001$'
}

t_quit() {
	e2e_quit_client "$A" && e2e_server_stop
}

e2e_check "a client on n1 of the nodes sees the first lines" t_start
e2e_check "stopped, its node killed, it moves to a node started later" t_away
e2e_check "it gets every line it missed, each once" t_caught_up
e2e_check "quits cleanly" t_quit
e2e_done
