/* test_chatlog.c: tests for chat log names, line format, replay and writing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chatlog.h"

/* 2026-12-03 07:08:09 UTC. */
#define T0 ((uint64_t)1796281689 * 1000)

static struct model_line
line(enum model_line_kind kind, unsigned flags, uint64_t seq,
    const char *sender, const char *text)
{
	struct model_line l;

	memset(&l, 0, sizeof(l));
	l.time_ms = T0;
	l.kind = kind;
	l.flags = flags;
	l.seq = seq;
	l.sender = sender;
	l.sender_len = strlen(sender);
	l.text = text;
	l.text_len = strlen(text);
	return l;
}

static void
test_safe_name(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"#rust", "#rust"},
	    {"~Alice", "~alice"},
	    {"Bob", "bob"},
	    {"..", "_."},
	    {".", "_"},
	    {".hidden", "_hidden"},
	    {"a/../b", "a_.._b"},
	    {"/etc/passwd", "_etc_passwd"},
	    {"", "_"},
	    {"tab\there", "tab_here"},
	    {"esc\x1b[31m", "esc__31m"},
	    {"c1\xc2\x9b", "c1_"},
	    {"stray\xff", "stray_"},
	    {"caf\xc3\xa9", "caf\xc3\xa9"},
	    {"127.0.0.1:9090", "127.0.0.1:9090"},
	    {"[::1]:9090", "_::1_:9090"},
	    {"a b", "a_b"},
	};
	char out[CHATLOG_NAME_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		chatlog_safe_name(
		    cases[i].in, strlen(cases[i].in), out, sizeof(out));
		assert_string_equal(out, cases[i].out);
	}
}

static void
test_safe_name_cut(void **state)
{
	char in[600], out[CHATLOG_NAME_MAX + 1], small[5];
	size_t n, i;

	(void)state;
	/* 300 two-byte code points: cut whole at 255 bytes, so 254. */
	for (i = 0; i < 300; i++) {
		in[2 * i] = '\xc3';
		in[2 * i + 1] = '\xa9';
	}
	n = chatlog_safe_name(in, 600, out, sizeof(out));
	assert_int_equal(n, 254);
	assert_int_equal(strlen(out), 254);
	n = chatlog_safe_name("abcdefgh", 8, small, sizeof(small));
	assert_int_equal(n, 4);
	assert_string_equal(small, "abcd");
}

static void
test_path(void **state)
{
	char buf[CHATLOG_PATH_MAX + 1];
	int n;

	(void)state;
	n = chatlog_path(
	    buf, sizeof(buf), "/d/logs", "127.0.0.1:9090", "#Rust", 5, T0, 0);
	assert_true(n > 0);
	assert_string_equal(buf, "/d/logs/127.0.0.1:9090/#rust/2026-12-03.log");
	/* Local day: 18:00 later is the next day at UTC+10. */
	n = chatlog_path(buf, sizeof(buf), "/d", "s", "../x", 4,
	    T0 + (uint64_t)18 * 3600 * 1000, 36000);
	assert_true(n > 0);
	assert_string_equal(buf, "/d/s/_._x/2026-12-04.log");
	assert_int_equal(chatlog_path(buf, 10, "/d", "s", "w", 1, T0, 0), -1);
}

static void
test_date(void **state)
{
	char d[11];

	(void)state;
	chatlog_date(0, 0, d);
	assert_string_equal(d, "1970-01-01");
	chatlog_date((uint64_t)951782400 * 1000, 0, d); /* leap day */
	assert_string_equal(d, "2000-02-29");
	chatlog_date(T0, -8 * 3600, d);
	assert_string_equal(d, "2026-12-02");
}

static void
test_format(void **state)
{
	char buf[CHATLOG_LINE_MAX];
	struct model_line l;
	size_t n;

	(void)state;
	l = line(MODEL_LINE_MSG, 0, 1, "alice", "hello there");
	n = chatlog_format(buf, &l, 0);
	assert_int_equal(n, strlen("07:08:09 <alice> hello there\n"));
	assert_memory_equal(buf, "07:08:09 <alice> hello there\n", n);
	l = line(MODEL_LINE_ACT, 0, 2, "bob", "waves");
	n = chatlog_format(buf, &l, 3600);
	assert_memory_equal(buf, "08:08:09 * bob waves\n", n);
	l = line(MODEL_LINE_EVENT, 0, 0, "", "carol joined");
	n = chatlog_format(buf, &l, 0);
	assert_memory_equal(buf, "07:08:09 -- carol joined\n", n);
	/* No escape sequence, line break or C1 control reaches the file. */
	l = line(MODEL_LINE_MSG, 0, 0, "e\x1bvil",
	    "a\x1b[2Jb\nc\rd\xc2\x9b"
	    "e");
	n = chatlog_format(buf, &l, 0);
	assert_memory_equal(buf, "07:08:09 <e?vil> a?[2Jb?c?d?e\n", n);
	l = line(MODEL_LINE_INFO, 0, 0, "", "a notice");
	assert_int_equal(chatlog_format(buf, &l, 0), 0);
	l = line(MODEL_LINE_ERROR, 0, 0, "", "an error");
	assert_int_equal(chatlog_format(buf, &l, 0), 0);
}

static char *
fake_env(const char *name)
{
	if (strcmp(name, "HOME") == 0)
		return "/home/u";
	if (strcmp(name, "XDG_DATA_HOME") == 0)
		return getenv("TEST_XDG");
	return NULL;
}

static void
test_default_dir(void **state)
{
	char buf[CHATLOG_PATH_MAX + 1];

	(void)state;
	unsetenv("TEST_XDG");
	assert_int_equal(chatlog_default_dir(buf, sizeof(buf), fake_env), 1);
	assert_string_equal(buf, "/home/u/.local/share/txt-chat/logs");
	setenv("TEST_XDG", "/x/data", 1);
	assert_int_equal(chatlog_default_dir(buf, sizeof(buf), fake_env), 1);
	assert_string_equal(buf, "/x/data/txt-chat/logs");
	/* A relative XDG_DATA_HOME is ignored, as the spec says. */
	setenv("TEST_XDG", "rel", 1);
	assert_int_equal(chatlog_default_dir(buf, sizeof(buf), fake_env), 1);
	assert_string_equal(buf, "/home/u/.local/share/txt-chat/logs");
	assert_int_equal(chatlog_default_dir(buf, 8, fake_env), -1);
	unsetenv("TEST_XDG");
}

/* Reads a whole small file into buf; its length, or -1. */
static long
slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (long)n;
}

static void
test_write_and_replay(void **state)
{
	char dir[] = "/tmp/test_chatlog.XXXXXX", path[CHATLOG_PATH_MAX + 1];
	char buf[4096];
	struct chatlog *cl;
	struct model_line l;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	cl = chatlog_new(dir, "host:1");
	assert_non_null(cl);
	/* A replay when joining at start: what the last run logged. */
	l = line(MODEL_LINE_MSG, MODEL_FLAG_HISTORY, 5, "a", "old");
	assert_int_equal(chatlog_add(cl, "#c", 2, &l, 0), CHATLOG_SKIPPED);
	l = line(MODEL_LINE_MSG, 0, 6, "a", "one");
	assert_int_equal(chatlog_add(cl, "#c", 2, &l, 0), CHATLOG_ADDED);
	l = line(MODEL_LINE_MSG, 0, 7, "b", "two");
	assert_int_equal(chatlog_add(cl, "#C", 2, &l, 0), CHATLOG_ADDED);
	/* The rejoin after a reconnect replays 6 and 7, then 8 is new. */
	l = line(MODEL_LINE_MSG, MODEL_FLAG_HISTORY, 6, "a", "one");
	assert_int_equal(chatlog_add(cl, "#c", 2, &l, 0), CHATLOG_SKIPPED);
	l = line(MODEL_LINE_MSG, MODEL_FLAG_HISTORY, 7, "b", "two");
	assert_int_equal(chatlog_add(cl, "#c", 2, &l, 0), CHATLOG_SKIPPED);
	l = line(MODEL_LINE_MSG, MODEL_FLAG_HISTORY, 8, "b", "missed");
	assert_int_equal(chatlog_add(cl, "#c", 2, &l, 0), CHATLOG_ADDED);
	l = line(MODEL_LINE_EVENT, 0, 0, "", "b left");
	assert_int_equal(chatlog_add(cl, "#c", 2, &l, 0), CHATLOG_ADDED);
	l = line(MODEL_LINE_INFO, 0, 0, "", "notice");
	assert_int_equal(chatlog_add(cl, "#c", 2, &l, 0), CHATLOG_SKIPPED);
	l = line(MODEL_LINE_ACT, 0, 0, "bob", "waves");
	assert_int_equal(chatlog_add(cl, "Bob", 3, &l, 0), CHATLOG_ADDED);
	assert_true(chatlog_pending(cl) > 0);
	assert_int_equal(chatlog_take(cl), 1);
	/* Nothing more taken until the batch is written. */
	l = line(MODEL_LINE_MSG, 0, 9, "a", "three");
	assert_int_equal(chatlog_add(cl, "#c", 2, &l, 0), CHATLOG_ADDED);
	assert_int_equal(chatlog_take(cl), 0);
	assert_int_equal(chatlog_write(cl), 0);
	assert_null(chatlog_written(cl));
	assert_int_equal(chatlog_take(cl), 1);
	assert_int_equal(chatlog_write(cl), 0);
	assert_null(chatlog_written(cl));
	assert_int_equal(chatlog_take(cl), 0);

	snprintf(path, sizeof(path), "%s/host:1/#c/2026-12-03.log", dir);
	assert_true(slurp(path, buf, sizeof(buf)) > 0);
	assert_string_equal(buf,
	    "07:08:09 <a> one\n"
	    "07:08:09 <b> two\n"
	    "07:08:09 <b> missed\n"
	    "07:08:09 -- b left\n"
	    "07:08:09 <a> three\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/host:1/#c", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/host:1/bob/2026-12-03.log", dir);
	assert_true(slurp(path, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "07:08:09 * bob waves\n");
	chatlog_free(cl);
	snprintf(buf, sizeof(buf), "rm -rf '%s'", dir);
	assert_int_equal(system(buf), 0);
}

static void
test_full_buffer(void **state)
{
	char dir[] = "/tmp/test_chatlog.XXXXXX", path[CHATLOG_PATH_MAX + 1];
	static char text[MODEL_TEXT_MAX + 1], buf[256];
	struct chatlog *cl;
	struct model_line l;
	size_t added = 0, i;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	cl = chatlog_new(dir, "s");
	assert_non_null(cl);
	memset(text, 'x', MODEL_TEXT_MAX);
	l = line(MODEL_LINE_MSG, 0, 0, "a", text);
	/* Fill the buffer: the lines past CHATLOG_BUF_MAX are counted. */
	for (i = 0; i < CHATLOG_BUF_MAX / MODEL_TEXT_MAX + 10; i++)
		if (chatlog_add(cl, "w", 1, &l, 0) == CHATLOG_ADDED)
			added++;
	assert_true(added > 0);
	assert_int_equal(chatlog_dropped(cl), i - added);
	assert_true(chatlog_pending(cl) <= CHATLOG_BUF_MAX);
	assert_int_equal(chatlog_take(cl), 1);
	assert_int_equal(chatlog_write(cl), 0);
	assert_null(chatlog_written(cl));
	/* The next line that fits says how many were lost first. */
	l = line(MODEL_LINE_MSG, 0, 0, "a", "after");
	assert_int_equal(chatlog_add(cl, "w", 1, &l, 0), CHATLOG_ADDED);
	assert_int_equal(chatlog_take(cl), 1);
	assert_int_equal(chatlog_write(cl), 0);
	assert_null(chatlog_written(cl));
	snprintf(path, sizeof(path), "%s/s/w/2026-12-03.log", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	for (i = 0; i < added; i++) {
		int c;

		while ((c = fgetc(f)) != '\n')
			assert_true(c != EOF);
	}
	assert_non_null(fgets(buf, sizeof(buf), f));
	snprintf(path, sizeof(path),
	    "-- %llu lines not logged here: the log buffer was full\n",
	    (unsigned long long)chatlog_dropped(cl));
	assert_string_equal(buf, path);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "07:08:09 <a> after\n");
	fclose(f);
	chatlog_free(cl);
	snprintf(buf, sizeof(buf), "rm -rf '%s'", dir);
	assert_int_equal(system(buf), 0);
}

/* A burst across midnight, and windows taking turns: the right files. */
static void
test_day_and_window_change(void **state)
{
	char dir[] = "/tmp/test_chatlog.XXXXXX", path[CHATLOG_PATH_MAX + 1];
	char buf[4096];
	struct chatlog *cl;
	struct model_line l;
	/* 2026-12-03 23:59:59 UTC, then a second later. */
	uint64_t late = (uint64_t)1796342399 * 1000;

	(void)state;
	assert_non_null(mkdtemp(dir));
	cl = chatlog_new(dir, "s");
	assert_non_null(cl);
	l = line(MODEL_LINE_MSG, 0, 1, "a", "before");
	l.time_ms = late;
	assert_int_equal(chatlog_add(cl, "x", 1, &l, 0), CHATLOG_ADDED);
	l = line(MODEL_LINE_MSG, 0, 1, "a", "other");
	l.time_ms = late;
	assert_int_equal(chatlog_add(cl, "y", 1, &l, 0), CHATLOG_ADDED);
	l = line(MODEL_LINE_MSG, 0, 2, "a", "after");
	l.time_ms = late + 1000;
	assert_int_equal(chatlog_add(cl, "x", 1, &l, 0), CHATLOG_ADDED);
	assert_int_equal(chatlog_take(cl), 1);
	assert_int_equal(chatlog_write(cl), 0);
	assert_null(chatlog_written(cl));
	snprintf(path, sizeof(path), "%s/s/x/2026-12-03.log", dir);
	assert_true(slurp(path, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "23:59:59 <a> before\n");
	snprintf(path, sizeof(path), "%s/s/x/2026-12-04.log", dir);
	assert_true(slurp(path, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "00:00:00 <a> after\n");
	snprintf(path, sizeof(path), "%s/s/y/2026-12-03.log", dir);
	assert_true(slurp(path, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "23:59:59 <a> other\n");
	chatlog_free(cl);
	snprintf(buf, sizeof(buf), "rm -rf '%s'", dir);
	assert_int_equal(system(buf), 0);
}

static void
test_write_error(void **state)
{
	struct chatlog *cl;
	struct model_line l;

	(void)state;
	/* A directory that cannot be made: the error is kept and told. */
	cl = chatlog_new("/proc/nonexistent/dir", "s");
	assert_non_null(cl);
	l = line(MODEL_LINE_MSG, 0, 0, "a", "x");
	assert_int_equal(chatlog_add(cl, "w", 1, &l, 0), CHATLOG_ADDED);
	assert_int_equal(chatlog_take(cl), 1);
	assert_int_equal(chatlog_write(cl), -1);
	assert_non_null(strstr(chatlog_written(cl), "/proc/nonexistent/dir"));
	chatlog_free(cl);
	chatlog_free(NULL);
}

/*
 * Lines formatted in place in the buffer (the fast path) are the bytes
 * chatlog_format() makes: control bytes at every offset of the 8-byte
 * words tested at once, C1 controls and other 0xC2 text, seconds and
 * windows taking turns, and the same file reached under another window
 * name.
 */
static void
test_same_bytes(void **state)
{
	char dir[] = "/tmp/test_chatlog.XXXXXX", path[CHATLOG_PATH_MAX + 1];
	static char want[65536], got[65536];
	static const char *const bad[] = {
	    "\x01", "\x1f", "\x7f", "\xc2\x9b", "\xc2\xa0", "\xc2", "\n"};
	char text[64], fmt[CHATLOG_LINE_MAX];
	struct chatlog *cl;
	struct model_line l;
	size_t wlen = 0, k, off, n;
	uint64_t seq = 1;

	(void)state;
	assert_non_null(mkdtemp(dir));
	cl = chatlog_new(dir, "s");
	assert_non_null(cl);
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		for (off = 0; off < 20; off++) {
			memset(text, 'a' + (int)(off % 26), sizeof(text));
			n = strlen(bad[k]);
			memcpy(text + off, bad[k], n);
			text[24] = '\0';
			l = line(off % 3 == 0 ? MODEL_LINE_ACT : MODEL_LINE_MSG,
			    0, seq++, off % 2 ? "bo\x1b" : "alice", text);
			l.time_ms = T0 + (uint64_t)(k * 20 + off) * 400;
			/* "#C" and "#c" are one file, logged in turn. */
			assert_int_equal(
			    chatlog_add(cl, off % 4 ? "#c" : "#C", 2, &l, 3600),
			    CHATLOG_ADDED);
			n = chatlog_format(fmt, &l, 3600);
			assert_true(wlen + n < sizeof(want));
			memcpy(want + wlen, fmt, n);
			wlen += n;
		}
	}
	assert_int_equal(chatlog_take(cl), 1);
	assert_int_equal(chatlog_write(cl), 0);
	assert_null(chatlog_written(cl));
	snprintf(path, sizeof(path), "%s/s/#c/2026-12-03.log", dir);
	assert_int_equal(slurp(path, got, sizeof(got)), (long)wlen);
	assert_memory_equal(got, want, wlen);
	/* And what chatlog_format() makes of them is clean. */
	for (k = 0; k < wlen; k++)
		assert_true((unsigned char)want[k] >= 0x20 || want[k] == '\n');
	chatlog_free(cl);
	snprintf(got, sizeof(got), "rm -rf '%s'", dir);
	assert_int_equal(system(got), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_safe_name),
	    cmocka_unit_test(test_safe_name_cut),
	    cmocka_unit_test(test_path),
	    cmocka_unit_test(test_date),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_default_dir),
	    cmocka_unit_test(test_write_and_replay),
	    cmocka_unit_test(test_full_buffer),
	    cmocka_unit_test(test_day_and_window_change),
	    cmocka_unit_test(test_write_error),
	    cmocka_unit_test(test_same_bytes),
	};

	return cmocka_run_group_tests_name("chatlog", tests, NULL, NULL);
}
