#!/bin/sh
# e2e_tls.sh: the real client over tls:// to txt-chatd's TLS port, chatting
# with a plaintext client; the certificate's fingerprint is stored on first
# use, and a server restarted with another certificate is refused loudly.
# TAP output.
# Usage: sh tests/e2e_tls.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib/e2e.sh"
e2e_init "${1:-}" tls
e2e_plan 6
A="" B="" C="" D="" TLS_PORT=0

row() {
	printf '[0-9]{2}:[0-9]{2} +%s %s$' "$1" "$2"
}

# joined PANE: the message column of the pane as one string without
# blanks, so that fingerprints wrapped over rows read whole.
joined() {
	e2e_capture "$1" | sed 's/^.*│//' | tr -d ' \n'
}

# has TEXT PART: a diagnostic unless TEXT holds PART.
has() {
	case "$1" in
	*"$2"*) return 0 ;;
	esac
	e2e_diag "the screen lacks '$2': $1"
	return 1
}

# certs NAME: a self-signed EC certificate and key in the temporary dir.
certs() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -days 2 -subj "/CN=$1" -keyout "$E2E_TMP/$1.key" \
	    -out "$E2E_TMP/$1.pem" >/dev/null 2>&1
}

# fp NAME: the SHA-256 fingerprint openssl prints for certificate NAME.
fp() {
	openssl x509 -in "$E2E_TMP/$1.pem" -noout -fingerprint -sha256 |
	    sed 's/.*=//'
}

# start NAME: the server on the plain port (0: any) and TLS_PORT.
start() {
	e2e_server_start "${E2E_PORT:-0}" -v --tls-listen \
	    "127.0.0.1:$TLS_PORT" --tls-cert "$E2E_TMP/$1.pem" \
	    --tls-key "$E2E_TMP/$1.key" || return 1
	e2e_wait_file "$E2E_SRV_LOG" 'listening for TLS on 127.0.0.1:' ||
	    return 1
	TLS_PORT=$(sed -n 's/.*listening for TLS on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
	    "$E2E_SRV_LOG" | head -n 1)
}

t_online() {
	certs first && certs second && E2E_PORT=0 && start first || return 1
	A=$(e2e_client alice -s "tls://127.0.0.1:$TLS_PORT" -n alice) &&
	    B=$(e2e_client bob -s "127.0.0.1:$E2E_PORT" -n bob) &&
	    e2e_wait_for "$A" '^ \[online\] alice \| status' &&
	    e2e_wait_for "$B" '^ \[online\] bob \| status' &&
	    e2e_wait_for "$A" "first TLS connection to 127.0.0.1:$TLS_PORT"
}

t_stored() {
	known="$E2E_TMP/data/txt-chat/known_servers"
	want="127.0.0.1:$TLS_PORT $(fp first)"
	e2e_same known_servers "$(cat "$known")" "$want" &&
	    [ "$(stat -c %a "$known")" = 600 ]
}

t_chat() {
	e2e_say "$A" "/create tls" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| tls \(1\)' &&
	    e2e_say "$B" "/join tls" &&
	    e2e_wait_for "$A" '^ \[online\] alice \| tls \(2\)' &&
	    e2e_say "$A" "hello over tls" &&
	    e2e_wait_for "$B" "$(row alice 'hello over tls')" &&
	    e2e_say "$B" "hello in plain text" &&
	    e2e_wait_for "$A" "$(row bob 'hello in plain text')" &&
	    e2e_wait_file "$E2E_TMP/data/txt-chat/logs/127.0.0.1:$TLS_PORT/tls/$(date +%Y-%m-%d).log" \
	        'hello in plain text'
}

# The restarted server shows another certificate: alice says so, with
# both fingerprints and the line to put in known_servers, and stays off.
t_changed() {
	e2e_server_stop || return 1
	start second || return 1
	old=$(fp first) new=$(fp second)
	e2e_wait_for "$A" "CERTIFICATE OF 127\.0\.0\.1:$TLS_PORT HAS CHANGED" 20 &&
	    e2e_wait_for "$A" 'disconnected: server certificate refused' &&
	    screen=$(joined "$A") &&
	    has "$screen" "storedfingerprint:$old" &&
	    has "$screen" "server'snow:$new" &&
	    has "$screen" "in$E2E_TMP/data/txt-chat/known_serverswith:" &&
	    has "$screen" "127.0.0.1:$TLS_PORT$new" &&
	    e2e_wait_for "$B" '^ \[online\] bob' &&
	    e2e_same known_servers "$(cat "$E2E_TMP/data/txt-chat/known_servers")" \
	        "127.0.0.1:$TLS_PORT $old" &&
	    e2e_no_match "$A" 'online\] alice'
}

# --fingerprint pins: the right one connects (known_servers or not), a
# wrong one is refused with both.
t_pinned() {
	C=$(e2e_client carol -s "tls://127.0.0.1:$TLS_PORT" -n carol \
	    --fingerprint "$(fp second)") &&
	    e2e_wait_for "$C" '^ \[online\] carol \| status' &&
	    D=$(e2e_client dave -s "tls://127.0.0.1:$TLS_PORT" -n dave \
	        --fingerprint "$(fp first)") &&
	    e2e_wait_for "$D" 'certificate of 127\.0\.0\.1:[0-9]+ does not match' &&
	    e2e_wait_for "$D" 'disconnected: server certificate refused' &&
	    screen=$(joined "$D") &&
	    has "$screen" "--fingerprint:expected$(fp first),got$(fp second)"
}

t_exit() {
	ok=0
	for p in "$A" "$B" "$C" "$D"; do
		e2e_quit_client "$p" || ok=1
	done
	e2e_server_stop || ok=1
	return $ok
}

e2e_check "a tls:// client and a plaintext client come online" t_online
e2e_check "the fingerprint is stored in known_servers, mode 0600" t_stored
e2e_check "the two chat across TLS and plain text, logged under host:port" t_chat
e2e_check "a changed certificate is refused with both fingerprints" t_changed
e2e_check "--fingerprint: the pinned certificate connects, another is refused" t_pinned
e2e_check "clients and server exit cleanly, no sanitizer report" t_exit
e2e_done
