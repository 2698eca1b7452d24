/* net.h: socket helpers that return a code and fill an error buffer. */
#ifndef SERVER_NET_H
#define SERVER_NET_H

#include <stddef.h>
#include <sys/socket.h>

/* Bytes of "[v6]:port" plus the terminator. */
#define NET_ADDR_MAX 64

/*
 * Splits "host:port", "[v6]:port" or ":port" into host and port (copied,
 * NUL-terminated; an empty host means any).  Returns 0, or -1 if the form
 * is wrong, a part does not fit or the port is above 65535.
 */
int net_split(const char *hostport, char *host, size_t host_size, char *port,
    size_t port_size);

/*
 * A non-blocking listening TCP socket on hostport (SO_REUSEADDR, and
 * IPV6_V6ONLY off for "[::]" so that one socket takes IPv4 too).  Returns
 * the fd, or -1 with a message in err.
 */
int net_listen(const char *hostport, int backlog, char *err, size_t err_size);

/*
 * Writes the address as "ip:port" or "[v6]:port" (IPv4-mapped IPv6 as plain
 * IPv4, as the client sees it); with ip non-NULL also the bare ip, for
 * per-address counting.  Returns 0, or -1 for an unknown family.
 */
int net_format(const struct sockaddr *sa, char *addr, size_t addr_size,
    char *ip, size_t ip_size);

/* The local address of a socket, formatted as by net_format; 0 or -1. */
int net_local_name(int fd, char *addr, size_t addr_size);

/*
 * Makes an accepted socket non-blocking and close-on-exec, turns off Nagle
 * (lines are batched by the server, not the kernel) and turns on TCP
 * keepalive.  Returns 0, or -1 with errno set.
 */
int net_client_setup(int fd);

#endif
