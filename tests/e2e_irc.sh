#!/bin/sh
# e2e_irc.sh: the real client in tmux used with an IRC user's habits:
# /join making a channel, /j, /part, /query, /window, /help and /names on
# a small screen; notifications (bell, title, highlight words); terminals
# (TERM=dumb, NO_COLOR, LANG=C); -h.  TAP output.
# Usage: sh tests/e2e_irc.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib/e2e.sh"
e2e_init "${1:-}" irc
e2e_plan 14
A="" B="" D="" N=""

# A message row: "HH:MM", the sender right-aligned, the text.
row() {
	printf '[0-9]{2}:[0-9]{2} +%s %s$' "$1" "$2"
}

# The title a pane has before a program sets one: the idle window's.
default_title() {
	e2e_tmux display -p -t e2e:idle '#{pane_title}'
}

# bell_flag PANE: 1 once tmux saw a bell in the pane's window.
bell_flag() {
	e2e_tmux display -p -t "$1" '#{window_bell_flag}'
}

# wait_bell PANE: until tmux flags the window.
wait_bell() {
	e2e_end=$(($(e2e_now_ms) + E2E_WAIT * 1000))
	until [ "$(bell_flag "$1")" = 1 ]; do
		if [ "$(e2e_now_ms)" -ge "$e2e_end" ]; then
			e2e_diag "no bell flag on the window of $1"
			return 1
		fi
		sleep 0.05
	done
}

# wait_title PANE TITLE
wait_title() {
	e2e_end=$(($(e2e_now_ms) + E2E_WAIT * 1000))
	until [ "$(e2e_title "$1")" = "$2" ]; do
		if [ "$(e2e_now_ms)" -ge "$e2e_end" ]; then
			e2e_diag "title '$(e2e_title "$1")', want '$2'"
			return 1
		fi
		sleep 0.05
	done
}

# clear_bell PANE: shows the pane's window, which clears its flag, and
# goes back to the idle one.
clear_bell() {
	e2e_tmux select-window -t "$1" &&
	    e2e_tmux select-window -t e2e:idle &&
	    [ "$(bell_flag "$1")" = 0 ]
}

t_online() {
	mkdir -p "$E2E_TMP/config/txt-chat" &&
	    echo "highlight = release deploy" \
	    >"$E2E_TMP/config/txt-chat/config" || return 1
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

# A highlight word and a direct message each ring the bell, which tmux
# shows as a flag on the window; plain lines do not.
t_bell() {
	e2e_say "$A" "/window 1" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    clear_bell "$A" &&
	    e2e_say "$B" "nothing to see" &&
	    e2e_wait_for "$A" '^ 3 #rust +1│' &&
	    { [ "$(bell_flag "$A")" = 0 ] || { e2e_diag "bell too early"; false; }; } &&
	    e2e_say "$B" "the new Release is out" &&
	    e2e_wait_for "$A" '^ 3!#rust +2│' &&
	    wait_bell "$A" &&
	    clear_bell "$A" &&
	    e2e_say "$B" "/msg alice psst again" &&
	    e2e_wait_for "$A" '^ 4!bob +1│' &&
	    wait_bell "$A"
}

# The title counts unread messages, and is given back on exit.
t_title() {
	wait_title "$A" "(3) txt-chat" &&
	    e2e_keys "$A" M-3 &&
	    wait_title "$A" "(1) txt-chat" &&
	    e2e_keys "$A" M-4 &&
	    wait_title "$A" "txt-chat"
}

# A small screen: /help a page at a time, /names in columns.
t_small() {
	e2e_tmux resize-window -t "$A" -x 40 -y 12 &&
	    e2e_say "$A" "/window 1" &&
	    e2e_say "$A" "/clear" &&
	    e2e_say "$A" "/help" &&
	    e2e_wait_for "$A" '/help more: lines 1 to' &&
	    e2e_no_match "$A" 'Ctrl-C twice' &&
	    e2e_say "$A" "/clear" &&
	    e2e_say "$A" "/help more" &&
	    e2e_wait_for "$A" '/help more: lines [0-9]+ to' &&
	    e2e_no_match "$A" '/help more: lines 1 to' &&
	    e2e_no_match "$A" 'commands \(a line' &&
	    e2e_say "$A" "/window 3" &&
	    e2e_say "$A" "/names" &&
	    e2e_wait_for "$A" ' (alice +bob|bob +alice)$' &&
	    e2e_wait_for "$A" '#rust: 2 members' &&
	    e2e_tmux resize-window -t "$A" -x "$E2E_COLS" -y "$E2E_ROWS"
}

t_part() {
	e2e_keys "$B" M-3 &&
	    e2e_wait_for "$B" '^ \[online\] bob \| #rust' &&
	    e2e_say "$B" "/part" &&
	    e2e_wait_gone "$B" '^ \[online\] bob \| #rust' &&
	    e2e_wait_for "$A" '^ 3 #rust'
}

# env_client NAME SETTINGS [OPTIONS...]: the client as e2e_client starts
# it, after the shell assignments SETTINGS (such as "TERM=dumb").
env_client() {
	e2e_cname=$1
	e2e_cenv=$2
	shift 2
	e2e_cpane=$(e2e_pane "$e2e_cname" \
	    "$e2e_cenv; export LANG LC_ALL TERM NO_COLOR; '$TXT_CHAT' $* 2>'$E2E_TMP/$e2e_cname.err'; echo \$? >\"$E2E_TMP/status.\$TMUX_PANE\"; exec cat") ||
	    return 1
	echo "$e2e_cname" >"$E2E_TMP/name.$e2e_cpane"
	echo "$e2e_cpane"
}

# A terminal that cannot address the cursor is refused before the screen
# is touched: a clear message and status 2.
t_dumb() {
	p=$(env_client dumb "TERM=dumb NO_COLOR=" -s "127.0.0.1:$E2E_PORT" -n dumb) ||
	    return 1
	e2e_end=$(($(e2e_now_ms) + E2E_WAIT * 1000))
	until e2e_dead "$p"; do
		[ "$(e2e_now_ms)" -lt "$e2e_end" ] || return 1
		sleep 0.05
	done
	[ "$(e2e_exit_status "$p")" = 2 ] &&
	    grep -q 'TERM=dumb cannot move the cursor' "$E2E_TMP/dumb.err"
}

# NO_COLOR: the screen has attributes but no colours at all.
t_no_color() {
	N=$(env_client nocolor "NO_COLOR=1" -s "127.0.0.1:$E2E_PORT" -n nocol) &&
	    e2e_wait_for "$N" '^ \[online\] nocol \| status' &&
	    e2e_wait_for "$A" '^ \[online\] alice' &&
	    e2e_tmux capture-pane -p -e -t "$A" | grep -q '\[[0-9;]*4[0-7][;m]' &&
	    ! e2e_tmux capture-pane -p -e -t "$N" |
	    grep -Eq '\[([0-9;]*;)?([34][0-7]|[34]8;5;[0-9]+)(;[0-9;]*)?m'
}

# A locale that is not UTF-8: ASCII stand-ins, no UTF-8 bytes written.
t_ascii() {
	D=$(env_client ascii "LANG=C LC_ALL=C" -s "127.0.0.1:$E2E_PORT" -n dora) &&
	    e2e_wait_for "$D" '^ \[online\] dora \| status' &&
	    e2e_wait_for "$D" '^ 1 status +\|' &&
	    e2e_say "$D" "/join #rust" &&
	    e2e_wait_for "$D" '^ \[online\] dora \| #rust' &&
	    e2e_say "$A" "/window 3" &&
	    e2e_say "$A" "caf$(printf '\303\251') ok" &&
	    e2e_wait_for "$D" 'alice caf\? ok$' &&
	    ! e2e_capture "$D" | LC_ALL=C grep -q "$(printf '[\200-\377]')" &&
	    e2e_quit_client "$D" && e2e_quit_client "$N"
}

# Alt-Q shows window 11, the first past Alt-0; Alt-W a missing 12th
# changes nothing.
t_alt_row() {
	for n in 1 2 3 4 5 6 7; do
		e2e_say "$A" "/query u$n" || return 1
	done
	e2e_wait_for "$A" '^11 u7' &&
	    e2e_say "$A" "/window 1" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_keys "$A" M-q &&
	    e2e_wait_for "$A" '^ \[online\] alice \| u7' &&
	    e2e_keys "$A" M-1 &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_keys "$A" M-w &&
	    e2e_keys "$A" M-1 &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status'
}

# -h: the full help, with the config file where this environment puts it.
t_help() {
	XDG_CONFIG_HOME="$E2E_TMP/config" "$TXT_CHAT" -h >"$E2E_TMP/help" \
	    2>&1 || return 1
	for w in -- --server --name --scrollback --config --no-color \
	    "config file: $E2E_TMP/config/txt-chat/config" highlight \
	    Alt-Q "man 1 txt-chat"; do
		grep -qF -- "$w" "$E2E_TMP/help" ||
		    { e2e_diag "no '$w' in the help"; return 1; }
	done
}

t_exit() {
	ok=0
	for p in "$A" "$B"; do
		e2e_quit_client "$p" || ok=1
	done
	want=$(default_title)
	got=$(e2e_title "$A")
	if [ "$got" != "$want" ]; then
		e2e_diag "title after exit '$got', want '$want'"
		ok=1
	fi
	e2e_server_stop || ok=1
	return $ok
}

e2e_check "two clients come online" t_online
e2e_check "/join #rust of a channel nobody made makes it; /j joins it" \
    t_join_creates
e2e_check "/query opens the conversation and sends" t_query
e2e_check "/window N shows window N; a missing one is said" t_window
e2e_check "a highlight word and a direct message ring the bell" t_bell
e2e_check "the title shows the unread count" t_title
e2e_check "small screen: /help in pages, /names in columns" t_small
e2e_check "/part leaves the channel" t_part
e2e_check "TERM=dumb is refused with a message and status 2" t_dumb
e2e_check "NO_COLOR: no colours drawn" t_no_color
e2e_check "LANG=C: ASCII stand-ins, no UTF-8 written" t_ascii
e2e_check "Alt-Q shows window 11" t_alt_row
e2e_check "txt-chat -h prints the full help" t_help
e2e_check "clients exit cleanly with their title given back" t_exit
e2e_done
