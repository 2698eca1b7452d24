/* tls.h: the client side of TLS over memory buffers, and known_servers. */
#ifndef TUI_TLS_H
#define TUI_TLS_H

#include <stddef.h>
#include <sys/types.h>

/* Bytes of a SHA-256 fingerprint as "AB:CD:...", counting the terminator. */
#define TLS_FP_MAX (32 * 3)
/* Bytes of one known_servers line, LF included; longer lines are skipped. */
#define TLS_KNOWN_LINE_MAX 512
/* Bytes of the known_servers path, counting the terminator. */
#define TLS_PATH_MAX 4096

/* What tls_handshake() and tls_read() return besides a length. */
enum {
	TLS_AGAIN = 0,  /* more ciphertext must come in first */
	TLS_ERROR = -1, /* the connection is broken: tls_strerror() says why */
	TLS_EOF = -2    /* the server ended the TLS session */
};

/* What tls_known_check() found. */
enum tls_known {
	TLS_KNOWN_NEW,     /* no line for this server yet */
	TLS_KNOWN_MATCH,   /* the stored fingerprint is the one shown */
	TLS_KNOWN_CHANGED, /* another fingerprint is stored: refuse */
	TLS_KNOWN_FAIL     /* the file could not be read */
};

struct tls;

/*
 * The client side of a TLS session with host (a name or an address,
 * copied), exchanging ciphertext through memory: nothing here touches a
 * socket.  The server's certificate is checked against the system CAs
 * and host, but a failed check does not stop the handshake: the caller
 * asks tls_ca_verified() and falls back on the fingerprint.  Returns NULL
 * when out of memory or when OpenSSL refuses, with err filled.
 */
struct tls *tls_new(const char *host, char *err, size_t err_size);

/* Frees everything; NULL does nothing. */
void tls_free(struct tls *t);

/* Hands len bytes of ciphertext read from the server in (copied). */
int tls_feed(struct tls *t, const char *data, size_t len);

/*
 * Moves the handshake on.  Returns 1 once it is done, TLS_AGAIN while it
 * waits for the server (send what tls_take() gives first), TLS_ERROR.
 */
int tls_handshake(struct tls *t);

/*
 * Plaintext from the server into buf: returns the length (> 0),
 * TLS_AGAIN when the fed ciphertext holds no more, TLS_EOF, TLS_ERROR.
 */
ssize_t tls_read(struct tls *t, char *buf, size_t size);

/*
 * Encrypts len bytes of plaintext once the handshake is done; the
 * ciphertext waits for tls_take().  Returns 0 or TLS_ERROR.
 */
int tls_write(struct tls *t, const char *data, size_t len);

/* Ciphertext bytes waiting to go to the server. */
size_t tls_pending(const struct tls *t);

/* Moves up to size bytes of waiting ciphertext into buf; returns how many. */
size_t tls_take(struct tls *t, char *buf, size_t size);

/* Non-zero if the handshake is done and the system CAs vouch for host. */
int tls_ca_verified(const struct tls *t);

/*
 * The SHA-256 fingerprint of the server's certificate, as openssl x509
 * -fingerprint -sha256 prints it, into buf (TLS_FP_MAX bytes).  Returns 0,
 * or -1 before the handshake is done.
 */
int tls_fingerprint(const struct tls *t, char *buf, size_t size);

/* Why the last call failed: static text, or OpenSSL's, kept in t. */
const char *tls_strerror(const struct tls *t);

/*
 * The known_servers path: $XDG_DATA_HOME/txt-chat/known_servers when
 * xdg_data is set and absolute, else home/.local/share/txt-chat/...
 * Returns 0, or -1 if neither is usable or buf is too small.  Pure.
 */
int tls_known_path(
    char *buf, size_t size, const char *xdg_data, const char *home);

/*
 * Looks hostport up in text (the file's contents, len bytes): lines of
 * "host:port fingerprint"; blank lines, lines starting with '#' and lines
 * of TLS_KNOWN_LINE_MAX bytes or more are skipped.  The first line for
 * hostport counts.  Returns TLS_KNOWN_NEW, or MATCH or CHANGED with the
 * stored fingerprint copied into old (TLS_FP_MAX bytes).  Pure.
 */
enum tls_known tls_known_find(const char *text, size_t len,
    const char *hostport, const char *fp, char *old, size_t old_size);

/*
 * tls_known_find() on the file at path; a missing file is TLS_KNOWN_NEW.
 * Files over 1 MiB are TLS_KNOWN_FAIL.
 */
enum tls_known tls_known_check(const char *path, const char *hostport,
    const char *fp, char *old, size_t old_size);

/*
 * Appends "hostport fp" to the file at path, creating it mode 0600 and
 * its directory 0700 as needed.  Returns 0, or -1 with errno set.
 */
int tls_known_add(const char *path, const char *hostport, const char *fp);

#endif
