#!/bin/sh
# e2e_failover.sh: the client given several servers (-s a,b), as nodes of
# one chat: it starts on the first one that answers and, when that one is
# lost, moves on to the next by itself.  TAP output.
# Usage: sh tests/e2e_failover.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib/e2e.sh"
e2e_init "${1:-}" failover
e2e_plan 4
A="" B=""

# Two servers; the first one's port is kept, then it is killed at once.
t_first_down() {
	e2e_server_start 0 || return 1
	P1=$E2E_PORT S1=$E2E_SRV_PID
	e2e_server_start 0 || return 1
	P2=$E2E_PORT S2=$E2E_SRV_PID
	kill -KILL "$S1" && wait "$S1" 2>/dev/null
	e2e_untrack "$S1"
	# Nothing listens on P1 now: the client must go on to P2.
	A=$(e2e_client alice -s "127.0.0.1:$P1,127.0.0.1:$P2" -n alice) &&
	    e2e_wait_for "$A" "connecting to 127.0.0.1:$P2" 20 &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status'
}

# It is on the second server: someone there reaches it.
t_on_second() {
	B=$(e2e_client bob -s "127.0.0.1:$P2" -n bob) &&
	    e2e_wait_for "$B" '^ \[online\] bob \| status' &&
	    e2e_say "$B" "/msg alice on node two" &&
	    e2e_wait_for "$A" '^ 3!bob +1│' &&
	    e2e_say "$A" "/query bob" &&
	    e2e_wait_for "$A" 'bob on node two$'
}

# The second server goes too; the first comes back on its port: the
# client goes round the list to it.
t_round() {
	e2e_say "$A" "/window 1" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_server_start "$P1" || return 1
	kill -KILL "$S2" && wait "$S2" 2>/dev/null
	e2e_untrack "$S2"
	e2e_wait_for "$A" "connecting to 127.0.0.1:$P1" 30 &&
	    e2e_wait_for "$A" '^ \[online\] alice \| ' 30 &&
	    e2e_quit_client "$B"
}

t_quit() {
	e2e_quit_client "$A" && e2e_server_stop
}

e2e_check "starts on the second server when the first is down" t_first_down
e2e_check "the second server's users reach it" t_on_second
e2e_check "goes round the list when that one is lost" t_round
e2e_check "quits cleanly" t_quit
e2e_done
