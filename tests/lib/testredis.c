/* testredis.c: runs a private redis-server on 127.0.0.1 for tests. */
/* nftw(3) is an X/Open function. */
#define _XOPEN_SOURCE 700
#include "testredis.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

/* Longest path of the temporary directory, with its terminator. */
#define TESTREDIS_DIR_MAX 256
/* Starts tried on a port another process took between our probe and bind. */
#define TESTREDIS_TRIES 5

struct testredis {
	char dir[TESTREDIS_DIR_MAX];
	int port;
	int aof;
	pid_t pid;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A port the kernel had free a moment ago, or -1. */
static int
free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd, port = -1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int
answers_ping(const struct testredis *r)
{
	char *s = testredis_cmd(r, "PING");
	int ok = s != NULL && strcmp(s, "PONG") == 0;

	free(s);
	return ok;
}

/* Reaps it if it exited; returns 1 if it is gone. */
static int
reaped(struct testredis *r, int block)
{
	int status;

	if (r->pid == 0)
		return 1;
	if (waitpid(r->pid, &status, block ? 0 : WNOHANG) == r->pid) {
		r->pid = 0;
		return 1;
	}
	return 0;
}

static int
spawn(struct testredis *r)
{
	const char *bin = getenv("TXT_REDIS_SERVER");
	char port[16], log[TESTREDIS_DIR_MAX + 16];
	long long until;

	if (bin == NULL || bin[0] == '\0')
		bin = "redis-server";
	snprintf(port, sizeof(port), "%d", r->port);
	snprintf(log, sizeof(log), "%s/redis.log", r->dir);
	r->pid = fork();
	if (r->pid < 0) {
		r->pid = 0;
		return -1;
	}
	if (r->pid == 0) {
		execlp(bin, bin, "--port", port, "--bind", "127.0.0.1", "--dir",
		    r->dir, "--logfile", log, "--save", "", "--daemonize", "no",
		    "--appendonly", r->aof ? "yes" : "no", "--appendfsync",
		    "everysec", (char *)NULL);
		fprintf(stderr, "testredis: cannot run %s: %s\n", bin,
		    strerror(errno));
		_exit(127);
	}
	until = now_ms() + TESTREDIS_START_MS;
	while (now_ms() < until) {
		if (reaped(r, 0))
			return -1;
		if (answers_ping(r))
			return 0;
		sleep_ms(20);
	}
	testredis_stop(r, 1);
	return -1;
}

struct testredis *
testredis_start(int aof)
{
	struct testredis *r = calloc(1, sizeof(*r));
	int i;

	if (r == NULL)
		return NULL;
	r->aof = aof;
	snprintf(r->dir, sizeof(r->dir), "/tmp/testredis.XXXXXX");
	if (mkdtemp(r->dir) == NULL) {
		fprintf(stderr, "testredis: mkdtemp: %s\n", strerror(errno));
		free(r);
		return NULL;
	}
	for (i = 0; i < TESTREDIS_TRIES; i++) {
		r->port = free_port();
		if (r->port > 0 && spawn(r) == 0)
			return r;
	}
	fprintf(
	    stderr, "testredis: redis-server did not start (see %s)\n", r->dir);
	free(r);
	return NULL;
}

int
testredis_port(const struct testredis *r)
{
	return r->port;
}

pid_t
testredis_pid(const struct testredis *r)
{
	return r->pid;
}

int
testredis_kill(struct testredis *r, int sig)
{
	if (r->pid == 0 || kill(r->pid, sig) < 0)
		return -1;
	return 0;
}

void
testredis_stop(struct testredis *r, int hard)
{
	if (r->pid == 0)
		return;
	kill(r->pid, SIGCONT);
	kill(r->pid, hard ? SIGKILL : SIGTERM);
	reaped(r, 1);
}

int
testredis_restart(struct testredis *r)
{
	testredis_stop(r, 0);
	return spawn(r);
}

/* The reply as text; the caller frees it. */
static char *
reply_text(const redisReply *rep)
{
	char buf[64];

	switch (rep->type) {
	case REDIS_REPLY_STRING:
	case REDIS_REPLY_STATUS:
		return strndup(rep->str, rep->len);
	case REDIS_REPLY_ERROR:
		return strndup(rep->str, rep->len);
	case REDIS_REPLY_INTEGER:
		snprintf(buf, sizeof(buf), "%lld", rep->integer);
		return strdup(buf);
	case REDIS_REPLY_NIL:
		return strdup("(nil)");
	default:
		snprintf(buf, sizeof(buf), "(array of %zu)", rep->elements);
		return strdup(buf);
	}
}

char *
testredis_cmd(const struct testredis *r, const char *cmd)
{
	struct timeval tv = {1, 0};
	redisContext *c;
	redisReply *rep;
	char *out = NULL;

	c = redisConnectWithTimeout("127.0.0.1", r->port, tv);
	if (c == NULL)
		return NULL;
	if (c->err == 0 && redisSetTimeout(c, tv) == REDIS_OK) {
		rep = redisCommand(c, cmd);
		if (rep != NULL) {
			out = reply_text(rep);
			freeReplyObject(rep);
		}
	}
	redisFree(c);
	return out;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path) < 0 ? -1 : 0;
}

/* Removes the directory and what redis-server made in it (Redis 7 keeps
 * its append-only files in a directory of their own). */
static void
remove_dir(const char *dir)
{
	if (nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS) < 0)
		fprintf(stderr, "testredis: could not remove %s\n", dir);
}

void
testredis_free(struct testredis *r)
{
	if (r == NULL)
		return;
	testredis_stop(r, 1);
	remove_dir(r->dir);
	free(r);
}
