/* server.h: the poll() loop: sockets, buffers, deadlines, limits. */
#ifndef SERVER_SERVER_H
#define SERVER_SERVER_H

#include <stddef.h>

#include "chat.h"

struct server_config {
	const char *listen;     /* "host:port" */
	unsigned max_clients;   /* connections at once */
	unsigned max_per_addr;  /* connections from one IP; 0 = no limit */
	size_t sendq_max;       /* bytes queued for one client */
	unsigned flood_rate;    /* lines a second; 0 = no flood control */
	unsigned flood_burst;   /* lines at once */
	unsigned read_budget;   /* lines taken from a client per turn */
	unsigned reg_timeout;   /* seconds to register */
	unsigned ping_interval; /* seconds of silence before a ping */
	unsigned ping_timeout;  /* seconds to answer it */
	int verbose;            /* 0 quiet, 1 connections, 2 debug */
	const char *db;         /* database path; NULL or ":memory:": none */
	int sync_full;          /* --sync full: synced at every commit */
	const char *tls_listen; /* "host:port" for TLS; NULL: none */
	const char *tls_cert;   /* PEM certificate chain, read at SIGHUP too */
	const char *tls_key;    /* PEM private key, read at SIGHUP too */
	int tls_self_signed;    /* main makes tls_cert and tls_key */
	unsigned hash_threads;  /* password hashing threads (with a db) */
	const char *ban_file;   /* banned addresses and names, read at SIGHUP
	                           too; NULL: none */
	const char *redis;      /* "host:port" of the shared log; NULL: none */
	const char *node;       /* this node's name; NULL: host-pid */
	struct chat_config chat;
};

/* Fills cfg with the documented defaults. */
void server_defaults(struct server_config *cfg);

/*
 * Listens, prints "listening for TLS on <host>:<port>" (with a TLS port)
 * and "listening on <host>:<port>" to standard error and serves until
 * SIGINT or SIGTERM; then every client gets a closing line.  SIGHUP
 * reloads the TLS certificate and key and the ban file (closing the
 * connections it now bans).  Returns
 * the exit status (0 after a signal, 1 if it could not start).
 */
int server_run(const struct server_config *cfg);

#endif
