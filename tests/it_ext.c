/* it_ext.c: txt-chatd in extended mode: a whole session, field by field. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testcli.h"
#include "testsrv.h"

/* Fields of a server line we look at. */
#define FIELDS_MAX 8
/* Slack allowed between our clock and the server's time fields, in ms. */
#define CLOCK_SLACK_MS 2000
/* Bytes of a channel id or a line copy kept by a test, counting the NUL. */
#define ID_MAX   80
#define COPY_MAX 512

/* A server line split at '$' into at most max fields; the last takes the
 * rest.  The copy lives in the struct. */
struct fields {
	char buf[TESTCLI_LINE_MAX];
	char *f[FIELDS_MAX];
	size_t n;
};

static void
split(struct fields *fl, const char *line, size_t max)
{
	char *p;

	snprintf(fl->buf, sizeof(fl->buf), "%s", line);
	fl->n = 0;
	p = fl->buf;
	fl->f[fl->n++] = p;
	while (fl->n < max && (p = strchr(p, '$')) != NULL) {
		*p++ = '\0';
		fl->f[fl->n++] = p;
	}
}

static long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A time field: decimal milliseconds since the epoch, about now. */
static void
check_time(const char *field)
{
	char *end;
	long long t = strtoll(field, &end, 10), now = wall_ms();

	if (*field < '0' || *field > '9' || *end != '\0')
		fail_msg("time field '%s' is not a number", field);
	if (t < now - CLOCK_SLACK_MS || t > now + CLOCK_SLACK_MS)
		fail_msg("time field %lld is not about now (%lld)", t, now);
}

/*
 * The next line must be "<kind>$<time>$<rest>": a line with a time in its
 * second field, such as join$<chan>$<time>$<name> when kind holds the
 * channel.  kind is everything before the time, rest everything after.
 */
static void
expect_timed(struct testcli *c, const char *kind, const char *rest)
{
	struct fields fl;
	size_t klen = strlen(kind);
	const char *line = testcli_read(c);

	if (line == NULL || strncmp(line, kind, klen) != 0 || line[klen] != '$')
		fail_msg("%s: expected '%s$<time>$%s', got '%s'",
		    testcli_label(c), kind, rest,
		    line != NULL ? line : "nothing");
	split(&fl, line + klen + 1, 2);
	check_time(fl.f[0]);
	if (fl.n != 2 || strcmp(fl.f[1], rest) != 0)
		fail_msg("%s: expected '%s$<time>$%s', got '%s'",
		    testcli_label(c), kind, rest, line);
}

/*
 * The next line must be "msg$<chan>$<seq>$<time>$<sender>$<text>" (or act).
 * Copies the line to copy (COPY_MAX bytes) if not NULL.
 */
static void
expect_msg(struct testcli *c, const char *kind, const char *chan,
    unsigned long seq, const char *sender, const char *text, char *copy)
{
	const char *line = testcli_read(c);
	char seqs[24];
	struct fields fl;

	if (line == NULL)
		fail_msg("%s: expected %s %lu from %s, got nothing",
		    testcli_label(c), kind, seq, sender);
	split(&fl, line, 6);
	snprintf(seqs, sizeof(seqs), "%lu", seq);
	if (fl.n != 6 || strcmp(fl.f[0], kind) != 0 ||
	    strcmp(fl.f[1], chan) != 0 || strcmp(fl.f[2], seqs) != 0 ||
	    strcmp(fl.f[4], sender) != 0 || strcmp(fl.f[5], text) != 0)
		fail_msg("%s: expected '%s$%s$%s$<time>$%s$%s', got '%s'",
		    testcli_label(c), kind, chan, seqs, sender, text, line);
	check_time(fl.f[3]);
	if (copy != NULL)
		snprintf(copy, COPY_MAX, "%s", line);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * names$<chan>$... lines then names_end$<chan>$<count>: the members must be
 * want (space-separated, any order).
 */
static void
expect_names(struct testcli *c, const char *chan, const char *want)
{
	char got_buf[TESTCLI_LINE_MAX] = "", want_buf[TESTCLI_LINE_MAX];
	char *got_v[64], *want_v[64], *tok, *save = NULL;
	size_t ngot = 0, nwant = 0, i;
	char prefix[ID_MAX + 8], end[ID_MAX + 32];

	snprintf(prefix, sizeof(prefix), "names$%s$", chan);
	for (;;) {
		const char *line = testcli_read(c);

		if (line == NULL)
			fail_msg("%s: names of %s ended early",
			    testcli_label(c), chan);
		if (strncmp(line, "names_end$", 10) == 0) {
			snprintf(end, sizeof(end), "%s", line);
			break;
		}
		if (strncmp(line, prefix, strlen(prefix)) != 0)
			fail_msg("%s: expected '%s...', got '%s'",
			    testcli_label(c), prefix, line);
		if (got_buf[0] != '\0')
			strcat(got_buf, " ");
		strcat(got_buf, line + strlen(prefix));
	}
	for (tok = strtok_r(got_buf, " ", &save); tok != NULL && ngot < 64;
	     tok = strtok_r(NULL, " ", &save))
		got_v[ngot++] = tok;
	snprintf(want_buf, sizeof(want_buf), "%s", want);
	save = NULL;
	for (tok = strtok_r(want_buf, " ", &save); tok != NULL && nwant < 64;
	     tok = strtok_r(NULL, " ", &save))
		want_v[nwant++] = tok;
	qsort(got_v, ngot, sizeof(got_v[0]), cmp_str);
	qsort(want_v, nwant, sizeof(want_v[0]), cmp_str);
	assert_int_equal(ngot, nwant);
	for (i = 0; i < ngot; i++)
		assert_string_equal(got_v[i], want_v[i]);
	snprintf(got_buf, sizeof(got_buf), "names_end$%s$%zu", chan, nwant);
	assert_string_equal(end, got_buf);
}

/* The join sequence of a named channel without history. */
static void
expect_joined(struct testcli *c, const char *id, const char *name,
    const char *members, size_t count)
{
	testcli_expectf(c, "joined$%s$channel$%zu$%s", id, count, name);
	expect_names(c, id, members);
}

static void
stop(struct testsrv *srv)
{
	assert_int_equal(testsrv_stop(srv), 0);
}

/* One long session through every extended command. */
static void
test_full_session(void **state)
{
	struct testsrv *srv = testsrv_start_test(state, NULL);
	struct testcli *carol = testcli_ext_user(srv, "carol");
	struct testcli *dave = testcli_ext_user(srv, "dave");
	struct testcli *eve;
	char id[ID_MAX], m1[COPY_MAX], m2[COPY_MAX], kind[ID_MAX + 8];
	const char *line;
	struct fields fl;

	/* create_chan: created, then the join sequence. */
	testcli_sendf(carol, "create_chan$%s$rust", testcli_uid(carol));
	line = testcli_expect_prefix(carol, "created$");
	split(&fl, line, 3);
	assert_int_equal(fl.n, 3);
	assert_int_equal(strlen(fl.f[1]), 21);
	assert_string_equal(fl.f[2], "rust");
	snprintf(id, sizeof(id), "%s", fl.f[1]);
	expect_joined(carol, id, "rust", "carol", 1);
	testcli_expectf(carol, "history_end$%s$0", id);

	/* join by name, in another case, from a second client. */
	testcli_sendf(dave, "join$%s$RUST", testcli_uid(dave));
	expect_joined(dave, id, "rust", "carol dave", 2);
	testcli_expectf(dave, "history_end$%s$0", id);
	snprintf(kind, sizeof(kind), "join$%s", id);
	expect_timed(carol, kind, "dave");

	/* msg and act, with seq, time and sender; '$' kept. */
	testcli_sendf(
	    carol, "send_msg$%s$rust$hello $world", testcli_uid(carol));
	expect_msg(carol, "msg", id, 1, "carol", "hello $world", m1);
	expect_msg(dave, "msg", id, 1, "carol", "hello $world", NULL);
	testcli_sendf(dave, "send_act$%s$%s$waves", testcli_uid(dave), id);
	expect_msg(carol, "act", id, 2, "dave", "waves", m2);
	expect_msg(dave, "act", id, 2, "dave", "waves", NULL);

	/* A later joiner gets the history, byte for byte, then its end. */
	eve = testcli_ext_user(srv, "eve");
	testcli_sendf(eve, "join$%s$%s", testcli_uid(eve), id);
	expect_joined(eve, id, "rust", "carol dave eve", 3);
	testcli_expect(eve, m1);
	testcli_expect(eve, m2);
	testcli_expectf(eve, "history_end$%s$2", id);
	expect_timed(carol, kind, "eve");
	expect_timed(dave, kind, "eve");
	/* Joining again only repeats the confirmation. */
	testcli_sendf(eve, "join$%s$rust", testcli_uid(eve));
	expect_joined(eve, id, "rust", "carol dave eve", 3);
	testcli_expect(eve, m1);
	testcli_expect(eve, m2);
	testcli_expectf(eve, "history_end$%s$2", id);
	testcli_expect_quiet(carol);

	/* names and list. */
	testcli_sendf(eve, "names$%s$rust", testcli_uid(eve));
	expect_names(eve, id, "carol dave eve");
	testcli_sendf(eve, "list$%s", testcli_uid(eve));
	testcli_expectf(eve, "list$%s$channel$3$rust", id);
	testcli_expect(eve, "list_end$1");

	/* nick: once to everyone sharing a channel, the renamed included. */
	testcli_sendf(dave, "nick$%s$Dave2", testcli_uid(dave));
	expect_timed(dave, "nick", "dave$Dave2");
	expect_timed(carol, "nick", "dave$Dave2");
	expect_timed(eve, "nick", "dave$Dave2");
	testcli_sendf(dave, "send_msg$%s$rust$renamed", testcli_uid(dave));
	expect_msg(carol, "msg", id, 3, "Dave2", "renamed", NULL);
	expect_msg(dave, "msg", id, 3, "Dave2", "renamed", NULL);
	expect_msg(eve, "msg", id, 3, "Dave2", "renamed", NULL);
	/* The old name is free, the new one taken. */
	testcli_sendf(eve, "nick$%s$DAVE2", testcli_uid(eve));
	testcli_expect_prefix(eve, "error$name_taken$nick$");

	/* dm and its copy; dm_act; an unknown user. */
	testcli_sendf(eve, "dm$%s$CAROL$psst $1", testcli_uid(eve));
	expect_timed(carol, "dm", "eve$carol$psst $1");
	expect_timed(eve, "dm", "eve$carol$psst $1");
	testcli_sendf(carol, "dm_act$%s$eve$nods", testcli_uid(carol));
	expect_timed(eve, "dm_act", "carol$eve$nods");
	expect_timed(carol, "dm_act", "carol$eve$nods");
	testcli_sendf(carol, "dm$%s$nobody$hi", testcli_uid(carol));
	testcli_expect(carol, "error$no_such_user$dm$no such user: nobody");
	testcli_expect_quiet(dave);

	/* leave: left for the leaver, part for the others. */
	testcli_sendf(eve, "leave$%s$rust", testcli_uid(eve));
	testcli_expectf(eve, "left$%s", id);
	snprintf(kind, sizeof(kind), "part$%s", id);
	expect_timed(carol, kind, "eve");
	expect_timed(dave, kind, "eve");
	testcli_expect_quiet(eve);

	/* ping/pong and an error in the man page's form. */
	testcli_sendf(carol, "ping$42");
	testcli_expect(carol, "pong$42");
	testcli_sendf(carol, "join$%s$nowhere", testcli_uid(carol));
	testcli_expect(
	    carol, "error$no_such_channel$join$no such channel: nowhere");

	/* quit: a last error line, then EOF; the others see quit$. */
	testcli_sendf(dave, "quit$bye now");
	assert_int_equal(
	    testcli_expect_last(dave, "error$quit$quit$bye now"), 0);
	expect_timed(carol, "quit", "Dave2$bye now");
	/* eve shares no channel with dave any more. */
	testcli_expect_quiet(eve);
	testcli_sendf(carol, "names$%s$%s", testcli_uid(carol), id);
	expect_names(carol, id, "carol");
	testcli_free(carol);
	testcli_free(dave);
	testcli_free(eve);
	stop(srv);
}

/* hello must come first and name version 1; otherwise base mode goes on. */
static void
test_hello_rules(void **state)
{
	struct testsrv *srv = testsrv_start_test(state, NULL);
	struct testcli *late = testcli_open(srv);
	struct testcli *v2 = testcli_open(srv);
	struct testcli *c;

	testcli_expect_welcome(late);
	testcli_sendf(late, "ping$x");
	testcli_expect(late, "$$pong: x");
	testcli_sendf(late, "hello$1");
	testcli_expect_prefix(late, "$$error: bad_state: ");

	testcli_expect_welcome(v2);
	testcli_sendf(v2, "hello$2");
	testcli_expect_prefix(v2, "$$error: bad_version: ");
	/* Still base mode: reg answers with the bare uid. */
	testcli_sendf(v2, "reg$vic");
	testcli_expect(v2, testcli_local(v2));

	/* Only the personal join sequence and a pong after a hello. */
	c = testcli_open(srv);
	testcli_expect_welcome(c);
	testcli_ext_hello(c);
	testcli_ext_reg(c, "wendy");
	testcli_sendf(c, "hello$1");
	testcli_expect_prefix(c, "error$bad_state$hello$");
	testcli_sendf(c, "reg$wendy2");
	testcli_expect_prefix(c, "error$already_registered$reg$");
	testcli_expect_quiet(c);
	testcli_free(late);
	testcli_free(v2);
	testcli_free(c);
	stop(srv);
}

/* Extended and base clients share a channel, each in its own form. */
static void
test_mixed_modes(void **state)
{
	struct testsrv *srv = testsrv_start_test(state, NULL);
	struct testcli *ext = testcli_ext_user(srv, "xena");
	struct testcli *base = testcli_base_user(srv, "bert");
	char kind[2 * ID_MAX];
	const char *eu = testcli_uid(ext);

	/* A base client joins the extended one's personal channel. */
	testcli_sendf(base, "join$%s$%s", testcli_uid(base), eu);
	testcli_expectf(base, "$$joined: %s", eu);
	snprintf(kind, sizeof(kind), "join$%s", eu);
	expect_timed(ext, kind, "bert");
	testcli_sendf(ext, "send_msg$%s$%s$hi bert", eu, eu);
	expect_msg(ext, "msg", eu, 1, "xena", "hi bert", NULL);
	testcli_expect(base, "xena: hi bert");
	testcli_sendf(base, "send_msg$%s$%s$hi xena", testcli_uid(base), eu);
	testcli_expect(base, "bert: hi xena");
	expect_msg(ext, "msg", eu, 2, "bert", "hi xena", NULL);
	testcli_sendf(ext, "send_act$%s$%s$smiles", eu, eu);
	testcli_expect(base, "* xena smiles");
	expect_msg(ext, "act", eu, 3, "xena", "smiles", NULL);
	testcli_sendf(ext, "dm$%s$bert$secret", eu);
	testcli_expect(base, "[dm] xena: secret");
	expect_timed(ext, "dm", "xena$bert$secret");
	/* A nick and a join are not sent to base clients as such. */
	testcli_sendf(ext, "nick$%s$xena2", eu);
	expect_timed(ext, "nick", "xena$xena2");
	testcli_expect_quiet(base);

	/* The owner leaves: the extended member of the personal channel. */
	testcli_sendf(ext, "join$%s$%s", eu, testcli_uid(base));
	testcli_expectf(ext, "joined$%s$personal$2$~bert", testcli_uid(base));
	expect_names(ext, testcli_uid(base), "bert xena2");
	testcli_expectf(ext, "history_end$%s$0", testcli_uid(base));
	testcli_expectf(base, "$$joined: %s", testcli_uid(base));
	snprintf(
	    kind, sizeof(kind), "closed$%s$its owner left", testcli_uid(base));
	testcli_free(base);
	expect_timed(ext, "quit", "bert$connection closed");
	testcli_expect(ext, kind);
	testcli_expect_quiet(ext);
	testcli_free(ext);
	stop(srv);
}

/* History keeps the last --history lines; seq goes on counting. */
static void
test_history_limit(void **state)
{
	static const char *const args[] = {"--history", "3", NULL};
	struct testsrv *srv = testsrv_start_test(state, args);
	struct testcli *a = testcli_ext_user(srv, "ann");
	struct testcli *b = testcli_ext_user(srv, "ben");
	char id[ID_MAX], text[ID_MAX + 8];
	const char *line;
	int i;

	testcli_sendf(a, "create_chan$%s$#hist", testcli_uid(a));
	line = testcli_expect_prefix(a, "created$");
	snprintf(id, sizeof(id), "%.21s", line + 8);
	testcli_sync(a, NULL);
	for (i = 1; i <= 5; i++)
		testcli_sendf(a, "send_msg$%s$#hist$m%d", testcli_uid(a), i);
	testcli_sync(a, NULL);
	testcli_sendf(b, "join$%s$#HIST", testcli_uid(b));
	expect_joined(b, id, "#hist", "ann ben", 2);
	for (i = 3; i <= 5; i++) {
		snprintf(text, sizeof(text), "m%d", i);
		expect_msg(b, "msg", id, (unsigned long)i, "ann", text, NULL);
	}
	testcli_expectf(b, "history_end$%s$3", id);
	snprintf(text, sizeof(text), "join$%s", id);
	expect_timed(a, text, "ben");

	/* The last member leaving removes the channel and its history. */
	testcli_sendf(a, "leave$%s$%s", testcli_uid(a), id);
	testcli_expectf(a, "left$%s", id);
	testcli_sendf(b, "leave$%s$%s", testcli_uid(b), id);
	testcli_expect_prefix(b, "part$");
	testcli_expectf(b, "left$%s", id);
	testcli_sendf(b, "list$%s", testcli_uid(b));
	testcli_expect(b, "list_end$0");
	testcli_sendf(b, "join$%s$#hist", testcli_uid(b));
	testcli_expect_prefix(b, "error$no_such_channel$join$");
	testcli_sendf(b, "create_chan$%s$#hist", testcli_uid(b));
	line = testcli_expect_prefix(b, "created$");
	assert_true(strncmp(line + 8, id, 21) != 0);
	snprintf(id, sizeof(id), "%.21s", line + 8);
	testcli_expect_prefix(b, "joined$");
	expect_names(b, id, "ben");
	testcli_expect_prefix(b, "history_end$");
	testcli_free(a);
	testcli_free(b);
	stop(srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_full_session, testsrv_teardown),
	    cmocka_unit_test_teardown(test_hello_rules, testsrv_teardown),
	    cmocka_unit_test_teardown(test_mixed_modes, testsrv_teardown),
	    cmocka_unit_test_teardown(test_history_limit, testsrv_teardown),
	};

	return cmocka_run_group_tests_name("it_ext", tests, NULL, NULL);
}
