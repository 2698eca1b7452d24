/* testcli.h: a raw line client for driving txt-chatd in integration tests. */
#ifndef TESTS_LIB_TESTCLI_H
#define TESTS_LIB_TESTCLI_H

#include <stddef.h>

#include "testsrv.h"

/* Default wait for any single event (a connect, a line, EOF), in ms. */
#define TESTCLI_TIMEOUT_MS 5000
/* Bytes of one line from the server, counting its LF. */
#define TESTCLI_LINE_MAX 4096
/* Bytes of a uid ("ip:port"), counting the terminator. */
#define TESTCLI_UID_MAX 80

/* What the last read ended with. */
enum testcli_status {
	TESTCLI_OK = 0,   /* a line */
	TESTCLI_TIMEOUT,  /* nothing within the timeout */
	TESTCLI_EOF,      /* the server closed */
	TESTCLI_ERROR,    /* a socket error, e.g. a reset */
	TESTCLI_TOO_LONG, /* a line passed TESTCLI_LINE_MAX */
};

/* A list of lines the caller owns; zero it before first use. */
struct testcli_lines {
	char **line;
	size_t n, cap;
};

struct testcli;

/*
 * Connects to srv's port on 127.0.0.1, from bind_ip (e.g. "127.0.0.2") if
 * not NULL, within TESTCLI_TIMEOUT_MS; the socket is non-blocking with
 * TCP_NODELAY.  srv adopts the client, so a failed test frees it in its
 * teardown.  Returns NULL after printing why.
 */
struct testcli *testcli_connect(struct testsrv *srv, const char *bind_ip);

/*
 * As testcli_connect(), from port too if not 0 (with SO_REUSEADDR, so
 * that a port closed with testcli_reset() can be had again); bind_ip
 * NULL is then 127.0.0.1.
 */
struct testcli *testcli_connect_port(
    struct testsrv *srv, const char *bind_ip, int port);

/* As testcli_connect() from any address, failing the test on error. */
struct testcli *testcli_open(struct testsrv *srv);

/* Closes (FIN) and frees c. testcli_free(NULL) does nothing. */
void testcli_free(struct testcli *c);

/* Closes with SO_LINGER 0, which sends a TCP reset, and frees c. */
void testcli_reset(struct testcli *c);

/* Shuts down the sending side only (the server reads EOF). Returns 0/-1. */
int testcli_shutdown_write(struct testcli *c);

/* The socket, for poll() over many clients. */
int testcli_fd(const struct testcli *c);

/* The default wait of every later call, in ms. */
void testcli_set_timeout(struct testcli *c, int timeout_ms);

/* A label used in failure messages (the user name after a reg helper). */
void testcli_set_label(struct testcli *c, const char *label);
const char *testcli_label(const struct testcli *c);

/*
 * The uid the server gave c (set by the reg helpers), else its local
 * address as "ip:port", which is what the server should give.
 */
const char *testcli_uid(const struct testcli *c);

/* The local address "ip:port" of the socket. */
const char *testcli_local(const struct testcli *c);

/*
 * Sends all len bytes, waiting up to the timeout for room.  Returns 0, or
 * -1 on error or timeout (errno says which; ETIMEDOUT for a timeout).
 */
int testcli_send(struct testcli *c, const void *data, size_t len);

/* Formats a line, appends LF and sends it; fails the test on error. */
void testcli_sendf(struct testcli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * The next line without its LF (a CR before it is kept: the tests look
 * at raw bytes), waiting up to timeout_ms (0: only what is already here).
 * The line is NUL-terminated and borrowed until the next read on c; NULL
 * if none, with testcli_status() saying why.
 */
const char *testcli_read_within(struct testcli *c, int timeout_ms);

/* testcli_read_within() with the client's default timeout. */
const char *testcli_read(struct testcli *c);

/* Why the last read returned NULL. */
enum testcli_status testcli_status(const struct testcli *c);

/* Bytes received and not yet taken as lines. */
size_t testcli_pending(const struct testcli *c);

/* The next line must be exactly line; else the test fails showing both. */
void testcli_expect(struct testcli *c, const char *line);

/* As testcli_expect() with a formatted line. */
void testcli_expectf(struct testcli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * The next line must start with prefix; returns it (borrowed as for
 * testcli_read()).  Else the test fails.
 */
const char *testcli_expect_prefix(struct testcli *c, const char *prefix);

/*
 * Reads lines until EOF, which must come within the timeout (each line
 * restarts no clock: the whole wait is bounded).  The lines read are
 * appended to out (NULL drops them).  Returns 0 at EOF, or the status
 * that ended the wait; a reset after lines counts as EOF.
 */
int testcli_read_to_eof(struct testcli *c, struct testcli_lines *out);

/*
 * As testcli_read_to_eof(), but fails the test unless EOF comes and the
 * last line is exactly last.  Returns the number of lines before it.
 */
size_t testcli_expect_last(struct testcli *c, const char *last);

/*
 * Sends "ping$<token>" with a token unique to c and reads until its pong
 * ("pong$<token>" or "$$pong: <token>"), appending every line before it to
 * out (NULL drops them).  Fails the test if the pong does not come.
 * Since the server handles a connection's lines in order, everything c
 * sent before has been handled when this returns.
 */
void testcli_sync(struct testcli *c, struct testcli_lines *out);

/* testcli_sync() that fails the test if any line came before the pong. */
void testcli_expect_quiet(struct testcli *c);

/* Reads "------Welcome to Txt Chat------" and the empty line after it. */
void testcli_expect_welcome(struct testcli *c);

/*
 * Base mode: the welcome lines, reg$name, the uid reply (which must be
 * the client's own address).  Returns the uid, borrowed from c.
 */
const char *testcli_base_reg(struct testcli *c, const char *name);

/* Connects and registers name in base mode; fails the test on error. */
struct testcli *testcli_base_user(struct testsrv *srv, const char *name);

/*
 * Extended mode: sends hello$1 and skips lines up to the hello reply,
 * which must be "hello$1$3072$32$<software>".
 */
void testcli_ext_hello(struct testcli *c);

/*
 * Extended mode after hello: reg$name, then "registered$<uid>$<name>" and
 * the personal join sequence (joined, names, names_end, history_end).
 * Returns the uid, borrowed from c.
 */
const char *testcli_ext_reg(struct testcli *c, const char *name);

/* Connects, says hello and registers name; fails the test on error. */
struct testcli *testcli_ext_user(struct testsrv *srv, const char *name);

/* Appends a copy of line to l; fails the test without memory. */
void testcli_lines_add(struct testcli_lines *l, const char *line);

/* Frees the lines and leaves l empty. */
void testcli_lines_free(struct testcli_lines *l);

/*
 * Fails the test unless l holds exactly the n lines of want, showing the
 * first difference.  what names the list in the message.
 */
void testcli_lines_expect(const struct testcli_lines *l,
    const char *const *want, size_t n, const char *what);

/*
 * Takes "msg$<chan>$<seq>$<time>$<sender>$<text>" apart: seq, sender (cut
 * to ssize) and text, borrowed from line.  Returns 0, or -1 for another
 * line, with *seq 0, sender and *text empty.
 */
int testcli_parse_msg(const char *line, unsigned long *seq, char *sender,
    size_t ssize, const char **text);

/* Fails the test unless seqs[0..n) are from, from + 1, ... */
void testcli_expect_seqs(
    const unsigned long *seqs, size_t n, unsigned long from);

#endif
