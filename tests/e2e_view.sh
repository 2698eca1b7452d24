#!/bin/sh
# e2e_view.sh: the real client in tmux, for what the input line holds and
# how the screen is laid out: a pasted or typed line far longer than the
# server's limit arrives whole, in several messages; at 60 columns the
# text has room, and in a narrow terminal every line's text starts in the
# same column.  TAP output.
# Usage: sh tests/e2e_view.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib/e2e.sh"
e2e_init "${1:-}" view
e2e_plan 6
A="" E2E_RAW_PID=""

t_online() {
	e2e_server_start 0 --flood-rate 0 || return 1
	A=$(e2e_client alice -s "127.0.0.1:$E2E_PORT" -n alice) &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_say "$A" "/create rust" &&
	    e2e_wait_for "$A" '^\[rust\]' &&
	    e2e_rawcli_bg "$E2E_TMP/watcher.out" -e -n watcher -j rust \
		"$E2E_PORT" &&
	    e2e_wait_for "$A" '-- watcher joined$'
}

# The text of alice's messages the watcher got, one after the other.
received() {
	awk -F'$' '$1 == "msg" && $5 == "alice" {
		t = $6
		for (i = 7; i <= NF; i++)
			t = t "$" $i
		printf "%s", t
	}' "$E2E_TMP/watcher.out"
}

# arrived FILE: until the watcher got exactly FILE from alice, in
# more than one message.
arrived() {
	end=$(($(e2e_now_ms) + E2E_WAIT * 1000))
	while :; do
		received >"$E2E_TMP/got"
		if cmp -s "$1" "$E2E_TMP/got"; then
			n=$(grep -c '^msg\$.*\$alice\$' "$E2E_TMP/watcher.out")
			[ "$n" -gt 1 ] && return 0
			e2e_diag "it came in $n message"
			return 1
		fi
		if [ "$(e2e_now_ms)" -ge "$end" ]; then
			e2e_diag "got $(wc -c <"$E2E_TMP/got") of" \
			    "$(wc -c <"$1") bytes"
			e2e_show "$A"
			return 1
		fi
		sleep 0.05
	done
}

# A single line of 10,000 bytes pasted with bracketed paste: it was cut
# at 4096 characters in the input line, and the server refused the rest.
t_long_paste() {
	i=0
	while [ $i -lt 2000 ]; do
		printf 'p%04d' $i
		i=$((i + 1))
	done >"$E2E_TMP/paste"
	[ "$(wc -c <"$E2E_TMP/paste")" -eq 10000 ] || return 1
	e2e_tmux load-buffer -b big "$E2E_TMP/paste" &&
	    e2e_tmux paste-buffer -p -b big -t "$A" &&
	    e2e_wait_for "$A" '^\[rust\] .*p1999$' &&
	    e2e_keys "$A" Enter &&
	    e2e_wait_for "$A" '^\[rust\]$' &&
	    arrived "$E2E_TMP/paste" &&
	    e2e_no_match "$A" 'not sent'
}

# A typed line of 4000 bytes, over the server's 3072: sent in two.
t_long_typed() {
	i=0
	while [ $i -lt 800 ]; do
		printf 't%04d' $i
		i=$((i + 1))
	done >"$E2E_TMP/typed"
	cat "$E2E_TMP/paste" "$E2E_TMP/typed" >"$E2E_TMP/both"
	e2e_type "$A" "$(cat "$E2E_TMP/typed")" &&
	    e2e_wait_for "$A" '^\[rust\] .*t0799$' &&
	    e2e_keys "$A" Enter &&
	    e2e_wait_for "$A" '^\[rust\]$' &&
	    arrived "$E2E_TMP/both"
}

# Columns before the text s on the row that shows it, the window list
# left out; and the columns of the list with its border.
text_col() {
	e2e_capture "$A" | grep -F -- "$1" | tail -n 1 |
	    sed 's/^.*│//' | sed "s/$1.*//" | wc -L
}

list_cols() {
	e2e_capture "$A" | head -n 1 | sed 's/│.*//' | wc -L
}

# At 60 columns the list is 14 columns and the text starts 15 into the
# pane, leaving it 31 (it had 21).
t_sixty() {
	e2e_rawcli "$E2E_TMP/probe.out" -e -n probe -j rust "$E2E_PORT" \
	    "sixty probe" &&
	    e2e_wait_for "$A" 'probe sixty probe$' &&
	    e2e_tmux resize-window -t "$A" -x 60 &&
	    e2e_wait_for "$A" '^.{13}│[0-9]{2}:[0-9]{2} +probe sixty probe$' &&
	    e2e_same "list columns at 60" "$(list_cols)" 13 &&
	    e2e_same "text column at 60" "$(text_col 'sixty probe')" 15
}

# Below 40 columns a short and a long name's text start alike.
t_narrow() {
	e2e_rawcli "$E2E_TMP/bo.out" -e -n bo -j rust "$E2E_PORT" \
	    "short name here" &&
	    e2e_rawcli "$E2E_TMP/long.out" -e -n a_very_long_name -j rust \
		"$E2E_PORT" "long name here" &&
	    e2e_tmux resize-window -t "$A" -x 30 &&
	    e2e_wait_gone "$A" '│' &&
	    e2e_wait_for "$A" 'long name here$' &&
	    e2e_wait_for "$A" 'short name here$' || return 1
	short=$(text_col 'short name here')
	long=$(text_col 'long name here')
	e2e_same "text column of a long name at 30" "$long" "$short" &&
	    e2e_same "text column at 30" "$short" 8
}

t_exit() {
	ok=0
	e2e_tmux resize-window -t "$A" -x "$E2E_COLS"
	e2e_quit_client "$A" || ok=1
	kill -TERM "$E2E_RAW_PID" 2>/dev/null
	e2e_server_stop || ok=1
	return $ok
}

e2e_check "a client and a watcher come online in one channel" t_online
e2e_check "a pasted line of 10,000 bytes arrives whole, in several messages" t_long_paste
e2e_check "a typed line of 4000 bytes arrives whole, in two messages" t_long_typed
e2e_check "at 60 columns the list is 14 columns, the text starts at 15" t_sixty
e2e_check "at 30 columns every line's text starts in the same column" t_narrow
e2e_check "the client and the server exit cleanly" t_exit
e2e_done
