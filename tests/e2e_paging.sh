#!/bin/sh
# e2e_paging.sh: the real client in tmux scrolls back past what the join
# replayed: a server without a database has nothing older ("loading",
# then "beginning of history"); one with --db sends the older lines from
# its store, page by page, each line once and in order.  TAP output.
# Usage: sh tests/e2e_paging.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib/e2e.sh"
e2e_init "${1:-}" paging
e2e_plan 10
A="" E2E_RAW_PID=""

# The server keeps 150 lines of a channel; 200 are said before alice joins.
KEPT=150
SAID=200
# With --db it caches 40 in RAM and stores all 200.
CACHED=40

# The numbers of the "page NNN" rows shown, top to bottom.
pages_shown() {
	e2e_capture "$1" | sed -n 's/.* page \([0-9][0-9][0-9]\)$/\1/p'
}

# The rows shown hold pages FIRST to LAST, each once, in order.
shows_pages() {
	got=$(pages_shown "$A" | tr '\n' ' ')
	want=$(for i in $(seq "$1" "$2"); do printf '%03d ' "$i"; done)
	if [ "$got" != "$want" ]; then
		e2e_diag "pages shown: $got"
		e2e_diag "pages wanted: $want"
		e2e_show "$A"
		return 1
	fi
}

# t_online [SERVER-OPTION...]: the keeper says the 200 lines, alice comes.
t_online() {
	set -- "$@" --
	for i in $(seq 1 "$SAID"); do
		set -- "$@" "$(printf 'page %03d' "$i")"
	done
	# The server's options, up to "--"; the keeper's lines after it.
	srv_opts=""
	while [ "$1" != -- ]; do
		srv_opts="$srv_opts $1"
		shift
	done
	shift
	# shellcheck disable=SC2086 # the options are words
	e2e_server_start 0 --flood-rate 0 $srv_opts || return 1
	# The keeper makes the channel, fills it and stays, so it lives on.
	e2e_rawcli_bg "$E2E_TMP/keeper.$E2E_PORT.out" -e -n keeper -c paged \
	    -t 120000 "$E2E_PORT" "$@" || return 1
	A=$(e2e_client "$NAME" -s "127.0.0.1:$E2E_PORT" -n alice) &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status'
}

# The join replays the 150 lines kept: 51 to 200.
t_join() {
	e2e_say "$A" "/join paged" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| paged \(2\)' &&
	    e2e_wait_for "$A" 'you joined paged' &&
	    e2e_wait_for "$A" ' keeper page 200$' &&
	    e2e_no_match "$A" 'page 050$'
}

# At the oldest line, Alt-Home asks the server for older lines: while it
# does not answer (stopped) the window says it is loading; then that the
# server keeps nothing older.
t_begin() {
	kill -STOP "$E2E_SRV_PID" &&
	    e2e_keys "$A" M-Home &&
	    e2e_wait_for "$A" ' page 051$' &&
	    e2e_wait_for "$A" '─ loading older lines… ─' || {
		kill -CONT "$E2E_SRV_PID"
		return 1
	}
	kill -CONT "$E2E_SRV_PID" &&
	    e2e_wait_for "$A" '─ beginning of history ─' &&
	    e2e_wait_gone "$A" 'loading older lines' &&
	    e2e_no_match "$A" 'page 050$' || return 1
	# The marker is right above the oldest line.
	e2e_capture "$A" | grep -A1 'beginning of history' | tail -1 |
	    grep -Eq ' page 051$' || {
		e2e_diag "the oldest line is not under the marker"
		e2e_show "$A"
		return 1
	}
}

# The join replays the 40 lines cached: 161 to 200.
t_db_join() {
	e2e_say "$A" "/join paged" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| paged \(2\)' &&
	    e2e_wait_for "$A" 'you joined paged' &&
	    e2e_wait_for "$A" ' keeper page 200$' &&
	    e2e_no_match "$A" 'page 160$'
}

# Right after the join, Alt-Home at the oldest line fetches the older lines
# from the store, 100 and then 60, until the beginning of history.
t_db_fetch() {
	e2e_keys "$A" M-Home &&
	    e2e_wait_for "$A" ' page 160$' &&
	    e2e_wait_gone "$A" 'loading older lines' &&
	    e2e_no_match "$A" 'beginning of history' || return 1
	# The view stays where it was while 61 to 160 arrive above it: the
	# row that said "loading" shows the newest of them.
	bottom=$(pages_shown "$A" | tail -1)
	top=$(pages_shown "$A" | head -1)
	e2e_same "the top row after the first page came" "$top" 160 &&
	    e2e_same "the bottom row" "$bottom" "$((160 + E2E_ROWS - 3))" &&
	    e2e_keys "$A" M-Home &&
	    e2e_wait_for "$A" ' page 060$' &&
	    e2e_wait_gone "$A" 'loading older lines' &&
	    e2e_keys "$A" M-Home &&
	    e2e_wait_for "$A" '─ beginning of history ─' &&
	    e2e_wait_for "$A" ' page 001$'
}

# t_order FIRST: paging down from the beginning (page FIRST) shows every
# line once, in order.
t_order() {
	shows_pages "$1" $(($1 + $(pages_shown "$A" | wc -l) - 1)) || return 1
	last=$(pages_shown "$A" | tail -1)
	while [ "$last" != 200 ]; do
		e2e_keys "$A" NPage || return 1
		e2e_wait_changed_pages "$last" || return 1
		last=$(pages_shown "$A" | tail -1)
		first=$(pages_shown "$A" | head -1)
		shows_pages "$first" "$last" || return 1
	done
}

# Waits until the last page row shown is no longer $1.
e2e_wait_changed_pages() {
	end=$(($(e2e_now_ms) + E2E_WAIT * 1000))
	while [ "$(pages_shown "$A" | tail -1)" = "$1" ]; do
		if [ "$(e2e_now_ms)" -ge "$end" ]; then
			e2e_diag "PgDn did not move the view past page $1"
			e2e_show "$A"
			return 1
		fi
		sleep 0.05
	done
}

t_exit() {
	ok=0
	e2e_quit_client "$A" || ok=1
	kill -TERM "$E2E_RAW_PID" 2>/dev/null
	e2e_server_stop || ok=1
	return $ok
}

NAME=alice
e2e_check "a channel with 200 lines, 150 kept; alice comes online" \
    t_online --history "$KEPT"
e2e_check "the join replays the 150 lines the server keeps" t_join
e2e_check "Alt-Home at the oldest line: loading, then beginning of history" t_begin
e2e_check "paging down shows each line once, in order" t_order 51
e2e_check "the client and the server exit cleanly" t_exit
NAME=alice2
e2e_check "with --db: 200 lines stored, 40 cached; alice comes online" \
    t_online --db "$E2E_TMP/chat.db" --history "$CACHED"
e2e_check "the join replays the 40 lines cached" t_db_join
e2e_check "Alt-Home right after the join fetches older lines from the store" \
    t_db_fetch
e2e_check "paging down from the first line shows each once, in order" \
    t_order 1
e2e_check "the client and the server exit cleanly, with --db too" t_exit
e2e_done
