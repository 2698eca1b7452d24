/* testsrv.h: runs the real txt-chatd on 127.0.0.1 for integration tests. */
#ifndef TESTS_LIB_TESTSRV_H
#define TESTS_LIB_TESTSRV_H

#include <stddef.h>
#include <sys/types.h>

/* How long the server may take to say where it listens, in milliseconds. */
#define TESTSRV_START_MS 10000
/* How long testsrv_stop() waits for an exit before SIGKILL, in ms. */
#define TESTSRV_STOP_MS 10000

struct testsrv;

/*
 * Something a test made against a server (a client, say) that the server
 * frees with itself if the test failed before freeing it: cmocka leaves a
 * failed test by longjmp, so only a teardown can clean up.  Embed it, set
 * free_cb, adopt it; disown it when freeing it yourself.
 */
struct testsrv_owned {
	struct testsrv_owned *prev, *next;
	void (*free_cb)(struct testsrv_owned *o);
};

/*
 * Starts $TXT_CHATD -l 127.0.0.1:0 --db :memory: followed by the options
 * in args (a NULL-terminated list, or NULL for none) and waits until it
 * prints "listening on 127.0.0.1:<port>".  Its standard output and error go to
 * an unlinked temporary file that nothing has to drain.  Returns the
 * server, or NULL after printing why (no $TXT_CHATD, the server exited or
 * did not listen within TESTSRV_START_MS).
 */
struct testsrv *testsrv_start(const char *const *args);

/*
 * What the server puts before a connection's address in its uid: "n1/"
 * for a node started with --redis and --node n1, else "".
 */
const char *testsrv_uid_prefix(const struct testsrv *s);

/*
 * As testsrv_start(), but the server runs under wrapper, a NULL-terminated
 * command put before it (and before valgrind under $TXT_VALGRIND), such as
 * {"prlimit", "--nofile=64:64", NULL}.  The wrapper must exec what follows
 * it in its own process, so that testsrv_pid() and the /proc readings stay
 * the server's.  A NULL wrapper is testsrv_start().
 */
struct testsrv *testsrv_start_wrapped(
    const char *const *wrapper, const char *const *args);

/* As testsrv_start(), with the options as arguments up to a NULL. */
struct testsrv *testsrv_startl(const char *arg, ...);

/*
 * Kills the server if it still runs (SIGKILL), frees every adopted object
 * and then s.  testsrv_free(NULL) does nothing.
 */
void testsrv_free(struct testsrv *s);

/*
 * For a cmocka test: testsrv_start(args), failing the test if the server
 * did not start, and kept in *state for testsrv_teardown().
 */
struct testsrv *testsrv_start_test(void **state, const char *const *args);

/* Sleeps ms milliseconds, going on after signals. */
void testsrv_sleep_ms(int ms);

/* A cmocka teardown: testsrv_free(*state). Returns 0. */
int testsrv_teardown(void **state);

/* The port in the server's "listening for TLS on 127.0.0.1:<port>";
 * fails the test if the log has none. */
int testsrv_tls_port(const struct testsrv *s);

/* The port the server listens on. */
int testsrv_port(const struct testsrv *s);

/* The server's process id (0 once it has been reaped). */
pid_t testsrv_pid(const struct testsrv *s);

/* Sends sig to the server. Returns 0, or -1 if it is no longer running. */
int testsrv_kill(struct testsrv *s, int sig);

/*
 * Waits up to timeout_ms for the server to exit.  Returns its exit status
 * (0-255), 128 + the signal if a signal ended it, or -1 if it still runs.
 * Once reaped, later calls return the same status.  A non-zero status
 * prints the server's output, which holds any sanitizer report.
 */
int testsrv_wait(struct testsrv *s, int timeout_ms);

/*
 * SIGTERM, then testsrv_wait() for TESTSRV_STOP_MS; SIGKILL if it is still
 * running then.  Returns the status as testsrv_wait() does.
 */
int testsrv_stop(struct testsrv *s);

/* Open descriptors of the server (entries of /proc/<pid>/fd), or -1. */
int testsrv_fd_count(const struct testsrv *s);

/* The server's resident set (VmRSS) in KiB, or -1. */
long testsrv_rss_kib(const struct testsrv *s);

/* CPU time the server used (utime + stime) in milliseconds, or -1. */
long testsrv_cpu_ms(const struct testsrv *s);

/*
 * Everything the server wrote to its standard output and error so far, as
 * a NUL-terminated string the caller frees; NULL on error.
 */
char *testsrv_log(const struct testsrv *s);

/* Adds o to the objects freed with s; o->free_cb must be set. */
void testsrv_adopt(struct testsrv *s, struct testsrv_owned *o);

/* Takes o off its server's list; nothing if it is on none. */
void testsrv_disown(struct testsrv_owned *o);

/* Monotonic clock in milliseconds, for deadlines and measurements. */
long long testsrv_now_ms(void);

#endif
