/* test_slash.c: tests for parsing typed lines and slash commands. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "slash.h"

struct parse_case {
	const char *line;
	enum slash_error err;
	enum slash_cmd cmd;
	const char *arg;
	const char *text;
	const char *msg; /* the explanation, "" on success */
};

static const struct parse_case cases[] = {
    /* Messages. */
    {"", SLASH_OK, SLASH_NONE, "", "", ""},
    {"hello", SLASH_OK, SLASH_MESSAGE, "", "hello", ""},
    {"  two  spaces ", SLASH_OK, SLASH_MESSAGE, "", "  two  spaces ", ""},
    {"a/join b", SLASH_OK, SLASH_MESSAGE, "", "a/join b", ""},
    {" /join x", SLASH_OK, SLASH_MESSAGE, "", " /join x", ""},
    {"//text", SLASH_OK, SLASH_MESSAGE, "", "/text", ""},
    {"//", SLASH_OK, SLASH_MESSAGE, "", "/", ""},
    {"///x", SLASH_OK, SLASH_MESSAGE, "", "//x", ""},
    {"//join #a", SLASH_OK, SLASH_MESSAGE, "", "/join #a", ""},
    {"\xE4\xB8\xAD", SLASH_OK, SLASH_MESSAGE, "", "\xE4\xB8\xAD", ""},

    /* /join */
    {"/join #general", SLASH_OK, SLASH_JOIN, "#general", "", ""},
    {"/join   V1StGXR8_Z5jdHi6B-myT  ", SLASH_OK, SLASH_JOIN,
        "V1StGXR8_Z5jdHi6B-myT", "", ""},
    {"/JOIN x", SLASH_OK, SLASH_JOIN, "x", "", ""},
    {"/Join\tx", SLASH_OK, SLASH_JOIN, "x", "", ""},
    {"/join", SLASH_E_MISSING, SLASH_JOIN, "", "",
        "/join needs a channel name or id"},
    {"/join   ", SLASH_E_MISSING, SLASH_JOIN, "", "",
        "/join needs a channel name or id"},
    {"/join a b", SLASH_OK, SLASH_JOIN, "a", "b", ""},
    {"/join a b c", SLASH_E_EXTRA, SLASH_JOIN, "", "",
        "/join takes one channel name or id and a key"},
    /* /create */
    {"/create dev", SLASH_OK, SLASH_CREATE, "dev", "", ""},
    {"/create", SLASH_E_MISSING, SLASH_CREATE, "", "",
        "/create needs a channel name"},
    {"/create my chan", SLASH_E_EXTRA, SLASH_CREATE, "", "",
        "/create takes one channel name, without spaces"},
    /* /leave */
    {"/leave", SLASH_OK, SLASH_LEAVE, "", "", ""},
    {"/leave #dev", SLASH_OK, SLASH_LEAVE, "#dev", "", ""},
    {"/leave a b", SLASH_E_EXTRA, SLASH_LEAVE, "", "",
        "/leave takes at most one channel"},
    /* /list */
    {"/list", SLASH_OK, SLASH_LIST, "", "", ""},
    {"/list  ", SLASH_OK, SLASH_LIST, "", "", ""},
    {"/list x", SLASH_E_EXTRA, SLASH_LIST, "", "", "/list takes no arguments"},
    /* /names and /who */
    {"/names", SLASH_OK, SLASH_NAMES, "", "", ""},
    {"/names #dev", SLASH_OK, SLASH_NAMES, "#dev", "", ""},
    {"/who", SLASH_OK, SLASH_NAMES, "", "", ""},
    {"/WHO #dev", SLASH_OK, SLASH_NAMES, "#dev", "", ""},
    {"/who a b", SLASH_E_EXTRA, SLASH_NAMES, "", "",
        "/who takes at most one channel"},
    {"/names a b", SLASH_E_EXTRA, SLASH_NAMES, "", "",
        "/names takes at most one channel"},
    /* /nick */
    {"/nick bob", SLASH_OK, SLASH_NICK, "bob", "", ""},
    {"/nick", SLASH_E_MISSING, SLASH_NICK, "", "", "/nick needs a new name"},
    {"/nick bob smith", SLASH_E_EXTRA, SLASH_NICK, "", "",
        "/nick takes one name, without spaces"},
    /* /msg */
    {"/msg alice hi there ", SLASH_OK, SLASH_MSG, "alice", "hi there ", ""},
    {"/msg  alice   hi  there", SLASH_OK, SLASH_MSG, "alice", "hi  there", ""},
    {"/msg alice", SLASH_E_MISSING, SLASH_MSG, "", "",
        "/msg needs a name and a message"},
    {"/msg alice   ", SLASH_E_MISSING, SLASH_MSG, "", "",
        "/msg needs a name and a message"},
    {"/msg", SLASH_E_MISSING, SLASH_MSG, "", "",
        "/msg needs a name and a message"},
    /* /me */
    {"/me waves", SLASH_OK, SLASH_ME, "", "waves", ""},
    {"/me  waves  at you", SLASH_OK, SLASH_ME, "", "waves  at you", ""},
    {"/me", SLASH_E_MISSING, SLASH_ME, "", "", "/me needs an action"},
    {"/me   ", SLASH_E_MISSING, SLASH_ME, "", "", "/me needs an action"},
    /* /clear, /help */
    {"/clear", SLASH_OK, SLASH_CLEAR, "", "", ""},
    {"/clear all", SLASH_E_EXTRA, SLASH_CLEAR, "", "",
        "/clear takes no arguments"},
    {"/help", SLASH_OK, SLASH_HELP, "", "", ""},
    {"/help join", SLASH_OK, SLASH_HELP, "join", "", ""},
    {"/help join msg", SLASH_E_EXTRA, SLASH_HELP, "", "",
        "/help takes at most one command name"},
    /* /quit */
    {"/quit", SLASH_OK, SLASH_QUIT, "", "", ""},
    {"/quit  gone fishing ", SLASH_OK, SLASH_QUIT, "", "gone fishing ", ""},
    {"/Quit bye", SLASH_OK, SLASH_QUIT, "", "bye", ""},
    /* /copy and /urls */
    {"/copy", SLASH_OK, SLASH_COPY, "", "", ""},
    {"/copy 2", SLASH_OK, SLASH_COPY, "2", "", ""},
    {"/copy 2 3", SLASH_E_EXTRA, SLASH_COPY, "", "",
        "/copy takes at most one number"},
    {"/urls", SLASH_OK, SLASH_URLS, "", "", ""},

    /* Unknown: no prefixes, no empty names. */
    {"/foo", SLASH_E_UNKNOWN, SLASH_NONE, "", "",
        "unknown command /foo; /help lists them"},
    {"/jo #a", SLASH_E_UNKNOWN, SLASH_NONE, "", "",
        "unknown command /jo; /help lists them"},
    {"/joi #a", SLASH_E_UNKNOWN, SLASH_NONE, "", "",
        "unknown command /joi; /help lists them"},
    {"/joins #a", SLASH_E_UNKNOWN, SLASH_NONE, "", "",
        "unknown command /joins; /help lists them"},
    {"/q", SLASH_E_UNKNOWN, SLASH_NONE, "", "",
        "unknown command /q; /help lists them"},
    {"/", SLASH_E_UNKNOWN, SLASH_NONE, "", "",
        "a lone / is not a command; type // to send a line starting with /"},
    {"/ join", SLASH_E_UNKNOWN, SLASH_NONE, "", "",
        "a lone / is not a command; type // to send a line starting with /"},
    {"/\xC3\x89T\xC3\x89", SLASH_E_UNKNOWN, SLASH_NONE, "", "",
        "unknown command /\xC3\x89T\xC3\x89; /help lists them"},
    /* A long name is quoted cut, never inside a UTF-8 sequence. */
    {"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xC3\xA9zzz", SLASH_E_UNKNOWN, SLASH_NONE,
        "", "",
        "unknown command /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; /help lists them"},
    {"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xC3\xA9zzz", SLASH_E_UNKNOWN, SLASH_NONE,
        "", "",
        "unknown command /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xC3\xA9; /help lists "
        "them"},
};

/* Checks that s points into [line, line + len] and equals want. */
static void
check_slice(size_t i, const char *what, const char *line, struct slice s,
    const char *want)
{
	size_t len = strlen(line);

	if (s.p < line || s.p + s.len > line + len)
		fail_msg("case %zu: %s outside the line", i, what);
	if (s.len != strlen(want) || memcmp(s.p, want, s.len) != 0)
		fail_msg("case %zu (%s): %s \"%.*s\", want \"%s\"", i, line,
		    what, (int)s.len, s.p, want);
}

static void
test_parse_table(void **state)
{
	struct slash out;
	char err[SLASH_ERR_MAX];
	enum slash_error e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(err, 'x', sizeof(err));
		e = slash_parse(cases[i].line, strlen(cases[i].line), &out, err,
		    sizeof(err));
		if (e != cases[i].err || out.cmd != cases[i].cmd)
			fail_msg("case %zu (%s): error %d cmd %d", i,
			    cases[i].line, (int)e, (int)out.cmd);
		check_slice(i, "arg", cases[i].line, out.arg, cases[i].arg);
		check_slice(i, "text", cases[i].line, out.text, cases[i].text);
		if (strcmp(err, cases[i].msg) != 0)
			fail_msg("case %zu: \"%s\"", i, err);
		/* One line that fits the buffer. */
		assert_null(strchr(err, '\n'));
	}
}

static void
test_parse_len(void **state)
{
	const char line[] = "/join #a trailing";
	struct slash out;
	char err[SLASH_ERR_MAX];

	(void)state;
	/* Only len bytes are looked at: no terminator needed. */
	assert_int_equal(
	    slash_parse(line, 8, &out, err, sizeof(err)), SLASH_OK);
	assert_int_equal(out.cmd, SLASH_JOIN);
	assert_int_equal(out.arg.len, 2);
	assert_int_equal(
	    slash_parse(line, 5, &out, err, sizeof(err)), SLASH_E_MISSING);
	assert_int_equal(
	    slash_parse("/me x", 4, &out, err, sizeof(err)), SLASH_E_MISSING);
}

static void
test_err_buffer(void **state)
{
	struct slash out;
	char err[8];

	(void)state;
	/* A short buffer gets a cut, terminated explanation. */
	assert_int_equal(
	    slash_parse("/foo", 4, &out, err, sizeof(err)), SLASH_E_UNKNOWN);
	assert_string_equal(err, "unknown");
	/* No buffer at all. */
	assert_int_equal(
	    slash_parse("/foo", 4, &out, NULL, 0), SLASH_E_UNKNOWN);
	assert_int_equal(slash_parse("/list", 5, &out, NULL, 0), SLASH_OK);
	assert_int_equal(out.cmd, SLASH_LIST);
}

static void
test_names_usage(void **state)
{
	const char *const *names;
	const char *usage;
	struct slash out;
	char line[64], err[SLASH_ERR_MAX];
	size_t n, i, len;
	int have_who = 0;

	(void)state;
	names = slash_names(&n);
	assert_int_equal(n, 30);
	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		/* Each usage line starts with its own command's name. */
		usage = slash_usage(names[i], len);
		assert_non_null(usage);
		assert_int_equal(usage[0], '/');
		assert_memory_equal(usage + 1, names[i], len);
		assert_int_equal(usage[len + 1], ' ');
		assert_null(strchr(usage, '\n'));
		assert_true(strlen(usage) < 80);
		/* Every listed name parses as a command. */
		snprintf(line, sizeof(line), "/%s", names[i]);
		slash_parse(line, strlen(line), &out, err, sizeof(err));
		assert_int_not_equal(out.cmd, SLASH_NONE);
		assert_int_not_equal(out.cmd, SLASH_MESSAGE);
		have_who |= strcmp(names[i], "who") == 0;
	}
	assert_true(have_who);
	assert_string_equal(slash_usage("/JOIN", 5), slash_usage("join", 4));
	assert_null(slash_usage("jo", 2));
	assert_null(slash_usage("", 0));
	assert_null(slash_usage("/", 1));
	assert_null(slash_usage("joinx", 5));
	assert_non_null(slash_usage("joinx", 4));
}

/* Where the message text starts, for the input line's limit mark. */
static void
test_text_start(void **state)
{
	static const struct {
		const char *line;
		int ok;
		size_t start;
	} starts[] = {
	    {"hello", 0, 0},
	    {"//join x", 0, 1},
	    {"/me waves", 0, 4},
	    {"/ME   waves", 0, 6},
	    {"/msg bob hi there", 0, 9},
	    {"/msg bob", -1, 0},
	    {"/join #a", -1, 0},
	    {"/quit bye", -1, 0},
	    {"/nosuch x", -1, 0},
	    {"", -1, 0},
	};
	size_t i, start;

	(void)state;
	for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		start = 999;
		if (slash_text_start(starts[i].line, strlen(starts[i].line),
		        &start) != starts[i].ok)
			fail_msg("'%s': wrong result", starts[i].line);
		if (starts[i].ok == 0 && start != starts[i].start)
			fail_msg("'%s': starts at %zu, want %zu",
			    starts[i].line, start, starts[i].start);
	}
}

/* The IRC names: /j, /part, /query and /window. */
static const struct parse_case irc_cases[] = {
    {"/j #rust", SLASH_OK, SLASH_JOIN, "#rust", "", ""},
    {"/J #rust", SLASH_OK, SLASH_JOIN, "#rust", "", ""},
    {"/j", SLASH_E_MISSING, SLASH_JOIN, "", "",
        "/j needs a channel name or id"},
    {"/part", SLASH_OK, SLASH_LEAVE, "", "", ""},
    {"/part #rust", SLASH_OK, SLASH_LEAVE, "#rust", "", ""},
    {"/part a b", SLASH_E_EXTRA, SLASH_LEAVE, "", "",
        "/part takes at most one channel"},
    {"/query bob", SLASH_OK, SLASH_QUERY, "bob", "", ""},
    {"/query  bob  hi there", SLASH_OK, SLASH_QUERY, "bob", "hi there", ""},
    {"/query", SLASH_E_MISSING, SLASH_QUERY, "", "", "/query needs a name"},
    {"/window 12", SLASH_OK, SLASH_WINDOW, "12", "", ""},
    {"/window", SLASH_E_MISSING, SLASH_WINDOW, "", "",
        "/window needs a window number"},
    {"/window 1 2", SLASH_E_EXTRA, SLASH_WINDOW, "", "",
        "/window takes one window number"},
};

static void
test_irc_names(void **state)
{
	struct slash out;
	char err[SLASH_ERR_MAX];
	enum slash_error e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(irc_cases) / sizeof(irc_cases[0]); i++) {
		e = slash_parse(irc_cases[i].line, strlen(irc_cases[i].line),
		    &out, err, sizeof(err));
		if (e != irc_cases[i].err || out.cmd != irc_cases[i].cmd)
			fail_msg("case %zu (%s): error %d cmd %d", i,
			    irc_cases[i].line, (int)e, (int)out.cmd);
		check_slice(
		    i, "arg", irc_cases[i].line, out.arg, irc_cases[i].arg);
		check_slice(
		    i, "text", irc_cases[i].line, out.text, irc_cases[i].text);
		if (strcmp(err, irc_cases[i].msg) != 0)
			fail_msg("case %zu: \"%s\"", i, err);
	}
	assert_string_equal(
	    slash_usage("/j", 2), "/j <name|id> [key]  the same as /join");
	assert_int_equal(slash_window_number("1", 1), 1);
	assert_int_equal(slash_window_number("20", 2), 20);
	assert_int_equal(slash_window_number("999", 3), 999);
	assert_int_equal(slash_window_number("1000", 4), 0);
	assert_int_equal(slash_window_number("0", 1), 0);
	assert_int_equal(slash_window_number("", 0), 0);
	assert_int_equal(slash_window_number("-1", 2), 0);
	assert_int_equal(slash_window_number("2x", 2), 0);
}

/* Accounts: the password is never an argument. */
static void
test_account_commands(void **state)
{
	struct slash out;
	char err[SLASH_ERR_MAX];

	(void)state;
	assert_int_equal(
	    slash_parse("/login", 6, &out, err, sizeof(err)), SLASH_OK);
	assert_int_equal(out.cmd, SLASH_LOGIN);
	assert_int_equal(out.arg.len, 0);
	assert_int_equal(
	    slash_parse("/login alice", 12, &out, err, sizeof(err)), SLASH_OK);
	assert_int_equal(out.cmd, SLASH_LOGIN);
	assert_memory_equal(out.arg.p, "alice", 5);
	assert_int_equal(
	    slash_parse("/login alice hunter22", 21, &out, err, sizeof(err)),
	    SLASH_E_EXTRA);
	assert_int_equal(out.cmd, SLASH_LOGIN);
	assert_null(strstr(err, "hunter22"));
	assert_int_equal(
	    slash_parse("/REGISTER", 9, &out, err, sizeof(err)), SLASH_OK);
	assert_int_equal(out.cmd, SLASH_REGISTER);
	assert_int_equal(
	    slash_parse("/register bob pw12345678", 24, &out, err, sizeof(err)),
	    SLASH_E_EXTRA);
	assert_int_equal(out.cmd, SLASH_REGISTER);
	assert_int_equal(
	    slash_parse("/passwd", 7, &out, err, sizeof(err)), SLASH_OK);
	assert_int_equal(out.cmd, SLASH_PASSWD);
	assert_int_equal(
	    slash_parse("/passwd newpass1", 16, &out, err, sizeof(err)),
	    SLASH_E_EXTRA);
	assert_int_equal(out.cmd, SLASH_PASSWD);
	assert_null(strstr(err, "newpass1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_table),
	    cmocka_unit_test(test_parse_len),
	    cmocka_unit_test(test_err_buffer),
	    cmocka_unit_test(test_names_usage),
	    cmocka_unit_test(test_text_start),
	    cmocka_unit_test(test_irc_names),
	    cmocka_unit_test(test_account_commands),
	};

	return cmocka_run_group_tests_name("slash", tests, NULL, NULL);
}
