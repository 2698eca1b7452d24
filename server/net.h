/* net.h: socket helpers that return a code and fill an error buffer. */
#ifndef SERVER_NET_H
#define SERVER_NET_H

#include <stddef.h>
#include <sys/socket.h>

/* Bytes of "[v6]:port" plus the terminator. */
#define NET_ADDR_MAX 64

/*
 * The kernel buffers of one client socket, as asked of setsockopt(2);
 * Linux doubles what it is asked for, to cover its bookkeeping, so each
 * holds at most twice this.  Without them the send buffer grows by
 * itself to the top of net.ipv4.tcp_wmem (4 MiB by default) for a client
 * that does not read, on top of its --sendq, and the receive buffer to
 * the top of tcp_rmem (6 MiB by default) once a fast sender is read
 * quickly.  The receive buffer is not smaller: a burst of small segments
 * costs the kernel far more than their bytes, and a 32 KiB buffer (64 KiB
 * doubled) filled with them and left the window shut, after the server
 * paused reading a sender for backpressure, until the sender's
 * zero-window probes (at doubling intervals) found it open: W4 of make
 * bench stalled for 3 to 10 s in 5 of 14 runs, and in none of 14 with
 * 256 KiB.  A writev
 * carries up to 256 KiB; 128 KiB of send buffer take half of that at
 * once, and on loopback a fast reader keeps its pace (see txt-chatd(8)).
 */
#define NET_SNDBUF (64 * 1024)
#define NET_RCVBUF (256 * 1024)

/*
 * A non-blocking listening TCP socket on hostport (SO_REUSEADDR, and
 * IPV6_V6ONLY off for "[::]" so that one socket takes IPv4 too), with the
 * options its accepted sockets inherit (see net_accept).  Returns the fd,
 * or -1 with a message in err.
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
 * Takes a client off listener lfd's queue, as accept(2) with its address in
 * ss, non-blocking and close-on-exec.  The socket comes with the options
 * net_listen gave the listener: Nagle off (lines are batched by the
 * server, not the kernel), a send buffer of NET_SNDBUF, a receive buffer
 * of NET_RCVBUF, TCP keepalive on.  Returns the fd, or -1 with errno set
 * as by accept(2).
 */
int net_accept(int lfd, struct sockaddr_storage *ss, socklen_t *len);

#endif
