#!/bin/sh
# e2e_url.sh: the real client in tmux with long URLs: one that fits the
# text column stays whole on a row in a narrow window; one longer than
# the column is whole in the bare display (Alt-L), which tmux wraps
# itself, and any key goes back without typing; /copy puts the latest
# URL (or the n-th) on tmux's clipboard through OSC 52.  TAP output.
# Usage: sh tests/e2e_url.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib/e2e.sh"
e2e_init "${1:-}" url
e2e_plan 7
A=""
# 30 bytes: at 60 columns the text column is 31 wide.
SHORT=https://example.org/abc/def/gh
# 138 bytes: longer than any row at 100 columns.
LONG=https://example.org/long/path/$(printf '%0100d' 0)/end?q=1

t_online() {
	e2e_server_start 0 || return 1
	# tmux takes what applications put on the clipboard (OSC 52).
	e2e_tmux set -g set-clipboard on >/dev/null &&
	    A=$(e2e_client alice -s "127.0.0.1:$E2E_PORT" -n alice) &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_say "$A" "/create rust" &&
	    e2e_wait_for "$A" '^\[rust\]'
}

# The URL after words that fill most of a row goes to the next row
# whole, at 60 columns.
t_fits() {
	e2e_tmux resize-window -t "$A" -x 60 &&
	    e2e_rawcli "$E2E_TMP/p1.out" -e -n probe -j rust "$E2E_PORT" \
		"see this page here: $SHORT (short)" &&
	    e2e_wait_for "$A" '\(short\)$' &&
	    e2e_wait_for "$A" "│ +$SHORT\$"
}

# tmux's view with wrapped rows joined, as its copy mode selects them.
joined() {
	e2e_tmux capture-pane -p -J -t "$A"
}

# In the normal view a URL longer than the text column is cut in rows
# with the columns beside them; in the bare display it is one line.
t_bare() {
	e2e_tmux resize-window -t "$A" -x "$E2E_COLS" &&
	    e2e_rawcli "$E2E_TMP/p2.out" -e -n probe -j rust "$E2E_PORT" \
		"long one: $LONG" &&
	    e2e_wait_for "$A" 'end\?q=1$' || return 1
	if joined | grep -qF -- "$LONG"; then
		e2e_diag "the normal view already shows it whole"
		return 1
	fi
	e2e_keys "$A" M-l &&
	    e2e_wait_gone "$A" '\[online\]' &&
	    e2e_wait_for "$A" '<probe> long one: https' || return 1
	if ! joined | grep -qF -- "<probe> long one: $LONG"; then
		e2e_diag "not whole in the bare display:"
		joined | sed 's/^/# | /'
		return 1
	fi
	e2e_no_match "$A" '│'
}

# Alt-L again goes back; so does any key, which types nothing.
t_back() {
	e2e_keys "$A" M-l &&
	    e2e_wait_for "$A" '^ \[online\] alice \| rust' &&
	    e2e_keys "$A" M-l &&
	    e2e_wait_gone "$A" '\[online\]' &&
	    e2e_keys "$A" x &&
	    e2e_wait_for "$A" '^ \[online\] alice \| rust' &&
	    e2e_wait_for "$A" '^\[rust\] *$'
}

# tmux's latest paste buffer.
buffer() {
	e2e_tmux show-buffer 2>/dev/null
}

t_copy() {
	e2e_say "$A" "/copy" &&
	    e2e_wait_for "$A" "copied to the clipboard \\(OSC 52, ${#LONG} bytes\\)" &&
	    e2e_wait_file_buffer "$LONG" &&
	    e2e_say "$A" "/copy 2" &&
	    e2e_wait_for "$A" "copied to the clipboard \\(OSC 52, ${#SHORT} bytes\\)" &&
	    e2e_wait_file_buffer "$SHORT"
}

# e2e_wait_file_buffer TEXT: until tmux's latest buffer is TEXT.
e2e_wait_file_buffer() {
	end=$(($(e2e_now_ms) + E2E_WAIT * 1000))
	while [ "$(buffer)" != "$1" ]; do
		if [ "$(e2e_now_ms)" -ge "$end" ]; then
			e2e_diag "the buffer is \"$(buffer)\", not \"$1\""
			return 1
		fi
		sleep 0.05
	done
}

t_urls() {
	e2e_say "$A" "/copy 3" &&
	    e2e_wait_for "$A" 'no URL 3 in this window' &&
	    e2e_keys "$A" C-u &&
	    e2e_say "$A" "/urls" &&
	    e2e_wait_for "$A" ':: +2  https://example.org/abc/def/gh$' &&
	    e2e_wait_for "$A" ':: +URLs here, the latest first' &&
	    e2e_wait_for "$A" ':: +1$'
}

t_exit() {
	ok=0
	e2e_quit_client "$A" || ok=1
	e2e_server_stop || ok=1
	return $ok
}

e2e_check "a client comes online in a channel, tmux taking OSC 52" t_online
e2e_check "a URL that fits the text column is whole on its row at 60 columns" t_fits
e2e_check "a URL longer than a row is whole in the bare display (Alt-L)" t_bare
e2e_check "Alt-L, or any key, goes back to the normal view, typing nothing" t_back
e2e_check "/copy and /copy 2 put the latest URLs on tmux's clipboard" t_copy
e2e_check "/urls lists them numbered; /copy of one not there says so" t_urls
e2e_check "the client and the server exit cleanly" t_exit
e2e_done
