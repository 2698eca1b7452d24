# e2e.sh: shared helpers of the end-to-end tests: servers, a private tmux, polling, TAP.
#
# A test script sources this file and calls e2e_init with the build
# directory (its first argument) and a short name; everything it starts is
# stopped by an exit trap whatever happens.  Every wait polls (about every
# 50 ms) against a deadline, so the tests are fast when things work and
# bounded when they do not.  POSIX sh; needs tmux, GNU coreutils and procps.

# Seconds a wait gives its condition unless told otherwise.
E2E_WAIT=${E2E_WAIT:-10}
# Size of the tmux windows the clients run in.
E2E_COLS=100
E2E_ROWS=30

E2E_N=0
E2E_FAILED=0
E2E_PLAN=0
E2E_PIDS=""
E2E_TMP=""
E2E_SOCK=""

# --- set-up and clean-up -------------------------------------------------

# e2e_init BUILD_DIR NAME: paths, a temporary directory, traps, a tmux.
e2e_init() {
	e2e_build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd) || exit 1
	E2E_NAME=$2
	TXT_CHAT=${TXT_CHAT:-$e2e_build/txt-chat}
	TXT_CHATD=${TXT_CHATD:-$e2e_build/txt-chatd}
	RAWCLI=$e2e_build/tools/rawcli
	FAKESRV=$e2e_build/tools/fakesrv
	LC_ALL=C.UTF-8
	LANG=C.UTF-8
	export LC_ALL LANG
	# ASan's exit-time leak check is part of what the clients are tested
	# for; their reports go to a file per client.
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
	export ASAN_OPTIONS
	trap e2e_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/e2e-$E2E_NAME.XXXXXX") || exit 1
	E2E_SOCK="e2e-$E2E_NAME-$$"
	for f in "$TXT_CHAT" "$TXT_CHATD" "$RAWCLI" "$FAKESRV"; do
		if [ ! -x "$f" ]; then
			echo "1..0 # SKIP $f not built (make B=... tests)"
			exit 0
		fi
	done
	if ! command -v tmux >/dev/null 2>&1; then
		echo "1..0 # SKIP no tmux"
		exit 0
	fi
	# The clients' terminal type: tmux's own if the system knows it.
	E2E_TERM=screen
	for t in tmux-256color screen-256color; do
		if infocmp "$t" >/dev/null 2>&1; then
			E2E_TERM=$t
			break
		fi
	done
	e2e_tmux_start
}

e2e_cleanup() {
	status=$?
	trap - EXIT HUP INT TERM
	if [ -n "$E2E_SOCK" ]; then
		e2e_tmux kill-server >/dev/null 2>&1
	fi
	for p in $E2E_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $E2E_PIDS; do
		e2e_wait_exit "$p" 3 || kill -KILL "$p" 2>/dev/null
	done
	if [ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ]; then
		# Keep what the programs said when something failed.
		if [ "$E2E_FAILED" -ne 0 ] || [ "$status" -ne 0 ]; then
			mkdir -p "$e2e_build/test-logs"
			rm -rf "$e2e_build/test-logs/$E2E_NAME-files"
			cp -r "$E2E_TMP" "$e2e_build/test-logs/$E2E_NAME-files"
			echo "# files kept in $e2e_build/test-logs/$E2E_NAME-files"
		fi
		# Clients killed with tmux may still be writing their status.
		rm -rf "$E2E_TMP" 2>/dev/null ||
		    { sleep 0.2; rm -rf "$E2E_TMP"; }
	fi
	exit "$status"
}

# e2e_track PID: stopped by the exit trap.
e2e_track() {
	E2E_PIDS="$E2E_PIDS $1"
}

# e2e_untrack PID
e2e_untrack() {
	e2e_left=""
	for p in $E2E_PIDS; do
		[ "$p" = "$1" ] || e2e_left="$e2e_left $p"
	done
	E2E_PIDS=$e2e_left
}

# --- time, processes, files ---------------------------------------------

e2e_now_ms() {
	date +%s%3N
}

# e2e_alive PID: true while PID runs (a zombie has stopped running).
e2e_alive() {
	[ -r "/proc/$1/status" ] || return 1
	e2e_state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' \
	    "/proc/$1/status" 2>/dev/null)
	[ -n "$e2e_state" ] && [ "$e2e_state" != Z ] && [ "$e2e_state" != X ]
}

# e2e_wait_exit PID [SECONDS]: true once PID stopped running.
e2e_wait_exit() {
	e2e_end=$(($(e2e_now_ms) + ${2:-$E2E_WAIT} * 1000))
	while e2e_alive "$1"; do
		[ "$(e2e_now_ms)" -lt "$e2e_end" ] || return 1
		sleep 0.05
	done
	return 0
}

# e2e_wait_file FILE REGEX [SECONDS]: until a line of FILE matches.
e2e_wait_file() {
	e2e_end=$(($(e2e_now_ms) + ${3:-$E2E_WAIT} * 1000))
	until [ -f "$1" ] && grep -Eq -- "$2" "$1"; do
		if [ "$(e2e_now_ms)" -ge "$e2e_end" ]; then
			e2e_diag "timed out waiting for /$2/ in $(basename "$1")"
			[ -f "$1" ] && e2e_diag_file "$1"
			return 1
		fi
		sleep 0.05
	done
}

# e2e_rss_kib PID: the resident set of PID in KiB.
e2e_rss_kib() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status" \
	    2>/dev/null
}

# --- TAP -----------------------------------------------------------------

e2e_diag() {
	echo "# $*"
}

# e2e_diag_file FILE: its last 60 lines as diagnostics.
e2e_diag_file() {
	tail -n 60 "$1" | sed 's/^/# | /'
}

e2e_plan() {
	E2E_PLAN=$1
	echo "1..$1"
}

# e2e_check DESCRIPTION COMMAND [ARGS...]: one numbered test.  The command
# runs in this shell, so what it sets stays set.
e2e_check() {
	e2e_desc=$1
	shift
	E2E_N=$((E2E_N + 1))
	# Without its tmux nothing can pass: fail fast rather than wait.
	if ! e2e_tmux has-session -t e2e 2>/dev/null; then
		E2E_FAILED=$((E2E_FAILED + 1))
		echo "not ok $E2E_N - $e2e_desc # the tmux server is gone"
	elif "$@"; then
		echo "ok $E2E_N - $e2e_desc"
	else
		E2E_FAILED=$((E2E_FAILED + 1))
		echo "not ok $E2E_N - $e2e_desc"
	fi
}

# e2e_done: the summary; the exit status says whether all passed.
e2e_done() {
	if [ "$E2E_N" -ne "$E2E_PLAN" ]; then
		e2e_diag "planned $E2E_PLAN tests but ran $E2E_N"
		E2E_FAILED=$((E2E_FAILED + 1))
	fi
	e2e_diag "$E2E_NAME: $((E2E_N - E2E_FAILED)) of $E2E_N passed"
	[ "$E2E_FAILED" -eq 0 ]
	exit $?
}

# --- the private tmux ----------------------------------------------------

e2e_tmux() {
	tmux -L "$E2E_SOCK" -f /dev/null "$@"
}

e2e_tmux_start() {
	e2e_tmux new-session -d -s e2e -n idle -x "$E2E_COLS" -y "$E2E_ROWS" \
	    'exec cat' || exit 1
	e2e_tmux set -g default-size "${E2E_COLS}x$E2E_ROWS" >/dev/null
	e2e_tmux set -g default-terminal "$E2E_TERM" >/dev/null
	# A pane whose program died stays, to be read.
	e2e_tmux set -g remain-on-exit on >/dev/null
}

# e2e_pane NAME COMMAND: a new window running the shell command; prints
# the pane's id.  The command gets a UTF-8 locale, the terminal type and
# an empty configuration directory, so no user's settings get in the way.
e2e_pane() {
	e2e_tmux new-window -d -n "$1" -P -F '#{pane_id}' \
	    "LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=$E2E_TERM XDG_CONFIG_HOME='$E2E_TMP/config' XDG_DATA_HOME='$E2E_TMP/data'; export LANG LC_ALL TERM XDG_CONFIG_HOME XDG_DATA_HOME; $2"
}

# e2e_client NAME [TXT-CHAT OPTIONS...]: the client in its own window;
# prints the pane.  Its standard error (sanitizer reports) goes to
# $E2E_TMP/NAME.err.  A shell runs it and writes its exit status to a file
# (tmux can be slow to learn it), then keeps the pane open with what the
# terminal showed last.
e2e_client() {
	e2e_cname=$1
	shift
	e2e_cpane=$(e2e_pane "$e2e_cname" \
	    "'$TXT_CHAT' $* 2>'$E2E_TMP/$e2e_cname.err'; echo \$? >\"$E2E_TMP/status.\$TMUX_PANE\"; exec cat") ||
	    return 1
	echo "$e2e_cname" >"$E2E_TMP/name.$e2e_cpane"
	echo "$e2e_cpane"
}

# e2e_exit_status PANE: the exit status of the client of a pane, empty
# while it runs.
e2e_exit_status() {
	cat "$E2E_TMP/status.$1" 2>/dev/null
}

# e2e_dead PANE: true once the pane's client has exited.
e2e_dead() {
	[ -f "$E2E_TMP/status.$1" ]
}

# e2e_capture PANE: what the pane shows, one line per row.
e2e_capture() {
	e2e_tmux capture-pane -p -t "$1"
}

# e2e_keys PANE KEY...: tmux key names (Enter, M-2, C-n, PPage, ...).
e2e_keys() {
	e2e_kp=$1
	shift
	e2e_tmux send-keys -t "$e2e_kp" "$@"
}

# e2e_type PANE TEXT: types TEXT literally.
e2e_type() {
	e2e_tmux send-keys -t "$1" -l -- "$2"
}

# e2e_say PANE TEXT: types TEXT and Enter.
e2e_say() {
	e2e_type "$1" "$2" && e2e_keys "$1" Enter
}

# e2e_title PANE: the pane's title (what OSC 0/2 would change).
e2e_title() {
	e2e_tmux display -p -t "$1" '#{pane_title}'
}

# e2e_winname PANE: the window's name (what ESC k would change).
e2e_winname() {
	e2e_tmux display -p -t "$1" '#{window_name}'
}

# e2e_client_pid PANE: the txt-chat process of a pane: the pane's own
# process, or its child when a shell runs the client (as e2e_client does).
e2e_client_pid() {
	e2e_pp=$(e2e_tmux display -p -t "$1" '#{pane_pid}')
	if [ "$(cat "/proc/$e2e_pp/comm" 2>/dev/null)" = txt-chat ]; then
		echo "$e2e_pp"
		return
	fi
	pgrep -P "$e2e_pp" -x txt-chat | head -n 1
}

# e2e_show PANE: the pane as diagnostics, with its state if it died.
e2e_show() {
	if e2e_dead "$1"; then
		e2e_diag "the client of pane $1 exited with status $(e2e_exit_status "$1")"
	fi
	e2e_capture "$1" | sed 's/^/# | /'
}

# e2e_wait_for PANE REGEX [SECONDS]: until a row of the pane matches the
# extended regular expression; on timeout prints the last capture.
e2e_wait_for() {
	e2e_end=$(($(e2e_now_ms) + ${3:-$E2E_WAIT} * 1000))
	while :; do
		e2e_capture "$1" >"$E2E_TMP/capture" 2>/dev/null
		grep -Eq -- "$2" "$E2E_TMP/capture" && return 0
		if [ "$(e2e_now_ms)" -ge "$e2e_end" ]; then
			e2e_diag "timed out after ${3:-$E2E_WAIT} s waiting for /$2/ in pane $1:"
			e2e_show "$1"
			return 1
		fi
		sleep 0.05
	done
}

# e2e_wait_gone PANE REGEX [SECONDS]: until no row of the pane matches.
e2e_wait_gone() {
	e2e_end=$(($(e2e_now_ms) + ${3:-$E2E_WAIT} * 1000))
	while :; do
		e2e_capture "$1" >"$E2E_TMP/capture" 2>/dev/null
		grep -Eq -- "$2" "$E2E_TMP/capture" || return 0
		if [ "$(e2e_now_ms)" -ge "$e2e_end" ]; then
			e2e_diag "timed out after ${3:-$E2E_WAIT} s waiting for /$2/ to go from pane $1:"
			e2e_show "$1"
			return 1
		fi
		sleep 0.05
	done
}

# e2e_wait_screen PANE FILE [SECONDS]: until the pane shows exactly FILE.
e2e_wait_screen() {
	e2e_end=$(($(e2e_now_ms) + ${3:-$E2E_WAIT} * 1000))
	while :; do
		e2e_capture "$1" >"$E2E_TMP/capture" 2>/dev/null
		cmp -s "$2" "$E2E_TMP/capture" && return 0
		if [ "$(e2e_now_ms)" -ge "$e2e_end" ]; then
			e2e_diag "timed out waiting for pane $1 to show again:"
			sed 's/^/# < /' "$2"
			e2e_show "$1"
			return 1
		fi
		sleep 0.05
	done
}

# e2e_wait_changed PANE FILE [SECONDS]: until the pane shows other than FILE.
e2e_wait_changed() {
	e2e_end=$(($(e2e_now_ms) + ${3:-$E2E_WAIT} * 1000))
	while :; do
		e2e_capture "$1" >"$E2E_TMP/capture" 2>/dev/null
		cmp -s "$2" "$E2E_TMP/capture" || return 0
		if [ "$(e2e_now_ms)" -ge "$e2e_end" ]; then
			e2e_diag "timed out waiting for pane $1 to change:"
			e2e_show "$1"
			return 1
		fi
		sleep 0.05
	done
}

# e2e_no_match PANE REGEX: the pane shows no row matching, right now.
e2e_no_match() {
	e2e_capture "$1" >"$E2E_TMP/capture" 2>/dev/null
	if grep -Eq -- "$2" "$E2E_TMP/capture"; then
		e2e_diag "pane $1 shows /$2/ but should not:"
		e2e_show "$1"
		return 1
	fi
}

# e2e_same NAME GOT WANT: a diagnostic unless the two strings are equal.
e2e_same() {
	[ "$2" = "$3" ] && return 0
	e2e_diag "$1: got '$2', want '$3'"
	return 1
}

# e2e_alive_pane PANE PROMPT: the client still runs, draws its status line
# and echoes a typed key in the input line ([PROMPT] ...); the input line
# is emptied again after.
e2e_alive_pane() {
	if e2e_dead "$1"; then
		e2e_diag "the client died"
		e2e_show "$1"
		return 1
	fi
	e2e_wait_for "$1" '^ \[(online|offline|connecting|registering)\] ' &&
	    e2e_type "$1" "k7q" &&
	    e2e_wait_for "$1" "^\\[$2\\] .*k7q\$" &&
	    e2e_keys "$1" C-u &&
	    e2e_wait_gone "$1" "^\\[$2\\] .*k7q\$"
}

# e2e_quit_client PANE: /quit, then the pane's client must end with
# status 0 and its standard error must hold no sanitizer report.
e2e_quit_client() {
	e2e_qname=$(cat "$E2E_TMP/name.$1")
	e2e_say "$1" "/quit"
	e2e_end=$(($(e2e_now_ms) + E2E_WAIT * 1000))
	until e2e_dead "$1"; do
		if [ "$(e2e_now_ms)" -ge "$e2e_end" ]; then
			e2e_diag "$e2e_qname did not exit after /quit"
			e2e_show "$1"
			return 1
		fi
		sleep 0.05
	done
	e2e_clean_exit "$e2e_qname" "$(e2e_exit_status "$1")" \
	    "$E2E_TMP/$e2e_qname.err"
}

# e2e_clean_exit WHAT STATUS LOG: status 0 and no sanitizer report in LOG.
e2e_clean_exit() {
	e2e_ok=0
	if [ "$2" != 0 ]; then
		e2e_diag "$1 exited with status $2"
		e2e_ok=1
	fi
	if [ -f "$3" ] &&
	    grep -Eq 'Sanitizer|runtime error|ERROR: ' "$3"; then
		e2e_diag "$1 reported:"
		e2e_diag_file "$3"
		e2e_ok=1
	fi
	return $e2e_ok
}

# --- servers and raw clients --------------------------------------------

# e2e_listen_port LOG PID: waits for "listening on 127.0.0.1:PORT" in LOG
# and prints PORT; fails if PID exits first.
e2e_listen_port() {
	e2e_end=$(($(e2e_now_ms) + E2E_WAIT * 1000))
	while :; do
		e2e_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
		    "$1" 2>/dev/null | head -n 1)
		if [ -n "$e2e_port" ]; then
			echo "$e2e_port"
			return 0
		fi
		if ! e2e_alive "$2" || [ "$(e2e_now_ms)" -ge "$e2e_end" ]; then
			e2e_diag "no 'listening on' from pid $2:" >&2
			e2e_diag_file "$1" >&2
			return 1
		fi
		sleep 0.05
	done
}

# e2e_server_start [PORT [OPTIONS...]]: txt-chatd on 127.0.0.1:PORT (0: any
# free port); sets E2E_PORT, E2E_SRV_PID and E2E_SRV_LOG.
e2e_server_start() {
	e2e_sport=${1:-0}
	[ $# -gt 0 ] && shift
	E2E_SRV_LOG="$E2E_TMP/txt-chatd.$(e2e_now_ms).log"
	"$TXT_CHATD" -l "127.0.0.1:$e2e_sport" --db :memory: "$@" >"$E2E_SRV_LOG" 2>&1 &
	E2E_SRV_PID=$!
	e2e_track "$E2E_SRV_PID"
	E2E_PORT=$(e2e_listen_port "$E2E_SRV_LOG" "$E2E_SRV_PID") || return 1
}

# e2e_server_stop: SIGTERM, then the exit status in E2E_SRV_STATUS (SIGKILL
# after E2E_WAIT seconds); true if it exited cleanly.
e2e_server_stop() {
	kill -TERM "$E2E_SRV_PID" 2>/dev/null
	if ! e2e_wait_exit "$E2E_SRV_PID"; then
		e2e_diag "txt-chatd did not stop on SIGTERM"
		kill -KILL "$E2E_SRV_PID" 2>/dev/null
	fi
	wait "$E2E_SRV_PID"
	E2E_SRV_STATUS=$?
	e2e_untrack "$E2E_SRV_PID"
	e2e_clean_exit txt-chatd "$E2E_SRV_STATUS" "$E2E_SRV_LOG"
}

# e2e_fakesrv SCENARIO [FLOOD-LINES]: the hostile fake server; sets
# E2E_FAKE_PORT, E2E_FAKE_PID and E2E_FAKE_LOG.
e2e_fakesrv() {
	E2E_FAKE_LOG="$E2E_TMP/fakesrv-$1.log"
	"$FAKESRV" "$@" >"$E2E_FAKE_LOG" 2>&1 &
	E2E_FAKE_PID=$!
	e2e_track "$E2E_FAKE_PID"
	E2E_FAKE_PORT=$(e2e_listen_port "$E2E_FAKE_LOG" "$E2E_FAKE_PID") ||
	    return 1
}

# e2e_rawcli OUT RAWCLI-ARGS...: runs rawcli to the end, bounded in time,
# its output in OUT.
e2e_rawcli() {
	e2e_out=$1
	shift
	timeout -k 2 30 "$RAWCLI" "$@" >"$e2e_out" 2>&1
	e2e_rc=$?
	if [ "$e2e_rc" -ne 0 ]; then
		e2e_diag "rawcli $* failed with status $e2e_rc:"
		e2e_diag_file "$e2e_out"
	fi
	return "$e2e_rc"
}

# e2e_rawcli_bg OUT RAWCLI-ARGS...: rawcli -s in the background until it
# is ready; sets E2E_RAW_PID.
e2e_rawcli_bg() {
	e2e_out=$1
	shift
	"$RAWCLI" -s "$@" >"$e2e_out" 2>&1 &
	E2E_RAW_PID=$!
	e2e_track "$E2E_RAW_PID"
	e2e_wait_file "$e2e_out" '^# ready$'
}

# --- Redis, for nodes of one chat ---------------------------------------

# e2e_need_redis: skips the whole test (before its plan) without
# redis-server and redis-cli.
e2e_need_redis() {
	if ! command -v redis-server >/dev/null 2>&1 ||
	    ! command -v redis-cli >/dev/null 2>&1; then
		echo "1..0 # SKIP no redis-server or redis-cli"
		exit 0
	fi
}

# e2e_redis_up: redis-server on E2E_REDIS_PORT with its files (an
# append-only file, fsync every second, as txt-chatd(8) advises) in
# $E2E_TMP/redis, until it answers PING; sets E2E_REDIS_PID.
e2e_redis_up() {
	mkdir -p "$E2E_TMP/redis" || return 1
	redis-server --port "$E2E_REDIS_PORT" --bind 127.0.0.1 --save "" \
	    --appendonly yes --appendfsync everysec --dir "$E2E_TMP/redis" \
	    --logfile "$E2E_TMP/redis/redis.log" >/dev/null 2>&1 &
	E2E_REDIS_PID=$!
	e2e_track "$E2E_REDIS_PID"
	e2e_end=$(($(e2e_now_ms) + E2E_WAIT * 1000))
	while e2e_alive "$E2E_REDIS_PID" &&
	    [ "$(e2e_now_ms)" -lt "$e2e_end" ]; do
		[ "$(redis-cli -p "$E2E_REDIS_PORT" ping 2>/dev/null)" = PONG ] &&
		    return 0
		sleep 0.05
	done
	kill -KILL "$E2E_REDIS_PID" 2>/dev/null
	wait "$E2E_REDIS_PID" 2>/dev/null
	e2e_untrack "$E2E_REDIS_PID"
	return 1
}

# e2e_redis_start: e2e_redis_up on a free loopback port (a few tried);
# sets E2E_REDIS_PORT and E2E_REDIS (host:port, as --redis takes it).
e2e_redis_start() {
	for e2e_try in 1 2 3 4 5; do
		E2E_REDIS_PORT=$((20000 + ($$ * 7 + e2e_try * 977) % 30000))
		if e2e_redis_up; then
			E2E_REDIS="127.0.0.1:$E2E_REDIS_PORT"
			return 0
		fi
	done
	e2e_diag "redis-server did not start"
	[ -f "$E2E_TMP/redis/redis.log" ] && e2e_diag_file "$E2E_TMP/redis/redis.log"
	return 1
}

# e2e_redis_stop: SIGTERM (Redis writes its file and exits), waited for.
e2e_redis_stop() {
	kill -TERM "$E2E_REDIS_PID" 2>/dev/null
	e2e_wait_exit "$E2E_REDIS_PID" || kill -KILL "$E2E_REDIS_PID" 2>/dev/null
	wait "$E2E_REDIS_PID" 2>/dev/null
	e2e_untrack "$E2E_REDIS_PID"
}
