#!/bin/sh
# e2e_irc.sh: the real client in tmux used with an IRC user's habits:
# /join making a channel, /j, /part, /query, /window.  TAP output.
# Usage: sh tests/e2e_irc.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib/e2e.sh"
e2e_init "${1:-}" irc
e2e_plan 6
A="" B=""

# A message row: "HH:MM", the sender right-aligned, the text.
row() {
	printf '[0-9]{2}:[0-9]{2} +%s %s$' "$1" "$2"
}

t_online() {
	e2e_server_start 0 --flood-rate 0 || return 1
	A=$(e2e_client alice -s "127.0.0.1:$E2E_PORT" -n alice) &&
	    B=$(e2e_client bob -s "127.0.0.1:$E2E_PORT" -n bob) &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_wait_for "$B" '^ \[online\] bob \| status'
}

# The README's own example: a channel nobody made is made, and shown.
t_join_creates() {
	e2e_say "$A" "/join #rust" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| #rust \(1\)' &&
	    e2e_no_match "$A" 'no such channel' &&
	    e2e_say "$B" "/j #rust" &&
	    e2e_wait_for "$B" '^ \[online\] bob \| #rust \(2\)' &&
	    e2e_no_match "$B" 'creating it' &&
	    e2e_say "$B" "hi alice" &&
	    e2e_wait_for "$A" "$(row bob 'hi alice')"
}

t_query() {
	e2e_say "$A" "/query bob psst" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| bob' &&
	    e2e_wait_for "$A" "$(row alice psst)" &&
	    e2e_wait_for "$B" '^ 4.alice'
}

t_window() {
	e2e_say "$A" "/window 3" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| #rust \(2\)' &&
	    e2e_say "$A" "/window 1" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_say "$A" "/window 9" &&
	    e2e_wait_for "$A" 'no window 9: the list has 1 to 4' &&
	    e2e_wait_for "$A" '^\[status\] /window 9$' &&
	    e2e_keys "$A" C-u
}

t_part() {
	e2e_keys "$B" M-3 &&
	    e2e_wait_for "$B" '^ \[online\] bob \| #rust' &&
	    e2e_say "$B" "/part" &&
	    e2e_wait_gone "$B" '^ \[online\] bob \| #rust' &&
	    e2e_wait_for "$A" '^ 3 #rust'
}

t_exit() {
	ok=0
	for p in "$A" "$B"; do
		e2e_quit_client "$p" || ok=1
	done
	e2e_server_stop || ok=1
	return $ok
}

e2e_check "two clients come online" t_online
e2e_check "/join #rust of a channel nobody made makes it; /j joins it" \
    t_join_creates
e2e_check "/query opens the conversation and sends" t_query
e2e_check "/window N shows window N; a missing one is said" t_window
e2e_check "/part leaves the channel" t_part
e2e_check "clients and server exit cleanly, no sanitizer report" t_exit
e2e_done
