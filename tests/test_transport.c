/* test_transport.c: the plain transport over socketpair(2), with a small
 * send buffer so that writes come back partial. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "transport.h"

/* Send buffer asked for the writing end (the kernel doubles it). */
#define SMALL_SNDBUF 4096
/* Bytes offered in one writev: far more than the socket takes at once. */
#define BIG_WRITE (256 * 1024)
/* Buffers the big write is cut into. */
#define BIG_IOV 64

struct pair {
	struct transport tr; /* the server's end */
	int peer;            /* the client's end, blocking */
};

static int
pair_setup(void **state)
{
	static struct pair p;
	int sv[2], sndbuf = SMALL_SNDBUF;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(
	    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)),
	    0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	transport_plain_init(&p.tr, sv[0]);
	p.peer = sv[1];
	*state = &p;
	return 0;
}

static int
pair_teardown(void **state)
{
	struct pair *p = *state;

	p->tr.ops->close(&p->tr);
	if (p->peer >= 0)
		close(p->peer);
	return 0;
}

/* What the peer sends comes out of read; nothing waits inside. */
static void
test_read(void **state)
{
	struct pair *p = *state;
	char buf[16];

	assert_int_equal(write(p->peer, "hello\n", 6), 6);
	assert_int_equal(p->tr.ops->read(&p->tr, buf, sizeof(buf)), 6);
	assert_memory_equal(buf, "hello\n", 6);
	assert_int_equal(p->tr.ops->pending(&p->tr), 0);
	/* An empty socket is "later", not an error or a close. */
	assert_int_equal(p->tr.ops->read(&p->tr, buf, sizeof(buf)), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
}

/* The peer's close reads as 0. */
static void
test_read_eof(void **state)
{
	struct pair *p = *state;
	char buf[16];

	close(p->peer);
	p->peer = -1;
	assert_int_equal(p->tr.ops->read(&p->tr, buf, sizeof(buf)), 0);
}

/*
 * A write larger than the socket takes comes back partial, then EAGAIN;
 * the peer gets every byte taken, in order, and the rest once it reads.
 */
static void
test_partial_writev(void **state)
{
	static char data[BIG_WRITE], got[BIG_WRITE];
	struct pair *p = *state;
	struct iovec iov[BIG_IOV];
	size_t sent = 0, recvd = 0, k;
	int partial = 0;

	for (k = 0; k < sizeof(data); k++)
		data[k] = (char)('a' + k % 23);
	while (sent < sizeof(data)) {
		size_t left = sizeof(data) - sent, each = left / BIG_IOV + 1;
		int n = 0;
		ssize_t w;

		for (k = 0; k < BIG_IOV && k * each < left; k++) {
			iov[k].iov_base = data + sent + k * each;
			iov[k].iov_len =
			    left - k * each < each ? left - k * each : each;
			n++;
		}
		w = p->tr.ops->writev(&p->tr, iov, n);
		if (w < 0) {
			ssize_t r;

			assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
			/* Full: the peer reads some, as a client would. */
			r = read(p->peer, got + recvd, sizeof(got) - recvd);
			assert_true(r > 0);
			recvd += (size_t)r;
			continue;
		}
		assert_true(w > 0);
		if ((size_t)w < left)
			partial++;
		sent += (size_t)w;
	}
	assert_true(partial > 0);
	p->tr.ops->shutdown(&p->tr);
	for (;;) {
		ssize_t r = read(p->peer, got + recvd, sizeof(got) - recvd);

		assert_true(r >= 0);
		if (r == 0)
			break;
		recvd += (size_t)r;
	}
	assert_int_equal(recvd, sizeof(data));
	assert_memory_equal(got, data, sizeof(data));
}

/* After shutdown the peer sees the end but may still talk to us. */
static void
test_shutdown(void **state)
{
	struct pair *p = *state;
	char buf[8];

	p->tr.ops->shutdown(&p->tr);
	assert_int_equal(read(p->peer, buf, sizeof(buf)), 0);
	assert_int_equal(write(p->peer, "x", 1), 1);
	assert_int_equal(p->tr.ops->read(&p->tr, buf, sizeof(buf)), 1);
}

/* close releases the descriptor, once. */
static void
test_close(void **state)
{
	struct pair *p = *state;
	int fd = p->tr.fd;
	char buf[8];

	p->tr.ops->close(&p->tr);
	assert_int_equal(p->tr.fd, -1);
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	/* The peer sees the close. */
	assert_int_equal(read(p->peer, buf, sizeof(buf)), 0);
	/* A second close (the teardown's) touches nothing. */
	p->tr.ops->close(&p->tr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_read, pair_setup, pair_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_read_eof, pair_setup, pair_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_partial_writev, pair_setup, pair_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_shutdown, pair_setup, pair_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_close, pair_setup, pair_teardown),
	};

	return cmocka_run_group_tests_name("transport", tests, NULL, NULL);
}
