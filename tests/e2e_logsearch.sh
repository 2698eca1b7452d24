#!/bin/sh
# e2e_logsearch.sh: chat logs on disk and search in the scrollback, used as
# a person would: chat, read the log file, /quit and read it again, then
# Ctrl-R through the scrollback.  TAP output.
# Usage: sh tests/e2e_logsearch.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib/e2e.sh"
e2e_init "${1:-}" logsearch
e2e_plan 6
A="" B=""

# The log of a window today, under the test's own XDG_DATA_HOME.
logfile() {
	echo "$E2E_TMP/data/txt-chat/logs/127.0.0.1:$E2E_PORT/$1/$(date +%Y-%m-%d).log"
}

row() {
	printf '[0-9]{2}:[0-9]{2} +%s %s$' "$1" "$2"
}

t_online() {
	e2e_server_start 0 --flood-rate 0 || return 1
	A=$(e2e_client alice -s "127.0.0.1:$E2E_PORT" -n alice) &&
	    B=$(e2e_client bob -s "127.0.0.1:$E2E_PORT" -n bob --no-log) &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_wait_for "$B" '^ \[online\] bob \| status' &&
	    e2e_say "$A" "/create rust" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| rust \(1\)' &&
	    e2e_say "$B" "/join rust" &&
	    e2e_wait_for "$A" '-- bob joined$'
}

# Lines reach the file within the flush interval (1 s), safe and 0600.
t_log() {
	f=$(logfile rust)
	e2e_say "$A" "hello from alice" &&
	    e2e_say "$B" "hi from bob" &&
	    e2e_type "$B" "/me waves" && e2e_keys "$B" Enter &&
	    e2e_type "$B" "$(printf 'esc \033[31mred')" && e2e_keys "$B" Enter &&
	    e2e_wait_for "$A" "$(row bob 'esc.*red')" &&
	    e2e_wait_file "$f" '^[0-9]{2}:[0-9]{2}:[0-9]{2} <bob> esc' || return 1
	grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2} -- bob joined$' "$f" &&
	    grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2} <alice> hello from alice$' "$f" &&
	    grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2} <bob> hi from bob$' "$f" &&
	    grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2} \* bob waves$' "$f" || {
		e2e_diag_file "$f"
		return 1
	}
	if LC_ALL=C grep -q "$(printf '\033')" "$f"; then
		e2e_diag "an escape byte reached the log"
		return 1
	fi
	e2e_same mode "$(stat -c %a "$f")" 600 &&
	    e2e_same dirmode "$(stat -c %a "$(dirname "$f")")" 700 &&
	    e2e_same "lines of bob's (--no-log) client" \
		"$(grep -c 'hi from bob' "$f")" 1
}

# What is still in memory at /quit is written; a restart's replay of the
# channel's history is not logged again.
t_quit_restart() {
	f=$(logfile rust)
	# Seen (echoed), then /quit at once: within the 1 s the line waits.
	e2e_say "$A" "last words" &&
	    e2e_wait_for "$A" "$(row alice 'last words')" &&
	    e2e_quit_client "$A" &&
	    grep -Eq '<alice> last words$' "$f" || {
		e2e_diag_file "$f"
		return 1
	}
	A=$(e2e_client alice2 -s "127.0.0.1:$E2E_PORT" -n alice) &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_say "$A" "/join rust" &&
	    e2e_wait_for "$A" "$(row alice 'last words')" &&
	    e2e_say "$B" "after the restart" &&
	    e2e_wait_file "$f" '<bob> after the restart$' || return 1
	for l in 'hello from alice' 'hi from bob' 'last words'; do
		e2e_same "lines '$l'" "$(grep -c "$l" "$f")" 1 || {
			e2e_diag_file "$f"
			return 1
		}
	done
}

# Bob fills the channel: "needle N" every 20 lines, hay between, more than
# a screen; alice searches.
t_fill() {
	i=0
	while [ $i -lt 60 ]; do
		if [ $((i % 20)) -eq 5 ]; then
			e2e_say "$B" "a Needle $i here" || return 1
		else
			e2e_say "$B" "hay $i" || return 1
		fi
		i=$((i + 1))
	done
	e2e_wait_for "$A" "$(row bob 'hay 59')"
}

# The pane with attributes: reverse video shows as SGR 7.
reverse_needle() {
	e2e_tmux capture-pane -e -p -t "$A" >"$E2E_TMP/attrs" &&
	    grep -q "$(printf '\033')\\[7m[^ ]*Needle[^ ]* $1 here" \
		"$E2E_TMP/attrs" && return 0
	e2e_diag "no 'Needle' in reverse video on the row of $1"
	return 1
}

t_search() {
	e2e_keys "$A" C-r &&
	    e2e_wait_for "$A" '^search: ?$' &&
	    e2e_type "$A" "needle" &&
	    e2e_wait_for "$A" '^search: needle \(3/3\)$' &&
	    e2e_wait_for "$A" "$(row bob 'a Needle 45 here')" &&
	    reverse_needle 45 || return 1
	# Ctrl-R again, Up: older; Ctrl-S: newer.
	e2e_keys "$A" C-r &&
	    e2e_wait_for "$A" '^search: needle \(2/3\)$' &&
	    e2e_wait_for "$A" "$(row bob 'a Needle 25 here')" &&
	    e2e_no_match "$A" 'hay 59' &&
	    reverse_needle 25 &&
	    e2e_keys "$A" Up &&
	    e2e_wait_for "$A" '^search: needle \(1/3\)$' &&
	    e2e_wait_for "$A" "$(row bob 'a Needle 5 here')" &&
	    e2e_keys "$A" C-s &&
	    e2e_wait_for "$A" '^search: needle \(2/3\)$' &&
	    e2e_keys "$A" C-r C-r &&
	    e2e_wait_for "$A" '^search: needle \(1/3, no older\)$' &&
	    e2e_type "$A" "xyz" &&
	    e2e_wait_for "$A" '^search: needlexyz not found$' || return 1
	# Escape: the view follows the newest line again, prompt back.
	e2e_keys "$A" Escape &&
	    e2e_wait_for "$A" '^\[rust\] *$' &&
	    e2e_wait_for "$A" "$(row bob 'hay 59')" &&
	    e2e_no_match "$A" 'a Needle 5 here|search:' || return 1
	# /search and Enter: the view stays at the match.
	e2e_say "$A" "/search NEEDLE 2" &&
	    e2e_wait_for "$A" '^search: NEEDLE 2 \(1/1\)$' &&
	    e2e_keys "$A" Enter &&
	    e2e_wait_for "$A" '^\[rust\] *$' &&
	    e2e_wait_for "$A" "$(row bob 'a Needle 25 here')" &&
	    e2e_wait_for "$A" '[0-9]+ more below' &&
	    e2e_no_match "$A" 'hay 59'
}

t_exit() {
	ok=0
	for p in "$A" "$B"; do
		e2e_quit_client "$p" || ok=1
	done
	e2e_server_stop || ok=1
	return $ok
}

e2e_check "two clients online in one channel, one with --no-log" t_online
e2e_check "the log file holds messages, actions and joins, no escapes, 0600" t_log
e2e_check "/quit writes what is pending; a restart's replay is not logged twice" t_quit_restart
e2e_check "a screenful and more of lines to search" t_fill
e2e_check "Ctrl-R: incremental, highlighted, older/newer, Escape and Enter" t_search
e2e_check "clients and server exit cleanly, no sanitizer report" t_exit
e2e_done
