#!/bin/sh
# e2e_oper.sh: the real client in tmux with the channel commands as a person
# uses them: /topic (and the status line), /away and /back, /kick, /key and
# /join with a key.  TAP output.
# Usage: sh tests/e2e_oper.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib/e2e.sh"
e2e_init "${1:-}" oper
e2e_plan 7
A="" B="" C=""

# count PANE REGEX: rows of the pane matching, right now.
count() {
	e2e_capture "$1" | grep -Ec -- "$2"
}

t_online() {
	e2e_server_start 0 --flood-rate 0 || return 1
	A=$(e2e_client alice -s "127.0.0.1:$E2E_PORT" -n alice) &&
	    B=$(e2e_client bob -s "127.0.0.1:$E2E_PORT" -n bob) &&
	    C=$(e2e_client carol -s "127.0.0.1:$E2E_PORT" -n carol) &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_wait_for "$B" '^ \[online\] bob \| status' &&
	    e2e_wait_for "$C" '^ \[online\] carol \| status' &&
	    e2e_say "$A" "/join #ops" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| #ops \(1\)' &&
	    e2e_say "$B" "/join #ops" &&
	    e2e_wait_for "$B" '^ \[online\] bob \| #ops \(2\)'
}

# Set by one member, seen by the others and in the status line; a later
# joiner is told it; /topic alone shows it.
t_topic() {
	e2e_say "$B" "/topic" &&
	    e2e_wait_for "$B" '#ops has no topic; /topic TEXT sets one' &&
	    e2e_say "$A" "/topic release at noon" &&
	    e2e_wait_for "$A" '-- alice set the topic: release at noon' &&
	    e2e_wait_for "$B" '-- alice set the topic: release at noon' &&
	    e2e_wait_for "$B" '^ \[online\] bob \| #ops \(2\) .*\| release at noon' &&
	    e2e_say "$C" "/join #ops" &&
	    e2e_wait_for "$C" 'topic: release at noon \(set by alice\)' &&
	    e2e_wait_for "$C" '^ \[online\] carol \| #ops \(3\) .*\| release at noon' &&
	    e2e_say "$C" "/topic" &&
	    e2e_wait_for "$C" ':: topic: release at noon$'
}

# An away user's reply comes once, in the conversation; /back ends it.
t_away() {
	e2e_say "$B" "/away at lunch" &&
	    e2e_wait_for "$B" 'you are marked away: at lunch; /back to return' &&
	    e2e_wait_for "$B" '^ \[online\] bob \(away\) \| #ops' &&
	    e2e_say "$A" "/query bob" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| bob' &&
	    e2e_say "$A" "are you there?" &&
	    e2e_wait_for "$A" 'bob is away: at lunch' &&
	    e2e_say "$A" "still?" &&
	    e2e_wait_for "$A" 'alice still\?' &&
	    e2e_same "away replies" "$(count "$A" 'bob is away')" 1 &&
	    e2e_say "$B" "/back" &&
	    e2e_wait_for "$B" 'you are back' &&
	    e2e_wait_for "$B" '^ \[online\] bob \| #ops' &&
	    e2e_say "$A" "/window 3" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| #ops'
}

# Only the creator kicks; the kicked one's window stays and says why.
t_kick() {
	e2e_say "$C" "/kick bob" &&
	    e2e_wait_for "$C" "only the channel's creator may do that" &&
	    e2e_say "$A" "/kick carol flooding the channel" &&
	    e2e_wait_for "$C" 'you were kicked from #ops by alice: flooding the channel' &&
	    e2e_wait_for "$B" '-- carol was kicked by alice: flooding the channel' &&
	    e2e_wait_for "$B" '^ \[online\] bob \| #ops \(2\)' &&
	    e2e_say "$C" "back again" &&
	    e2e_wait_for "$C" 'not sent: you are not in #ops; /join it first' &&
	    e2e_keys "$C" C-u &&
	    e2e_wait_for "$C" '^\[#ops\] *$'
}

# A key keeps the kicked one out until it is given.
t_key() {
	e2e_say "$A" "/key s3cret" &&
	    e2e_wait_for "$A" 'the channel key is now s3cret: /join #ops s3cret' &&
	    e2e_say "$C" "/join #ops" &&
	    e2e_wait_for "$C" '!! wrong or missing channel key' &&
	    e2e_wait_for "$C" '#ops; /join CHANNEL KEY$' &&
	    e2e_say "$C" "/join #ops s3cret" &&
	    e2e_wait_for "$C" '^ \[online\] carol \| #ops \(3\)' &&
	    e2e_say "$B" "/key mine" &&
	    e2e_wait_for "$B" "only the channel's creator may do that" &&
	    e2e_say "$A" "/key" &&
	    e2e_wait_for "$A" 'the channel has no key now: anyone may join'
}

# The new commands are in /help.
t_help() {
	e2e_say "$A" "/help kick" &&
	    e2e_wait_for "$A" '/kick <name> \[reason\]  put someone out' &&
	    e2e_say "$A" "/help away" &&
	    e2e_wait_for "$A" '/away \[text\]  say you are away'
}

t_exit() {
	ok=0
	for p in "$A" "$B" "$C"; do
		e2e_quit_client "$p" || ok=1
	done
	e2e_server_stop || ok=1
	return $ok
}

e2e_check "three clients online, two in #ops" t_online
e2e_check "/topic sets the topic: seen, in the status line, told to joiners" \
    t_topic
e2e_check "/away: one reply in the conversation; /back" t_away
e2e_check "/kick: the creator only; the kicked window says why" t_kick
e2e_check "/key: a join needs it; /join CHANNEL KEY" t_key
e2e_check "/help names the new commands" t_help
e2e_check "clients and server exit cleanly" t_exit
e2e_done
