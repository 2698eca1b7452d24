/* test_net.c: net_split, the "host:port" parser of the listen address, and
 * the socket buffers of accepted clients. */
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

static const struct {
	const char *in;
	const char *host; /* NULL: refused */
	const char *port;
} split_cases[] = {
    {"localhost:9090", "localhost", "9090"},
    {"127.0.0.1:9090", "127.0.0.1", "9090"},
    {"0.0.0.0:0", "0.0.0.0", "0"},
    {"[::1]:9090", "::1", "9090"},
    {"[::]:9090", "::", "9090"},
    {"[fe80::1%eth0]:1", "fe80::1%eth0", "1"},
    {":9090", "", "9090"},
    {"h:65535", "h", "65535"},
    {"h:00080", "h", "00080"},
    /* Bad forms. */
    {"", NULL, NULL},
    {"noport", NULL, NULL},
    {"host:port", NULL, NULL},
    {"[::1]9090", NULL, NULL},
    {"[::1]", NULL, NULL},
    {"[::1]:", NULL, NULL},
    {"[::1:9090", NULL, NULL},
    {"::1:9090", NULL, NULL},
    {"a:b:c", NULL, NULL},
    {"a:1:2", NULL, NULL},
    {"host:", NULL, NULL},
    {":", NULL, NULL},
    {"host:12x", NULL, NULL},
    {"host:x12", NULL, NULL},
    {"host:-1", NULL, NULL},
    {"host:+1", NULL, NULL},
    {"host: 80", NULL, NULL},
    {"host:80 ", NULL, NULL},
    {"[::1]:80x", NULL, NULL},
    {"[::1]:a:1", NULL, NULL},
    /* A port must fit in 16 bits: getaddrinfo() would truncate it. */
    {"h:65536", NULL, NULL},
    {"h:70000", NULL, NULL},
    {"h:99999999999999999999999", NULL, NULL},
};

static void
test_split_table(void **state)
{
	char host[NET_ADDR_MAX], port[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		int rc = net_split(
		    split_cases[i].in, host, sizeof(host), port, sizeof(port));

		if (split_cases[i].host == NULL) {
			if (rc != -1)
				fail_msg("\"%s\" accepted", split_cases[i].in);
			continue;
		}
		if (rc != 0)
			fail_msg("\"%s\" refused", split_cases[i].in);
		assert_string_equal(host, split_cases[i].host);
		assert_string_equal(port, split_cases[i].port);
	}
}

/* Parts that do not fit their buffers (counting the NUL) are refused. */
static void
test_split_sizes(void **state)
{
	char host[16], port[6];

	(void)state;
	/* 9 bytes of host need 10; 4 of port need 5. */
	assert_int_equal(net_split("127.0.0.1:9090", host, 10, port, 5), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_string_equal(port, "9090");
	assert_int_equal(net_split("127.0.0.1:9090", host, 9, port, 5), -1);
	assert_int_equal(net_split("127.0.0.1:9090", host, 10, port, 4), -1);
	assert_int_equal(net_split("[::1]:9090", host, 4, port, 5), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(net_split("[::1]:9090", host, 3, port, 5), -1);
	/* An empty host needs only its NUL. */
	assert_int_equal(net_split(":1", host, 1, port, 2), 0);
	assert_string_equal(host, "");
	assert_string_equal(port, "1");
}

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
	    cmocka_unit_test(test_split_table),
	    cmocka_unit_test(test_split_sizes),
	    cmocka_unit_test(test_client_buffers),
	};

	return cmocka_run_group_tests_name("net", tests, NULL, NULL);
}
