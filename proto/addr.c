/* addr.c: the one parser of "host:port" for the server and the client. */
#include <string.h>

#include "addr.h"

/* The largest TCP port: getaddrinfo() would take 70000 as 4464. */
#define ADDR_PORT_LIMIT 65535u

/* ASCII only on purpose: <ctype.h> would follow the locale. */
static int
addr_host_char(char ch, int bracketed)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_')
		return 1;
	return bracketed && (ch == ':' || ch == '%');
}

/* Writes v (at most ADDR_PORT_LIMIT) in decimal without leading zeros. */
static void
addr_put_port(char port[ADDR_PORT_MAX + 1], unsigned long v)
{
	unsigned long d;
	size_t n = 0;

	for (d = 10000; d > 0; d /= 10) {
		if (v >= d || n > 0 || d == 1)
			port[n++] = (char)('0' + (v / d) % 10);
	}
	port[n] = '\0';
}

int
addr_split(const char *hostport, unsigned flags, unsigned default_port,
    char host[ADDR_HOST_MAX + 1], char port[ADDR_PORT_MAX + 1])
{
	const char *h = hostport, *end, *p;
	unsigned long v = 0;
	int bracketed = 0;
	size_t i, n;

	if (*h == '[') {
		bracketed = 1;
		h++;
		if ((end = strchr(h, ']')) == NULL)
			return -1;
		if (end[1] == ':')
			p = end + 2;
		else if (end[1] == '\0' && default_port != 0)
			p = NULL;
		else
			return -1;
	} else if ((end = strchr(h, ':')) != NULL) {
		/* A second colon is an IPv6 address without its brackets. */
		if (strchr(end + 1, ':') != NULL)
			return -1;
		p = end + 1;
	} else if (default_port != 0) {
		end = h + strlen(h);
		p = NULL;
	} else {
		return -1;
	}
	n = (size_t)(end - h);
	if (n > ADDR_HOST_MAX || (n == 0 && !(flags & ADDR_ANY_HOST)) ||
	    (n == 0 && bracketed))
		return -1;
	for (i = 0; i < n; i++) {
		if (!addr_host_char(h[i], bracketed))
			return -1;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	if (p == NULL) {
		if (default_port > ADDR_PORT_LIMIT)
			return -1;
		addr_put_port(port, default_port);
		return 0;
	}
	/* Digits only, and no more than fit: no sign, space or overflow. */
	for (i = 0; p[i] != '\0'; i++) {
		if (p[i] < '0' || p[i] > '9' || v > ADDR_PORT_LIMIT)
			return -1;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (i == 0 || v > ADDR_PORT_LIMIT ||
	    (v == 0 && !(flags & ADDR_PORT_ZERO)))
		return -1;
	addr_put_port(port, v);
	return 0;
}
