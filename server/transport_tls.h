/* transport_tls.h: the TLS transport (OpenSSL 3) and its certificate. */
#ifndef SERVER_TRANSPORT_TLS_H
#define SERVER_TRANSPORT_TLS_H

#include <stddef.h>

#include "transport.h"

/* OpenSSL's SSL_CTX, kept opaque so that callers need no OpenSSL headers. */
struct ssl_ctx_st;

/* Bytes of a SHA-256 fingerprint as "AB:CD:...", counting the terminator. */
#define TRANSPORT_TLS_FP_MAX (32 * 3)

/*
 * A server context from the PEM certificate chain in cert and the private
 * key in key: TLS 1.2 and later, OpenSSL's default ciphers at security
 * level 2 or above, no renegotiation, no session state kept.  Returns it,
 * or NULL with err filled.  Connections made from it keep it alive after
 * transport_tls_free(), so a reload can swap contexts under them.
 */
struct ssl_ctx_st *transport_tls_new(
    const char *cert, const char *key, char *err, size_t err_size);

/* Drops the caller's reference; NULL does nothing. */
void transport_tls_free(struct ssl_ctx_st *ctx);

/*
 * Makes t the server side of TLS over the non-blocking socket fd, which t
 * then owns; the handshake runs through t->ops->handshake.  Returns 0, or
 * -1 if out of memory (fd then stays the caller's).
 */
int transport_tls_init(struct transport *t, int fd, struct ssl_ctx_st *ctx);

/*
 * The SHA-256 fingerprint of ctx's certificate, as openssl x509
 * -fingerprint -sha256 prints it, into buf (TRANSPORT_TLS_FP_MAX bytes).
 * Returns 0, or -1.
 */
int transport_tls_fingerprint(struct ssl_ctx_st *ctx, char *buf, size_t size);

/*
 * Formats n bytes at d as upper-case hex pairs joined by ':' into buf.
 * Returns the length, or 0 if buf (size bytes) is too small.
 */
size_t transport_tls_hex(
    const unsigned char *d, size_t n, char *buf, size_t size);

/*
 * Unless cert exists: creates an EC P-256 key in key and a certificate
 * for it signed by itself in cert, both mode 0600, replacing key.
 * Returns 1 if it created them, 0 if cert existed, -1 with err filled.
 */
int transport_tls_self_signed(
    const char *cert, const char *key, char *err, size_t err_size);

#endif
