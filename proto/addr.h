/* addr.h: "host:port" and "[v6]:port" split into host and port. */
#ifndef PROTO_ADDR_H
#define PROTO_ADDR_H

/* Bytes of a host name or bracketed address's inside, no terminator. */
#define ADDR_HOST_MAX 255
/* Bytes of a port number as written back (at most 65535), no terminator. */
#define ADDR_PORT_MAX 5
/* Bytes of "host:port" or "[v6]:port", no terminator. */
#define ADDR_HOSTPORT_MAX (ADDR_HOST_MAX + 3 + ADDR_PORT_MAX)

/* Flags of addr_split: what a listening address may have and a peer not. */
enum addr_flag {
	ADDR_ANY_HOST = 1,  /* ":port" is allowed: the host is "" (any) */
	ADDR_PORT_ZERO = 2, /* port 0 is allowed (the system picks one) */
};

/*
 * Splits hostport into host (letters, digits, '.', '-', '_'; inside
 * brackets also ':' and '%') and port, both NUL-terminated.  The port is
 * written back in decimal ("09090" becomes "9090") and is 1 to 65535
 * unless ADDR_PORT_ZERO allows 0.  With default_port not 0, "host" and
 * "[v6]" without a port mean that port.  Returns 0, or -1 if the form is
 * wrong or a part is too long; host and port may then hold anything.
 */
int addr_split(const char *hostport, unsigned flags, unsigned default_port,
    char host[ADDR_HOST_MAX + 1], char port[ADDR_PORT_MAX + 1]);

#endif
