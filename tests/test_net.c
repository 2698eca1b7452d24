/* test_net.c: the listening socket and the socket buffers of accepted
 * clients (the "host:port" parser is proto/addr.c, in test_addr.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
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
		afd = accept(lfd, NULL, NULL);
	while (afd < 0);
	assert_int_equal(net_client_setup(afd), 0);
	assert_int_equal(sockbuf(afd, SO_SNDBUF), 2 * NET_SNDBUF);
	assert_int_equal(sockbuf(afd, SO_RCVBUF), 2 * NET_RCVBUF);
	close(afd);
	close(cfd);
	close(lfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_client_buffers),
	};

	return cmocka_run_group_tests_name("net", tests, NULL, NULL);
}
