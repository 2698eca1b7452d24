#!/bin/sh
# e2e_cluster_fail.sh: the real client on nodes of one chat through
# Redis when things break.  Its node is killed (-9): it moves to the next
# server of -s a,b, gets its name back, and shows what was said meanwhile
# once, counted unread; the others see it quit and come back.  Redis
# stops: a line is refused with a word to its sender, a newcomer waits to
# register, and once Redis is back it is registered and lines go through
# again.  TAP output.
# Usage: sh tests/e2e_cluster_fail.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib/e2e.sh"
e2e_init "${1:-}" cluster_fail
e2e_need_redis
e2e_plan 5
A="" B="" D=""
# A killed node's names are free after this (its lease), not 10 s.
TXT_CHATD_NODE_TTL_MS=3000
export TXT_CHATD_NODE_TTL_MS

# node N: txt-chatd nN on a free port through the test's Redis; sets PN
# (its port), SN (its pid) and LN (its log).
node() {
	e2e_server_start 0 --redis "$E2E_REDIS" --node "n$1" || return 1
	eval "P$1=\$E2E_PORT S$1=\$E2E_SRV_PID L$1=\$E2E_SRV_LOG"
}

# node_stop N: SIGTERM; it must exit 0 with no sanitizer report.
node_stop() {
	eval "E2E_SRV_PID=\$S$1 E2E_SRV_LOG=\$L$1"
	e2e_server_stop
}

# Redis and n1 to n3; alice on n1 (then n2), bob on n3, both in lobby;
# alice looks at her status window.
t_start() {
	e2e_redis_start && node 1 && node 2 && node 3 || return 1
	A=$(e2e_client alice -s "127.0.0.1:$P1,127.0.0.1:$P2" -n alice) &&
	    B=$(e2e_client bob -s "127.0.0.1:$P3" -n bob) &&
	    e2e_wait_for "$A" '^ \[online\] alice \| ' &&
	    e2e_wait_for "$B" '^ \[online\] bob \| ' &&
	    e2e_say "$A" "/join lobby" &&
	    e2e_wait_for "$A" 'you joined lobby \(1 member\)' &&
	    e2e_say "$B" "/join lobby" &&
	    e2e_wait_for "$A" ' -- bob joined$' &&
	    e2e_say "$B" "before the kill" &&
	    e2e_wait_for "$A" ' bob before the kill$' &&
	    e2e_say "$A" "/window 1" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status'
}

# n1 dies; bob says three lines while alice is away; she comes back on
# n2 under her own name, and bob sees her go and come.
t_kill() {
	kill -KILL "$S1" && wait "$S1" 2>/dev/null
	e2e_untrack "$S1"
	e2e_say "$B" "gone 1" && e2e_say "$B" "gone 2" &&
	    e2e_say "$B" "gone 3" &&
	    e2e_wait_for "$B" ' bob gone 3$' &&
	    e2e_wait_for "$A" "connecting to 127.0.0.1:$P2" 30 &&
	    e2e_wait_for "$A" '^ \[online\] alice \| ' 30 &&
	    e2e_wait_for "$B" ' -- alice quit \(node gone\)$' 30 &&
	    e2e_wait_for "$B" ' -- alice joined$' 30
}

# What bob said is unread once (3 in the title and on the window), shown
# once each, in order, after the line before the kill.
t_caught_up() {
	end=$(($(e2e_now_ms) + E2E_WAIT * 1000))
	until [ "$(e2e_title "$A")" = "(3) txt-chat" ]; do
		if [ "$(e2e_now_ms)" -ge "$end" ]; then
			e2e_diag "title: $(e2e_title "$A")"
			e2e_show "$A"
			return 1
		fi
		sleep 0.05
	done
	e2e_wait_for "$A" '^ 3 lobby +3│' &&
	    e2e_say "$A" "/window 3" &&
	    e2e_wait_for "$A" '^\[lobby\]' &&
	    e2e_wait_for "$A" ' bob gone 3$' || return 1
	got=$(e2e_capture "$A" | grep -v ' -- ' |
	    sed -n 's/.* bob \([a-z0-9 ]*\)$/\1/p')
	e2e_same "bob's lines" "$(echo $got)" \
	    "before the kill gone 1 gone 2 gone 3"
}

# up_again LOG: until the node of LOG says Redis is up a second time.
up_again() {
	end=$(($(e2e_now_ms) + 20000))
	until [ "$(grep -c 'up: messages are taken' "$1")" -ge 2 ]; do
		if [ "$(e2e_now_ms)" -ge "$end" ]; then
			e2e_diag "no second 'up' in $(basename "$1")"
			e2e_diag_file "$1"
			return 1
		fi
		sleep 0.05
	done
}

# Redis stops: bob's line is refused and he is told; alice gets nothing;
# dave, new, waits to register.  Redis comes back: dave is registered,
# and bob's next line reaches alice.
t_redis() {
	e2e_redis_stop
	e2e_wait_file "$L3" 'down .*storage_unavailable' &&
	    e2e_say "$B" "while redis is down" &&
	    e2e_wait_for "$B" '!! storage is unavailable: not sent; try again: lobby$' &&
	    e2e_no_match "$B" ' bob while redis is down$' &&
	    D=$(e2e_client dave -s "127.0.0.1:$P2" -n dave) &&
	    e2e_wait_for "$D" 'cannot register names just now' &&
	    e2e_redis_up && up_again "$L3" && up_again "$L2" &&
	    e2e_wait_for "$D" '^ \[online\] dave \| ' 20 &&
	    e2e_say "$B" "redis is back" &&
	    e2e_wait_for "$B" ' bob redis is back$' &&
	    e2e_wait_for "$A" ' bob redis is back$' &&
	    e2e_no_match "$A" 'while redis is down'
}

t_quit() {
	e2e_quit_client "$A" && e2e_quit_client "$B" && e2e_quit_client "$D" &&
	    node_stop 2 && node_stop 3 && e2e_redis_stop
}

e2e_check "two nodes' clients in one channel" t_start
e2e_check "its node killed, the client moves to the next server" t_kill
e2e_check "it shows what it missed once, counted unread" t_caught_up
e2e_check "Redis down refuses lines with a word, back takes them" t_redis
e2e_check "the clients quit and the nodes stop cleanly" t_quit
e2e_done
