/* testredis.h: runs a private redis-server on 127.0.0.1 for tests. */
#ifndef TESTS_LIB_TESTREDIS_H
#define TESTS_LIB_TESTREDIS_H

#include <sys/types.h>

/* How long redis-server may take to answer PING after a start, in ms. */
#define TESTREDIS_START_MS 10000

struct testredis;

/*
 * Starts redis-server ($TXT_REDIS_SERVER, else the one on $PATH) on a free
 * loopback port with its files in a new temporary directory, persistence
 * by an append-only file (fsync every second) when aof is non-zero and
 * none otherwise, and waits until it answers PING.  Returns it, or NULL
 * after printing why.
 */
struct testredis *testredis_start(int aof);

/* The port it listens on (the same across testredis_restart). */
int testredis_port(const struct testredis *r);

/* Its process id, or 0 while it is not running. */
pid_t testredis_pid(const struct testredis *r);

/* Sends sig to it. Returns 0, or -1 if it is not running. */
int testredis_kill(struct testredis *r, int sig);

/*
 * Stops it: SIGKILL when hard is non-zero (nothing flushed), else
 * SHUTDOWN's SIGTERM, and waits for it to exit.
 */
void testredis_stop(struct testredis *r, int hard);

/* Starts it again on the same port and files. Returns 0, or -1. */
int testredis_restart(struct testredis *r);

/*
 * Runs one command given as a string of space-separated words on a
 * connection of its own and returns the reply as a string (integers in
 * decimal, nil as "(nil)", errors as "ERR ..."), which the caller frees;
 * NULL if it could not connect.
 */
char *testredis_cmd(const struct testredis *r, const char *cmd);

/* Kills it, removes its files and frees r.  NULL does nothing. */
void testredis_free(struct testredis *r);

#endif
