/* it_redis_link.c: the poll-driven hiredis link against a real redis-server. */
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "redis_link.h"
#include "testredis.h"
#include "testsrv.h"

/* Commands of the pipelined burst. */
#define BURST 1000

/* The monotonic clock as the link takes it. */
static uint64_t
now_ms(void)
{
	return (uint64_t)testsrv_now_ms();
}

/* One turn of a server-like loop: tick, poll up to max_ms, hand over events. */
static void
turn(struct redis_link *l, int max_ms)
{
	struct pollfd p = {.fd = -1};
	uint64_t now = now_ms(), next;
	int timeout = max_ms;

	redis_link_tick(l, now);
	next = redis_link_deadline(l);
	if (next != UINT64_MAX && next <= now)
		timeout = 0;
	else if (next != UINT64_MAX && next - now < (uint64_t)timeout)
		timeout = (int)(next - now);
	p.fd = redis_link_fd(l, &p.events);
	if (poll(&p, p.fd >= 0 ? 1 : 0, timeout) > 0)
		redis_link_io(l, p.revents, now_ms());
}

/* Turns until cond(arg) holds or max_ms pass; returns whether it held. */
static int
run_until(struct redis_link *l, int (*cond)(void *), void *arg, int max_ms)
{
	uint64_t until = now_ms() + (uint64_t)max_ms;

	while (!cond(arg)) {
		if (now_ms() >= until)
			return 0;
		turn(l, 20);
	}
	return 1;
}

static int
is_up(void *arg)
{
	return redis_link_state(arg) == REDIS_LINK_UP;
}

static int
is_down(void *arg)
{
	return redis_link_state(arg) == REDIS_LINK_DOWN;
}

/* What the callbacks saw. */
struct seen {
	int replies, failures;
	long long last_int;      /* the last integer reply */
	int in_order;            /* integer replies came 1, 2, 3, ... */
	char err[160];           /* the last failure's reason */
	char str[64];            /* the last string reply */
	struct redis_link *link; /* for callbacks that queue a follow-up */
	int follow_ups;          /* follow-ups queued from a callback */
	int refused;             /* redis_link_command refusals seen */
};

static void
on_reply(void *ctx, const redisReply *r, const char *err)
{
	struct seen *s = ctx;

	if (r == NULL) {
		s->failures++;
		snprintf(s->err, sizeof(s->err), "%s", err);
		return;
	}
	s->replies++;
	if (r->type == REDIS_REPLY_INTEGER) {
		if (r->integer != s->last_int + 1)
			s->in_order = 0;
		s->last_int = r->integer;
	} else if (r->type == REDIS_REPLY_STRING ||
	    r->type == REDIS_REPLY_STATUS) {
		snprintf(s->str, sizeof(s->str), "%.*s", (int)r->len, r->str);
	}
}

static int
command(struct redis_link *l, struct seen *s, const char *a, const char *b,
    const char *c)
{
	const char *argv[3] = {a, b, c};
	size_t lens[3] = {strlen(a), b ? strlen(b) : 0, c ? strlen(c) : 0};
	int argc = c ? 3 : b ? 2 : 1;

	return redis_link_command(l, now_ms(), on_reply, s, argc, argv, lens);
}

struct want {
	struct seen *s;
	int n;
};

static int
answered(void *arg)
{
	struct want *w = arg;

	return w->s->replies + w->s->failures >= w->n;
}

/* What a test made, freed by the teardown even when the test fails. */
struct fixture {
	struct testredis *r;
	struct redis_link *l;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->r = testredis_start(0);
	if (f->r == NULL) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	redis_link_free(f->l);
	testredis_free(f->r);
	free(f);
	return 0;
}

/* A link to port, kept in the fixture (one at a time). */
static struct redis_link *
link_to_port(struct fixture *f, int port, const struct redis_link_opts *o)
{
	redis_link_free(f->l);
	f->l = redis_link_new("127.0.0.1", port, o, NULL, NULL);
	assert_non_null(f->l);
	return f->l;
}

static struct redis_link *
link_to(struct fixture *f, const struct redis_link_opts *o)
{
	return link_to_port(f, testredis_port(f->r), o);
}

static void
test_commands_pipelined_in_order(void **state)
{
	struct fixture *f = *state;
	struct redis_link *l;
	struct seen s = {.in_order = 1};
	struct want w = {&s, 0};
	int i;

	l = link_to(f, NULL);
	assert_int_equal(redis_link_state(l), REDIS_LINK_DOWN);
	assert_int_equal(command(l, &s, "PING", NULL, NULL), -1);
	assert_true(run_until(l, is_up, l, 5000));
	assert_int_equal(redis_link_connects(l), 1);

	assert_int_equal(command(l, &s, "SET", "k", "v$1\n"), 0);
	assert_int_equal(command(l, &s, "GET", "k", NULL), 0);
	w.n = 2;
	assert_true(run_until(l, answered, &w, 5000));
	assert_string_equal(s.str, "v$1\n");

	/* A burst queued in one turn is answered in order, every one. */
	s.replies = 0;
	for (i = 0; i < BURST; i++)
		assert_int_equal(command(l, &s, "INCR", "n", NULL), 0);
	assert_int_equal(redis_link_pending(l), BURST);
	redis_link_flush(l);
	w.n = BURST;
	assert_true(run_until(l, answered, &w, 10000));
	assert_int_equal(s.failures, 0);
	assert_int_equal(s.last_int, BURST);
	assert_true(s.in_order);
	assert_int_equal(redis_link_pending(l), 0);
	assert_int_equal(redis_link_deadline(l), UINT64_MAX);
}

static void
test_stalled_server_times_out_then_recovers(void **state)
{
	struct redis_link_opts o = {
	    .timeout_ms = 300, .backoff_min_ms = 50, .backoff_max_ms = 200};
	struct fixture *f = *state;
	struct testredis *r = f->r;
	struct redis_link *l;
	struct seen s = {.in_order = 1};
	struct want w = {&s, 2};
	uint64_t t0, took;

	l = link_to(f, &o);
	assert_true(run_until(l, is_up, l, 5000));

	/* A server that stops answering fails the waiting commands. */
	assert_int_equal(testredis_kill(r, SIGSTOP), 0);
	t0 = now_ms();
	assert_int_equal(command(l, &s, "INCR", "n", NULL), 0);
	assert_int_equal(command(l, &s, "INCR", "n", NULL), 0);
	assert_true(run_until(l, answered, &w, 5000));
	took = now_ms() - t0;
	assert_int_equal(s.failures, 2);
	assert_string_equal(s.err, "timeout");
	assert_true(took >= 300);
	assert_int_equal(redis_link_state(l) == REDIS_LINK_UP, 0);

	/* Once it answers again, the link reconnects by itself. */
	assert_int_equal(testredis_kill(r, SIGCONT), 0);
	assert_true(run_until(l, is_up, l, 5000));
	assert_true(redis_link_connects(l) >= 2);
	w.n = 3;
	assert_int_equal(command(l, &s, "INCR", "n", NULL), 0);
	assert_true(run_until(l, answered, &w, 5000));
	assert_int_equal(s.replies, 1);
}

static void
test_killed_server_fails_waiters_and_reconnects(void **state)
{
	struct redis_link_opts o = {
	    .backoff_min_ms = 50, .backoff_max_ms = 200};
	struct fixture *f = *state;
	struct testredis *r = f->r;
	struct redis_link *l;
	struct seen s = {.in_order = 1};
	struct want w = {&s, 1};

	l = link_to(f, &o);
	assert_true(run_until(l, is_up, l, 5000));

	/* Killed with a command in flight (one that blocks, so that its
	 * reply cannot win the race): it fails, the link goes down. */
	assert_int_equal(command(l, &s, "BLPOP", "nothing", "0"), 0);
	redis_link_flush(l);
	testredis_stop(r, 1);
	assert_true(run_until(l, answered, &w, 5000));
	assert_int_equal(s.failures, 1);
	assert_non_null(strstr(s.err, "connection lost"));
	assert_true(run_until(l, is_down, l, 5000));
	assert_int_equal(command(l, &s, "PING", NULL, NULL), -1);

	/* Refused connects are retried until the server is back. */
	turn(l, 300);
	assert_int_equal(redis_link_state(l) == REDIS_LINK_UP, 0);
	assert_int_equal(testredis_restart(r), 0);
	assert_true(run_until(l, is_up, l, 5000));
	assert_int_equal(redis_link_connects(l), 2);
	w.n = 2;
	assert_int_equal(command(l, &s, "PING", NULL, NULL), 0);
	assert_true(run_until(l, answered, &w, 5000));
	assert_string_equal(s.str, "PONG");
}

static void
test_pending_is_bounded(void **state)
{
	struct redis_link_opts o = {.pending_max = 10};
	struct fixture *f = *state;
	struct redis_link *l;
	struct seen s = {.in_order = 1};
	struct want w = {&s, 10};
	int i;

	l = link_to(f, &o);
	assert_true(run_until(l, is_up, l, 5000));
	for (i = 0; i < 10; i++)
		assert_int_equal(command(l, &s, "INCR", "n", NULL), 0);
	/* The 11th is refused, and its callback never runs. */
	assert_int_equal(command(l, &s, "INCR", "n", NULL), -1);
	assert_true(run_until(l, answered, &w, 5000));
	assert_int_equal(s.replies, 10);
	assert_int_equal(s.last_int, 10);
	assert_int_equal(command(l, &s, "INCR", "n", NULL), 0);
	w.n = 11;
	assert_true(run_until(l, answered, &w, 5000));
	assert_int_equal(s.last_int, 11);
}

/* A callback that queues one more command from inside the callback. */
static void
on_reply_follow_up(void *ctx, const redisReply *r, const char *err)
{
	struct seen *s = ctx;

	on_reply(ctx, r, err);
	if (s->follow_ups < 3) {
		if (command(s->link, s, "INCR", "n", NULL) == 0)
			s->follow_ups++;
		else
			s->refused++;
	}
}

static void
test_callbacks_may_queue_but_not_during_teardown(void **state)
{
	struct fixture *f = *state;
	struct redis_link *l;
	struct seen s = {.in_order = 1};
	struct want w = {&s, 4};
	const char *argv[] = {"INCR", "n"};
	size_t lens[] = {4, 1};

	l = link_to(f, NULL);
	s.link = l;
	assert_true(run_until(l, is_up, l, 5000));
	assert_int_equal(redis_link_command(l, now_ms(), on_reply_follow_up, &s,
	                     2, argv, lens),
	    0);
	/* The follow-ups use on_reply, so the chain is the first + 1. */
	w.n = 2;
	assert_true(run_until(l, answered, &w, 5000));
	assert_int_equal(s.follow_ups, 1);
	assert_int_equal(s.last_int, 2);

	/* Freed with a command waiting: it fails with "closed", and may not
	 * queue another. */
	s.follow_ups = 0;
	assert_int_equal(redis_link_command(l, now_ms(), on_reply_follow_up, &s,
	                     2, argv, lens),
	    0);
	redis_link_free(l);
	f->l = NULL;
	assert_string_equal(s.err, "closed");
	assert_int_equal(s.refused, 1);
}

/*
 * A listener that never accepts, its queue full: the kernel drops further
 * handshakes, so a connect to it neither completes nor fails.
 */
static int
full_listener(int *port, int *extra, size_t nextra)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd;
	size_t i;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 0), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	for (i = 0; i < nextra; i++) {
		extra[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_true(extra[i] >= 0);
		(void)connect(extra[i], (struct sockaddr *)&a, sizeof(a));
	}
	testsrv_sleep_ms(100);
	return fd;
}

static void
test_connect_timeout(void **state)
{
	struct fixture *f = *state;
	struct redis_link_opts o = {.connect_ms = 300, .backoff_min_ms = 5000};
	struct redis_link *l;
	int port, lfd, extra[4];
	uint64_t t0;
	size_t i;

	lfd = full_listener(&port, extra, 4);
	l = link_to_port(f, port, &o);
	t0 = now_ms();
	turn(l, 0);
	assert_int_equal(redis_link_state(l), REDIS_LINK_CONNECTING);
	assert_true(run_until(l, is_down, l, 5000));
	assert_true(now_ms() - t0 >= 300);
	assert_int_equal(redis_link_connects(l), 0);
	/* Down, it waits out its back-off before the next try. */
	assert_true(redis_link_deadline(l) >= now_ms() + 4000);
	for (i = 0; i < 4; i++)
		close(extra[i]);
	close(lfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_commands_pipelined_in_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_stalled_server_times_out_then_recovers, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_killed_server_fails_waiters_and_reconnects, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(
	        test_pending_is_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_callbacks_may_queue_but_not_during_teardown, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(
	        test_connect_timeout, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
