/* it_redis_log.c: two nodes' event logs on one real redis-server. */
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "redis_log.h"
#include "testredis.h"

/* Messages each node appends in the order test. */
#define EACH 200
/* Events a node keeps for the comparison. */
#define SEEN_MAX 2048

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* What one node read back, and what its appends were told. */
struct node {
	struct redis_log *lg;
	char seen[SEEN_MAX][96]; /* "chan seq sender text" */
	size_t nseen;
	int acked, failed;
	uint64_t last_ack_seq;
	int ups, downs;
};

static void
on_event(void *ctx, const struct redis_log_event *ev)
{
	struct node *n = ctx;

	if (n->nseen < SEEN_MAX)
		snprintf(n->seen[n->nseen], sizeof(n->seen[0]),
		    "%.*s %llu %.*s %.*s", (int)ev->chan_len, ev->chan,
		    (unsigned long long)ev->seq, (int)ev->sender_len,
		    ev->sender, (int)ev->text_len, ev->text);
	n->nseen++;
}

static void
on_state(void *ctx, int up, const char *why)
{
	struct node *n = ctx;

	(void)why;
	if (up)
		n->ups++;
	else
		n->downs++;
}

static void
on_ack(void *ctx, int status, uint64_t seq, const char *err)
{
	struct node *n = ctx;

	(void)err;
	if (status == 0) {
		n->acked++;
		n->last_ack_seq = seq;
	} else {
		n->failed++;
	}
}

static struct redis_log *
log_for(struct node *n, const struct testredis *r, const char *name)
{
	struct redis_log_opts o = {.node = name,
	    .block_ms = 200,
	    .on_event = on_event,
	    .on_state = on_state,
	    .ctx = n};

	n->lg = redis_log_new("127.0.0.1", testredis_port(r), &o);
	assert_non_null(n->lg);
	return n->lg;
}

/* One loop turn over every node's descriptors. */
static void
turn(struct node **nodes, size_t count, int max_ms)
{
	struct pollfd p[8];
	size_t n = 0, at[4], i;
	uint64_t now = now_ms(), next = UINT64_MAX, d;
	int timeout = max_ms;

	for (i = 0; i < count; i++) {
		redis_log_tick(nodes[i]->lg, now);
		redis_log_flush(nodes[i]->lg);
		d = redis_log_deadline(nodes[i]->lg);
		if (d < next)
			next = d;
		at[i] = n;
		n += redis_log_pollfds(nodes[i]->lg, p + n);
	}
	if (next <= now)
		timeout = 0;
	else if (next != UINT64_MAX && next - now < (uint64_t)timeout)
		timeout = (int)(next - now);
	if (poll(p, n, timeout) <= 0)
		return;
	for (i = 0; i < count; i++)
		redis_log_io(nodes[i]->lg, p + at[i],
		    (i + 1 < count ? at[i + 1] : n) - at[i], now_ms());
}

typedef int (*cond_fn)(struct node **nodes, size_t count, void *arg);

static int
run_until(
    struct node **nodes, size_t count, cond_fn cond, void *arg, int max_ms)
{
	uint64_t until = now_ms() + (uint64_t)max_ms;

	while (!cond(nodes, count, arg)) {
		if (now_ms() >= until)
			return 0;
		turn(nodes, count, 20);
	}
	return 1;
}

static int
all_up(struct node **nodes, size_t count, void *arg)
{
	size_t i;

	(void)arg;
	for (i = 0; i < count; i++)
		if (!redis_log_up(nodes[i]->lg) ||
		    redis_log_last_id(nodes[i]->lg)[0] == '\0')
			return 0;
	return 1;
}

static int
all_seen(struct node **nodes, size_t count, void *arg)
{
	size_t want = *(size_t *)arg, i;

	for (i = 0; i < count; i++)
		if (nodes[i]->nseen < want)
			return 0;
	return 1;
}

static int
all_acked(struct node **nodes, size_t count, void *arg)
{
	int want = *(int *)arg;
	size_t i;

	for (i = 0; i < count; i++)
		if (nodes[i]->acked + nodes[i]->failed < want)
			return 0;
	return 1;
}

static int
append(struct node *n, const char *chan, const char *sender, const char *text)
{
	struct store_event ev = {.kind = STORE_MSG,
	    .chan = chan,
	    .chan_len = strlen(chan),
	    .sender = sender,
	    .sender_len = strlen(sender),
	    .text = text,
	    .text_len = strlen(text),
	    .time = 1700000000000ULL};

	return redis_log_append(n->lg, now_ms(), &ev, on_ack, n);
}

struct fixture {
	struct testredis *r;
	struct node *a, *b;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->a = calloc(1, sizeof(*f->a));
	f->b = calloc(1, sizeof(*f->b));
	f->r = testredis_start(1);
	if (f->a == NULL || f->b == NULL || f->r == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	redis_log_free(f->a->lg);
	redis_log_free(f->b->lg);
	testredis_free(f->r);
	free(f->a);
	free(f->b);
	free(f);
	return 0;
}

/* Interleaved appends from two nodes: both read the same order, and each
 * channel's seqs run 1, 2, 3 ... with no gap. */
static void
test_two_nodes_one_order(void **state)
{
	struct fixture *f = *state;
	struct node *nodes[2] = {f->a, f->b};
	char text[64];
	size_t want = 2 * EACH + 20, i;
	int acks = EACH + 10;
	unsigned long long seq_c = 0, seq_d = 0, s;
	char chan[8];

	log_for(f->a, f->r, "n1");
	log_for(f->b, f->r, "n2");
	assert_true(run_until(nodes, 2, all_up, NULL, 5000));
	for (i = 0; i < EACH; i++) {
		snprintf(text, sizeof(text), "a%zu costs $%zu", i, i);
		assert_int_equal(append(f->a, "c", "alice", text), 0);
		snprintf(text, sizeof(text), "b%zu é", i);
		assert_int_equal(append(f->b, "c", "bob", text), 0);
		if (i % 20 == 0) {
			assert_int_equal(append(f->a, "d", "alice", "x"), 0);
			assert_int_equal(append(f->b, "d", "bob", "y"), 0);
			/* Let the two pipelines overlap in Redis. */
			turn(nodes, 2, 0);
		}
	}
	assert_true(run_until(nodes, 2, all_acked, &acks, 10000));
	assert_int_equal(f->a->failed + f->b->failed, 0);
	assert_true(run_until(nodes, 2, all_seen, &want, 10000));
	assert_int_equal(f->a->nseen, want);
	assert_int_equal(f->b->nseen, want);
	for (i = 0; i < want; i++) {
		assert_string_equal(f->a->seen[i], f->b->seen[i]);
		assert_int_equal(
		    sscanf(f->a->seen[i], "%7s %llu", chan, &s), 2);
		if (strcmp(chan, "c") == 0)
			assert_int_equal(s, ++seq_c);
		else
			assert_int_equal(s, ++seq_d);
	}
	assert_int_equal(seq_c, 2 * EACH);
	assert_int_equal(seq_d, 20);
	/* The text came back whole, '$' and all (b's first line may
	 * have reached Redis first). */
	for (i = 0; i < want && strstr(f->a->seen[i], "a0 costs $0") == NULL;
	     i++)
		continue;
	assert_true(i < want);
}

/* Redis killed (kill -9, append-only file on) and started again: nothing
 * acknowledged is lost, seqs go on, and a node reads on from where it was
 * without a gap or a repeat. */
static void
test_redis_restart_loses_nothing_acked(void **state)
{
	struct fixture *f = *state;
	struct node *nodes[2] = {f->a, f->b};
	size_t want, i;
	int acks = 50;
	char *len;

	log_for(f->a, f->r, "n1");
	log_for(f->b, f->r, "n2");
	assert_true(run_until(nodes, 2, all_up, NULL, 5000));
	for (i = 0; i < 50; i++)
		assert_int_equal(append(f->a, "c", "alice", "before"), 0);
	assert_true(run_until(nodes, 1, all_acked, &acks, 10000));
	assert_int_equal(f->a->acked, 50);
	want = 50;
	assert_true(run_until(nodes, 2, all_seen, &want, 10000));

	testredis_stop(f->r, 1);
	/* Down: appends are refused at once, and the nodes are told. */
	for (i = 0; i < 100 && redis_log_up(f->a->lg); i++)
		turn(nodes, 2, 20);
	assert_false(redis_log_up(f->a->lg));
	assert_int_equal(append(f->a, "c", "alice", "lost"), -1);
	assert_true(f->a->downs >= 1);

	assert_int_equal(testredis_restart(f->r), 0);
	len = testredis_cmd(f->r, "XLEN txt:log:c");
	assert_non_null(len);
	assert_string_equal(len, "50");
	free(len);
	assert_true(run_until(nodes, 2, all_up, NULL, 10000));
	for (i = 0; i < 10; i++)
		assert_int_equal(append(f->b, "c", "bob", "after"), 0);
	acks = 10;
	f->b->acked = 0;
	assert_true(run_until(nodes + 1, 1, all_acked, &acks, 10000));
	assert_int_equal(f->b->last_ack_seq, 60);
	want = 60;
	assert_true(run_until(nodes, 2, all_seen, &want, 10000));
	for (i = 0; i < 20; i++)
		turn(nodes, 2, 10);
	assert_int_equal(f->a->nseen, 60);
	assert_int_equal(f->b->nseen, 60);
	assert_string_equal(f->a->seen[50], "c 51 bob after");
	assert_string_equal(f->b->seen[59], "c 60 bob after");
}

/* A node that starts later reads from where it is told ("0-0": all). */
static void
test_read_from_the_start(void **state)
{
	struct fixture *f = *state;
	struct node *nodes[2] = {f->a, f->b};
	int acks = 5;
	size_t want = 5;
	int i;

	log_for(f->a, f->r, "n1");
	assert_true(run_until(nodes, 1, all_up, NULL, 5000));
	for (i = 0; i < 5; i++)
		assert_int_equal(append(f->a, "c", "alice", "early"), 0);
	assert_true(run_until(nodes, 1, all_acked, &acks, 10000));

	log_for(f->b, f->r, "n2");
	redis_log_read_from(f->b->lg, "0-0");
	assert_true(run_until(nodes + 1, 1, all_seen, &want, 10000));
	assert_string_equal(f->b->seen[0], "c 1 alice early");
	assert_string_equal(f->b->seen[4], "c 5 alice early");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_two_nodes_one_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_redis_restart_loses_nothing_acked, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_read_from_the_start, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
