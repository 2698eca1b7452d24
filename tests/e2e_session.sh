#!/bin/sh
# e2e_session.sh: the real client in tmux against something that is not a
# txt-chatd on the port (tools/fakesrv's banner, silent and slam
# scenarios): it must say what answered, or that nothing did, and must not
# reconnect once a second forever.  TAP output.
# Usage: sh tests/e2e_session.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib/e2e.sh"
e2e_init "${1:-}" session
e2e_plan 7
# The window in which connections to an accept-and-close listener are
# counted, in seconds, and the most allowed in it.  With the back-off
# (1, 2, 4, 8 s, less up to a quarter each) at most 4 fit in 8 s; a client
# that starts again at 1 s after every TCP connect makes 8 or more.
STORM_SECONDS=8
STORM_MAX=5

# An SSH server's greeting is shown, cut and made safe, and named.
t_banner() {
	e2e_fakesrv banner || return 1
	P=$(e2e_client banner -s "127.0.0.1:$E2E_FAKE_PORT" -n victim) &&
	    e2e_wait_for "$P" 'is not a txt-chatd server: it' &&
	    e2e_wait_for "$P" 'SSH-2.0-OpenSSH_9.2p1' &&
	    e2e_wait_for "$P" 'reconnecting in|trying again in'
}

t_banner_quit() {
	e2e_quit_client "$P"
}

# A listener that never answers: said within a few seconds.
t_silent() {
	kill -TERM "$E2E_FAKE_PID" 2>/dev/null
	e2e_fakesrv silent || return 1
	P=$(e2e_client silent -s "127.0.0.1:$E2E_FAKE_PORT" -n victim) &&
	    e2e_wait_for "$P" 'no answer from 127.0.0.1:[0-9]+ after 5 s' 20
}

t_silent_quit() {
	e2e_quit_client "$P"
}

# A listener that accepts and closes: the connections back off.
t_storm() {
	kill -TERM "$E2E_FAKE_PID" 2>/dev/null
	e2e_fakesrv slam || return 1
	P=$(e2e_client slam -s "127.0.0.1:$E2E_FAKE_PORT" -n victim) &&
	    e2e_wait_file "$E2E_FAKE_LOG" '^accept 1$' || return 1
	sleep "$STORM_SECONDS"
	n=$(grep -c '^accept ' "$E2E_FAKE_LOG")
	e2e_diag "$n connections in about $STORM_SECONDS s (at most $STORM_MAX)"
	[ "$n" -le "$STORM_MAX" ]
}

# It still says why it is not online.  The listener closes with the
# client's hello unread or not, so the kernel reports a close or a reset.
t_storm_said() {
	e2e_wait_for "$P" 'server closed the connection|connection reset by peer'
}

t_storm_quit() {
	e2e_quit_client "$P"
}

e2e_check "banner: the SSH greeting is shown as what answered" t_banner
e2e_check "banner: /quit exits cleanly" t_banner_quit
e2e_check "silent: 'no answer after 5 s' is said" t_silent
e2e_check "silent: /quit exits cleanly" t_silent_quit
e2e_check "accept-and-close: at most $STORM_MAX connections in $STORM_SECONDS s" t_storm
e2e_check "accept-and-close: the reason is shown" t_storm_said
e2e_check "accept-and-close: /quit exits cleanly" t_storm_quit
kill -TERM "$E2E_FAKE_PID" 2>/dev/null
e2e_done
