/* it_redis_page.c: redis_log pages and trims a channel's stream. */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "redis_log.h"
#include "testredis.h"
#include "testsrv.h"

/* Lines the trim test appends: more than two batches. */
#define MANY 1200
/* Lines the trim test's batch deletes at most. */
#define BATCH 500
/* Lines a page reply keeps for the checks. */
#define KEPT 32
/* The time of the lines appended (2023), and one just after. */
#define T0 1700000000000ULL

struct fx {
	struct testredis *r;
	struct redis_log *lg;
	int acked, failed;
	/* The last page or trim: done, status, seqs and texts, a count. */
	int done, status;
	size_t n;
	uint64_t seqs[KEPT];
	char texts[KEPT][32];
	int acts[KEPT];
	uint64_t deleted;
};

/* The clock the log takes, from the test library. */
static uint64_t
now_ms(void)
{
	return (uint64_t)testsrv_now_ms();
}

static void
on_event(void *ctx, const struct redis_log_event *ev)
{
	(void)ctx;
	(void)ev;
}

static void
on_ack(void *ctx, int status, uint64_t seq, const char *err)
{
	struct fx *f = ctx;

	(void)seq;
	(void)err;
	if (status == 0)
		f->acked++;
	else
		f->failed++;
}

static void
on_page(void *ctx, int status, const struct store_line *lines, size_t n,
    const char *err)
{
	struct fx *f = ctx;
	size_t i;

	(void)err;
	f->done = 1;
	f->status = status;
	f->n = n;
	for (i = 0; i < n && i < KEPT; i++) {
		f->seqs[i] = lines[i].seq;
		f->acts[i] = lines[i].kind == STORE_ACT;
		snprintf(f->texts[i], sizeof(f->texts[i]), "%.*s: %.*s",
		    (int)lines[i].sender_len, lines[i].sender,
		    (int)lines[i].text_len, lines[i].text);
	}
}

static void
on_trim(void *ctx, int status, uint64_t deleted, const char *err)
{
	struct fx *f = ctx;

	(void)err;
	f->done = 1;
	f->status = status;
	f->deleted = deleted;
}

/* One loop turn of the log. */
static void
turn(struct fx *f)
{
	struct pollfd p[2];
	size_t n;

	redis_log_tick(f->lg, now_ms());
	redis_log_flush(f->lg);
	n = redis_log_pollfds(f->lg, p);
	if (poll(p, n, 20) > 0)
		redis_log_io(f->lg, p, n, now_ms());
}

/* Loop turns until *flag reaches want, at most 10 s; returns whether it
 * did. */
static int
run_until(struct fx *f, const int *flag, int want)
{
	uint64_t until = now_ms() + 10000;

	while (*flag < want && now_ms() < until)
		turn(f);
	return *flag >= want;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct redis_log_opts o = {
	    .node = "n1", .block_ms = 200, .on_event = on_event};

	if (f == NULL)
		return -1;
	*state = f;
	f->r = testredis_start(0);
	if (f->r == NULL)
		return -1;
	o.ctx = f;
	f->lg = redis_log_new("127.0.0.1", testredis_port(f->r), &o);
	if (f->lg == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	if (f == NULL)
		return 0;
	redis_log_free(f->lg);
	testredis_free(f->r);
	free(f);
	return 0;
}

/* Appends count lines "t<seq>" to channel c, every seventh an action. */
static void
fill(struct fx *f, const char *chan, int count)
{
	char text[32];
	uint64_t until = now_ms() + 10000;
	int i;

	/* Up: its scripts are loaded first on a new link. */
	while (!redis_log_up(f->lg) && now_ms() < until)
		turn(f);
	assert_true(redis_log_up(f->lg));
	f->acked = 0;
	for (i = 1; i <= count; i++) {
		struct store_event ev = {
		    .kind = i % 7 == 0 ? STORE_ACT : STORE_MSG,
		    .chan = chan,
		    .chan_len = strlen(chan),
		    .sender = "ann",
		    .sender_len = 3,
		    .time = T0};

		snprintf(text, sizeof(text), "t%d $x", i);
		ev.text = text;
		ev.text_len = strlen(text);
		assert_int_equal(
		    redis_log_append(f->lg, now_ms(), &ev, on_ack, f), 0);
		if (i % 100 == 0)
			assert_true(run_until(f, &f->acked, i));
	}
	assert_true(run_until(f, &f->acked, count));
	assert_int_equal(f->failed, 0);
}

/* One page; checks that it came and was read. */
static void
page(struct fx *f, const char *chan, enum cmd_dir dir, uint64_t seq,
    size_t count)
{
	f->done = 0;
	assert_int_equal(redis_log_page(f->lg, now_ms(), chan, strlen(chan),
	                     dir, seq, count, on_page, f),
	    0);
	assert_true(run_until(f, &f->done, 1));
	assert_int_equal(f->status, 0);
}

/* Pages cut as store_page cuts them, nearest the seq first; requests
 * that cannot have lines, or ask too much, are refused at once. */
static void
test_pages(void **state)
{
	struct fx *f = *state;

	fill(f, "c", 30);
	page(f, "c", CMD_DIR_LATEST, 0, 5);
	assert_int_equal(f->n, 5);
	assert_int_equal(f->seqs[0], 30);
	assert_int_equal(f->seqs[4], 26);
	assert_string_equal(f->texts[0], "ann: t30 $x");
	assert_true(f->acts[2]); /* 28 is an action */
	assert_false(f->acts[1]);
	page(f, "c", CMD_DIR_BEFORE, 10, 3);
	assert_int_equal(f->n, 3);
	assert_int_equal(f->seqs[0], 9);
	assert_int_equal(f->seqs[2], 7);
	page(f, "c", CMD_DIR_AFTER, 27, 10);
	assert_int_equal(f->n, 3);
	assert_int_equal(f->seqs[0], 28);
	assert_int_equal(f->seqs[2], 30);
	page(f, "c", CMD_DIR_AFTER, 0, REDIS_LOG_PAGE_MAX);
	assert_int_equal(f->n, 30);
	assert_int_equal(f->seqs[0], 1);
	page(f, "c", CMD_DIR_BEFORE, 2, 10);
	assert_int_equal(f->n, 1);
	page(f, "nothing", CMD_DIR_LATEST, 0, 10);
	assert_int_equal(f->n, 0);
	assert_int_equal(redis_log_page(f->lg, now_ms(), "c", 1, CMD_DIR_BEFORE,
	                     1, 10, on_page, f),
	    -1);
	assert_int_equal(redis_log_page(f->lg, now_ms(), "c", 1, CMD_DIR_AFTER,
	                     UINT64_MAX, 10, on_page, f),
	    -1);
	assert_int_equal(redis_log_page(f->lg, now_ms(), "c", 1, CMD_DIR_LATEST,
	                     0, 0, on_page, f),
	    -1);
	assert_int_equal(redis_log_page(f->lg, now_ms(), "c", 1, CMD_DIR_LATEST,
	                     0, REDIS_LOG_PAGE_MAX + 1, on_page, f),
	    -1);
}

/* One trim; returns the lines it deleted. */
static uint64_t
trim(struct fx *f, uint64_t before, uint64_t keep)
{
	f->done = 0;
	assert_int_equal(redis_log_trim(f->lg, now_ms(), "c", 1, before, keep,
	                     BATCH, on_trim, f),
	    0);
	assert_true(run_until(f, &f->done, 1));
	assert_int_equal(f->status, 0);
	return f->deleted;
}

/* Trimming to a count deletes at most a batch a call, exactly, oldest
 * first; trimming by time deletes the lines older than it. */
static void
test_trim(void **state)
{
	struct fx *f = *state;
	char *r;

	fill(f, "c", MANY);
	assert_int_equal(trim(f, 0, 0), 0);
	assert_int_equal(trim(f, T0, 0), 0);
	assert_int_equal(trim(f, 0, 100), BATCH);
	assert_int_equal(trim(f, 0, 100), BATCH);
	assert_int_equal(trim(f, 0, 100), MANY - 100 - 2 * BATCH);
	assert_int_equal(trim(f, 0, 100), 0);
	r = testredis_cmd(f->r, "XLEN txt:log:c");
	assert_non_null(r);
	assert_string_equal(r, "100");
	free(r);
	page(f, "c", CMD_DIR_AFTER, 0, 1);
	assert_int_equal(f->seqs[0], MANY - 99);
	/* All are older than T0 + 1; keep says nothing more. */
	assert_int_equal(trim(f, T0 + 1, 100), 100);
	assert_int_equal(trim(f, T0 + 1, 0), 0);
	/* The seqs go on. */
	fill(f, "c", 1);
	page(f, "c", CMD_DIR_LATEST, 0, 1);
	assert_int_equal(f->seqs[0], MANY + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_trim, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
