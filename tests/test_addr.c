/* test_addr.c: addr_split, the host:port parser of server and client. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "addr.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct split_case {
	const char *in;
	unsigned flags;
	unsigned default_port;
	const char *host; /* NULL: refused */
	const char *port;
};

/* The flags a listening address is parsed with (the server's -l). */
#define LISTEN (ADDR_ANY_HOST | ADDR_PORT_ZERO)

/* The cases of the server's net_split and the client's link_split. */
static const struct split_case cases[] = {
    /* Both. */
    {"127.0.0.1:9090", 0, 0, "127.0.0.1", "9090"},
    {"localhost:9090", LISTEN, 0, "localhost", "9090"},
    {"chat.example.org:1", 0, 0, "chat.example.org", "1"},
    {"my_host-2:65535", 0, 0, "my_host-2", "65535"},
    {"[::1]:9090", 0, 0, "::1", "9090"},
    {"[::]:9090", LISTEN, 0, "::", "9090"},
    {"[fe80::1%eth0]:7", 0, 0, "fe80::1%eth0", "7"},
    {"h:09090", 0, 0, "h", "9090"},
    {"h:00001", 0, 0, "h", "1"},
    {"h:00080", LISTEN, 0, "h", "80"},
    {"h:000000000000000000080", LISTEN, 0, "h", "80"},
    /* Only a listening address may leave out the host or ask for port 0. */
    {":9090", LISTEN, 0, "", "9090"},
    {":9090", 0, 0, NULL, NULL},
    {"0.0.0.0:0", LISTEN, 0, "0.0.0.0", "0"},
    {"host:0", 0, 0, NULL, NULL},
    {"host:00", ADDR_ANY_HOST, 0, NULL, NULL},
    /* A default port fills in a missing one, and only a missing one. */
    {"host", 0, 9090, "host", "9090"},
    {"[::1]", 0, 9090, "::1", "9090"},
    {"host:7", 0, 9090, "host", "7"},
    {"host:", 0, 9090, NULL, NULL},
    {"::1", 0, 9090, NULL, NULL},
    {"", 0, 9090, NULL, NULL},
    {"", ADDR_ANY_HOST, 9090, "", "9090"},
    {"host", 0, 70000, NULL, NULL},
    /* Bad forms, whatever the flags. */
    {"", LISTEN, 0, NULL, NULL},
    {"host", LISTEN, 0, NULL, NULL},
    {"noport", 0, 0, NULL, NULL},
    {"host:port", LISTEN, 0, NULL, NULL},
    {"host:", LISTEN, 0, NULL, NULL},
    {":", LISTEN, 0, NULL, NULL},
    {"[::1]9090", LISTEN, 0, NULL, NULL},
    {"[::1]", LISTEN, 0, NULL, NULL},
    {"[::1]:", LISTEN, 0, NULL, NULL},
    {"[::1:9090", LISTEN, 0, NULL, NULL},
    {"[]:9090", LISTEN, 0, NULL, NULL},
    {"[a]]:9090", 0, 0, NULL, NULL},
    {"::1:9090", LISTEN, 0, NULL, NULL},
    {"a:b:c", LISTEN, 0, NULL, NULL},
    {"a:1:2", LISTEN, 0, NULL, NULL},
    {"ho:st:1", 0, 0, NULL, NULL},
    {"host:12x", LISTEN, 0, NULL, NULL},
    {"host:x12", LISTEN, 0, NULL, NULL},
    {"host:-1", LISTEN, 0, NULL, NULL},
    {"host:+1", LISTEN, 0, NULL, NULL},
    {"host: 80", LISTEN, 0, NULL, NULL},
    {"host:80 ", LISTEN, 0, NULL, NULL},
    {"host name:80", LISTEN, 0, NULL, NULL},
    {"h%x:1", 0, 0, NULL, NULL},
    {"[::1]:80x", LISTEN, 0, NULL, NULL},
    {"[::1]:a:1", LISTEN, 0, NULL, NULL},
    /* A port must fit in 16 bits: getaddrinfo() would truncate it. */
    {"h:65536", LISTEN, 0, NULL, NULL},
    {"h:70000", LISTEN, 0, NULL, NULL},
    {"host:123456", 0, 0, NULL, NULL},
    {"h:99999999999999999999999", LISTEN, 0, NULL, NULL},
};

static void
test_split_table(void **state)
{
	char host[ADDR_HOST_MAX + 1], port[ADDR_PORT_MAX + 1];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		rc = addr_split(cases[i].in, cases[i].flags,
		    cases[i].default_port, host, port);
		if (cases[i].host == NULL) {
			if (rc != -1)
				fail_msg("\"%s\" (flags %u) accepted as %s %s",
				    cases[i].in, cases[i].flags, host, port);
			continue;
		}
		if (rc != 0)
			fail_msg("\"%s\" (flags %u) refused", cases[i].in,
			    cases[i].flags);
		assert_string_equal(host, cases[i].host);
		assert_string_equal(port, cases[i].port);
	}
}

/* A host of ADDR_HOST_MAX bytes fits; one more does not. */
static void
test_split_host_max(void **state)
{
	char in[ADDR_HOSTPORT_MAX + 16];
	char host[ADDR_HOST_MAX + 1], port[ADDR_PORT_MAX + 1];

	(void)state;
	memset(in, 'a', ADDR_HOST_MAX);
	memcpy(in + ADDR_HOST_MAX, ":80", 4);
	assert_int_equal(addr_split(in, 0, 0, host, port), 0);
	assert_int_equal(strlen(host), ADDR_HOST_MAX);
	memset(in, 'a', ADDR_HOST_MAX + 1);
	memcpy(in + ADDR_HOST_MAX + 1, ":80", 4);
	assert_int_equal(addr_split(in, 0, 0, host, port), -1);
	/* Bracketed, the limit is on what is inside the brackets. */
	in[0] = '[';
	memset(in + 1, '1', ADDR_HOST_MAX);
	memcpy(in + 1 + ADDR_HOST_MAX, "]:65535", 8);
	assert_int_equal(strlen(in), ADDR_HOSTPORT_MAX);
	assert_int_equal(addr_split(in, 0, 0, host, port), 0);
	assert_int_equal(strlen(host), ADDR_HOST_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split_table),
	    cmocka_unit_test(test_split_host_max),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
