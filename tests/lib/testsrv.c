/* testsrv.c: runs the real txt-chatd on 127.0.0.1 for integration tests. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testsrv.h"

/* Options a test may add to the command line. */
#define TESTSRV_ARGS_MAX 32
/* Words of a wrapper command put before the server. */
#define TESTSRV_WRAPPER_MAX 16
/* Pause between looks at a child that has not answered yet, in ms. */
#define TESTSRV_POLL_MS 5
/* Bytes of server output printed when it ends badly. */
#define TESTSRV_DUMP_MAX 16384

struct testsrv {
	pid_t pid;
	int reaped;
	int status; /* as testsrv_wait() returns it, once reaped */
	int port;
	int log_fd;                 /* the unlinked file the server writes to */
	char uid_prefix[40];        /* "<node>/" with --redis and --node */
	struct testsrv_owned owned; /* sentinel of a circular list */
};

long long
testsrv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
testsrv_sleep_ms(int ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		continue;
}

char *
testsrv_log(const struct testsrv *s)
{
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fstat(s->log_fd, &st) < 0)
		return NULL;
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		return NULL;
	/* pread leaves the offset the server writes at alone. */
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(
		    s->log_fd, buf + got, (size_t)st.st_size - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return buf;
}

/* Prints the end of the server's output after it ended badly. */
static void
dump_log(const struct testsrv *s, const char *why)
{
	char *log = testsrv_log(s);
	size_t len;

	if (log == NULL)
		return;
	len = strlen(log);
	fprintf(stderr, "# txt-chatd %s; its output%s:\n", why,
	    len > TESTSRV_DUMP_MAX ? " (end)" : "");
	fputs(len > TESTSRV_DUMP_MAX ? log + len - TESTSRV_DUMP_MAX : log,
	    stderr);
	free(log);
}

/* Reaps the child without waiting. Returns non-zero once it has exited. */
static int
try_reap(struct testsrv *s)
{
	int st;
	pid_t r;

	if (s->reaped)
		return 1;
	r = waitpid(s->pid, &st, WNOHANG);
	if (r == 0)
		return 0;
	if (r < 0) {
		/* Not our child any more: nothing to wait for. */
		s->status = -1;
	} else if (WIFEXITED(st)) {
		s->status = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		s->status = 128 + WTERMSIG(st);
	} else {
		return 0;
	}
	s->reaped = 1;
	s->pid = 0;
	if (s->status != 0) {
		char why[64];

		snprintf(why, sizeof(why), "exited with status %d", s->status);
		dump_log(s, why);
	}
	return 1;
}

/* Finds "listening on 127.0.0.1:<port>" in the output. Returns the port. */
static int
find_port(const struct testsrv *s)
{
	static const char tag[] = "listening on 127.0.0.1:";
	char *log = testsrv_log(s), *p, *end;
	long port = 0;

	if (log == NULL)
		return 0;
	p = strstr(log, tag);
	if (p != NULL && strchr(p, '\n') != NULL) {
		port = strtol(p + sizeof(tag) - 1, &end, 10);
		if (*end != '\n' || port <= 0 || port > 65535)
			port = 0;
	}
	free(log);
	return (int)port;
}

static void
exec_server(const char *const *wrapper, const char *path,
    const char *const *args, int log_fd, pid_t parent)
{
	const char *argv[TESTSRV_WRAPPER_MAX + TESTSRV_ARGS_MAX + 16];
	int null_fd = open("/dev/null", O_RDONLY);
	size_t n = 0, i;
	const char *vg = getenv("TXT_VALGRIND");

	for (i = 0;
	     wrapper != NULL && wrapper[i] != NULL && i < TESTSRV_WRAPPER_MAX;
	     i++)
		argv[n++] = wrapper[i];

	/* make valgrind: every server runs under memcheck; errors fail it. */
	if (vg != NULL && vg[0] != '\0') {
		argv[n++] = "valgrind";
		argv[n++] = "--quiet";
		argv[n++] = "--error-exitcode=99";
		argv[n++] = "--leak-check=full";
		argv[n++] = "--errors-for-leak-kinds=definite";
		argv[n++] = "--show-leak-kinds=definite";
	}
	argv[n++] = path;
	argv[n++] = "-l";
	argv[n++] = "127.0.0.1:0";
	/* Never the user's state directory; a later --db takes over. */
	argv[n++] = "--db";
	argv[n++] = ":memory:";
	for (i = 0; args != NULL && args[i] != NULL && i < TESTSRV_ARGS_MAX;
	     i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	/* A test that crashes must not leave its server running. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(125);
	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 ||
	    dup2(log_fd, 2) < 0)
		_exit(126);
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
	_exit(127);
}

struct testsrv *
testsrv_start(const char *const *args)
{
	return testsrv_start_wrapped(NULL, args);
}

/* A node of several (--redis) prefixes its uids with its --node name. */
static void
set_uid_prefix(struct testsrv *s, const char *const *args)
{
	const char *node = NULL;
	int redis = 0;
	size_t i;

	for (i = 0; args != NULL && args[i] != NULL; i++) {
		if (strcmp(args[i], "--redis") == 0)
			redis = 1;
		else if (strcmp(args[i], "--node") == 0 && args[i + 1] != NULL)
			node = args[i + 1];
	}
	if (redis && node != NULL)
		snprintf(s->uid_prefix, sizeof(s->uid_prefix), "%s/", node);
}

const char *
testsrv_uid_prefix(const struct testsrv *s)
{
	return s->uid_prefix;
}

struct testsrv *
testsrv_start_wrapped(const char *const *wrapper, const char *const *args)
{
	const char *path = getenv("TXT_CHATD");
	const char *tmp = getenv("TMPDIR");
	char name[PATH_MAX];
	struct testsrv *s;
	long long deadline;
	pid_t parent = getpid();

	if (path == NULL || *path == '\0') {
		fprintf(stderr,
		    "# TXT_CHATD is not set: the path of the "
		    "txt-chatd binary to test\n");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->owned.prev = s->owned.next = &s->owned;
	set_uid_prefix(s, args);
	snprintf(name, sizeof(name), "%s/txt-chatd-test.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	s->log_fd = mkstemp(name);
	if (s->log_fd < 0) {
		fprintf(stderr, "# mkstemp %s: %s\n", name, strerror(errno));
		free(s);
		return NULL;
	}
	(void)unlink(name);
	(void)fcntl(s->log_fd, F_SETFD, FD_CLOEXEC);
	s->pid = fork();
	if (s->pid < 0) {
		fprintf(stderr, "# fork: %s\n", strerror(errno));
		close(s->log_fd);
		free(s);
		return NULL;
	}
	if (s->pid == 0)
		exec_server(wrapper, path, args, s->log_fd, parent);
	deadline = testsrv_now_ms() + TESTSRV_START_MS;
	while ((s->port = find_port(s)) == 0) {
		if (try_reap(s)) {
			fprintf(stderr, "# %s exited before listening\n", path);
			testsrv_free(s);
			return NULL;
		}
		if (testsrv_now_ms() > deadline) {
			dump_log(s, "did not listen in time");
			testsrv_free(s);
			return NULL;
		}
		testsrv_sleep_ms(TESTSRV_POLL_MS);
	}
	return s;
}

struct testsrv *
testsrv_startl(const char *arg, ...)
{
	const char *args[TESTSRV_ARGS_MAX + 1];
	size_t n = 0;
	va_list ap;

	va_start(ap, arg);
	while (arg != NULL && n < TESTSRV_ARGS_MAX) {
		args[n++] = arg;
		arg = va_arg(ap, const char *);
	}
	va_end(ap);
	args[n] = NULL;
	return testsrv_start(args);
}

void
testsrv_free(struct testsrv *s)
{
	if (s == NULL)
		return;
	while (s->owned.next != &s->owned) {
		struct testsrv_owned *o = s->owned.next;

		testsrv_disown(o);
		o->free_cb(o);
	}
	if (!s->reaped && s->pid > 0) {
		(void)kill(s->pid, SIGKILL);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			continue;
	}
	close(s->log_fd);
	free(s);
}

int
testsrv_teardown(void **state)
{
	testsrv_free(*state);
	*state = NULL;
	return 0;
}

int
testsrv_port(const struct testsrv *s)
{
	return s->port;
}

pid_t
testsrv_pid(const struct testsrv *s)
{
	return s->pid;
}

int
testsrv_kill(struct testsrv *s, int sig)
{
	if (s->reaped || s->pid <= 0)
		return -1;
	return kill(s->pid, sig);
}

int
testsrv_wait(struct testsrv *s, int timeout_ms)
{
	long long deadline = testsrv_now_ms() + timeout_ms;

	while (!try_reap(s)) {
		if (testsrv_now_ms() >= deadline)
			return -1;
		testsrv_sleep_ms(TESTSRV_POLL_MS);
	}
	return s->status;
}

int
testsrv_stop(struct testsrv *s)
{
	int status;

	if (s->reaped)
		return s->status;
	(void)testsrv_kill(s, SIGTERM);
	status = testsrv_wait(s, TESTSRV_STOP_MS);
	if (status < 0 && !s->reaped) {
		dump_log(s, "ignored SIGTERM");
		(void)kill(s->pid, SIGKILL);
		status = testsrv_wait(s, TESTSRV_STOP_MS);
	}
	return status;
}

int
testsrv_fd_count(const struct testsrv *s)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	if (s->reaped)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)s->pid);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Reads /proc/<pid>/<file> into buf as a string. Returns 0 or -1. */
static int
read_proc(const struct testsrv *s, const char *file, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	if (s->reaped)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)s->pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

long
testsrv_rss_kib(const struct testsrv *s)
{
	char buf[4096];
	const char *p;

	if (read_proc(s, "status", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "\nVmRSS:");
	if (p == NULL)
		return -1;
	return strtol(p + 7, NULL, 10);
}

long
testsrv_cpu_ms(const struct testsrv *s)
{
	char buf[1024];
	unsigned long utime, stime;
	long tick = sysconf(_SC_CLK_TCK);
	const char *p;

	if (read_proc(s, "stat", buf, sizeof(buf)) < 0 || tick <= 0)
		return -1;
	/* The command name may hold spaces; fields go on after its ')'. */
	p = strrchr(buf, ')');
	if (p == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	        &utime, &stime) != 2)
		return -1;
	return (long)((utime + stime) * 1000UL / (unsigned long)tick);
}

void
testsrv_adopt(struct testsrv *s, struct testsrv_owned *o)
{
	o->next = &s->owned;
	o->prev = s->owned.prev;
	s->owned.prev->next = o;
	s->owned.prev = o;
}

void
testsrv_disown(struct testsrv_owned *o)
{
	if (o->next == NULL)
		return;
	o->prev->next = o->next;
	o->next->prev = o->prev;
	o->prev = o->next = NULL;
}

struct testsrv *
testsrv_start_test(void **state, const char *const *args)
{
	struct testsrv *srv = testsrv_start(args);

	assert_non_null(srv);
	*state = srv;
	return srv;
}

int
testsrv_tls_port(const struct testsrv *s)
{
	static const char tag[] = "listening for TLS on 127.0.0.1:";
	char *log = testsrv_log(s);
	char *p;
	int port;

	assert_non_null(log);
	p = strstr(log, tag);
	if (p == NULL)
		fail_msg("no TLS port in the log:\n%s", log);
	port = atoi(p + sizeof(tag) - 1);
	free(log);
	return port;
}
