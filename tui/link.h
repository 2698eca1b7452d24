/* link.h: the client's connection to the server, on a libuv loop. */
#ifndef TUI_LINK_H
#define TUI_LINK_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "addr.h"

/* Bytes queued for the server (waiting and being written) at most. */
#define LINK_SENDQ_MAX (1024 * 1024)
/* Bytes of "host:port" or "[v6]:port", no terminator (proto/addr.h). */
#define LINK_HOSTPORT_MAX ADDR_HOSTPORT_MAX
/* What asks for TLS in front of "host:port", and its length. */
#define LINK_TLS_SCHEME     "tls://"
#define LINK_TLS_SCHEME_LEN (sizeof(LINK_TLS_SCHEME) - 1)
/* Default time one address gets to accept the connection, in ms. */
#define LINK_CONNECT_TIMEOUT_MS 10000
/* Default time link_close() gives the queued bytes to go out, in ms. */
#define LINK_CLOSE_TIMEOUT_MS 2000
/* Reconnect delays: the first, and the most. */
#define LINK_BACKOFF_FIRST_MS 1000
#define LINK_BACKOFF_MAX_MS   30000

/*
 * What the link tells its owner; a NULL callback is skipped.  Every
 * callback may call any link function, link_free() included; the link
 * stops what it was doing (delivering lines, say) once its owner has
 * closed or freed it.
 */
struct link_cb {
	void *ctx;
	/* The connection is up: link_send() works from now on. */
	void (*connected)(void *ctx);
	/*
	 * One line from the server without its LF or CRLF; line borrows the
	 * link's buffer and is valid only during the call.  Every line of one
	 * read comes in one go, so the owner can redraw once per loop turn.
	 */
	void (*line)(void *ctx, const char *line, size_t len);
	/*
	 * The server sent a line longer than PROTO_LINE_MAX bytes (LF
	 * included); its bytes are dropped up to the next LF.
	 */
	void (*line_too_long)(void *ctx);
	/*
	 * A connect failed or the connection broke; why is a short text
	 * ("no such host", "connection refused", "server closed the
	 * connection"), static, valid during the call.  The link is idle
	 * again: link_connect() may be called, from here too.  Not called for
	 * link_close() or link_free().
	 */
	void (*closed)(void *ctx, const char *why);
	/*
	 * TLS only: the handshake is done.  hostport is the address without
	 * tls://, fp the SHA-256 fingerprint of the server's certificate
	 * ("AB:CD:..."), ca_ok non-zero if the system CAs vouch for it and
	 * the host.  Returns NULL to go on (connected() follows), or why the
	 * server is refused (text valid until closed() returns, which follows
	 * with it).  Without this callback only what the CAs vouch for goes.
	 */
	const char *(*verify)(
	    void *ctx, const char *hostport, const char *fp, int ca_ok);
};

struct link;

/*
 * A new idle link on loop; cb is copied.  Returns NULL when out of memory
 * or when libuv refuses a handle.
 */
struct link *link_new(uv_loop_t *loop, const struct link_cb *cb);

/*
 * Closes everything at once: a connection is cut and its queued bytes
 * dropped (use link_close() first to send them; a close already under way
 * goes on to its end).  The memory goes in the close callbacks, so the
 * loop must run afterwards (until uv_run() returns, before
 * uv_loop_close()).  Safe from inside a link callback.  link_free(NULL)
 * does nothing.
 */
void link_free(struct link *l);

/*
 * Starts connecting an idle link to hostport ("host:port" or
 * "[v6]:port", copied; with "tls://" in front, TLS runs over the
 * connection, its handshake within the connect timeout, and verify()
 * decides before connected()).  The name is resolved with uv_getaddrinfo (off
 * the loop), each address is tried in turn with the connect timeout, and the
 * socket gets TCP_NODELAY and keepalive.  Returns 0, and later exactly
 * one of connected() or closed(); or a negative libuv code and calls
 * nothing: UV_EINVAL for a bad hostport, UV_EBUSY unless idle.
 */
int link_connect(struct link *l, const char *hostport);

/*
 * Queues len bytes (copied) for the server.  Whatever is queued in one
 * loop turn goes out in one write, before the loop next waits.  Returns
 * 0; UV_ENOTCONN unless connected; UV_ENOBUFS if the bytes waiting would
 * pass LINK_SENDQ_MAX, and then nothing is queued; UV_ENOMEM.
 */
int link_send(struct link *l, const char *data, size_t len);

/* Bytes queued and not yet written (0 unless connected). */
size_t link_sendq(const struct link *l);

/*
 * Ends the connection gracefully and makes the link idle at once: no
 * callback comes for it any more, and link_connect() may be called again.
 * In the background, the queued bytes are sent, the sending side is shut
 * down and the server's last bytes are read and dropped up to its EOF, or
 * until the close timeout passes.  The loop stays alive until then.  A
 * connect in progress is abandoned.  Idle links: nothing happens.
 */
void link_close(struct link *l);

/* Non-zero from connected() until closed(), link_close() or link_free(). */
int link_is_connected(const struct link *l);

/*
 * Sets the time each address gets to connect and the time link_close()
 * gives a connection, in ms (0 keeps the current value).  For the next
 * connect and the next close.
 */
void link_set_timeouts(struct link *l, uint64_t connect_ms, uint64_t close_ms);

/*
 * The delay before reconnect number attempt (0 for the first retry):
 * LINK_BACKOFF_FIRST_MS doubled per attempt up to LINK_BACKOFF_MAX_MS,
 * less up to a quarter of it picked by random (0 takes nothing off,
 * UINT32_MAX nearly a quarter), so that clients spread out.  Pure.
 */
uint64_t link_backoff_ms(unsigned attempt, uint32_t random);

#endif
