/* net.c: socket helpers for the server. */
#define _GNU_SOURCE /* accept4(2) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "net.h"

/* Idle seconds before TCP keepalive probes a silent peer, and their pace. */
#define NET_KEEPIDLE  120
#define NET_KEEPINTVL 30
#define NET_KEEPCNT   4

static int
set_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	fl = fcntl(fd, F_GETFD);
	if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
		return -1;
	return 0;
}

/*
 * The options of a client socket, set once on the listener: Linux copies
 * them to each socket accept(2) makes, which saves ten system calls per
 * connection.  Returns 0, or -1 with errno set.
 */
static int
set_client_options(int fd)
{
	int one = 1, idle = NET_KEEPIDLE, intvl = NET_KEEPINTVL,
	    cnt = NET_KEEPCNT, sndbuf = NET_SNDBUF, rcvbuf = NET_RCVBUF;

	/* Set before listen(2), so that the window offered fits it. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		return -1;
	/* Lines are batched by the server, not the kernel. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		return -1;
	/* Bounds what the kernel holds for a client that does not read. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) < 0)
		return -1;
	/* Keepalive finds dead base-mode peers, which cannot answer pings. */
	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) < 0)
		return -1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	return 0;
}

int
net_listen(const char *hostport, int backlog, char *err, size_t err_size)
{
	char host[ADDR_HOST_MAX + 1], port[ADDR_PORT_MAX + 1];
	struct addrinfo hints, *res, *ai;
	int fd = -1, rc, one = 1, zero = 0, saved = 0;

	if (addr_split(
	        hostport, ADDR_ANY_HOST | ADDR_PORT_ZERO, 0, host, port) < 0) {
		snprintf(err, err_size, "%s: expected host:port or [v6]:port",
		    hostport);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, err_size, "%s: %s", hostport, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		(void)setsockopt(
		    fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			(void)setsockopt(
			    fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (set_client_options(fd) == 0 &&
		    bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, backlog) == 0 && set_flags(fd) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, err_size, "%s: %s", hostport, strerror(saved));
	return fd;
}

int
net_format(const struct sockaddr *sa, char *addr, size_t addr_size, char *ip,
    size_t ip_size)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned port;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
		port = ntohs(in->sin_port);
		snprintf(addr, addr_size, "%s:%u", buf, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		port = ntohs(in6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], buf,
			    sizeof(buf));
			snprintf(addr, addr_size, "%s:%u", buf, port);
		} else {
			inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
			snprintf(addr, addr_size, "[%s]:%u", buf, port);
		}
	} else {
		return -1;
	}
	if (ip != NULL)
		snprintf(ip, ip_size, "%s", buf);
	return 0;
}

int
net_local_name(int fd, char *addr, size_t addr_size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	return net_format((struct sockaddr *)&ss, addr, addr_size, NULL, 0);
}

int
net_accept(int lfd, struct sockaddr_storage *ss, socklen_t *len)
{
	return accept4(
	    lfd, (struct sockaddr *)ss, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}
