#!/bin/sh
# e2e_habits.sh: the client's own state as a heavy IRC user relies on it:
# /ignore (persistent), the smart join filter, the windows and their order
# restored after a restart, and timestamp_format.  TAP output.
# Usage: sh tests/e2e_habits.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib/e2e.sh"
e2e_init "${1:-}" habits
e2e_plan 8
A="" B="" M="" D="" S=""

# A message row: "HH:MM", the sender right-aligned, the text.
row() {
	printf '[0-9]{2}:[0-9]{2} +%s %s$' "$1" "$2"
}

statefile() {
	echo "$E2E_TMP/data/txt-chat/state/127.0.0.1:$E2E_PORT/alice"
}

t_online() {
	e2e_server_start 0 --flood-rate 0 || return 1
	A=$(e2e_client alice -s "127.0.0.1:$E2E_PORT" -n alice) &&
	    B=$(e2e_client bob -s "127.0.0.1:$E2E_PORT" -n bob) &&
	    M=$(e2e_client mallory -s "127.0.0.1:$E2E_PORT" -n mallory) &&
	    D=$(e2e_client dave -s "127.0.0.1:$E2E_PORT" -n dave) || return 1
	for p in "$A" "$B" "$M" "$D"; do
		e2e_wait_for "$p" '^ \[online\] [a-z]+ \| status' || return 1
	done
	# alice's windows: status, ~alice, rust, go, the conversation with bob.
	e2e_say "$A" "/create rust" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| rust \(1\)' &&
	    e2e_say "$A" "/create go" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| go \(1\)' &&
	    e2e_say "$A" "/query bob" &&
	    e2e_wait_for "$A" '^ 5.bob' &&
	    e2e_say "$A" "/window 3" &&
	    e2e_say "$B" "/join rust" &&
	    e2e_say "$M" "/join rust" &&
	    e2e_wait_for "$A" '-- mallory joined$'
}

# mallory's messages and direct messages vanish; bob's come.
t_ignore() {
	e2e_say "$A" "/ignore mallory" &&
	    e2e_wait_for "$A" 'ignoring mallory' &&
	    e2e_say "$M" "spam one" &&
	    e2e_wait_for "$B" "$(row mallory 'spam one')" &&
	    e2e_say "$M" "/msg alice psst" &&
	    e2e_say "$B" "marker one" &&
	    e2e_wait_for "$A" "$(row bob 'marker one')" &&
	    e2e_no_match "$A" 'spam one|psst' &&
	    e2e_no_match "$A" '^ ?[0-9]+.mallory'
}

# The smart filter: dave, silent, joins and leaves unseen; bob, who spoke,
# is seen leaving and coming back.
t_smart() {
	e2e_say "$A" "/filter joins smart" &&
	    e2e_wait_for "$A" 'joins, parts and quits here: smart' &&
	    e2e_say "$D" "/join rust" &&
	    e2e_wait_for "$D" '^ \[online\] dave \| rust' &&
	    e2e_say "$B" "marker two" &&
	    e2e_wait_for "$A" "$(row bob 'marker two')" &&
	    e2e_no_match "$A" 'dave joined' &&
	    e2e_say "$B" "/part" &&
	    e2e_wait_for "$A" '-- bob left$' &&
	    e2e_say "$B" "/join rust" &&
	    e2e_wait_for "$A" '-- bob joined$' &&
	    e2e_say "$D" "/part" &&
	    e2e_wait_gone "$D" '^ 3.rust' &&
	    e2e_say "$B" "marker three" &&
	    e2e_wait_for "$A" "$(row bob 'marker three')" &&
	    e2e_no_match "$A" 'dave (joined|left)'
}

# /quit leaves the state file; it holds the windows in order, the filter
# and the ignored name, and nothing else touched the config.
t_state_file() {
	f=$(statefile)
	e2e_quit_client "$A" || return 1
	if ! grep -v '^#' "$f" >"$E2E_TMP/state.got" 2>/dev/null; then
		e2e_diag "no state file $f"
		return 1
	fi
	printf 'own\nchannel rust smart\nchannel go\nquery bob\nignore mallory\n' \
	    >"$E2E_TMP/state.want"
	cmp -s "$E2E_TMP/state.got" "$E2E_TMP/state.want" || {
		e2e_diag_file "$f"
		return 1
	}
	e2e_same mode "$(stat -c %a "$f")" 600 &&
	    e2e_same "config files written" \
		"$(find "$E2E_TMP/config" -type f 2>/dev/null | wc -l)" 0
}

# Restarted with a timestamp_format: the same windows in the same order,
# rust and go joined again, times shown as HH.MM.SS, mallory still
# ignored, rust still smart.
t_restart() {
	printf 'timestamp_format = %%H.%%M.%%S\n' >"$E2E_TMP/alice.conf"
	A=$(e2e_client alice2 -c "$E2E_TMP/alice.conf" \
	    -s "127.0.0.1:$E2E_PORT" -n alice) &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_wait_for "$A" '^ 2.~alice' &&
	    e2e_wait_for "$A" '^ 3.rust' &&
	    e2e_wait_for "$A" '^ 4.go' &&
	    e2e_wait_for "$A" '^ 5.bob' &&
	    e2e_no_match "$A" '^ 6.' &&
	    e2e_say "$A" "/window 3" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| rust \(3\)' &&
	    e2e_wait_for "$A" 'you joined rust' || return 1
	e2e_say "$M" "spam two" &&
	    e2e_say "$B" "after the restart" &&
	    e2e_wait_for "$A" \
		'[0-9]{2}\.[0-9]{2}\.[0-9]{2} +bob after the restart$' &&
	    e2e_no_match "$A" 'spam two|[0-9]{2}:[0-9]{2} +bob after' &&
	    e2e_say "$A" "/filter" &&
	    e2e_wait_for "$A" 'joins, parts and quits here: smart' &&
	    e2e_say "$A" "/window 4" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| go \(1\)'
}

# A second client run as alice meanwhile neither restores alice's windows
# nor overwrites them.
t_second() {
	S=$(e2e_client alice3 -s "127.0.0.1:$E2E_PORT" -n alice) &&
	    e2e_wait_for "$S" 'another txt-chat runs as alice on this server' &&
	    e2e_wait_for "$S" 'the name alice is taken' &&
	    e2e_no_match "$S" '^ [2-9].(rust|go|bob)' &&
	    e2e_quit_client "$S" || return 1
	grep -v '^#' "$(statefile)" >"$E2E_TMP/state.got" &&
	    cmp -s "$E2E_TMP/state.got" "$E2E_TMP/state.want" || {
		e2e_diag_file "$(statefile)"
		return 1
	}
}

# A timestamp_format the client cannot use stops it at start, with the
# file and line.
t_bad_format() {
	printf 'log = on\ntimestamp_format = %%H:%%Q\n' >"$E2E_TMP/bad.conf"
	"$TXT_CHAT" -c "$E2E_TMP/bad.conf" </dev/null >/dev/null \
	    2>"$E2E_TMP/bad.err"
	st=$?
	e2e_same status "$st" 1 &&
	    grep -q "bad.conf:2: timestamp_format: %Q is not taken" \
		"$E2E_TMP/bad.err" || {
		e2e_diag_file "$E2E_TMP/bad.err"
		return 1
	}
}

t_exit() {
	ok=0
	for p in "$A" "$B" "$M" "$D"; do
		e2e_quit_client "$p" || ok=1
	done
	e2e_server_stop || ok=1
	return $ok
}

e2e_check "four clients online; alice has rust, go and a conversation" t_online
e2e_check "/ignore hides a name's messages and direct messages" t_ignore
e2e_check "/filter joins smart hides a silent joiner, shows a speaker's part" t_smart
e2e_check "the state file keeps windows in order, filter, ignore; 0600" t_state_file
e2e_check "a restart restores and rejoins the windows in order; timestamp_format" t_restart
e2e_check "a second client of the same name leaves the state alone" t_second
e2e_check "a bad timestamp_format stops the client with file and line" t_bad_format
e2e_check "clients and server exit cleanly, no sanitizer report" t_exit
e2e_done
