/* test_net.c: the listening socket and the socket buffers of accepted
 * clients (the "host:port" parser is proto/addr.c, in test_addr.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"

/* One buffer size of fd, as getsockopt(2) reports it. */
static int
sockbuf(int fd, int opt)
{
	int v = 0;
	socklen_t len = sizeof(v);

	assert_int_equal(getsockopt(fd, SOL_SOCKET, opt, &v, &len), 0);
	return v;
}

/*
 * An accepted client has a send buffer of NET_SNDBUF and a receive buffer
 * of NET_RCVBUF, each doubled by Linux (before 2026-12-03 neither was set:
 * the send buffer of a client that did not read grew to 4 MiB).
 */
static void
test_client_buffers(void **state)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char err[256];
	int lfd, cfd, afd;

	(void)state;
	lfd = net_listen("127.0.0.1:0", 1, err, sizeof(err));
	if (lfd < 0)
		fail_msg("%s", err);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(cfd >= 0);
	assert_int_equal(connect(cfd, (struct sockaddr *)&sin, len), 0);
	do
		afd = net_accept(lfd, NULL, NULL);
	while (afd < 0);
	assert_int_equal(sockbuf(afd, SO_SNDBUF), 2 * NET_SNDBUF);
	assert_int_equal(sockbuf(afd, SO_RCVBUF), 2 * NET_RCVBUF);
	close(afd);
	close(cfd);
	close(lfd);
}

/* One option of fd at level, as getsockopt(2) reports it. */
static int
sockopt(int fd, int level, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);

	assert_int_equal(getsockopt(fd, level, opt, &v, &len), 0);
	return v;
}

/*
 * net_accept hands out a socket as net_client_setup made it before
 * 2026-12-03, without a system call past accept4(2): non-blocking,
 * close-on-exec, Nagle off, keepalive on at 120 s idle, 30 s apart, 4
 * probes (the options come from the listener).  It also fills the
 * peer's address.
 */
static void
test_accept_options(void **state)
{
	struct sockaddr_in sin;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(sin), sslen = sizeof(ss);
	char err[256];
	int lfd, cfd, afd;

	(void)state;
	lfd = net_listen("127.0.0.1:0", 1, err, sizeof(err));
	if (lfd < 0)
		fail_msg("%s", err);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(cfd >= 0);
	assert_int_equal(connect(cfd, (struct sockaddr *)&sin, len), 0);
	do
		afd = net_accept(lfd, &ss, &sslen);
	while (afd < 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_true(fcntl(afd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(afd, F_GETFD) & FD_CLOEXEC);
	assert_int_not_equal(sockopt(afd, IPPROTO_TCP, TCP_NODELAY), 0);
	assert_int_not_equal(sockopt(afd, SOL_SOCKET, SO_KEEPALIVE), 0);
	assert_int_equal(sockopt(afd, IPPROTO_TCP, TCP_KEEPIDLE), 120);
	assert_int_equal(sockopt(afd, IPPROTO_TCP, TCP_KEEPINTVL), 30);
	assert_int_equal(sockopt(afd, IPPROTO_TCP, TCP_KEEPCNT), 4);
	close(afd);
	close(cfd);
	close(lfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_client_buffers),
	    cmocka_unit_test(test_accept_options),
	};

	return cmocka_run_group_tests_name("net", tests, NULL, NULL);
}
