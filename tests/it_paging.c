/* it_paging.c: txt-chatd answers history requests page by page. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testcli.h"
#include "testsrv.h"

/* Bytes of a channel id kept, counting the NUL. */
#define ID_MAX 80
/* Messages said in the channel: more than a page, fewer than kept. */
#define SAID 250

/*
 * Reads one reply to a history request for channel id: the page line
 * with dir, the msg lines (their seqs appended to seqs, text checked),
 * the end line.  Returns whether it said "more"; *count is the lines.
 */
static int
read_page(struct testcli *c, const char *id, const char *dir,
    unsigned long *seqs, size_t *n, size_t *count)
{
	char head[ID_MAX + 32], sender[64], want[32];
	const char *line, *text;
	unsigned long seq, announced, got;
	size_t i;
	int more;

	snprintf(head, sizeof(head), "history_page$%s$%s$", id, dir);
	line = testcli_expect_prefix(c, head);
	announced = strtoul(line + strlen(head), NULL, 10);
	for (i = 0; i < announced; i++) {
		line = testcli_read(c);
		assert_non_null(line);
		if (testcli_parse_msg(
		        line, &seq, sender, sizeof(sender), &text) < 0)
			fail_msg("not a msg line in a page: %s", line);
		assert_string_equal(sender, "ann");
		snprintf(want, sizeof(want), "m%lu", seq);
		assert_string_equal(text, want);
		seqs[(*n)++] = seq;
	}
	snprintf(head, sizeof(head), "history_page_end$%s$", id);
	line = testcli_expect_prefix(c, head);
	got = strtoul(line + strlen(head), NULL, 10);
	assert_true(got == announced);
	line = strchr(line + strlen(head), '$');
	assert_non_null(line);
	more = strcmp(line, "$more") == 0;
	if (!more)
		assert_string_equal(line, "$end");
	*count = announced;
	return more;
}

static void
test_paging(void **state)
{
	static const char *const args[] = {
	    "--history", "300", "--flood-rate", "0", NULL};
	struct testsrv *srv = testsrv_start(args);
	struct testcli *ann, *ben, *cat, *dan;
	unsigned long seqs[2 * SAID], before;
	char id[ID_MAX];
	const char *line;
	size_t n = 0, count, i;
	int more;

	assert_non_null(srv);
	*state = srv;
	ann = testcli_ext_user(srv, "ann");
	ben = testcli_ext_user(srv, "ben");
	cat = testcli_ext_user(srv, "cat");
	dan = testcli_base_user(srv, "dan");
	testcli_sendf(ann, "create_chan$%s$#pg", testcli_uid(ann));
	line = testcli_expect_prefix(ann, "created$");
	snprintf(id, sizeof(id), "%.21s", line + 8);
	testcli_sync(ann, NULL);
	for (i = 1; i <= SAID; i++) {
		testcli_sendf(ann, "send_msg$%s$#pg$m%zu", testcli_uid(ann), i);
		if (i % 50 == 0)
			testcli_sync(ann, NULL);
	}
	testcli_sync(ann, NULL);
	testcli_sendf(ben, "join$%s$#pg", testcli_uid(ben));
	testcli_sync(ben, NULL);

	/* Back from the oldest seen, 60 at a time, to the beginning. */
	before = 101;
	do {
		testcli_sendf(ben, "history$%s$%s$before$%lu$60",
		    testcli_uid(ben), id, before);
		n = 0;
		more = read_page(ben, id, "before", seqs, &n, &count);
		if (count > 0) {
			testcli_expect_seqs(seqs, n, seqs[0]);
			assert_true(seqs[n - 1] == before - 1);
			before = seqs[0];
		}
	} while (more);
	assert_true(before == 1);
	/* 40 then 60: the last page said end and had what was left. */
	assert_int_equal(count, 40);

	/* Forward from 0, 200 at a time (asked for more): every line once. */
	testcli_sendf(
	    ben, "history$%s$%s$after$0$100000", testcli_uid(ben), id);
	n = 0;
	assert_true(read_page(ben, id, "after", seqs, &n, &count));
	assert_int_equal(count, 200);
	testcli_sendf(
	    ben, "history$%s$#PG$after$%lu$200", testcli_uid(ben), seqs[n - 1]);
	assert_false(read_page(ben, id, "after", seqs, &n, &count));
	assert_int_equal(n, SAID);
	testcli_expect_seqs(seqs, n, 1);

	/* The newest, and nothing after the newest. */
	testcli_sendf(ben, "history$%s$%s$latest$0$3", testcli_uid(ben), id);
	n = 0;
	assert_true(read_page(ben, id, "latest", seqs, &n, &count));
	testcli_expect_seqs(seqs, n, SAID - 2);
	testcli_sendf(
	    ben, "history$%s$%s$after$%d$3", testcli_uid(ben), id, SAID);
	assert_false(read_page(ben, id, "after", seqs, &n, &count));
	assert_int_equal(count, 0);
	testcli_expect_quiet(ben);

	/* Only members: cat is not one, dan speaks the base protocol. */
	testcli_sendf(cat, "history$%s$%s$latest$0$3", testcli_uid(cat), id);
	testcli_expect_prefix(cat, "error$not_member$history$");
	testcli_sendf(cat, "history$%s$%s$sideways$0$3", testcli_uid(cat), id);
	testcli_expect_prefix(cat, "error$bad_args$history$");
	testcli_expect_quiet(cat);
	testcli_sendf(dan, "join$%s$#pg", testcli_uid(dan));
	testcli_expectf(dan, "$$joined: %s", id);
	testcli_sendf(dan, "history$%s$%s$latest$0$3", testcli_uid(dan), id);
	testcli_expect_prefix(dan, "$$error: ext_only: ");
	testcli_expect_quiet(dan);
	testcli_free(ann);
	testcli_free(ben);
	testcli_free(cat);
	testcli_free(dan);
	assert_int_equal(testsrv_stop(srv), 0);
}

/* Lines stored with --db, and the few the server keeps in RAM. */
#define STORED 500
#define CACHED 20

/*
 * With --db a member pages past the RAM cache into the store: back to
 * seq 1 and forward to the newest, each seq once and in order, after a
 * restart too; a non-member is still refused.
 */
static void
test_paging_db(void **state)
{
	char dir[64], db[128], cmd[160], id[ID_MAX];
	const char *args[] = {
	    "--db", db, "--history", "20", "--flood-rate", "0", NULL};
	struct testsrv *srv;
	struct testcli *ann, *ben, *cat;
	unsigned long seqs[STORED + 1], all[STORED + 1], before, after;
	const char *line;
	size_t n, count, got, i;
	int more, round;

	snprintf(dir, sizeof(dir), "/tmp/it_paging.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/chat.db", dir);
	srv = testsrv_start(args);
	assert_non_null(srv);
	*state = srv;
	ann = testcli_ext_user(srv, "ann");
	testcli_sendf(ann, "create_chan$%s$#db", testcli_uid(ann));
	line = testcli_expect_prefix(ann, "created$");
	snprintf(id, sizeof(id), "%.21s", line + 8);
	testcli_sync(ann, NULL);
	for (i = 1; i <= STORED; i++) {
		testcli_sendf(ann, "send_msg$%s$#db$m%zu", testcli_uid(ann), i);
		if (i % 50 == 0)
			testcli_sync(ann, NULL);
	}
	testcli_sync(ann, NULL);
	for (round = 0; round < 2; round++) {
		ben = testcli_ext_user(srv, "ben");
		cat = testcli_ext_user(srv, "cat");
		testcli_sendf(ben, "join$%s$#db", testcli_uid(ben));
		testcli_sync(ben, NULL);

		/* Back from the oldest cached line, 200 at a time. */
		before = STORED - CACHED + 1;
		got = 0;
		do {
			testcli_sendf(ben, "history$%s$%s$before$%lu$200",
			    testcli_uid(ben), id, before);
			n = 0;
			more = read_page(ben, id, "before", seqs, &n, &count);
			assert_true(count > 0);
			testcli_expect_seqs(seqs, n, seqs[0]);
			assert_true(seqs[n - 1] == before - 1);
			before = seqs[0];
			got += count;
		} while (more);
		assert_true(before == 1);
		assert_int_equal(got, STORED - CACHED);

		/* Forward from 0 to the newest: every seq once, in order. */
		after = 0;
		n = 0;
		do {
			testcli_sendf(ben, "history$%s$%s$after$%lu$200",
			    testcli_uid(ben), id, after);
			more = read_page(ben, id, "after", all, &n, &count);
			assert_true(count > 0 && n <= STORED);
			after = all[n - 1];
		} while (more);
		assert_int_equal(n, STORED);
		testcli_expect_seqs(all, n, 1);
		testcli_expect_quiet(ben);

		testcli_sendf(
		    cat, "history$%s$%s$latest$0$3", testcli_uid(cat), id);
		testcli_expect_prefix(cat, "error$not_member$history$");
		testcli_expect_quiet(cat);
		testcli_free(ben);
		testcli_free(cat);
		if (round == 1)
			break;
		/* Again after a restart, the cache filled from the store. */
		testcli_free(ann);
		assert_int_equal(testsrv_stop(srv), 0);
		testsrv_free(srv);
		*state = NULL;
		srv = testsrv_start(args);
		assert_non_null(srv);
		*state = srv;
		ann = testcli_ext_user(srv, "ann");
		testcli_sendf(ann, "join$%s$#db", testcli_uid(ann));
		testcli_sync(ann, NULL);
	}
	testcli_free(ann);
	assert_int_equal(testsrv_stop(srv), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_paging, testsrv_teardown),
	    cmocka_unit_test_teardown(test_paging_db, testsrv_teardown),
	};

	return cmocka_run_group_tests_name("it_paging", tests, NULL, NULL);
}
