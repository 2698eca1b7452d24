/* test_options.c: the txt-chatd command line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "server.h"

/* Arguments in one parse, the program name included. */
#define ARGS_MAX 8

/* One numeric option: its range and where it lands in the config. */
struct num_opt {
	const char *name;
	unsigned long long min;
	unsigned long long max;
	size_t off;
	int is_size; /* a size_t with k/m suffixes, else an unsigned */
};

#define CFG_OFF(m) offsetof(struct server_config, m)

static const struct num_opt num_opts[] = {
    {"max-clients", 1, 1000000, CFG_OFF(max_clients), 0},
    {"max-per-addr", 0, 4294967295ULL, CFG_OFF(max_per_addr), 0},
    {"max-channels", 0, 4294967295ULL, CFG_OFF(chat.max_channels), 0},
    {"max-joins", 1, 4294967295ULL, CFG_OFF(chat.max_joins), 0},
    {"max-members", 1, 4294967295ULL, CFG_OFF(chat.max_members), 0},
    {"history", 0, 100000, CFG_OFF(chat.history), 0},
    {"history-bytes", 0, 1099511627776ULL, CFG_OFF(chat.history_bytes), 1},
    {"sendq", 65536, 4294967296ULL, CFG_OFF(sendq_max), 1},
    {"flood-rate", 0, 1000000, CFG_OFF(flood_rate), 0},
    {"flood-burst", 1, 1000000, CFG_OFF(flood_burst), 0},
    {"read-budget", 1, 100000, CFG_OFF(read_budget), 0},
    {"reg-timeout", 1, 86400, CFG_OFF(reg_timeout), 0},
    {"ping-interval", 1, 86400, CFG_OFF(ping_interval), 0},
    {"ping-timeout", 1, 86400, CFG_OFF(ping_timeout), 0},
    {"errors-max", 0, 4294967295ULL, CFG_OFF(chat.errors_max), 0},
    {"channel-expire", 0, 36500, CFG_OFF(chat.channel_expire_days), 0},
    {"history-days", 0, 36500, CFG_OFF(chat.history_days), 0},
    {"history-keep", 0, 1000000000, CFG_OFF(chat.history_keep), 0},
    {"hash-threads", 1, 16, CFG_OFF(hash_threads), 0},
};
#define NUM_OPTS (sizeof(num_opts) / sizeof(num_opts[0]))

/* Writable copies of the arguments: getopt_long may permute argv. */
struct args {
	char buf[ARGS_MAX][128];
	char *argv[ARGS_MAX + 1];
	int argc;
};

static void
args_set(struct args *a, const char *const *list)
{
	a->argc = 0;
	strcpy(a->buf[a->argc], "txt-chatd");
	a->argv[a->argc] = a->buf[a->argc];
	a->argc++;
	for (; *list != NULL; list++) {
		assert_true(a->argc < ARGS_MAX);
		assert_true(strlen(*list) < sizeof(a->buf[0]));
		strcpy(a->buf[a->argc], *list);
		a->argv[a->argc] = a->buf[a->argc];
		a->argc++;
	}
	a->argv[a->argc] = NULL;
}

/* Parses the NULL-ended arguments over the defaults; err gets the reason. */
static enum options_result
parse(struct server_config *cfg, char *err, size_t err_size,
    const char *const *list)
{
	struct args a;

	server_defaults(cfg);
	args_set(&a, list);
	err[0] = '\0';
	return options_parse(a.argc, a.argv, cfg, err, err_size);
}

static unsigned long long
get_num(const struct server_config *cfg, const struct num_opt *o)
{
	const char *p = (const char *)cfg + o->off;

	if (o->is_size) {
		size_t v;

		memcpy(&v, p, sizeof(v));
		return v;
	} else {
		unsigned v;

		memcpy(&v, p, sizeof(v));
		return v;
	}
}

static void
set_num(
    struct server_config *cfg, const struct num_opt *o, unsigned long long v)
{
	char *p = (char *)cfg + o->off;

	if (o->is_size) {
		size_t s = (size_t)v;

		memcpy(p, &s, sizeof(s));
	} else {
		unsigned u = (unsigned)v;

		memcpy(p, &u, sizeof(u));
	}
}

/* "--name value" must be refused with a message naming the option. */
static void
expect_refused(const struct num_opt *o, const char *value)
{
	struct server_config cfg;
	char opt[64], err[256], name[64];
	const char *list[3];

	snprintf(opt, sizeof(opt), "--%s", o->name);
	list[0] = opt;
	list[1] = value;
	list[2] = NULL;
	assert_int_equal(parse(&cfg, err, sizeof(err), list), OPTIONS_ERROR);
	snprintf(name, sizeof(name), "--%s:", o->name);
	if (strstr(err, name) == NULL || strstr(err, value) == NULL)
		fail_msg("%s %s: message \"%s\"", opt, value, err);
}

/* "--name=value" must set the field to want and change nothing else. */
static void
expect_set(const struct num_opt *o, const char *value, unsigned long long want)
{
	struct server_config cfg, ref;
	char opt[128], err[256];
	const char *list[2];

	snprintf(opt, sizeof(opt), "--%s=%s", o->name, value);
	list[0] = opt;
	list[1] = NULL;
	if (parse(&cfg, err, sizeof(err), list) != OPTIONS_RUN)
		fail_msg("%s: refused: %s", opt, err);
	assert_int_equal(get_num(&cfg, o), want);
	server_defaults(&ref);
	set_num(&ref, o, want);
	assert_memory_equal(&cfg, &ref, sizeof(cfg));
}

static void
test_defaults_unchanged(void **state)
{
	static const char *const none[] = {NULL};
	struct server_config cfg, ref;
	char err[256];

	(void)state;
	assert_int_equal(parse(&cfg, err, sizeof(err), none), OPTIONS_RUN);
	server_defaults(&ref);
	assert_memory_equal(&cfg, &ref, sizeof(cfg));
	/* The documented defaults. */
	assert_string_equal(cfg.listen, "0.0.0.0:9090");
	assert_int_equal(cfg.max_clients, 10000);
	assert_int_equal(cfg.max_per_addr, 64);
	assert_int_equal(cfg.sendq_max, 1024 * 1024);
	assert_int_equal(cfg.flood_rate, 10);
	assert_int_equal(cfg.flood_burst, 20);
	assert_int_equal(cfg.read_budget, 64);
	assert_int_equal(cfg.reg_timeout, 30);
	assert_int_equal(cfg.ping_interval, 60);
	assert_int_equal(cfg.ping_timeout, 60);
	assert_int_equal(cfg.verbose, 0);
	assert_int_equal(cfg.chat.max_channels, 4096);
	assert_int_equal(cfg.chat.max_joins, 100);
	assert_int_equal(cfg.chat.max_members, 10000);
	assert_int_equal(cfg.chat.history, 100);
	assert_int_equal(cfg.chat.errors_max, 20);
	assert_non_null(cfg.chat.software);
}

/* Every numeric option, as "--name value" and "--name=value". */
static void
test_every_option(void **state)
{
	struct server_config cfg, ref;
	char opt[64], err[256], value[32];
	const char *list[3];
	size_t i;

	(void)state;
	for (i = 0; i < NUM_OPTS; i++) {
		const struct num_opt *o = &num_opts[i];
		unsigned long long v = o->is_size ? 200000 : 7;

		snprintf(opt, sizeof(opt), "--%s", o->name);
		snprintf(value, sizeof(value), "%llu", v);
		list[0] = opt;
		list[1] = value;
		list[2] = NULL;
		if (parse(&cfg, err, sizeof(err), list) != OPTIONS_RUN)
			fail_msg("%s %s: refused: %s", opt, value, err);
		server_defaults(&ref);
		set_num(&ref, o, v);
		assert_memory_equal(&cfg, &ref, sizeof(cfg));
		expect_set(o, value, v);
	}
}

/* min - 1, min, max and max + 1 for every numeric option. */
static void
test_ranges(void **state)
{
	char value[32];
	size_t i;

	(void)state;
	for (i = 0; i < NUM_OPTS; i++) {
		const struct num_opt *o = &num_opts[i];

		if (o->min > 0) {
			snprintf(value, sizeof(value), "%llu", o->min - 1);
			expect_refused(o, value);
		}
		snprintf(value, sizeof(value), "%llu", o->min);
		expect_set(o, value, o->min);
		snprintf(value, sizeof(value), "%llu", o->max);
		expect_set(o, value, o->max);
		snprintf(value, sizeof(value), "%llu", o->max + 1);
		expect_refused(o, value);
	}
}

static void
test_junk_values(void **state)
{
	static const char *const junk[] = {"abc", "-1", "+1", " 1", "1 ", "1x",
	    "0x10", "1.5", "1e3", "99999999999999999999999",
	    "18446744073709551616", "k"};
	size_t i, j;

	(void)state;
	for (i = 0; i < NUM_OPTS; i++) {
		struct server_config cfg;
		char opt[64], err[256];
		const char *list[2];

		for (j = 0; j < sizeof(junk) / sizeof(junk[0]); j++)
			expect_refused(&num_opts[i], junk[j]);
		/* An empty value is refused too. */
		snprintf(opt, sizeof(opt), "--%s=", num_opts[i].name);
		list[0] = opt;
		list[1] = NULL;
		assert_int_equal(
		    parse(&cfg, err, sizeof(err), list), OPTIONS_ERROR);
		assert_non_null(strstr(err, num_opts[i].name));
		/* Only sizes take a suffix. */
		if (!num_opts[i].is_size) {
			expect_refused(&num_opts[i], "1k");
			expect_refused(&num_opts[i], "1m");
		}
	}
}

static void
test_sendq_suffixes(void **state)
{
	static const struct {
		const char *value;
		unsigned long long want; /* 0: refused */
	} cases[] = {
	    {"64k", 65536},
	    {"64K", 65536},
	    {"1m", 1048576},
	    {"1M", 1048576},
	    {"100k", 102400},
	    {"4096m", 4294967296ULL},
	    {"4194304k", 4294967296ULL},
	    {"65536", 65536},
	    {"63k", 0},
	    {"65535", 0},
	    {"0m", 0},
	    {"4097m", 0},
	    {"4194305k", 0},
	    {"1g", 0},
	    {"1kk", 0},
	    {"1km", 0},
	    {"1 k", 0},
	    {"m", 0},
	    {"18014398509481984k", 0},
	};
	const struct num_opt *o = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < NUM_OPTS; i++) {
		if (num_opts[i].is_size)
			o = &num_opts[i];
	}
	assert_non_null(o);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].want == 0)
			expect_refused(o, cases[i].value);
		else
			expect_set(o, cases[i].value, cases[i].want);
	}
}

static void
test_listen_verbose(void **state)
{
	static const char *const l1[] = {"-l", "127.0.0.1:0", NULL};
	static const char *const l2[] = {"--listen", "[::]:9090", NULL};
	static const char *const l3[] = {"--listen=:1", "-l", "h:2", NULL};
	static const char *const v1[] = {"-v", NULL};
	static const char *const v3[] = {"-vvv", NULL};
	static const char *const v2[] = {"--verbose", "-v", NULL};
	static const char *const vl[] = {"-vl", "h:3", NULL};
	struct server_config cfg;
	char err[256];

	(void)state;
	assert_int_equal(parse(&cfg, err, sizeof(err), l1), OPTIONS_RUN);
	assert_string_equal(cfg.listen, "127.0.0.1:0");
	assert_int_equal(parse(&cfg, err, sizeof(err), l2), OPTIONS_RUN);
	assert_string_equal(cfg.listen, "[::]:9090");
	/* The last one wins. */
	assert_int_equal(parse(&cfg, err, sizeof(err), l3), OPTIONS_RUN);
	assert_string_equal(cfg.listen, "h:2");
	assert_int_equal(parse(&cfg, err, sizeof(err), v1), OPTIONS_RUN);
	assert_int_equal(cfg.verbose, 1);
	assert_int_equal(parse(&cfg, err, sizeof(err), v3), OPTIONS_RUN);
	assert_int_equal(cfg.verbose, 3);
	assert_int_equal(parse(&cfg, err, sizeof(err), v2), OPTIONS_RUN);
	assert_int_equal(cfg.verbose, 2);
	assert_int_equal(parse(&cfg, err, sizeof(err), vl), OPTIONS_RUN);
	assert_int_equal(cfg.verbose, 1);
	assert_string_equal(cfg.listen, "h:3");
}

static void
test_help_version(void **state)
{
	static const char *const h1[] = {"-h", NULL};
	static const char *const h2[] = {"--help", NULL};
	static const char *const v1[] = {"-V", NULL};
	static const char *const v2[] = {"--version", NULL};
	static const char *const h3[] = {"-v", "-h", "--history", "x", NULL};
	static const char *const e1[] = {"--history", "x", "-h", NULL};
	struct server_config cfg;
	char err[256];

	(void)state;
	assert_int_equal(parse(&cfg, err, sizeof(err), h1), OPTIONS_HELP);
	assert_int_equal(parse(&cfg, err, sizeof(err), h2), OPTIONS_HELP);
	assert_int_equal(parse(&cfg, err, sizeof(err), v1), OPTIONS_VERSION);
	assert_int_equal(parse(&cfg, err, sizeof(err), v2), OPTIONS_VERSION);
	/* Options are taken in order: the first that ends the parse wins. */
	assert_int_equal(parse(&cfg, err, sizeof(err), h3), OPTIONS_HELP);
	assert_int_equal(parse(&cfg, err, sizeof(err), e1), OPTIONS_ERROR);
}

static void
test_unknown_option(void **state)
{
	static const struct {
		const char *args[4];
		const char *names; /* must appear in the message */
	} cases[] = {
	    {{"--frob", NULL, NULL}, "--frob"},
	    {{"--frob=1", NULL, NULL}, "--frob"},
	    {{"-x", NULL, NULL}, "-x"},
	    {{"-vx", NULL, NULL}, "x"},
	    {{"-xv", NULL, NULL}, "-x"},
	    {{"-v", "-x", NULL}, "-x"},
	    {{"--verbose", "-xv", NULL}, "-x"},
	    {{"-l", "h:1", "-xv"}, "-x"},
	    {{"--verbose=2", NULL, NULL}, "--verbose"},
	};
	struct server_config cfg;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(&cfg, err, sizeof(err), cases[i].args),
		    OPTIONS_ERROR);
		if (strstr(err, cases[i].names) == NULL ||
		    strstr(err, "txt-chatd") != NULL)
			fail_msg("%s: message \"%s\"", cases[i].args[0], err);
	}
}

static void
test_missing_value(void **state)
{
	static const struct {
		const char *args[3];
		const char *names;
	} cases[] = {
	    {{"--history", NULL, NULL}, "--history"},
	    {{"-v", "--sendq", NULL}, "--sendq"},
	    {{"-l", NULL, NULL}, "-l"},
	    {{"--listen", NULL, NULL}, "--listen"},
	};
	struct server_config cfg;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(&cfg, err, sizeof(err), cases[i].args),
		    OPTIONS_ERROR);
		if (strstr(err, cases[i].names) == NULL ||
		    strstr(err, "needs a value") == NULL)
			fail_msg("%s: message \"%s\"", cases[i].args[0], err);
	}
}

static void
test_unexpected_argument(void **state)
{
	static const char *const a1[] = {"foo", NULL};
	static const char *const a2[] = {"-v", "foo", "--history", "3", NULL};
	struct server_config cfg;
	char err[256];

	(void)state;
	assert_int_equal(parse(&cfg, err, sizeof(err), a1), OPTIONS_ERROR);
	assert_non_null(strstr(err, "'foo'"));
	assert_int_equal(parse(&cfg, err, sizeof(err), a2), OPTIONS_ERROR);
	assert_non_null(strstr(err, "'foo'"));
}

/* getopt's state is reset: a second parse sees all its arguments. */
static void
test_parse_twice(void **state)
{
	static const char *const a1[] = {"-v", "--history", "5", NULL};
	static const char *const a2[] = {"--history", "6", "-vv", NULL};
	struct server_config cfg;
	char err[256];

	(void)state;
	assert_int_equal(parse(&cfg, err, sizeof(err), a1), OPTIONS_RUN);
	assert_int_equal(cfg.chat.history, 5);
	assert_int_equal(parse(&cfg, err, sizeof(err), a2), OPTIONS_RUN);
	assert_int_equal(cfg.chat.history, 6);
	assert_int_equal(cfg.verbose, 2);
}

/* A short error buffer gets a terminated, truncated message. */
static void
test_short_err_buffer(void **state)
{
	static const char *const a1[] = {"--history", "junk", NULL};
	struct server_config cfg;
	char err[8];

	(void)state;
	assert_int_equal(parse(&cfg, err, sizeof(err), a1), OPTIONS_ERROR);
	assert_int_equal(strlen(err), sizeof(err) - 1);
}

static void
test_usage(void **state)
{
	const char *u = options_usage();
	char name[64];
	size_t i;

	(void)state;
	assert_memory_equal(u, "usage: txt-chatd ", 17);
	assert_int_equal(u[strlen(u) - 1], '\n');
	for (i = 0; i < NUM_OPTS; i++) {
		snprintf(name, sizeof(name), "[--%s ", num_opts[i].name);
		if (strstr(u, name) == NULL)
			fail_msg("usage lacks %s", name);
	}
	assert_non_null(strstr(u, "[-hVv]"));
	assert_non_null(strstr(u, "[-l host:port]"));
}

/* Parses "txt-chatd --history-bytes value" over the defaults. */
static enum options_result
parse_bytes(const char *value, struct server_config *cfg)
{
	char a0[] = "txt-chatd", a1[] = "--history-bytes", a2[64];
	char *argv[] = {a0, a1, a2, NULL};
	char err[256];

	strncpy(a2, value, sizeof(a2) - 1);
	a2[sizeof(a2) - 1] = '\0';
	server_defaults(cfg);
	return options_parse(3, argv, cfg, err, sizeof(err));
}

static void
test_history_bytes(void **state)
{
	static const struct {
		const char *in;
		unsigned long long want; /* 1: refused */
	} cases[] = {
	    {"0", 0},
	    {"4096", 4096},
	    {"64k", 65536},
	    {"32m", 32ULL << 20},
	    {"1099511627776", 1ULL << 40},
	    {"1099511627777", 1},
	    {"1048577m", 1},
	    {"-1", 1},
	    {"1g", 1},
	    {"", 1},
	};
	struct server_config cfg;
	size_t i;

	(void)state;
	server_defaults(&cfg);
	assert_int_equal(cfg.chat.history_bytes, CHAT_HISTORY_BYTES_DEFAULT);
	assert_int_equal(CHAT_HISTORY_BYTES_DEFAULT, 32 << 20);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum options_result r = parse_bytes(cases[i].in, &cfg);

		if (cases[i].want == 1) {
			if (r != OPTIONS_ERROR)
				fail_msg("%s accepted", cases[i].in);
			continue;
		}
		assert_int_equal(r, OPTIONS_RUN);
		assert_true(cfg.chat.history_bytes == cases[i].want);
		/* --history is another option, untouched. */
		assert_int_equal(cfg.chat.history, 100);
	}
	assert_non_null(strstr(options_usage(), "[--history-bytes bytes]"));
}

/* --db and --sync, and where the database goes by default. */
static void
test_db_sync(void **state)
{
	static const char *const db[] = {"--db", "/x/chat.db", NULL};
	static const char *const mem[] = {"--db=:memory:", NULL};
	static const char *const empty[] = {"--db=", NULL};
	static const char *const full[] = {"--sync", "full", NULL};
	static const char *const normal[] = {
	    "--sync=full", "--sync=normal", NULL};
	static const char *const bad[] = {"--sync", "always", NULL};
	struct server_config cfg;
	char err[256], path[OPTIONS_PATH_MAX];

	(void)state;
	assert_int_equal(parse(&cfg, err, sizeof(err), db), OPTIONS_RUN);
	assert_string_equal(cfg.db, "/x/chat.db");
	assert_int_equal(parse(&cfg, err, sizeof(err), mem), OPTIONS_RUN);
	assert_string_equal(cfg.db, OPTIONS_DB_MEMORY);
	assert_int_equal(parse(&cfg, err, sizeof(err), empty), OPTIONS_ERROR);
	assert_int_equal(parse(&cfg, err, sizeof(err), full), OPTIONS_RUN);
	assert_int_equal(cfg.sync_full, 1);
	assert_int_equal(parse(&cfg, err, sizeof(err), normal), OPTIONS_RUN);
	assert_int_equal(cfg.sync_full, 0);
	assert_int_equal(parse(&cfg, err, sizeof(err), bad), OPTIONS_ERROR);
	assert_non_null(strstr(err, "always"));
	server_defaults(&cfg);
	assert_null(cfg.db);
	assert_int_equal(cfg.sync_full, 0);
	assert_non_null(strstr(options_usage(), "[--db path]"));
	assert_non_null(strstr(options_usage(), "[--sync normal|full]"));

	/* $STATE_DIRECTORY, then $XDG_STATE_HOME, then $HOME. */
	setenv("STATE_DIRECTORY", "/srv/a:/srv/b", 1);
	setenv("XDG_STATE_HOME", "/xdg", 1);
	setenv("HOME", "/home/u", 1);
	assert_int_equal(
	    options_default_db(path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(path, "/srv/a/chat.db");
	unsetenv("STATE_DIRECTORY");
	assert_int_equal(
	    options_default_db(path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(path, "/xdg/txt-chatd/chat.db");
	setenv("XDG_STATE_HOME", "relative", 1);
	assert_int_equal(
	    options_default_db(path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(path, "/home/u/.local/state/txt-chatd/chat.db");
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	assert_int_equal(
	    options_default_db(path, sizeof(path), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--db"));
	setenv("HOME", "/home/u", 1);
	assert_int_equal(options_default_db(path, 10, err, sizeof(err)), -1);
}

/* Passwords over plaintext only when told; off by default. */
static void
test_allow_plaintext_login(void **state)
{
	static const char *const on[] = {"--allow-plaintext-login", NULL};
	static const char *const arg[] = {"--allow-plaintext-login=1", NULL};
	struct server_config cfg;
	char err[256];

	(void)state;
	server_defaults(&cfg);
	assert_int_equal(cfg.chat.allow_plaintext_login, 0);
	assert_int_equal(cfg.hash_threads, 0);
	assert_int_equal(parse(&cfg, err, sizeof(err), on), OPTIONS_RUN);
	assert_int_equal(cfg.chat.allow_plaintext_login, 1);
	assert_int_equal(parse(&cfg, err, sizeof(err), arg), OPTIONS_ERROR);
	assert_non_null(strstr(options_usage(), "[--allow-plaintext-login]"));
	assert_non_null(strstr(options_usage(), "[--hash-threads n]"));
}

/* --redis host:port and --node name; --node alone, or with a database. */
static void
test_redis_node(void **state)
{
	struct server_config cfg;
	char err[256];
	static const char *const both[] = {
	    "--redis", "127.0.0.1:6380", "--node", "n-1.a_b", NULL};
	static const char *const no_port[] = {"--redis", "redis.lan", NULL};
	static const char *const mem[] = {
	    "--redis", "[::1]:7000", "--db", ":memory:", NULL};
	const char *const *const bad[] = {
	    (const char *const[]){"--node", "n1", NULL},
	    (const char *const[]){"--redis", "h:1", "--db", "/x.db", NULL},
	    (const char *const[]){"--redis", "h:0", NULL},
	    (const char *const[]){"--redis", "", NULL},
	    (const char *const[]){"--redis", "h:1", "--node", "", NULL},
	    (const char *const[]){"--redis", "h:1", "--node", "a b", NULL},
	    (const char *const[]){"--redis", "h:1", "--node",
	        "a23456789012345678901234567890123", NULL},
	};
	size_t i;

	(void)state;
	assert_int_equal(parse(&cfg, err, sizeof(err), both), OPTIONS_RUN);
	assert_string_equal(cfg.redis, "127.0.0.1:6380");
	assert_string_equal(cfg.node, "n-1.a_b");
	/* Nothing is kept in a database of the node's own. */
	assert_string_equal(cfg.db, ":memory:");
	assert_int_equal(parse(&cfg, err, sizeof(err), no_port), OPTIONS_RUN);
	assert_null(cfg.node);
	assert_int_equal(parse(&cfg, err, sizeof(err), mem), OPTIONS_RUN);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(&cfg, err, sizeof(err), bad[i]) != OPTIONS_ERROR ||
		    err[0] == '\0')
			fail_msg("case %zu taken", i);
	/* 16 bytes is the most: a uid is the node's name, '/' and an
	 * address of up to 47 bytes, within PROTO_ID_MAX. */
	{
		static const char *const n16[] = {
		    "--redis", "h:1", "--node", "a234567890123456", NULL};
		static const char *const n17[] = {
		    "--redis", "h:1", "--node", "a2345678901234567", NULL};

		assert_int_equal(
		    parse(&cfg, err, sizeof(err), n16), OPTIONS_RUN);
		assert_int_equal(
		    parse(&cfg, err, sizeof(err), n17), OPTIONS_ERROR);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_unchanged),
	    cmocka_unit_test(test_every_option),
	    cmocka_unit_test(test_ranges),
	    cmocka_unit_test(test_junk_values),
	    cmocka_unit_test(test_sendq_suffixes),
	    cmocka_unit_test(test_listen_verbose),
	    cmocka_unit_test(test_help_version),
	    cmocka_unit_test(test_unknown_option),
	    cmocka_unit_test(test_missing_value),
	    cmocka_unit_test(test_unexpected_argument),
	    cmocka_unit_test(test_parse_twice),
	    cmocka_unit_test(test_short_err_buffer),
	    cmocka_unit_test(test_usage),
	    cmocka_unit_test(test_allow_plaintext_login),
	    cmocka_unit_test(test_history_bytes),
	    cmocka_unit_test(test_db_sync),
	    cmocka_unit_test(test_redis_node),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
