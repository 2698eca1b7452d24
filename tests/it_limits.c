/* it_limits.c: txt-chatd at its limits: lines, bytes, timeouts, counts, floods.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testcli.h"
#include "testsrv.h"

/* The line limit of the protocol, counting the LF. */
#define LINE_MAX_BYTES 4096
/* The text limit of the protocol. */
#define TEXT_MAX_BYTES 3072
/* Server CPU a test may see while the server should be idle, in ms. */
#define IDLE_CPU_MAX_MS 500
/* What "promptly" means for a refusal, in ms. */
#define PROMPT_MS 2000
/* A ping round trip that counts as fast while someone floods, in ms. */
#define RTT_MAX_MS 500

static const char err_line_too_long[] =
    "$$error: line_too_long: line longer than 4096 bytes";

static void
stop(struct testsrv *srv)
{
	assert_int_equal(testsrv_stop(srv), 0);
}

/* Sends raw bytes, failing the test on error. */
static void
send_raw(struct testcli *c, const void *p, size_t len)
{
	if (testcli_send(c, p, len) < 0)
		fail_msg("%s: send of %zu bytes failed", testcli_label(c), len);
}

/*
 * "send_msg$<uid>$<uid>$" + fill bytes of 'x' + end (e.g. "\n"), so that
 * the whole is exactly total bytes.  Returns a buffer the caller frees.
 */
static char *
msg_line(struct testcli *c, size_t total, const char *end, size_t *len)
{
	char *buf = malloc(total + 1);
	int head;
	size_t tail = strlen(end);

	assert_non_null(buf);
	head = snprintf(
	    buf, total + 1, "send_msg$%s$%s$", testcli_uid(c), testcli_uid(c));
	assert_true(head > 0 && (size_t)head + tail < total);
	memset(buf + head, 'x', total - (size_t)head - tail);
	memcpy(buf + total - tail, end, tail);
	*len = total;
	return buf;
}

/* The longest text is relayed whole; 4096 bytes is a line, 4097 is not. */
static void
test_line_max(void **state)
{
	struct testsrv *srv = testsrv_start_test(state, NULL);
	struct testcli *c = testcli_base_user(srv, "max");
	char text[TEXT_MAX_BYTES + 1], *buf;
	const char *line;
	size_t len;

	memset(text, 'y', TEXT_MAX_BYTES);
	text[TEXT_MAX_BYTES] = '\0';
	testcli_sendf(
	    c, "send_msg$%s$%s$%s", testcli_uid(c), testcli_uid(c), text);
	line = testcli_expect_prefix(c, "max: ");
	assert_string_equal(line + 5, text);
	testcli_sendf(
	    c, "send_msg$%s$%s$%sy", testcli_uid(c), testcli_uid(c), text);
	testcli_expect_prefix(c, "$$error: text_too_long: ");

	/* Exactly the maximum: a line, refused only for its long text. */
	buf = msg_line(c, LINE_MAX_BYTES, "\n", &len);
	send_raw(c, buf, len);
	free(buf);
	testcli_expect_prefix(c, "$$error: text_too_long: ");
	/* The CR of a CRLF counts too. */
	buf = msg_line(c, LINE_MAX_BYTES, "\r\n", &len);
	send_raw(c, buf, len);
	free(buf);
	testcli_expect_prefix(c, "$$error: text_too_long: ");

	/* One byte more: line_too_long, and the connection goes on. */
	buf = msg_line(c, LINE_MAX_BYTES + 1, "\n", &len);
	send_raw(c, buf, len);
	free(buf);
	testcli_expect(c, err_line_too_long);
	buf = msg_line(c, LINE_MAX_BYTES + 1, "\r\n", &len);
	send_raw(c, buf, len);
	free(buf);
	testcli_expect(c, err_line_too_long);
	testcli_sendf(
	    c, "send_msg$%s$%s$after", testcli_uid(c), testcli_uid(c));
	testcli_expect(c, "max: after");
	testcli_expect_quiet(c);
	testcli_free(c);
	stop(srv);
}

/*
 * 64 KiB without a newline: one line_too_long, no spinning while the rest
 * of the line is awaited, and the connection works once the LF comes.
 */
static void
test_no_newline_64k(void **state)
{
	enum { FLOOD = 64 * 1024 };
	struct testsrv *srv = testsrv_start_test(state, NULL);
	struct testcli *c = testcli_base_user(srv, "nonl");
	char *buf = malloc(FLOOD);
	long cpu0, cpu1;

	assert_non_null(buf);
	memset(buf, 'z', FLOOD);
	cpu0 = testsrv_cpu_ms(srv);
	assert_true(cpu0 >= 0);
	send_raw(c, buf, FLOOD);
	free(buf);
	testcli_expect(c, err_line_too_long);
	/* The rest of the line is dropped without another word. */
	assert_null(testcli_read_within(c, 1000));
	assert_int_equal(testcli_status(c), TESTCLI_TIMEOUT);
	cpu1 = testsrv_cpu_ms(srv);
	if (cpu1 - cpu0 > IDLE_CPU_MAX_MS)
		fail_msg(
		    "server used %ld ms of CPU waiting for a LF", cpu1 - cpu0);
	/* The LF ends the dropped line: what came before it never runs. */
	testcli_sendf(
	    c, "send_msg$%s$%s$smuggled", testcli_uid(c), testcli_uid(c));
	testcli_sendf(c, "send_msg$%s$%s$back", testcli_uid(c), testcli_uid(c));
	testcli_expect(c, "nonl: back");
	testcli_expect_quiet(c);
	testcli_free(c);
	stop(srv);
}

/* A command arriving one byte per segment, before and after reg. */
static void
test_one_byte_per_send(void **state)
{
	struct testsrv *srv = testsrv_start_test(state, NULL);
	struct testcli *c = testcli_open(srv);
	char line[256];
	size_t i;

	testcli_expect_welcome(c);
	for (i = 0; i < 8; i++)
		send_raw(c, &"reg$slo\n"[i], 1);
	testcli_expect(c, testcli_local(c));
	snprintf(line, sizeof(line), "send_msg$%s$%s$one $ at a time\r\n",
	    testcli_local(c), testcli_local(c));
	for (i = 0; line[i] != '\0'; i++)
		send_raw(c, &line[i], 1);
	testcli_expect(c, "slo: one $ at a time");
	testcli_expect_quiet(c);
	testcli_free(c);
	stop(srv);
}

/* Five commands in one send are answered in order. */
static void
test_five_in_one_send(void **state)
{
	struct testsrv *srv = testsrv_start_test(state, NULL);
	struct testcli *c = testcli_open(srv);
	char buf[1024];
	const char *u = testcli_local(c);
	int n;

	testcli_expect_welcome(c);
	n = snprintf(buf, sizeof(buf),
	    "reg$five\nsend_msg$%s$%s$one\nping$two\n"
	    "send_msg$%s$%s$three\nbogus$four\n",
	    u, u, u, u);
	send_raw(c, buf, (size_t)n);
	testcli_expect(c, u);
	testcli_expect(c, "five: one");
	testcli_expect(c, "$$pong: two");
	testcli_expect(c, "five: three");
	testcli_expect_prefix(c, "$$error: unknown_command: ");
	testcli_expect_quiet(c);
	testcli_free(c);
	stop(srv);
}

/* Forbidden bytes inside a line are refused whole; the rest goes on. */
static void
test_bad_bytes_registered(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		const char *reply;
	} cases[] = {
	    {"a\0b", 3, "$$error: bad_char: "},
	    {"a\rb", 3, "$$error: bad_char: "},
	    {"\r\r", 2, "$$error: bad_char: "},
	    {"tab\there", 8, "$$error: bad_char: "},
	    {"esc\x1b[31m", 8, "$$error: bad_char: "},
	    {"del\x7f", 4, "$$error: bad_char: "},
	    {"c1\xc2\x85", 4, "$$error: bad_char: "},
	    {"bidi\xe2\x80\xae", 7, "$$error: bad_char: "},
	    {"ff\xff", 3, "$$error: bad_utf8: "},
	    {"overlong\xc0\xaf", 10, "$$error: bad_utf8: "},
	    {"surrogate\xed\xa0\x80", 12, "$$error: bad_utf8: "},
	};
	struct testsrv *srv = testsrv_start_test(state, NULL);
	struct testcli *c = testcli_base_user(srv, "bytes");
	char line[128];
	size_t i;
	int head;

	head = snprintf(line, sizeof(line), "send_msg$%s$%s$", testcli_uid(c),
	    testcli_uid(c));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got;

		memcpy(line + head, cases[i].text, cases[i].len);
		line[(size_t)head + cases[i].len] = '\n';
		send_raw(c, line, (size_t)head + cases[i].len + 1);
		got = testcli_read(c);
		if (got == NULL ||
		    strncmp(got, cases[i].reply, strlen(cases[i].reply)) != 0)
			fail_msg("case %zu: expected '%s...', got '%s'", i,
			    cases[i].reply, got != NULL ? got : "nothing");
	}
	/* A CR before the LF is no part of the line; UTF-8 text is fine. */
	testcli_sendf(c, "send_msg$%s$%s$crlf \xc3\xa9\xe2\x82\xac\r",
	    testcli_uid(c), testcli_uid(c));
	testcli_expect(c, "bytes: crlf \xc3\xa9\xe2\x82\xac");
	testcli_expect_quiet(c);
	testcli_free(c);
	stop(srv);
}

/* Expects not_chat and EOF within PROMPT_MS of sending data. */
static void
expect_not_chat(struct testsrv *srv, const void *data, size_t len)
{
	struct testcli *c = testcli_open(srv);
	long long t0;

	testcli_expect_welcome(c);
	testcli_set_timeout(c, PROMPT_MS);
	t0 = testsrv_now_ms();
	send_raw(c, data, len);
	testcli_expect_last(c,
	    "$$error: not_chat: this port speaks the txt-chat protocol only");
	assert_true(testsrv_now_ms() - t0 <= PROMPT_MS);
	testcli_free(c);
}

/* A short TLS 1.2 ClientHello for example.com. */
static const unsigned char client_hello[] = {0x16, 0x03, 0x01, 0x00, 0x5f, 0x01,
    0x00, 0x00, 0x5b, 0x03, 0x03, 0x5a, 0x1c, 0x33, 0x90, 0x07, 0xe2, 0x41,
    0x6b, 0x0c, 0x88, 0x1f, 0x30, 0x52, 0xa9, 0x6e, 0x14, 0xd3, 0x21, 0x77,
    0x8c, 0x02, 0xbe, 0x45, 0x19, 0xf0, 0x63, 0x2d, 0xc8, 0x3a, 0x91, 0x5e,
    0x06, 0x00, 0x00, 0x08, 0xc0, 0x2b, 0xc0, 0x2f, 0xc0, 0x0a, 0x00, 0x9c,
    0x01, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x00,
    0x0b, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', 0x00, 0x0a,
    0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x0d, 0x00, 0x08,
    0x00, 0x06, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01};

/* Deterministic bytes that are no UTF-8 text; with_lf ends them in LF. */
static size_t
random_bytes(unsigned char *buf, size_t len, int with_lf)
{
	uint32_t x = 2463534242u;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)(x >> 24);
		if (buf[i] == '\n')
			buf[i] = 0xff;
	}
	buf[0] = 0xff;
	if (with_lf)
		buf[len - 1] = '\n';
	return len;
}

/* Binary data before reg is not a chat client: closed with not_chat. */
static void
test_not_chat(void **state)
{
	struct testsrv *srv = testsrv_start_test(state, NULL);
	unsigned char buf[300];

	expect_not_chat(srv, client_hello, sizeof(client_hello));
	expect_not_chat(srv, buf, random_bytes(buf, sizeof(buf), 1));
	/* A control character in an otherwise plain first line. */
	expect_not_chat(srv, "reg$a\x01\n", 7);
	/* One in a line sent along with a good reg is that line's error. */
	{
		struct testcli *c = testcli_open(srv);
		char two[128];
		int len;

		testcli_expect_welcome(c);
		len = snprintf(two, sizeof(two),
		    "reg$pipelined\nsend_msg$%s$%s$a\tb\n", testcli_local(c),
		    testcli_local(c));
		send_raw(c, two, (size_t)len);
		testcli_expect(c, testcli_local(c));
		testcli_expect_prefix(c, "$$error: bad_char: ");
		testcli_sendf(c, "send_msg$%s$%s$still here", testcli_local(c),
		    testcli_local(c));
		testcli_expect(c, "pipelined: still here");
		testcli_free(c);
	}
	/* An over-long first line. */
	{
		char big[LINE_MAX_BYTES + 1];

		memset(big, 'a', sizeof(big));
		expect_not_chat(srv, big, sizeof(big));
	}
	stop(srv);
}

/*
 * Binary bytes with no LF in them are refused at once, not after the
 * registration timeout: a TLS or other binary client that waits for the
 * server to speak must not hang (a bug fixed in 68a4390).
 */
static void
test_not_chat_without_newline(void **state)
{
	struct testsrv *srv = testsrv_start_test(state, NULL);
	unsigned char buf[300];

	expect_not_chat(srv, buf, random_bytes(buf, sizeof(buf), 0));
	stop(srv);
}

/* A client that never registers is closed after --reg-timeout. */
static void
test_registration_timeout(void **state)
{
	static const char *const args[] = {"--reg-timeout", "1", NULL};
	struct testsrv *srv = testsrv_start_test(state, args);
	struct testcli *idle = testcli_open(srv);
	struct testcli *ext = testcli_open(srv);
	struct testcli *reg = testcli_base_user(srv, "quick");
	long long t0 = testsrv_now_ms(), dt;

	testcli_expect_welcome(idle);
	testcli_ext_hello(ext);
	/* Pings do not count as registering. */
	testcli_sync(idle, NULL);
	testcli_expect_last(
	    idle, "$$error: registration_timeout: did not register in time");
	dt = testsrv_now_ms() - t0;
	assert_true(dt >= 800 && dt <= 1000 + PROMPT_MS);
	testcli_expect_last(
	    ext, "error$registration_timeout$*$did not register in time");
	/* The one who registered in time stays. */
	testcli_sendf(reg, "send_msg$%s$%s$still here", testcli_uid(reg),
	    testcli_uid(reg));
	testcli_expect(reg, "quick: still here");
	testcli_free(idle);
	testcli_free(ext);
	testcli_free(reg);
	stop(srv);
}

/*
 * With --ping-interval 1 --ping-timeout 1 an extended client that does not
 * answer a ping is closed; one that answers stays, and base-mode clients
 * get no pings.
 */
static void
test_ping_timeout(void **state)
{
	static const char *const args[] = {
	    "--ping-interval", "1", "--ping-timeout", "1", NULL};
	struct testsrv *srv = testsrv_start_test(state, args);
	struct testcli *mute = testcli_ext_user(srv, "mute");
	struct testcli *live = testcli_ext_user(srv, "live");
	struct testcli *base = testcli_base_user(srv, "old");
	char token[128];
	const char *line;
	long long t0;
	int round;

	for (round = 0; round < 2; round++) {
		line = testcli_expect_prefix(live, "ping$");
		snprintf(token, sizeof(token), "%s", line + 5);
		assert_true(token[0] != '\0');
		testcli_sendf(live, "pong$%s", token);
		if (round > 0)
			break;
		testcli_expect_prefix(mute, "ping$");
		t0 = testsrv_now_ms();
		testcli_expect_last(
		    mute, "error$ping_timeout$*$no reply to ping in time");
		assert_true(testsrv_now_ms() - t0 <= 1000 + PROMPT_MS);
	}
	testcli_expect_quiet(live);
	testcli_expect_quiet(base);
	testcli_free(mute);
	testcli_free(live);
	testcli_free(base);
	stop(srv);
}

/*
 * A client held back by flood control is not silent: with lines still
 * waiting to be taken it is neither pinged out nor closed, however long
 * its backlog takes (before 2026-11-26 the server counted only reads, so
 * its pong, queued behind those lines, came too late).
 */
static void
test_throttled_not_pinged_out(void **state)
{
	enum { LINES = 50 };
	static const char *const args[] = {"--ping-interval", "1",
	    "--ping-timeout", "1", "--flood-rate", "10", "--flood-burst", "1",
	    NULL};
	struct testsrv *srv = testsrv_start_test(state, args);
	struct testcli *busy = testcli_ext_user(srv, "busy");
	char buf[LINES * 16], want[32];
	const char *line;
	size_t len = 0;
	int i, got = 0;

	for (i = 0; i < LINES; i++)
		len += (size_t)snprintf(
		    buf + len, sizeof(buf) - len, "ping$n%d\n", i);
	send_raw(busy, buf, len);
	/* 50 lines at 10 a second: about 5 s, past two ping timeouts. */
	testcli_set_timeout(busy, 10000);
	while (got < LINES) {
		line = testcli_read(busy);
		if (line == NULL)
			fail_msg("lost the connection after %d pongs", got);
		if (strncmp(line, "ping$", 5) == 0) {
			testcli_sendf(busy, "pong$%s", line + 5);
			continue;
		}
		snprintf(want, sizeof(want), "pong$n%d", got);
		if (strcmp(line, want) != 0)
			fail_msg("expected '%s', got '%s'", want, line);
		got++;
	}
	testcli_free(busy);
	stop(srv);
}

/*
 * The first keepalive ping comes --ping-interval after registering, not
 * at the registration deadline set when the connection was accepted (a
 * bug fixed in 68a4390: with the default --reg-timeout 30 it came after
 * 30 s).
 */
static void
test_first_ping_after_interval(void **state)
{
	static const char *const args[] = {
	    "--ping-interval", "1", "--ping-timeout", "1", NULL};
	struct testsrv *srv = testsrv_start_test(state, args);
	struct testcli *c = testcli_ext_user(srv, "early");

	testcli_set_timeout(c, 1000 + PROMPT_MS);
	testcli_expect_prefix(c, "ping$");
	testcli_free(c);
	stop(srv);
}

/* --max-per-addr counts connections per source address. */
static void
test_per_address_limit(void **state)
{
	static const char *const args[] = {"--max-per-addr", "3", NULL};
	struct testsrv *srv = testsrv_start_test(state, args);
	struct testcli *c[3], *extra, *other;
	int i;

	for (i = 0; i < 3; i++) {
		c[i] = testcli_open(srv);
		testcli_expect_welcome(c[i]);
	}
	extra = testcli_open(srv);
	testcli_expect_last(extra,
	    "$$error: address_limit: too many "
	    "connections from your address");
	testcli_free(extra);
	other = testcli_connect(srv, "127.0.0.2");
	assert_non_null(other);
	testcli_base_reg(other, "elsewhere");
	assert_true(strncmp(testcli_uid(other), "127.0.0.2:", 10) == 0);

	/* A slot of the address comes free when one of the three leaves. */
	testcli_free(c[0]);
	testcli_sync(c[1], NULL);
	c[0] = testcli_open(srv);
	testcli_expect_welcome(c[0]);
	testcli_expect_quiet(c[0]);
	for (i = 0; i < 3; i++)
		testcli_free(c[i]);
	testcli_free(other);
	stop(srv);
}

/* --max-clients caps connections; the next one gets server_full. */
static void
test_max_clients(void **state)
{
	static const char *const args[] = {"--max-clients", "5", NULL};
	struct testsrv *srv = testsrv_start_test(state, args);
	struct testcli *c[5], *extra;
	int i;

	for (i = 0; i < 5; i++) {
		c[i] = testcli_open(srv);
		testcli_expect_welcome(c[i]);
	}
	extra = testcli_open(srv);
	testcli_expect_last(extra, "$$error: server_full: server is full");
	testcli_free(extra);
	testcli_reset(c[4]);
	testcli_sync(c[3], NULL);
	c[4] = testcli_base_user(srv, "fifth");
	testcli_expect_quiet(c[4]);
	for (i = 0; i < 5; i++)
		testcli_free(c[i]);
	stop(srv);
}

/* Round trip of a ping from c, in ms. */
static long long
ping_rtt(struct testcli *c)
{
	long long t0 = testsrv_now_ms();

	testcli_expect_quiet(c);
	return testsrv_now_ms() - t0;
}

/*
 * A flooder is slowed to --flood-rate but loses nothing; another client's
 * round trips stay fast meanwhile, and the throttled server does not spin.
 */
static void
test_flood_control(void **state)
{
	enum { LINES = 15 };
	static const char *const args[] = {
	    "--flood-rate", "10", "--flood-burst", "5", NULL};
	struct testsrv *srv = testsrv_start_test(state, args);
	struct testcli *flood = testcli_base_user(srv, "flood");
	struct testcli *calm = testcli_base_user(srv, "calm");
	char buf[LINES * 128], want[32];
	size_t len = 0;
	long long t0, elapsed, rtt, max_rtt = 0, next_ping = 0;
	long cpu0, cpu1;
	int i, got = 0, pings = 0;

	/* Let the bucket fill up after the registration. */
	testcli_sync(flood, NULL);
	for (i = 1; i <= LINES; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "send_msg$%s$%s$n%d\n", testcli_uid(flood),
		    testcli_uid(flood), i);
	cpu0 = testsrv_cpu_ms(srv);
	t0 = testsrv_now_ms();
	send_raw(flood, buf, len);
	while (got < LINES) {
		const char *line = testcli_read_within(flood, 100);

		if (line != NULL) {
			got++;
			snprintf(want, sizeof(want), "flood: n%d", got);
			if (strcmp(line, want) != 0)
				fail_msg("line %d: expected '%s', got '%s'",
				    got, want, line);
		} else if (testcli_status(flood) != TESTCLI_TIMEOUT) {
			fail_msg(
			    "flooder lost its connection after %d lines", got);
		}
		if (testsrv_now_ms() - t0 > 10000)
			fail_msg("only %d of %d lines after 10 s", got, LINES);
		/* Below calm's own rate limit: a ping every 150 ms. */
		if (testsrv_now_ms() >= next_ping) {
			rtt = ping_rtt(calm);
			pings++;
			if (rtt > max_rtt)
				max_rtt = rtt;
			next_ping = testsrv_now_ms() + 150;
		}
	}
	elapsed = testsrv_now_ms() - t0;
	cpu1 = testsrv_cpu_ms(srv);
	/* (15 - 5) lines at 10 a second take a second; allow for jitter. */
	if (elapsed < 800)
		fail_msg("%d lines at rate 10 burst 5 took only %lld ms", LINES,
		    elapsed);
	if (max_rtt > RTT_MAX_MS)
		fail_msg("a ping took %lld ms during the flood", max_rtt);
	assert_true(pings > 0);
	if (cpu1 - cpu0 > IDLE_CPU_MAX_MS)
		fail_msg("server used %ld ms of CPU throttling one client",
		    cpu1 - cpu0);
	testcli_expect_quiet(flood);
	testcli_free(flood);
	testcli_free(calm);
	stop(srv);
}

/*
 * Where calm's line lands among 200 that busy sent first in one write,
 * as a third member sees the channel (busy's personal channel).
 */
static int
position_among_busy(const char *budget)
{
	enum { LINES = 200 };
	const char *args[] = {
	    "--flood-rate", "0", "--read-budget", budget, NULL};
	struct testsrv *srv = testsrv_start(args);
	struct testcli *busy, *calm, *watch;
	char buf[LINES * 80];
	size_t len = 0;
	int i, pos = -1;

	assert_non_null(srv);
	busy = testcli_base_user(srv, "busy");
	calm = testcli_base_user(srv, "calm");
	watch = testcli_base_user(srv, "watch");
	testcli_sendf(
	    calm, "join$%s$%s\n", testcli_uid(calm), testcli_uid(busy));
	testcli_sendf(
	    watch, "join$%s$%s\n", testcli_uid(watch), testcli_uid(busy));
	testcli_sync(calm, NULL);
	testcli_sync(watch, NULL);
	for (i = 0; i < LINES; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "send_msg$%s$%s$b%d\n", testcli_uid(busy),
		    testcli_uid(busy), i);
	/* Both writes wait in the kernel before the server reads either. */
	assert_int_equal(testsrv_kill(srv, SIGSTOP), 0);
	send_raw(busy, buf, len);
	testcli_sendf(calm, "send_msg$%s$%s$calm\n", testcli_uid(calm),
	    testcli_uid(busy));
	assert_int_equal(testsrv_kill(srv, SIGCONT), 0);
	for (i = 0; i <= LINES; i++) {
		const char *line = testcli_read(watch);

		if (line == NULL)
			fail_msg("watch got only %d lines", i);
		if (strncmp(line, "$$joined:", 9) == 0) {
			i--;
			continue;
		}
		if (strcmp(line, "calm: calm") == 0)
			pos = i;
	}
	assert_int_not_equal(pos, -1);
	assert_int_equal(testsrv_stop(srv), 0);
	testsrv_free(srv);
	return pos;
}

/* One client's burst does not hold up another's line: the read budget. */
static void
test_read_budget(void **state)
{
	int fair, greedy;

	(void)state;
	fair = position_among_busy("1");
	greedy = position_among_busy("1000");
	/* With 1 line per turn calm waits a turn or two, not for busy's buffer.
	 */
	if (fair > 10)
		fail_msg("with --read-budget 1 calm's line came after %d of "
		         "busy's",
		    fair);
	if (greedy < 40)
		fail_msg("with --read-budget 1000 calm's line came after only "
		         "%d of busy's: the budget test proves nothing",
		    greedy);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_line_max, testsrv_teardown),
	    cmocka_unit_test_teardown(test_no_newline_64k, testsrv_teardown),
	    cmocka_unit_test_teardown(test_one_byte_per_send, testsrv_teardown),
	    cmocka_unit_test_teardown(test_five_in_one_send, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_bad_bytes_registered, testsrv_teardown),
	    cmocka_unit_test_teardown(test_not_chat, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_not_chat_without_newline, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_registration_timeout, testsrv_teardown),
	    cmocka_unit_test_teardown(test_ping_timeout, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_throttled_not_pinged_out, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_first_ping_after_interval, testsrv_teardown),
	    cmocka_unit_test_teardown(test_per_address_limit, testsrv_teardown),
	    cmocka_unit_test_teardown(test_max_clients, testsrv_teardown),
	    cmocka_unit_test_teardown(test_flood_control, testsrv_teardown),
	    cmocka_unit_test(test_read_budget),
	};

	return cmocka_run_group_tests_name("it_limits", tests, NULL, NULL);
}
