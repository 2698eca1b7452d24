/* test_url.c: tests for finding URLs, the recent ones of a window, OSC 52. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "model.h"
#include "url.h"

/* Longest expected list of URLs in one golden case. */
#define FOUND_MAX 4

struct golden {
	const char *text;
	const char *urls[FOUND_MAX + 1];
};

static const struct golden golden[] = {
    {"see https://example.org/a?b=c#d now", {"https://example.org/a?b=c#d"}},
    {"http://x.io", {"http://x.io"}},
    {"HTTPS://Example.ORG/", {"HTTPS://Example.ORG/"}},
    /* Trailing punctuation is the sentence's. */
    {"go to https://x.org/a.", {"https://x.org/a"}},
    {"https://x.org/a, https://y.org/b; ok",
        {"https://x.org/a", "https://y.org/b"}},
    {"is it https://x.org/?!", {"https://x.org/"}},
    {"'https://x.org/q'", {"https://x.org/q"}},
    {"https://x.org/a:", {"https://x.org/a"}},
    /* Brackets: kept when balanced inside, dropped when they close
     * around the URL. */
    {"(see https://en.wikipedia.org/wiki/Foo_(bar))",
        {"https://en.wikipedia.org/wiki/Foo_(bar)"}},
    {"(see https://en.wikipedia.org/wiki/Foo_(bar)).",
        {"https://en.wikipedia.org/wiki/Foo_(bar)"}},
    {"https://en.wikipedia.org/wiki/Foo_(bar)",
        {"https://en.wikipedia.org/wiki/Foo_(bar)"}},
    {"[https://x.org/a]", {"https://x.org/a"}},
    {"[link](https://x.org/a)", {"https://x.org/a"}},
    {"{https://x.org/a}", {"https://x.org/a"}},
    {"https://x.org/a[1]", {"https://x.org/a[1]"}},
    {"<https://x.org/a>", {"https://x.org/a"}},
    {"\"https://x.org/a\"", {"https://x.org/a"}},
    {"`https://x.org/a`", {"https://x.org/a"}},
    /* www. without a scheme, and what is not a URL. */
    {"try www.example.com/x.", {"www.example.com/x"}},
    {"WWW.Example.com", {"WWW.Example.com"}},
    {"www.example", {NULL}},
    {"www.", {NULL}},
    {"awww.example.com", {NULL}},
    {"foo.www.example.com", {NULL}},
    {"http://www.example.com", {"http://www.example.com"}},
    {"xhttp://x.org", {NULL}},
    {"http://", {NULL}},
    {"http:// x", {NULL}},
    {"https://.", {NULL}},
    {"ftp://x.org", {NULL}},
    {"http:/x.org", {NULL}},
    {"http://[::1]:8080/x", {"http://[::1]:8080/x"}},
    /* After punctuation that is not a letter or digit. */
    {"url:https://x.org", {"https://x.org"}},
    {"(https://x.org)", {"https://x.org"}},
    /* Non-ASCII paths stay; Unicode spaces and CJK stops end a URL. */
    {"https://ja.wikipedia.org/wiki/\xe6\x97\xa5\xe6\x9c\xac "
     "x",
        {"https://ja.wikipedia.org/wiki/\xe6\x97\xa5\xe6\x9c\xac"}},
    {"https://x.org/a\xe3\x80\x82\xe6\x97\xa5", {"https://x.org/a"}},
    {"https://x.org/a\xc2\xa0next", {"https://x.org/a"}},
    {"https://x.org/a\xef\xbf\xbd", {"https://x.org/a"}},
    {"https://\xc3\xa9t\xc3\xa9.fr/", {"https://\xc3\xa9t\xc3\xa9.fr/"}},
    /* Several, and none. */
    {"a http://a.b c https://c.d e www.e.f g",
        {"http://a.b", "https://c.d", "www.e.f"}},
    {"no links here", {NULL}},
    {"", {NULL}},
};

static void
test_golden(void **state)
{
	size_t i, k, pos, a, b;
	const char *s;

	(void)state;
	for (i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
		s = golden[i].text;
		pos = 0;
		for (k = 0; url_find(s, strlen(s), pos, &a, &b); k++) {
			if (k >= FOUND_MAX || golden[i].urls[k] == NULL)
				fail_msg("case %zu: extra URL \"%.*s\"", i,
				    (int)(b - a), s + a);
			if (b - a != strlen(golden[i].urls[k]) ||
			    memcmp(s + a, golden[i].urls[k], b - a) != 0)
				fail_msg("case %zu: \"%.*s\", want \"%s\"", i,
				    (int)(b - a), s + a, golden[i].urls[k]);
			assert_true(a >= pos && b > a && b <= strlen(s));
			pos = b;
		}
		if (k < FOUND_MAX && golden[i].urls[k] != NULL)
			fail_msg(
			    "case %zu: missing \"%s\"", i, golden[i].urls[k]);
	}
}

/* Any bytes: the URL found is inside the text, and the search ends. */
static void
test_random_bytes(void **state)
{
	static const char *const parts[] = {"http://", "https://", "www.", "x",
	    ".", "(", ")", "]", " ", "\xc2\xa0", "\xff", "a.b", "/", "?", "'",
	    "\xe3\x80\x82"};
	char s[256];
	uint32_t seed = 99;
	size_t len, pos, a, b, n, k;
	int round;

	(void)state;
	for (round = 0; round < 20000; round++) {
		len = 0;
		for (k = 0; k < 20; k++) {
			seed = seed * 1103515245u + 12345u;
			n = (seed >> 16) % (sizeof(parts) / sizeof(parts[0]));
			if (len + strlen(parts[n]) >= sizeof(s))
				break;
			memcpy(s + len, parts[n], strlen(parts[n]));
			len += strlen(parts[n]);
		}
		pos = 0;
		n = 0;
		while (url_find(s, len, pos, &a, &b)) {
			assert_true(a >= pos && b > a + 4 && b <= len);
			assert_true(s[b - 1] != '.' && s[b - 1] != ' ');
			pos = b;
			assert_true(++n <= len);
		}
	}
}

static void
test_recent(void **state)
{
	struct model *m = model_new(100);
	struct model_win *w;
	struct url_ref u, list[10];
	const char *t1 =
	    "first https://one.example/1 and https://two.example/2";
	const char *t2 = "then www.three.example";

	(void)state;
	assert_non_null(m);
	w = model_open(m, MODEL_WIN_CHANNEL, "id", 2, "#c", 2);
	assert_non_null(w);
	assert_int_equal(url_recent(w, 1, &u), 0);
	assert_int_equal(
	    model_add(m, w, 1, MODEL_LINE_MSG, 0, "bob", 3, t1, strlen(t1)), 0);
	assert_int_equal(
	    model_add(m, w, 2, MODEL_LINE_EVENT, 0, "", 0, "nothing here", 12),
	    0);
	assert_int_equal(
	    model_add(m, w, 3, MODEL_LINE_ACT, 0, "al", 2, t2, strlen(t2)), 0);
	/* A notice quoting a URL (as /copy's own does) is not counted. */
	assert_int_equal(model_info(m, w, 4, MODEL_LINE_INFO,
	                     "copied https://notice.example/"),
	    0);
	assert_int_equal(url_recent(w, 1, &u), 1);
	assert_int_equal(u.len, strlen("www.three.example"));
	assert_memory_equal(u.p, "www.three.example", u.len);
	assert_int_equal(u.index, model_lines_begin(w) + 2);
	assert_int_equal(url_recent(w, 2, &u), 1);
	assert_memory_equal(u.p, "https://two.example/2", u.len);
	assert_int_equal(url_recent(w, 3, &u), 1);
	assert_memory_equal(u.p, "https://one.example/1", u.len);
	assert_int_equal(u.index, model_lines_begin(w));
	assert_int_equal(url_recent(w, 4, &u), 0);
	assert_int_equal(url_recent(w, 0, &u), 0);
	/* The list is the same order, cut at its size. */
	assert_int_equal(url_list(w, list, 10), 3);
	assert_memory_equal(list[0].p, "www.three.example", list[0].len);
	assert_memory_equal(list[1].p, "https://two.example/2", list[1].len);
	assert_memory_equal(list[2].p, "https://one.example/1", list[2].len);
	assert_int_equal(url_list(w, list, 2), 2);
	assert_memory_equal(list[1].p, "https://two.example/2", list[1].len);
	assert_int_equal(url_list(w, list, 0), 0);
	model_free(m);
}

/* Decodes base64 s[0..len) into out; its length. */
static size_t
unbase64(const char *s, size_t len, unsigned char *out)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long v = 0;
	size_t i, n = 0;
	int bits = 0;

	for (i = 0; i < len && s[i] != '='; i++) {
		const char *p = strchr(b64, s[i]);

		assert_non_null(p);
		v = v << 6 | (unsigned long)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(v >> bits);
		}
	}
	return n;
}

static void
test_osc52(void **state)
{
	static char text[URL_COPY_MAX + 2], out[URL_OSC52_MAX];
	static unsigned char back[URL_COPY_MAX + 2];
	size_t n, len, i;

	(void)state;
	n = url_osc52("hi", 2, out, sizeof(out));
	assert_int_equal(n, strlen("\033]52;c;aGk=\a"));
	assert_memory_equal(out, "\033]52;c;aGk=\a", n);
	n = url_osc52("https://x.org/", 14, out, sizeof(out));
	assert_memory_equal(out, "\033]52;c;aHR0cHM6Ly94Lm9yZy8=\a", n);
	n = url_osc52("abc", 3, out, sizeof(out));
	assert_memory_equal(out, "\033]52;c;YWJj\a", n);
	/* Every length round-trips, up to the limit; one more is refused. */
	for (i = 0; i < sizeof(text); i++)
		text[i] = (char)(0x21 + i * 7 % 94);
	for (len = 1; len <= URL_COPY_MAX; len += len < 64 ? 1 : 997) {
		n = url_osc52(text, len, out, sizeof(out));
		assert_true(n > 8 && n <= URL_OSC52_MAX);
		assert_memory_equal(out, "\033]52;c;", 7);
		assert_int_equal(out[n - 1], '\a');
		assert_int_equal(unbase64(out + 7, n - 8, back), len);
		assert_memory_equal(back, text, len);
	}
	n = url_osc52(text, URL_COPY_MAX, out, sizeof(out));
	assert_int_equal(n, URL_OSC52_MAX);
	assert_int_equal(
	    url_osc52(text, URL_COPY_MAX + 1, out, sizeof(out)), 0);
	assert_int_equal(url_osc52(text, 0, out, sizeof(out)), 0);
	assert_int_equal(url_osc52(text, 3, out, 11), 0);
	assert_int_equal(url_osc52(text, 3, out, 12), 12);
}

static void
test_quote(void **state)
{
	static char url[URL_QUOTE_MAX + 8];

	(void)state;
	assert_int_equal(url_quote_len("https://x.org", 13), 13);
	memset(url, 'a', sizeof(url));
	assert_int_equal(url_quote_len(url, URL_QUOTE_MAX), URL_QUOTE_MAX);
	assert_int_equal(url_quote_len(url, sizeof(url)), URL_QUOTE_MAX);
	/* A 3-byte character across the limit is left out whole. */
	memcpy(url + URL_QUOTE_MAX - 1, "\xe6\x97\xa5", 3);
	assert_int_equal(url_quote_len(url, sizeof(url)), URL_QUOTE_MAX - 1);
	memset(url, 'a', sizeof(url));
	memcpy(url + URL_QUOTE_MAX - 3, "\xe6\x97\xa5", 3);
	assert_int_equal(url_quote_len(url, sizeof(url)), URL_QUOTE_MAX);
}

static void
no_send(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	(void)line;
	(void)len;
}

static void
no_drop(void *ctx, const char *why)
{
	(void)ctx;
	(void)why;
}

/* The text of the latest line of window w. */
static void
last_line(const struct model_win *w, struct model_line *l)
{
	assert_true(model_lines_end(w) > model_lines_begin(w));
	assert_int_equal(model_line(w, model_lines_end(w) - 1, l), 0);
}

/* /copy and /urls typed in a window: what the shell is given, and told. */
static void
test_client_copy(void **state)
{
	struct client_config cfg = {"me", 100};
	struct client_io io = {NULL, no_send, no_drop};
	struct client *c = client_new(&cfg, &io);
	struct model *m;
	struct model_win *w;
	struct model_line l;
	const char *t = "a https://one.example/1 b https://two.example/2";
	const char *p;
	char buf[64];
	size_t len, i;

	(void)state;
	assert_non_null(c);
	m = client_model(c);
	w = model_win_at(m, model_current(m));
	assert_null(client_take_copy(c, &len));
	assert_int_equal(client_input(c, "/copy", 5, 1), CLIENT_INPUT_KEEP);
	last_line(w, &l);
	assert_int_equal(l.kind, MODEL_LINE_ERROR);
	assert_null(client_take_copy(c, &len));
	assert_int_equal(
	    model_add(m, w, 2, MODEL_LINE_MSG, 0, "bob", 3, t, strlen(t)), 0);
	assert_int_equal(client_input(c, "/copy", 5, 3), CLIENT_INPUT_DONE);
	p = client_take_copy(c, &len);
	assert_non_null(p);
	assert_int_equal(len, strlen("https://two.example/2"));
	assert_memory_equal(p, "https://two.example/2", len);
	/* Taken once. */
	assert_null(client_take_copy(c, &len));
	last_line(w, &l);
	assert_int_equal(l.kind, MODEL_LINE_INFO);
	assert_non_null(strstr(l.text, "21 bytes): https://two.example/2"));
	/* The notice is not a URL of the window: 2 is still the older one. */
	assert_int_equal(client_input(c, "/copy 2", 7, 4), CLIENT_INPUT_DONE);
	p = client_take_copy(c, &len);
	assert_non_null(p);
	assert_memory_equal(p, "https://one.example/1", len);
	assert_int_equal(client_input(c, "/copy 3", 7, 5), CLIENT_INPUT_KEEP);
	assert_int_equal(client_input(c, "/copy 0", 7, 5), CLIENT_INPUT_KEEP);
	assert_int_equal(client_input(c, "/copy x", 7, 5), CLIENT_INPUT_KEEP);
	assert_int_equal(
	    client_input(c, "/copy 10000", 11, 5), CLIENT_INPUT_KEEP);
	assert_int_equal(
	    client_input(c, "/copy 9999", 10, 5), CLIENT_INPUT_KEEP);
	last_line(w, &l);
	assert_non_null(strstr(l.text, "no URL 9999"));
	assert_null(client_take_copy(c, &len));
	/* /urls: a heading, then the URLs numbered, the latest first. */
	assert_int_equal(client_input(c, "/urls", 5, 6), CLIENT_INPUT_DONE);
	last_line(w, &l);
	assert_string_equal(l.text, " 2  https://one.example/1");
	assert_int_equal(model_line(w, model_lines_end(w) - 2, &l), 0);
	assert_string_equal(l.text, " 1  https://two.example/2");
	/* At most URL_LIST_MAX of them, the latest. */
	for (i = 0; i < URL_LIST_MAX + 2; i++) {
		snprintf(buf, sizeof(buf), "https://u%zu.example/", i);
		assert_int_equal(model_add(m, w, 7, MODEL_LINE_MSG, 0, "bob", 3,
		                     buf, strlen(buf)),
		    0);
	}
	assert_int_equal(client_input(c, "/urls", 5, 8), CLIENT_INPUT_DONE);
	last_line(w, &l);
	assert_string_equal(l.text, "10  https://u2.example/");
	assert_int_equal(model_line(w, model_lines_end(w) - 11, &l), 0);
	assert_string_equal(
	    l.text, "URLs here, the latest first (/copy N copies one):");
	client_free(c);
}

static int
setup_locale(void **state)
{
	(void)state;
	return setlocale(LC_ALL, "C.UTF-8") == NULL ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden),
	    cmocka_unit_test(test_random_bytes),
	    cmocka_unit_test(test_recent),
	    cmocka_unit_test(test_osc52),
	    cmocka_unit_test(test_quote),
	    cmocka_unit_test(test_client_copy),
	};

	return cmocka_run_group_tests_name("url", tests, setup_locale, NULL);
}
