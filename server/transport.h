/* transport.h: how one connection moves its bytes (plain TCP or TLS). */
#ifndef SERVER_TRANSPORT_H
#define SERVER_TRANSPORT_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

struct transport;

/*
 * What a connection does with its socket.  Every call is non-blocking and
 * reports as read(2) and writev(2) do: a count, 0 from read for the
 * peer's close, or -1 with errno (EAGAIN, EWOULDBLOCK and EINTR mean
 * "later").  The server calls these from the places it once called the
 * system directly, so a plain write stays one writev(2).
 */
struct transport_ops {
	/* Up to len bytes into buf. */
	ssize_t (*read)(struct transport *t, void *buf, size_t len);
	/* Up to iovcnt buffers, in order; a partial count is normal. */
	ssize_t (*writev)(
	    struct transport *t, const struct iovec *iov, int iovcnt);
	/*
	 * Bytes already taken off the socket that read would return without
	 * the socket being readable (TLS holds decrypted records, or 1 for
	 * records it read ahead and has yet to decrypt); poll(2) cannot see
	 * them, so a connection holding any must not wait on it.
	 */
	size_t (*pending)(const struct transport *t);
	/*
	 * Bytes at the head of what writev was last given that the transport
	 * has taken but not yet reported written: TLS has them in a record
	 * that must go out as it is, so the caller may not drop them from
	 * its queue (0 for plain TCP).
	 */
	size_t (*unsent)(const struct transport *t);
	/* Tells the peer nothing more comes (after the last line). */
	void (*shutdown)(struct transport *t);
	/* Releases everything, the descriptor included. */
	void (*close)(struct transport *t);
	/*
	 * Moves a handshake on: 1 once done, 0 for "later" (want says on
	 * what), -1 if it failed.  NULL: there is none (plain TCP).
	 */
	int (*handshake)(struct transport *t);
};

/*
 * Embedded in each connection: no allocation per connection for plain
 * TCP.  fd is the descriptor poll(2) and epoll(7) watch; state is the
 * transport's own (NULL for plain TCP).  want holds the poll(2) events
 * the last call that said "later" waits for beyond the obvious one (a
 * TLS read may need the socket writable, a write readable); always 0
 * for plain TCP.  A write that waits for input (want is POLLIN, which
 * only a write leaves there) cannot move on POLLOUT, so the caller does
 * not ask for it till then.
 */
struct transport {
	const struct transport_ops *ops;
	int fd;
	short want;
	void *state;
};

/* Makes t plain TCP over the non-blocking socket fd, which t then owns. */
void transport_plain_init(struct transport *t, int fd);

#endif
