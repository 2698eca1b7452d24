/* transport_plain.c: the plain TCP transport: the system calls, nothing more.
 */
#include <sys/socket.h>
#include <unistd.h>

#include "transport.h"

static ssize_t
plain_read(struct transport *t, void *buf, size_t len)
{
	return read(t->fd, buf, len);
}

static ssize_t
plain_writev(struct transport *t, const struct iovec *iov, int iovcnt)
{
	return writev(t->fd, iov, iovcnt);
}

/* The kernel's buffer is all there is, and poll(2) sees it. */
static size_t
plain_pending(const struct transport *t)
{
	(void)t;
	return 0;
}

/* A write the kernel did not take is not taken at all. */
static size_t
plain_unsent(const struct transport *t)
{
	(void)t;
	return 0;
}

static void
plain_shutdown(struct transport *t)
{
	(void)shutdown(t->fd, SHUT_WR);
}

static void
plain_close(struct transport *t)
{
	if (t->fd >= 0)
		(void)close(t->fd);
	t->fd = -1;
}

static const struct transport_ops plain_ops = {
    .read = plain_read,
    .writev = plain_writev,
    .pending = plain_pending,
    .unsent = plain_unsent,
    .shutdown = plain_shutdown,
    .close = plain_close,
    .handshake = NULL,
};

void
transport_plain_init(struct transport *t, int fd)
{
	t->ops = &plain_ops;
	t->fd = fd;
	t->want = 0;
	t->state = NULL;
}
