#!/bin/sh
# e2e_accounts.sh: accounts used as a person would: /register, a restart,
# /login with the password unseen (not on the screen, in the chat logs or
# in the scrollback), offline direct messages shown after logging in,
# unread counts restored from read markers after a restart, pass_cmd
# logging in by itself, again after a reconnect, read markers shared by two
# devices, and a TLS-only server: tls:// said on plaintext, used over TLS.
# TAP output.
# Usage: sh tests/e2e_accounts.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib/e2e.sh"
e2e_init "${1:-}" accounts
e2e_plan 11
A="" A2="" B="" C=""
# The passwords: what must never show, nor reach a file.
PW_A="h0rse-battery-staple"
PW_B="c0rrect-b0b-pass"

row() {
	printf '[0-9]{2}:[0-9]{2} +%s %s$' "$1" "$2"
}

# A password's question, with what is typed typed; nothing of it shows.
typed_unseen() {
	e2e_wait_for "$1" "^$2" &&
	    e2e_type "$1" "$3" &&
	    e2e_wait_for "$1" "^$2" &&
	    e2e_no_match "$1" "$3|${3%???????????}"
}

t_online() {
	e2e_server_start 0 --flood-rate 0 --db "$E2E_TMP/chat.db" \
	    --allow-plaintext-login || return 1
	A=$(e2e_client alice -s "127.0.0.1:$E2E_PORT" -n alice) &&
	    B=$(e2e_client bob -s "127.0.0.1:$E2E_PORT" -n bob) &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_wait_for "$B" '^ \[online\] bob \| status'
}

# /register: the password twice, never on the screen.
t_register() {
	e2e_say "$A" "/register" &&
	    typed_unseen "$A" 'new password for alice' "$PW_A" &&
	    e2e_keys "$A" Enter &&
	    typed_unseen "$A" 'the same password again' "$PW_A" &&
	    e2e_keys "$A" Enter &&
	    e2e_wait_for "$A" 'the account alice is registered' &&
	    e2e_no_match "$A" "$PW_A" &&
	    e2e_say "$B" "/register" &&
	    typed_unseen "$B" 'new password for bob' "$PW_B" &&
	    e2e_keys "$B" Enter &&
	    typed_unseen "$B" 'the same password again' "$PW_B" &&
	    e2e_keys "$B" Enter &&
	    e2e_wait_for "$B" 'the account bob is registered' &&
	    e2e_say "$A" "/create rust" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| rust \(1\)' &&
	    e2e_say "$B" "/join rust" &&
	    e2e_wait_for "$A" '-- bob joined$' &&
	    e2e_say "$A" "before the restart" &&
	    e2e_wait_for "$B" "$(row alice 'before the restart')"
}

# alice leaves; bob writes to her and in rust; a password on the command
# line is refused and kept nowhere.
t_away() {
	e2e_quit_client "$A" || return 1
	e2e_say "$B" "/msg alice sent while you were away" &&
	    e2e_wait_for "$B" "sent while you were away" &&
	    e2e_say "$B" "rust line one" &&
	    e2e_say "$B" "rust line two" &&
	    e2e_wait_for "$B" "$(row bob 'rust line two')" || return 1
	A=$(e2e_client alice2 -s "127.0.0.1:$E2E_PORT" -n alice) &&
	    e2e_wait_for "$A" 'alice is a registered account: /login alice' &&
	    e2e_say "$A" "/login alice $PW_A" &&
	    e2e_wait_for "$A" 'not sent, and not kept' &&
	    e2e_no_match "$A" "$PW_A" &&
	    e2e_keys "$A" Up &&
	    e2e_no_match "$A" "$PW_A"
}

# /login: unseen; the offline DM in its window, under its notice; rust
# rejoined with its unread lines.
t_login() {
	e2e_keys "$A" C-u &&
	    e2e_say "$A" "/login" &&
	    typed_unseen "$A" 'password for alice' "$PW_A" &&
	    e2e_keys "$A" Enter &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_wait_for "$A" 'logged in as alice' &&
	    e2e_wait_for "$A" 'alice: 1 channel rejoined, 1 message' &&
	    e2e_wait_for "$A" '^ [0-9]!?bob +1│' &&
	    e2e_wait_for "$A" '^ [0-9] rust +2│' &&
	    e2e_no_match "$A" "$PW_A" &&
	    e2e_keys "$A" M-4 &&
	    e2e_wait_for "$A" '^ \[online\] alice \| bob' &&
	    e2e_wait_for "$A" '-- sent to you while you were away:$' &&
	    e2e_wait_for "$A" "$(row bob 'sent while you were away')"
}

# The password is in no chat log and nowhere in the scrollback.
t_nowhere() {
	if grep -rq -e "$PW_A" -e "$PW_B" "$E2E_TMP/data"; then
		e2e_diag "a password reached a file under XDG_DATA_HOME"
		return 1
	fi
	for w in M-1 M-3 M-4; do
		e2e_keys "$A" "$w" &&
		    e2e_keys "$A" C-r &&
		    e2e_type "$A" "$PW_A" &&
		    e2e_wait_for "$A" "^search: $PW_A not found" &&
		    e2e_keys "$A" Escape &&
		    e2e_wait_gone "$A" '^search:' || return 1
	done
}

# rust read on this device: the marker moves (mark_read goes in the turn
# that draws the line, before any key after it); after a restart with
# account and pass_cmd, rust shows only what came since as unread (3 if
# the marker had not moved), with the new line above it.
t_unread_restored() {
	e2e_keys "$A" M-3 &&
	    e2e_wait_for "$A" '^ \[online\] alice \| rust' &&
	    e2e_wait_for "$A" "$(row bob 'rust line two')" &&
	    e2e_keys "$A" M-1 &&
	    e2e_wait_for "$A" '^ 3 rust +│' &&
	    e2e_say "$B" "rust line three" &&
	    e2e_wait_for "$A" '^ 3 rust +1│' &&
	    e2e_quit_client "$A" || return 1
	printf 'account = alice\npass_cmd = echo %s\n' \
	    "$PW_A" >"$E2E_TMP/alice.conf"
	A=$(e2e_client alice3 -c "$E2E_TMP/alice.conf" \
	    -s "127.0.0.1:$E2E_PORT") &&
	    e2e_wait_for "$A" 'logged in as alice' &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_wait_for "$A" '^ [0-9] rust +1│' &&
	    e2e_keys "$A" M-3 &&
	    e2e_wait_for "$A" '── new ─' &&
	    e2e_wait_for "$A" "$(row bob 'rust line three')"
}

# A reconnect logs in again by itself.
t_reconnect() {
	e2e_server_stop || return 1
	e2e_server_start "$E2E_PORT" --flood-rate 0 --db "$E2E_TMP/chat.db" \
	    --allow-plaintext-login || return 1
	e2e_wait_for "$A" 'disconnected' &&
	    e2e_wait_for "$A" '^ \[online\] alice \| rust' 20 &&
	    e2e_wait_for "$B" '^ \[online\] bob' 20 &&
	    e2e_say "$B" "after the reconnect" &&
	    e2e_wait_for "$A" "$(row bob 'after the reconnect')"
}

# Two devices of one account: what one reads, the other no longer counts.
# The second device may start with the line after the reconnect unread
# (the first sends its marker at most once a second, and not while the
# window catches up), so only what follows is counted exactly.
t_two_devices() {
	e2e_keys "$A" M-1 &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' || return 1
	A2=$(e2e_client alice4 -c "$E2E_TMP/alice.conf" \
	    -s "127.0.0.1:$E2E_PORT") &&
	    e2e_wait_for "$A2" 'logged in as alice' &&
	    e2e_wait_for "$A2" '^ 3 rust +[0-9]*│' &&
	    e2e_say "$B" "for both devices" &&
	    e2e_wait_for "$A" '^ 3 rust +1│' &&
	    e2e_wait_for "$A2" '^ 3 rust +[12]│' &&
	    e2e_keys "$A2" M-3 &&
	    e2e_wait_for "$A2" "$(row bob 'for both devices')" &&
	    e2e_wait_for "$A" '^ 3 rust +│' &&
	    e2e_quit_client "$A2"
}

# A server that takes passwords over TLS only: on its plaintext port the
# refusal says to use tls://; over tls:// /register works.
t_tls() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -days 2 -subj "/CN=acct" -keyout "$E2E_TMP/acct.key" \
	    -out "$E2E_TMP/acct.pem" >/dev/null 2>&1 || return 1
	e2e_server_start 0 -v --db "$E2E_TMP/tls.db" --tls-listen \
	    127.0.0.1:0 --tls-cert "$E2E_TMP/acct.pem" \
	    --tls-key "$E2E_TMP/acct.key" &&
	    e2e_wait_file "$E2E_SRV_LOG" 'listening for TLS on 127.0.0.1:' ||
	    return 1
	tls_port=$(sed -n 's/.*listening for TLS on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
	    "$E2E_SRV_LOG" | head -n 1)
	C=$(e2e_client carol -s "127.0.0.1:$E2E_PORT" -n carol) &&
	    e2e_wait_for "$C" '^ \[online\] carol \| status' &&
	    e2e_say "$C" "/register" &&
	    typed_unseen "$C" 'new password for carol' "$PW_A" &&
	    e2e_keys "$C" Enter &&
	    typed_unseen "$C" 'the same password again' "$PW_A" &&
	    e2e_keys "$C" Enter &&
	    e2e_wait_for "$C" 'takes passwords only over TLS:' &&
	    e2e_wait_for "$C" 'connect with -s tls://HOST:PORT' &&
	    e2e_quit_client "$C" || return 1
	C=$(e2e_client carol2 -s "tls://127.0.0.1:$tls_port" -n carol) &&
	    e2e_wait_for "$C" '^ \[online\] carol \| status' &&
	    e2e_say "$C" "/register" &&
	    typed_unseen "$C" 'new password for carol' "$PW_A" &&
	    e2e_keys "$C" Enter &&
	    typed_unseen "$C" 'the same password again' "$PW_A" &&
	    e2e_keys "$C" Enter &&
	    e2e_wait_for "$C" 'the account carol is registered' &&
	    e2e_quit_client "$C" && e2e_server_stop
}

# A pass_cmd that fails, or without account: exit 1 before the screen.
t_pass_cmd_fails() {
	printf 'account = alice\npass_cmd = echo oops >&2; exit 3\n' \
	    >"$E2E_TMP/bad.conf"
	printf 'pass_cmd = echo %s\n' "$PW_A" >"$E2E_TMP/noacct.conf"
	P=$(e2e_client badcmd -c "$E2E_TMP/bad.conf" -s 127.0.0.1:1) &&
	    Q=$(e2e_client noacct -c "$E2E_TMP/noacct.conf" -s 127.0.0.1:1) ||
	    return 1
	e2e_end=$(($(e2e_now_ms) + E2E_WAIT * 1000))
	until e2e_dead "$P" && e2e_dead "$Q"; do
		[ "$(e2e_now_ms)" -lt "$e2e_end" ] || return 1
		sleep 0.05
	done
	e2e_same "status of a failing pass_cmd" "$(e2e_exit_status "$P")" 1 &&
	    grep -q 'pass_cmd failed (exit status 3)' "$E2E_TMP/badcmd.err" &&
	    e2e_same "status without account" "$(e2e_exit_status "$Q")" 1 &&
	    grep -q 'pass_cmd needs account' "$E2E_TMP/noacct.err"
}

t_exit() {
	e2e_quit_client "$A" && e2e_quit_client "$B" && e2e_server_stop
}

e2e_check "alice and bob online as guests" t_online
e2e_check "/register asks twice, unseen" t_register
e2e_check "a password typed after /login is refused and kept nowhere" t_away
e2e_check "/login unseen; offline DM and unread after login" t_login
e2e_check "no password in the chat logs or the scrollback" t_nowhere
e2e_check "unread restored after a restart; pass_cmd logs in" \
    t_unread_restored
e2e_check "a reconnect logs in again" t_reconnect
e2e_check "a channel read on one device is read on the other" t_two_devices
e2e_check "the clients and the server exit cleanly" t_exit
e2e_check "without --allow-plaintext-login: tls:// said, and used" t_tls
e2e_check "a failing pass_cmd, or one without account, exits 1" \
    t_pass_cmd_fails
e2e_done
