#!/bin/sh
# e2e_chat.sh: the real client in a real terminal (tmux) against the real
# server, used as a person would: chatting, switching windows, scrolling,
# resizing, pasting, reconnecting, quitting.  TAP output.
# Usage: sh tests/e2e_chat.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib/e2e.sh"
e2e_init "${1:-}" chat
e2e_plan 17
A="" B="" C="" E2E_RAW_PID=""

# A message row: "HH:MM", the sender right-aligned, the text.
row() {
	printf '[0-9]{2}:[0-9]{2} +%s %s$' "$1" "$2"
}

t_online() {
	e2e_server_start 0 --flood-rate 0 || return 1
	A=$(e2e_client alice -s "127.0.0.1:$E2E_PORT" -n alice) &&
	    B=$(e2e_client bob -s "127.0.0.1:$E2E_PORT" -n bob) &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_wait_for "$B" '^ \[online\] bob \| status' &&
	    e2e_tmux select-pane -t "$A" -T e2e-alice
}

t_join() {
	e2e_say "$A" "/create rust" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| rust \(1\)' &&
	    e2e_wait_for "$A" '^\[rust\]' &&
	    e2e_say "$B" "/join rust" &&
	    e2e_wait_for "$B" '^ \[online\] bob \| rust \(2\)' &&
	    e2e_wait_for "$B" '^\[rust\]' &&
	    e2e_wait_for "$A" '^ \[online\] alice \| rust \(2\)' &&
	    e2e_wait_for "$A" '-- bob joined$'
}

t_chat() {
	e2e_say "$A" "hello from alice" &&
	    e2e_wait_for "$B" "$(row alice 'hello from alice')" &&
	    e2e_say "$B" "hi from bob" &&
	    e2e_wait_for "$A" "$(row bob 'hi from bob')" &&
	    e2e_wait_for "$A" "$(row alice 'hello from alice')" &&
	    e2e_wait_for "$B" "$(row bob 'hi from bob')"
}

t_switch() {
	e2e_say "$A" "/create ocaml" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| ocaml \(1\)' &&
	    e2e_say "$A" "only in ocaml" &&
	    e2e_wait_for "$A" "$(row alice 'only in ocaml')" &&
	    e2e_no_match "$A" 'hello from alice' &&
	    e2e_keys "$A" M-3 &&
	    e2e_wait_for "$A" '^ \[online\] alice \| rust \(2\)' &&
	    e2e_wait_for "$A" "$(row alice 'hello from alice')" &&
	    e2e_no_match "$A" 'only in ocaml' &&
	    e2e_keys "$A" C-n &&
	    e2e_wait_for "$A" '^ \[online\] alice \| ocaml \(1\)' &&
	    e2e_wait_for "$A" '^\[ocaml\]' &&
	    e2e_wait_for "$A" "$(row alice 'only in ocaml')" &&
	    e2e_no_match "$A" 'hello from alice' &&
	    e2e_keys "$A" M-2 &&
	    e2e_wait_for "$A" '^ \[online\] alice \| ~alice \(1\)' &&
	    e2e_no_match "$A" 'only in ocaml|hello from alice' &&
	    e2e_no_match "$B" 'only in ocaml'
}

t_unread() {
	e2e_keys "$A" M-1 &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_say "$B" "unread one" &&
	    e2e_say "$B" "unread two" &&
	    e2e_wait_for "$B" "$(row bob 'unread two')" &&
	    e2e_wait_for "$A" '^ 3 rust +2│' &&
	    e2e_keys "$A" M-3 &&
	    e2e_wait_for "$A" '^ 3 rust +│' &&
	    e2e_wait_for "$A" "$(row bob 'unread two')"
}

t_mention() {
	e2e_keys "$A" M-1 &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_say "$B" "hey alice look" &&
	    e2e_wait_for "$A" '^ 3!rust +1│' &&
	    e2e_keys "$A" M-3 &&
	    e2e_wait_for "$A" '^ 3 rust +│' &&
	    e2e_wait_for "$A" "$(row bob 'hey alice look')"
}

t_complete() {
	e2e_type "$A" "bo" &&
	    e2e_keys "$A" Tab &&
	    e2e_wait_for "$A" '^\[rust\] bob:$' &&
	    e2e_keys "$A" C-u &&
	    e2e_wait_for "$A" '^\[rust\]$'
}

# The rows of the message pane: all but the status and input lines.
message_rows() {
	e2e_capture "$1" | head -n $((E2E_ROWS - 2))
}

more_below() {
	e2e_capture "$1" | sed -n 's/.* \([0-9][0-9]*\) more below.*/\1/p'
}

t_pgup() {
	set --
	for i in $(seq 10 69); do
		set -- "$@" "scroll $i"
	done
	e2e_rawcli "$E2E_TMP/filler.out" -e -n filler -j rust "$E2E_PORT" "$@" &&
	    e2e_wait_for "$A" 'filler quit \(done\)$' &&
	    e2e_keys "$A" PPage &&
	    e2e_wait_for "$A" ' [0-9]+ more below' &&
	    e2e_no_match "$A" 'scroll 69$' || return 1
	below=$(more_below "$A")
	message_rows "$A" >"$E2E_TMP/view1"
	e2e_say "$B" "late one" &&
	    e2e_wait_for "$B" "$(row bob 'late one')" &&
	    e2e_wait_for "$A" " $((below + 1)) more below" || return 1
	message_rows "$A" >"$E2E_TMP/view2"
	if ! cmp -s "$E2E_TMP/view1" "$E2E_TMP/view2"; then
		e2e_diag "the view moved when a message came:"
		diff "$E2E_TMP/view1" "$E2E_TMP/view2" | sed 's/^/# /'
		return 1
	fi
}

# The number of the last "scroll NN" row shown.
last_scroll() {
	e2e_capture "$1" | sed -n 's/.* scroll \([0-9][0-9]*\)$/\1/p' | tail -n 1
}

narrow() {
	anchor=$(last_scroll "$A")
	e2e_tmux resize-window -t "$A" -x 40 &&
	    e2e_wait_gone "$A" '│' &&
	    e2e_wait_for "$A" '^ \[online\] alice \| rust' &&
	    e2e_wait_for "$A" "^\\[rust\\]" &&
	    e2e_wait_for "$A" "$(row filler "scroll $anchor")" &&
	    e2e_same "last row shown at 40 columns" "$(last_scroll "$A")" \
		"$anchor"
}

t_resize() {
	e2e_capture "$A" >"$E2E_TMP/wide"
	narrow
	ok=$?
	e2e_tmux resize-window -t "$A" -x "$E2E_COLS" &&
	    e2e_wait_screen "$A" "$E2E_TMP/wide" && return $ok
}

t_pgdn() {
	for i in 1 2 3 4 5 6; do
		[ -n "$(more_below "$A")" ] || break
		e2e_capture "$A" >"$E2E_TMP/before-pgdn"
		e2e_keys "$A" NPage
		e2e_wait_changed "$A" "$E2E_TMP/before-pgdn" || return 1
	done
	e2e_wait_gone "$A" 'more below' &&
	    e2e_wait_for "$A" "$(row bob 'late one')"
}

t_controls() {
	title=$(e2e_title "$A")
	win=$(e2e_winname "$A")
	# Extended and base mode: the server refuses the line either way.
	e2e_rawcli "$E2E_TMP/mallory.out" -e -n mallory -j rust \
	    "$E2E_PORT" '\e]2;pwned\a title\r\bX' &&
	    grep -qF 'error$bad_char$' "$E2E_TMP/mallory.out" &&
	    e2e_rawcli "$E2E_TMP/mallory2.out" -n mallory2 -j rust \
		"$E2E_PORT" '\e]2;pwned\a title\r\bX' &&
	    grep -qF '$$error: bad_char: ' "$E2E_TMP/mallory2.out" &&
	    e2e_wait_for "$A" 'mallory2 quit \(done\)$' &&
	    e2e_no_match "$A" 'pwned|title' &&
	    e2e_wait_for "$A" "$(row bob 'late one')" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| rust \(2\)' &&
	    e2e_same "pane title" "$(e2e_title "$A")" "$title" &&
	    e2e_same "window name" "$(e2e_winname "$A")" "$win"
}

t_nick() {
	C=$(e2e_client carol -s "127.0.0.1:$E2E_PORT" -n alice) &&
	    e2e_wait_for "$C" 'the name alice is taken; pick another with /nick NAME' &&
	    e2e_wait_for "$C" '^ \[registering\] alice' &&
	    e2e_say "$C" "/nick carol" &&
	    e2e_wait_for "$C" '^ \[online\] carol \| ' &&
	    e2e_wait_for "$C" ':: registered as carol$'
}

t_paste() {
	e2e_tmux set-buffer -b e2e "paste one
paste two
paste three" &&
	    e2e_tmux paste-buffer -p -b e2e -t "$A" &&
	    e2e_wait_for "$A" '^paste 3 lines\? Enter sends them, Escape cancels' &&
	    e2e_no_match "$B" 'paste one' &&
	    e2e_keys "$A" Enter &&
	    e2e_wait_for "$B" "$(row alice 'paste one')" &&
	    e2e_wait_for "$B" "$(row alice 'paste two')" &&
	    e2e_wait_for "$B" "$(row alice 'paste three')" &&
	    e2e_wait_for "$A" '^\[rust\]$'
}

t_paste_cancel() {
	e2e_tmux set-buffer -b e2e "cancel one
cancel two" &&
	    e2e_tmux paste-buffer -p -b e2e -t "$A" &&
	    e2e_wait_for "$A" '^paste 2 lines\? Enter sends them, Escape cancels' &&
	    e2e_keys "$A" Escape &&
	    e2e_wait_for "$A" '^\[rust\]$' &&
	    e2e_say "$A" "after cancel" &&
	    e2e_wait_for "$B" "$(row alice 'after cancel')" &&
	    e2e_no_match "$B" 'cancel one|cancel two' &&
	    e2e_no_match "$A" 'cancel one|cancel two'
}

t_reconnect() {
	port=$E2E_PORT
	e2e_server_stop || return 1
	e2e_wait_for "$A" '^ \[(offline|connecting|registering)\] alice' &&
	    e2e_server_start "$port" --flood-rate 0 || return 1
	# Named channels live in the server's memory: the first client back
	# finds rust gone and makes it again, the other joins it.
	e2e_wait_for "$A" '^ \[online\] alice \| rust \(2\)' &&
	    e2e_wait_for "$B" '^ \[online\] bob \| rust \(2\)' &&
	    e2e_say "$B" "after restart" &&
	    e2e_wait_for "$A" "$(row bob 'after restart')"
}

t_quit() {
	# The terminal's settings and its file status flags (O_NONBLOCK is
	# shared with the shell) before and after.
	D=$(e2e_pane dave "stty -a >'$E2E_TMP/stty.before'; grep ^flags /proc/self/fdinfo/0 >>'$E2E_TMP/stty.before'; '$TXT_CHAT' -s 127.0.0.1:$E2E_PORT -n dave 2>'$E2E_TMP/dave.err'; echo \$? >'$E2E_TMP/dave.status'; stty -a >'$E2E_TMP/stty.after'; grep ^flags /proc/self/fdinfo/0 >>'$E2E_TMP/stty.after'; echo DONE; exec cat") &&
	    e2e_wait_for "$D" '^ \[online\] dave \| status' &&
	    e2e_say "$D" "/quit bye" &&
	    e2e_wait_for "$D" '^DONE$' &&
	    e2e_no_match "$D" '\[online\]|\[status\]' &&
	    e2e_wait_file "$E2E_TMP/stty.after" '^flags' || return 1
	if ! cmp -s "$E2E_TMP/stty.before" "$E2E_TMP/stty.after"; then
		e2e_diag "the terminal settings changed:"
		diff "$E2E_TMP/stty.before" "$E2E_TMP/stty.after" |
		    sed 's/^/# /'
		return 1
	fi
	grep -Eq '(^| )icanon( |$)' "$E2E_TMP/stty.after" &&
	    grep -Eq '(^| )echo( |$)' "$E2E_TMP/stty.after" &&
	    e2e_clean_exit dave "$(cat "$E2E_TMP/dave.status")" \
		"$E2E_TMP/dave.err"
}

t_exit() {
	ok=0
	for p in "$A" "$B" "$C"; do
		e2e_quit_client "$p" || ok=1
	done
	kill -TERM "$E2E_RAW_PID" 2>/dev/null
	e2e_server_stop || ok=1
	return $ok
}

e2e_check "two clients come online" t_online
e2e_check "/create shows the new channel, /join by name joins it" t_join
e2e_check "two clients chat: both see both messages with their senders" t_chat
e2e_check "Alt-N and Ctrl-N switch windows, each with its own scrollback" t_switch
e2e_check "unread count for a window not shown, cleared when shown" t_unread
e2e_check "a mention marks the window with !, cleared when shown" t_mention
e2e_check "Tab completes a nick" t_complete
e2e_check "PgUp scrolls back, N more below, new messages do not move the view" t_pgup
e2e_check "resize to 40 columns and back: list hidden, position kept" t_resize
e2e_check "PgDn goes back to the newest line" t_pgdn
e2e_check "ESC ] 2, CR and BS from a raw client change nothing" t_controls
e2e_check "a taken name gives a notice; /nick registers without a restart" t_nick
e2e_check "a bracketed paste of 3 lines asks, Enter sends 3 messages" t_paste
e2e_check "Escape cancels a paste" t_paste_cancel
e2e_check "server restarted on its port: clients reconnect and rejoin" t_reconnect
e2e_check "/quit leaves a sane terminal and the shell's output visible" t_quit
e2e_check "clients and server exit cleanly, no sanitizer report" t_exit
e2e_done
