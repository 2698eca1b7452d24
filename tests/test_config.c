/* test_config.c: settings from defaults, file, environment and command line. */
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

#include "config.h"
#include "model.h"

#define N(a)     (sizeof(a) / sizeof((a)[0]))
#define ARGV_MAX 16

/* The fake environment: name=value strings, up to a NULL. */
static const char *const *fake_env;

static char *
fake_getenv(const char *name)
{
	size_t n = strlen(name), i;

	for (i = 0; fake_env != NULL && fake_env[i] != NULL; i++)
		if (strncmp(fake_env[i], name, n) == 0 && fake_env[i][n] == '=')
			return (char *)fake_env[i] + n + 1;
	return NULL;
}

/* A writable argv for getopt_long, which may permute it. */
struct argv {
	char *v[ARGV_MAX + 1];
	int c;
};

static void
argv_make(struct argv *a, const char *const *args)
{
	a->c = 0;
	a->v[a->c++] = (char *)"txt-chat";
	while (*args != NULL) {
		assert_true(a->c < ARGV_MAX);
		a->v[a->c++] = (char *)*args++;
	}
	a->v[a->c] = NULL;
}

static void
test_usage(void **state)
{
	(void)state;
	assert_string_equal(config_usage(),
	    "usage: txt-chat [-hV] [-c file] [-s host:port] [-n name] "
	    "[-b lines] [--fingerprint fp] [--no-color] [--no-log]\n");
}

struct login_case {
	const char *login;
	const char *want;
};

static void
test_defaults(void **state)
{
	static const struct login_case cases[] = {
	    {"alice", "alice"},
	    {"Bob_2.x-y", "Bob_2.x-y"},
	    {NULL, "user"},
	    {"", "user"},
	    {"-bob", "_bob"},
	    {".bob", "_bob"},
	    {"_bob", "_bob"},
	    {"j\xc3\xb6hn", "j__hn"},
	    {"a b", "a_b"},
	    {"abcdefghijklmnopqrstuvwxyz0123456789",
	        "abcdefghijklmnopqrstuvwxyz012345"},
	};
	struct config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		config_defaults(&cfg, cases[i].login);
		assert_string_equal(cfg.name, cases[i].want);
		assert_string_equal(cfg.server, "127.0.0.1:9090");
		assert_int_equal(cfg.scrollback, MODEL_SCROLLBACK_DEFAULT);
	}
}

static void
test_args_every_option(void **state)
{
	static const char *const shorts[] = {"-c", "/x/conf", "-s",
	    "example.org:7000", "-n", "zed", "-b", "500", NULL};
	static const char *const longs[] = {"--config", "/x/conf",
	    "--server=example.org:7000", "--name", "zed", "--scrollback=500",
	    NULL};
	static const char *const joined[] = {
	    "-c/x/conf", "-sexample.org:7000", "-nzed", "-b500", NULL};
	const char *const *sets[] = {shorts, longs, joined};
	struct config_args args;
	struct argv a;
	char err[CONFIG_ERR_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < N(sets); i++) {
		argv_make(&a, sets[i]);
		assert_int_equal(
		    config_parse_args(&args, a.c, a.v, err, sizeof(err)),
		    CONFIG_RUN);
		assert_string_equal(args.file, "/x/conf");
		assert_string_equal(args.server, "example.org:7000");
		assert_string_equal(args.name, "zed");
		assert_string_equal(args.scrollback, "500");
	}
	argv_make(&a, (const char *const[]){NULL});
	assert_int_equal(
	    config_parse_args(&args, a.c, a.v, err, sizeof(err)), CONFIG_RUN);
	assert_null(args.file);
	assert_null(args.server);
	assert_null(args.name);
	assert_null(args.scrollback);
}

struct args_case {
	const char *args[4];
	enum config_result want;
	const char *err; /* a part of the message, for errors */
};

static void
test_args_results(void **state)
{
	static const struct args_case cases[] = {
	    {{"-h"}, CONFIG_HELP, NULL},
	    {{"--help"}, CONFIG_HELP, NULL},
	    {{"-V"}, CONFIG_VERSION, NULL},
	    {{"--version"}, CONFIG_VERSION, NULL},
	    {{"-n", "bob", "-h"}, CONFIG_HELP, NULL},
	    {{"-x"}, CONFIG_ERROR, "unknown option -x"},
	    {{"-hx"}, CONFIG_HELP, NULL},
	    {{"-qh"}, CONFIG_ERROR, "unknown option -q"},
	    {{"--frobnicate"}, CONFIG_ERROR, "bad option --frobnicate"},
	    {{"--help=yes"}, CONFIG_ERROR, "bad option --help=yes"},
	    {{"-s"}, CONFIG_ERROR, "-s needs a value"},
	    {{"--name"}, CONFIG_ERROR, "--name needs a value"},
	    {{"-b"}, CONFIG_ERROR, "-b needs a value"},
	    {{"-c"}, CONFIG_ERROR, "-c needs a value"},
	    {{"-c", ""}, CONFIG_ERROR, "-c: empty file name"},
	    {{"extra"}, CONFIG_ERROR, "unexpected argument 'extra'"},
	    {{"-n", "bob", "extra"}, CONFIG_ERROR, "unexpected argument"},
	    {{"-s", "nohost"}, CONFIG_ERROR, "-s: 'nohost' is not host:port"},
	    {{"-s", "h:0"}, CONFIG_ERROR, "-s: 'h:0' is not"},
	    {{"-s", "::1:80"}, CONFIG_ERROR, "-s: '::1:80'"},
	    {{"-s", "[::1]:80"}, CONFIG_RUN, NULL},
	    {{"-n", "a b"}, CONFIG_ERROR, "-n: 'a b' is not a name"},
	    {{"-n", ""}, CONFIG_ERROR, "-n: '' is not a name"},
	    {{"-n", "-bob"}, CONFIG_ERROR, "-n: '-bob' is not a name"},
	    {{"-n", "abcdefghijklmnopqrstuvwxyz0123456"}, CONFIG_ERROR,
	        "is not a name"},
	    {{"-n", "abcdefghijklmnopqrstuvwxyz012345"}, CONFIG_RUN, NULL},
	    {{"-b", "99"}, CONFIG_ERROR, "-b: '99' is not a number from 100"},
	    {{"-b", "100"}, CONFIG_RUN, NULL},
	    {{"-b", "101"}, CONFIG_RUN, NULL},
	    {{"-b", "999999"}, CONFIG_RUN, NULL},
	    {{"-b", "1000000"}, CONFIG_RUN, NULL},
	    {{"-b", "1000001"}, CONFIG_ERROR, "to 1000000"},
	    {{"-b", "99999999999999999999999"}, CONFIG_ERROR, "-b:"},
	    {{"-b", "abc"}, CONFIG_ERROR, "-b: 'abc'"},
	    {{"-b", ""}, CONFIG_ERROR, "-b: ''"},
	    {{"-b", "12x"}, CONFIG_ERROR, "-b: '12x'"},
	    {{"-b", "-500"}, CONFIG_ERROR, "-b: '-500'"},
	    {{"-b", " 500"}, CONFIG_ERROR, "-b: ' 500'"},
	};
	struct config_args args;
	struct argv a;
	char err[CONFIG_ERR_MAX];
	size_t i;
	enum config_result r;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		argv_make(&a, cases[i].args);
		err[0] = '\0';
		r = config_parse_args(&args, a.c, a.v, err, sizeof(err));
		if (r != cases[i].want)
			fail_msg("case %zu (%s): got %d, want %d: %s", i,
			    cases[i].args[0], r, cases[i].want, err);
		if (cases[i].err != NULL && strstr(err, cases[i].err) == NULL)
			fail_msg(
			    "case %zu: '%s' lacks '%s'", i, err, cases[i].err);
	}
}

/* Error messages show odd bytes as '?' and cut long values. */
static void
test_args_error_quoting(void **state)
{
	struct config_args args;
	struct argv a;
	char err[CONFIG_ERR_MAX], name[200];
	const char *argv1[3] = {"-n", "a\x1b[2Jb", NULL};
	const char *argv2[3] = {"-n", name, NULL};

	(void)state;
	argv_make(&a, argv1);
	assert_int_equal(
	    config_parse_args(&args, a.c, a.v, err, sizeof(err)), CONFIG_ERROR);
	assert_non_null(strstr(err, "'a?[2Jb'"));
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	argv_make(&a, argv2);
	assert_int_equal(
	    config_parse_args(&args, a.c, a.v, err, sizeof(err)), CONFIG_ERROR);
	assert_non_null(strstr(err, "xxx'..."));
	assert_true(strlen(err) < 200);
}

static void
test_text_every_key(void **state)
{
	static const char text[] =
	    "# txt-chat settings\n"
	    "\n"
	    "server = chat.example.org:6000\n"
	    "  name=alice  \n"
	    "\tscrollback\t=\t250\t\n"
	    "   # an indented comment = with an equals sign\n"
	    "   \n";
	struct config cfg;
	char err[CONFIG_ERR_MAX];

	(void)state;
	config_defaults(&cfg, "me");
	assert_int_equal(
	    config_parse_text(&cfg, text, strlen(text), "f", err, sizeof(err)),
	    0);
	assert_string_equal(cfg.server, "chat.example.org:6000");
	assert_string_equal(cfg.name, "alice");
	assert_int_equal(cfg.scrollback, 250);
}

/* Nodes of one chat: a comma-separated list, checked whole. */
static void
test_text_server_list(void **state)
{
	static const char ok[] =
	    "server = a.example:1, tls://[::1]:2 ,\tc.example:3";
	static const char eight[] = "server=1:1,2:2,3:3,4:4,5:5,6:6,7:7,8:8";
	static const struct {
		const char *text, *why;
	} bad[] = {
	    {"server = a:1,,b:2", "f:1: '' is not host:port"},
	    {"server = a:1,", "f:1: '' is not host:port"},
	    {"server = a:1, b", "f:1: 'b' is not host:port"},
	    {"server = 1:1,2:2,3:3,4:4,5:5,6:6,7:7,8:8,9:9",
	        "f:1: more than 8 servers"},
	};
	struct config cfg;
	char err[CONFIG_ERR_MAX];
	size_t i;

	(void)state;
	config_defaults(&cfg, "me");
	assert_int_equal(cfg.nservers, 1);
	assert_string_equal(cfg.servers[0], CONFIG_SERVER_DEFAULT);
	assert_int_equal(
	    config_parse_text(&cfg, ok, strlen(ok), "f", err, sizeof(err)), 0);
	assert_int_equal(cfg.nservers, 3);
	assert_string_equal(cfg.server, "a.example:1");
	assert_string_equal(cfg.servers[0], "a.example:1");
	assert_string_equal(cfg.servers[1], "tls://[::1]:2");
	assert_string_equal(cfg.servers[2], "c.example:3");
	for (i = 0; i < N(bad); i++) {
		config_defaults(&cfg, "me");
		assert_int_equal(
		    config_parse_text(&cfg, bad[i].text, strlen(bad[i].text),
		        "f", err, sizeof(err)),
		    -1);
		if (strncmp(err, bad[i].why, strlen(bad[i].why)) != 0)
			fail_msg("%s: got \"%s\"", bad[i].text, err);
		/* A bad list keeps none of its servers. */
		assert_int_equal(cfg.nservers, 1);
		assert_string_equal(cfg.server, CONFIG_SERVER_DEFAULT);
	}
	/* Eight is the most. */
	config_defaults(&cfg, "me");
	assert_int_equal(config_parse_text(
	                     &cfg, eight, strlen(eight), "f", err, sizeof(err)),
	    0);
	assert_int_equal(cfg.nservers, CONFIG_SERVERS_MAX);
	assert_string_equal(cfg.servers[7], "8:8");
}

/* The total scrollback in bytes: a number, or with K, M or G. */
static void
test_text_scrollback_bytes(void **state)
{
	static const struct {
		const char *text;
		size_t want;
	} cases[] = {
	    {"scrollback_bytes = 1048576", 1048576},
	    {"scrollback_bytes = 1024K", 1048576},
	    {"scrollback_bytes = 64M", (size_t)64 << 20},
	    {"scrollback_bytes = 64m", (size_t)64 << 20},
	    {"scrollback_bytes = 1G", (size_t)1 << 30},
	    {"scrollback_bytes = 1073741824", (size_t)1 << 30},
	};
	struct config cfg;
	char err[CONFIG_ERR_MAX];
	size_t i;

	(void)state;
	config_defaults(&cfg, "me");
	assert_int_equal(cfg.scrollback_bytes, MODEL_SCROLLBACK_BYTES_DEFAULT);
	assert_int_equal(MODEL_SCROLLBACK_BYTES_DEFAULT, (size_t)64 << 20);
	for (i = 0; i < N(cases); i++) {
		config_defaults(&cfg, "me");
		assert_int_equal(
		    config_parse_text(&cfg, cases[i].text,
		        strlen(cases[i].text), "f", err, sizeof(err)),
		    0);
		assert_int_equal(cfg.scrollback_bytes, cases[i].want);
	}
}

static void
test_text_crlf_no_final_newline_and_repeats(void **state)
{
	static const char text[] = "name = a\r\nname = b\r\n"
	                           "server = [::1]:1\r\nscrollback = 100";
	struct config cfg;
	char err[CONFIG_ERR_MAX];

	(void)state;
	config_defaults(&cfg, "me");
	assert_int_equal(
	    config_parse_text(&cfg, text, strlen(text), "f", err, sizeof(err)),
	    0);
	assert_string_equal(cfg.name, "b");
	assert_string_equal(cfg.server, "[::1]:1");
	assert_int_equal(cfg.scrollback, 100);
	/* Empty text changes nothing. */
	assert_int_equal(
	    config_parse_text(&cfg, "", 0, "f", err, sizeof(err)), 0);
	assert_string_equal(cfg.name, "b");
}

struct text_case {
	const char *text;
	const char *err; /* the whole message */
};

static void
test_text_errors(void **state)
{
	static const struct text_case cases[] = {
	    {"name = bob\nnick = bob\n",
	        "conf:2: unknown key 'nick' (known: server, name, "
	        "scrollback, scrollback_bytes, highlight, log, log_dir, "
	        "account, pass_cmd, timestamp_format, join_filter, "
	        "join_filter_minutes)"},
	    {"\n\n\njust words\n", "conf:4: expected 'key = value'"},
	    {"= bob\n", "conf:1: expected 'key = value'"},
	    {"  = bob\n", "conf:1: expected 'key = value'"},
	    {"my name = bob\n",
	        "conf:1: unknown key 'my name' (known: "
	        "server, name, scrollback, scrollback_bytes, highlight, log, "
	        "log_dir, account, pass_cmd, timestamp_format, join_filter, "
	        "join_filter_minutes)"},
	    {"#\nname =\n",
	        "conf:2: '' is not a name: 1 to 32 letters, "
	        "digits, '_', '.' or '-', not starting with '.' "
	        "or '-'"},
	    {"name = bob smith\n",
	        "conf:1: 'bob smith' is not a name: 1 to "
	        "32 letters, digits, '_', '.' or '-', not "
	        "starting with '.' or '-'"},
	    {"server = localhost\n",
	        "conf:1: 'localhost' is not host:port or [v6]:port with a "
	        "port from 1 to 65535"},
	    {"scrollback = 10\n",
	        "conf:1: '10' is not a number from 100 to 1000000"},
	    {"scrollback = 5000 # lines\n",
	        "conf:1: '5000 # lines' is not a number from 100 to "
	        "1000000"},
	    {"Name = bob\n",
	        "conf:1: unknown key 'Name' (known: server, "
	        "name, scrollback, scrollback_bytes, highlight, log, log_dir, "
	        "account, pass_cmd, timestamp_format, join_filter, "
	        "join_filter_minutes)"},
	    {"scrollback_bytes = 1000\n",
	        "conf:1: '1000' is not a size from 1M to 1G (bytes, or with "
	        "K, M or G)"},
	    {"scrollback_bytes = 2G\n",
	        "conf:1: '2G' is not a size from 1M to 1G (bytes, or with K, "
	        "M or G)"},
	    {"scrollback_bytes = 64MB\n",
	        "conf:1: '64MB' is not a size from 1M to 1G (bytes, or with "
	        "K, M or G)"},
	    {"scrollback_bytes = M\n",
	        "conf:1: 'M' is not a size from 1M to 1G (bytes, or with K, "
	        "M or G)"},
	    {"scrollback_bytes = 99999999999999999999999\n",
	        "conf:1: '99999999999999999999999' is not a size from 1M to 1G "
	        "(bytes, or with K, M or G)"},
	    {"name = a\r\n\r\nserver = x:y\r\n",
	        "conf:3: 'x:y' is not host:port or [v6]:port with a port "
	        "from 1 to 65535"},
	};
	struct config cfg;
	char err[CONFIG_ERR_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		config_defaults(&cfg, "me");
		assert_int_equal(
		    config_parse_text(&cfg, cases[i].text,
		        strlen(cases[i].text), "conf", err, sizeof(err)),
		    -1);
		assert_string_equal(err, cases[i].err);
	}
	/* A NUL byte inside a line is an error too. */
	config_defaults(&cfg, "me");
	assert_int_equal(config_parse_text(&cfg, "name = a\nna\0me = b\n", 19,
	                     "conf", err, sizeof(err)),
	    -1);
	assert_string_equal(err, "conf:2: a NUL byte");
}

static void
test_env(void **state)
{
	static const char *const env[] = {"HOME=/home/x",
	    "TXT_CHAT_SERVER=[::1]:5", "TXT_CHAT_NAME=envy", NULL};
	static const char *const empty[] = {
	    "TXT_CHAT_SERVER=", "TXT_CHAT_NAME=", NULL};
	static const char *const bad_name[] = {"TXT_CHAT_NAME=no way", NULL};
	static const char *const bad_server[] = {"TXT_CHAT_SERVER=a:b", NULL};
	struct config cfg;
	char err[CONFIG_ERR_MAX];

	(void)state;
	config_defaults(&cfg, "me");
	fake_env = env;
	assert_int_equal(
	    config_apply_env(&cfg, fake_getenv, err, sizeof(err)), 0);
	assert_string_equal(cfg.server, "[::1]:5");
	assert_string_equal(cfg.name, "envy");
	config_defaults(&cfg, "me");
	fake_env = empty;
	assert_int_equal(
	    config_apply_env(&cfg, fake_getenv, err, sizeof(err)), 0);
	assert_string_equal(cfg.server, "127.0.0.1:9090");
	assert_string_equal(cfg.name, "me");
	fake_env = bad_name;
	assert_int_equal(
	    config_apply_env(&cfg, fake_getenv, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "TXT_CHAT_NAME: 'no way' is not a name"));
	fake_env = bad_server;
	assert_int_equal(
	    config_apply_env(&cfg, fake_getenv, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "TXT_CHAT_SERVER: 'a:b' is not host"));
	fake_env = NULL;
}

struct path_case {
	const char *env[3];
	int want;
	const char *path;
};

static void
test_default_path(void **state)
{
	static const struct path_case cases[] = {
	    {{"XDG_CONFIG_HOME=/xdg", "HOME=/home/u"}, 1,
	        "/xdg/txt-chat/config"},
	    {{"HOME=/home/u"}, 1, "/home/u/.config/txt-chat/config"},
	    {{"XDG_CONFIG_HOME=", "HOME=/home/u"}, 1,
	        "/home/u/.config/txt-chat/config"},
	    {{"XDG_CONFIG_HOME=relative", "HOME=/home/u"}, 1,
	        "/home/u/.config/txt-chat/config"},
	    {{"XDG_CONFIG_HOME=/xdg"}, 1, "/xdg/txt-chat/config"},
	    {{"HOME="}, 0, NULL},
	    {{NULL}, 0, NULL},
	};
	char path[CONFIG_PATH_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		fake_env = cases[i].env;
		assert_int_equal(
		    config_default_path(path, sizeof(path), fake_getenv),
		    cases[i].want);
		if (cases[i].path != NULL)
			assert_string_equal(path, cases[i].path);
	}
	/* The path at the size limit fits; one byte more does not. */
	fake_env = cases[0].env;
	assert_int_equal(config_default_path(path, 21, fake_getenv), 1);
	assert_int_equal(config_default_path(path, 20, fake_getenv), -1);
	fake_env = NULL;
}

/* A private directory for config files, removed by the teardown. */
struct tmp {
	char dir[64];
	char xdg_env[128];
	char files[4][160];
	size_t nfiles;
};

static int
tmp_setup(void **state)
{
	struct tmp *t;

	assert_non_null(t = calloc(1, sizeof(*t)));
	snprintf(t->dir, sizeof(t->dir), "/tmp/test_config.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->xdg_env, sizeof(t->xdg_env), "XDG_CONFIG_HOME=%s", t->dir);
	*state = t;
	return 0;
}

static int
tmp_teardown(void **state)
{
	struct tmp *t = *state;
	char sub[128];
	size_t i;

	for (i = t->nfiles; i > 0; i--) {
		if (unlink(t->files[i - 1]) < 0)
			rmdir(t->files[i - 1]);
	}
	snprintf(sub, sizeof(sub), "%s/txt-chat", t->dir);
	rmdir(sub);
	rmdir(t->dir);
	free(t);
	fake_env = NULL;
	return 0;
}

/* Writes a file under the temporary directory; returns its path. */
static const char *
tmp_file(struct tmp *t, const char *rel, const char *text, size_t len)
{
	char *path, dir[sizeof(t->dir)];
	FILE *fp;

	assert_true(t->nfiles < N(t->files));
	path = t->files[t->nfiles];
	/* A copy, so that GCC sees no overlap with t. */
	memcpy(dir, t->dir, sizeof(dir));
	snprintf(path, sizeof(t->files[0]), "%s/%s", dir, rel);
	t->nfiles++;
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/* The default file under $XDG_CONFIG_HOME/txt-chat/config. */
static void
tmp_default_file(struct tmp *t, const char *text)
{
	char sub[128];

	snprintf(sub, sizeof(sub), "%s/txt-chat", t->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	tmp_file(t, "txt-chat/config", text, strlen(text));
}

static enum config_result
load(struct config *cfg, const char *const *args, const char *const *env,
    char *err)
{
	struct argv a;

	argv_make(&a, args);
	fake_env = env;
	err[0] = '\0';
	return config_load(
	    cfg, a.c, a.v, "login", fake_getenv, err, CONFIG_ERR_MAX);
}

static void
test_load_missing_default_file(void **state)
{
	struct tmp *t = *state;
	const char *env[] = {t->xdg_env, NULL};
	struct config cfg;
	char err[CONFIG_ERR_MAX];

	assert_int_equal(
	    load(&cfg, (const char *const[]){NULL}, env, err), CONFIG_RUN);
	assert_string_equal(cfg.server, "127.0.0.1:9090");
	assert_string_equal(cfg.name, "login");
	assert_int_equal(cfg.scrollback, MODEL_SCROLLBACK_DEFAULT);
	/* No HOME, no XDG_CONFIG_HOME: no file, still fine. */
	assert_int_equal(load(&cfg, (const char *const[]){NULL},
	                     (const char *const[]){NULL}, err),
	    CONFIG_RUN);
}

static void
test_load_c_missing_file(void **state)
{
	struct tmp *t = *state;
	char path[160];
	const char *args[] = {"-c", path, NULL};
	struct config cfg;
	char err[CONFIG_ERR_MAX], want[256];

	snprintf(path, sizeof(path), "%s/nope", t->dir);
	assert_int_equal(load(&cfg, args, NULL, err), CONFIG_ERROR);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);
}

static void
test_load_c_file(void **state)
{
	struct tmp *t = *state;
	const char *env[] = {t->xdg_env, NULL};
	const char *path;
	const char *args[] = {"--config", NULL, NULL};
	struct config cfg;
	char err[CONFIG_ERR_MAX];

	tmp_default_file(t, "name = fromdefault\n");
	path = tmp_file(t, "other", "name = fromc\n", 12);
	args[1] = path;
	assert_int_equal(load(&cfg, args, env, err), CONFIG_RUN);
	/* -c replaces the default file; it is not read as well. */
	assert_string_equal(cfg.name, "fromc");
	assert_int_equal(
	    load(&cfg, (const char *const[]){NULL}, env, err), CONFIG_RUN);
	assert_string_equal(cfg.name, "fromdefault");
}

static void
test_load_file_error_has_place(void **state)
{
	struct tmp *t = *state;
	const char *env[] = {t->xdg_env, NULL};
	struct config cfg;
	char err[CONFIG_ERR_MAX], want[256];

	tmp_default_file(t, "# mine\nname = ok\nscrollback = lots\n");
	assert_int_equal(
	    load(&cfg, (const char *const[]){NULL}, env, err), CONFIG_ERROR);
	snprintf(want, sizeof(want),
	    "%s/txt-chat/config:3: 'lots' is not a number from 100 to "
	    "1000000",
	    t->dir);
	assert_string_equal(err, want);
	/* Help needs no file, even a broken one. */
	assert_int_equal(
	    load(&cfg, (const char *const[]){"-h", NULL}, env, err),
	    CONFIG_HELP);
}

static void
test_load_file_size_limit(void **state)
{
	struct tmp *t = *state;
	const char *args[] = {"-c", NULL, NULL};
	struct config cfg;
	char err[CONFIG_ERR_MAX], *text;

	assert_non_null(text = malloc(CONFIG_FILE_MAX + 1));
	memset(text, '#', CONFIG_FILE_MAX + 1);
	text[CONFIG_FILE_MAX - 1] = '\n';
	args[1] = tmp_file(t, "big", text, CONFIG_FILE_MAX);
	assert_int_equal(load(&cfg, args, NULL, err), CONFIG_RUN);
	args[1] = tmp_file(t, "bigger", text, CONFIG_FILE_MAX + 1);
	assert_int_equal(load(&cfg, args, NULL, err), CONFIG_ERROR);
	assert_non_null(strstr(err, "bigger than 65536 bytes"));
	free(text);
}

static void
test_load_unreadable(void **state)
{
	struct tmp *t = *state;
	const char *args[] = {"-c", NULL, NULL};
	struct config cfg;
	char err[CONFIG_ERR_MAX];

	/* A directory opens but does not read. */
	args[1] = t->dir;
	assert_int_equal(load(&cfg, args, NULL, err), CONFIG_ERROR);
	assert_non_null(strstr(err, t->dir));
}

/* Each source overrides the ones below it, key by key. */
static void
test_load_precedence(void **state)
{
	struct tmp *t = *state;
	const char *env_none[] = {t->xdg_env, NULL};
	const char *env_name[] = {t->xdg_env, "TXT_CHAT_NAME=envname", NULL};
	const char *env_both[] = {t->xdg_env, "TXT_CHAT_NAME=envname",
	    "TXT_CHAT_SERVER=env.example:2", NULL};
	const char *args_none[] = {NULL};
	const char *args_server[] = {"-s", "arg.example:3", NULL};
	const char *args_all[] = {
	    "-s", "arg.example:3", "-n", "argname", "-b", "300", NULL};
	struct config cfg;
	char err[CONFIG_ERR_MAX];

	tmp_default_file(t,
	    "server = file.example:1\nname = filename\n"
	    "scrollback = 200\n");
	assert_int_equal(load(&cfg, args_none, env_none, err), CONFIG_RUN);
	assert_string_equal(cfg.server, "file.example:1");
	assert_string_equal(cfg.name, "filename");
	assert_int_equal(cfg.scrollback, 200);

	assert_int_equal(load(&cfg, args_none, env_name, err), CONFIG_RUN);
	assert_string_equal(cfg.server, "file.example:1");
	assert_string_equal(cfg.name, "envname");

	assert_int_equal(load(&cfg, args_none, env_both, err), CONFIG_RUN);
	assert_string_equal(cfg.server, "env.example:2");
	assert_string_equal(cfg.name, "envname");

	assert_int_equal(load(&cfg, args_server, env_both, err), CONFIG_RUN);
	assert_string_equal(cfg.server, "arg.example:3");
	assert_string_equal(cfg.name, "envname");
	assert_int_equal(cfg.scrollback, 200);

	assert_int_equal(load(&cfg, args_all, env_both, err), CONFIG_RUN);
	assert_string_equal(cfg.server, "arg.example:3");
	assert_string_equal(cfg.name, "argname");
	assert_int_equal(cfg.scrollback, 300);
}

/*
 * tls:// in front of host:port passes to the link whole, from the file or
 * the command line; --fingerprint takes 32 hex pairs and keeps them upper
 * case.
 */
static void
test_load_tls(void **state)
{
	struct tmp *t = *state;
	const char *env[] = {t->xdg_env, NULL};
	const char *args_none[] = {NULL};
	const char *args_s[] = {"-s", "tls://[::1]:7001", "--fingerprint",
	    "ab:CD:ef:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
	    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89",
	    NULL};
	const char *args_bad[] = {"--fingerprint", "AB:CD", NULL};
	const char *args_bad2[] = {"--fingerprint",
	    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
	    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:8G",
	    NULL};
	const char *args_badtls[] = {"-s", "tls://nohost", NULL};
	struct config cfg;
	char err[CONFIG_ERR_MAX];

	tmp_default_file(t, "server = tls://file.example:6697\n");
	assert_int_equal(load(&cfg, args_none, env, err), CONFIG_RUN);
	assert_string_equal(cfg.server, "tls://file.example:6697");
	assert_string_equal(cfg.fingerprint, "");
	assert_int_equal(load(&cfg, args_s, env, err), CONFIG_RUN);
	assert_string_equal(cfg.server, "tls://[::1]:7001");
	assert_string_equal(cfg.fingerprint,
	    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
	    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89");
	assert_int_equal(load(&cfg, args_bad, env, err), CONFIG_ERROR);
	assert_non_null(strstr(err, "not a SHA-256 fingerprint"));
	assert_int_equal(load(&cfg, args_bad2, env, err), CONFIG_ERROR);
	assert_int_equal(load(&cfg, args_badtls, env, err), CONFIG_ERROR);
	assert_non_null(strstr(err, "is not host:port"));
}

/* A bad environment value is an error even when -n would override it. */
static void
test_load_bad_env(void **state)
{
	struct tmp *t = *state;
	const char *env[] = {t->xdg_env, "TXT_CHAT_NAME=bad name", NULL};
	const char *args[] = {"-n", "good", NULL};
	struct config cfg;
	char err[CONFIG_ERR_MAX];

	assert_int_equal(load(&cfg, args, env, err), CONFIG_ERROR);
	assert_non_null(strstr(err, "TXT_CHAT_NAME"));
}

static void
test_apply_args(void **state)
{
	struct config cfg;
	struct config_args args = {
	    .server = "h:1", .name = "n", .scrollback = "100"};
	char err[CONFIG_ERR_MAX];

	(void)state;
	config_defaults(&cfg, "me");
	assert_int_equal(config_apply_args(&cfg, &args, err, sizeof(err)), 0);
	assert_string_equal(cfg.server, "h:1");
	assert_string_equal(cfg.name, "n");
	assert_int_equal(cfg.scrollback, 100);
	args.scrollback = "1";
	assert_int_equal(config_apply_args(&cfg, &args, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "-b: '1'"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, tmp_setup, tmp_teardown)

/* highlight: words of name bytes, kept one space apart. */
static void
test_text_highlight(void **state)
{
	static const char ok[] = "highlight =  rust\tRelease  v1.2-rc \n";
	static const char many[] =
	    "highlight = a b c d e f g h i j k l m n o p q\n";
	static const char bad[] = "highlight = rust r\xC3\xA9lease\n";
	struct config cfg;
	char err[CONFIG_ERR_MAX];

	(void)state;
	config_defaults(&cfg, "me");
	assert_string_equal(cfg.highlight, "");
	assert_int_equal(
	    config_parse_text(&cfg, ok, strlen(ok), "f", err, sizeof(err)), 0);
	assert_string_equal(cfg.highlight, "rust Release v1.2-rc");
	assert_int_equal(
	    config_parse_text(&cfg, many, strlen(many), "f", err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "f:1: "));
	assert_non_null(strstr(err, "at most 16 words"));
	assert_int_equal(
	    config_parse_text(&cfg, bad, strlen(bad), "f", err, sizeof(err)),
	    -1);
	assert_string_equal(cfg.highlight, "rust Release v1.2-rc");
	assert_int_equal(
	    config_parse_text(&cfg, "highlight =\n", 12, "f", err, sizeof(err)),
	    0);
	assert_string_equal(cfg.highlight, "");
}

/* --no-color, and NO_COLOR when set and not empty (no-color.org). */
static void
test_no_color(void **state)
{
	static const char *const set[] = {"NO_COLOR=0", NULL};
	static const char *const empty[] = {"NO_COLOR=", NULL};
	static const char *const none[] = {NULL};
	struct config cfg;
	char err[CONFIG_ERR_MAX];

	(void)state;
	assert_int_equal(
	    load(&cfg, (const char *const[]){NULL}, none, err), CONFIG_RUN);
	assert_int_equal(cfg.no_color, 0);
	assert_int_equal(
	    load(&cfg, (const char *const[]){NULL}, empty, err), CONFIG_RUN);
	assert_int_equal(cfg.no_color, 0);
	assert_int_equal(
	    load(&cfg, (const char *const[]){NULL}, set, err), CONFIG_RUN);
	assert_int_equal(cfg.no_color, 1);
	assert_int_equal(
	    load(&cfg, (const char *const[]){"--no-color", NULL}, none, err),
	    CONFIG_RUN);
	assert_int_equal(cfg.no_color, 1);
	/* Only the long form: -C is no option. */
	assert_int_equal(
	    load(&cfg, (const char *const[]){"-C", NULL}, none, err),
	    CONFIG_ERROR);
}

/* -h: every option, the config file's path and keys, keys, the manual. */
static void
test_help(void **state)
{
	static const char *const want[] = {"usage: txt-chat ", "--server",
	    "--name", "--scrollback", "--config", "--no-color", "--help",
	    "--version", "NO_COLOR", "TXT_CHAT_SERVER", "TXT_CHAT_NAME",
	    "config file: /x/txt-chat/config", "server", "name",
	    "scrollback_bytes", "highlight", "Alt-1", "Alt-Q", "Ctrl-N",
	    "/help", "man 1 txt-chat", "(default 4000)",
	    "(default 127.0.0.1:9090)"};
	static const char *const env[] = {"XDG_CONFIG_HOME=/x", NULL};
	static const char *const none[] = {NULL};
	char *text = NULL;
	size_t len = 0, i;
	FILE *f;

	(void)state;
	fake_env = env;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_write_help(f, fake_getenv);
	assert_int_equal(fclose(f), 0);
	for (i = 0; i < N(want); i++)
		if (strstr(text, want[i]) == NULL)
			fail_msg("no \"%s\" in the help", want[i]);
	free(text);
	/* Without a home, the help says there is no file. */
	fake_env = none;
	text = NULL;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_write_help(f, fake_getenv);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(text, "config file: none"));
	free(text);
}

/* Chat logs: on by default, "log = off", log_dir, --no-log. */
static void
test_log_keys(void **state)
{
	static const char *const no_log[] = {"--no-log", NULL};
	struct config cfg;
	struct config_args args;
	struct argv a;
	char err[CONFIG_ERR_MAX];

	(void)state;
	config_defaults(&cfg, "me");
	assert_int_equal(cfg.log, 1);
	assert_string_equal(cfg.log_dir, "");
	assert_int_equal(config_parse_text(&cfg, "log = off\nlog_dir = /l/d\n",
	                     strlen("log = off\nlog_dir = /l/d\n"), "conf", err,
	                     sizeof(err)),
	    0);
	assert_int_equal(cfg.log, 0);
	assert_string_equal(cfg.log_dir, "/l/d");
	assert_int_equal(config_parse_text(&cfg, "log = on\n",
	                     strlen("log = on\n"), "conf", err, sizeof(err)),
	    0);
	assert_int_equal(cfg.log, 1);
	assert_int_equal(config_parse_text(&cfg, "log = yes\n",
	                     strlen("log = yes\n"), "conf", err, sizeof(err)),
	    -1);
	assert_string_equal(err, "conf:1: log must be on or off, not 'yes'");
	assert_int_equal(
	    config_parse_text(&cfg, "log_dir = rel\n",
	        strlen("log_dir = rel\n"), "conf", err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "absolute path"));
	argv_make(&a, no_log);
	assert_int_equal(
	    config_parse_args(&args, a.c, a.v, err, sizeof(err)), CONFIG_RUN);
	assert_int_equal(args.no_log, 1);
	assert_int_equal(config_apply_args(&cfg, &args, err, sizeof(err)), 0);
	assert_int_equal(cfg.log, 0);
}

/* Accounts: account and pass_cmd. */
static void
test_account_keys(void **state)
{
	struct config cfg;
	char err[CONFIG_ERR_MAX], big[ACCOUNT_CMD_MAX + 32];
	const char *t =
	    "account = alice\npass_cmd = pass show chat | head -1\n";
	int n;

	(void)state;
	config_defaults(&cfg, "alice");
	assert_string_equal(cfg.account, "");
	assert_string_equal(cfg.pass_cmd, "");
	assert_int_equal(
	    config_parse_text(&cfg, t, strlen(t), "conf", err, sizeof(err)), 0);
	assert_string_equal(cfg.account, "alice");
	assert_string_equal(cfg.pass_cmd, "pass show chat | head -1");
	t = "account = al ice\n";
	assert_int_equal(
	    config_parse_text(&cfg, t, strlen(t), "conf", err, sizeof(err)),
	    -1);
	assert_string_equal(
	    err, "conf:1: account 'al ice' is not a valid name");
	t = "pass_cmd =\n";
	assert_int_equal(
	    config_parse_text(&cfg, t, strlen(t), "conf", err, sizeof(err)),
	    -1);
	/* At the limit, and one byte past it. */
	n = snprintf(big, sizeof(big), "pass_cmd = ");
	memset(big + n, 'x', ACCOUNT_CMD_MAX);
	assert_int_equal(
	    config_parse_text(&cfg, big, (size_t)n + ACCOUNT_CMD_MAX, "conf",
	        err, sizeof(err)),
	    0);
	assert_int_equal(strlen(cfg.pass_cmd), ACCOUNT_CMD_MAX);
	big[n + ACCOUNT_CMD_MAX] = 'x';
	assert_int_equal(
	    config_parse_text(&cfg, big, (size_t)n + ACCOUNT_CMD_MAX + 1,
	        "conf", err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "pass_cmd must be a command of 1 to 1024"));
}

/* timestamp_format, join_filter and join_filter_minutes: values and errors
 * with their place. */
static void
test_habit_keys(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} bad[] = {
	    {"\ntimestamp_format = %H:%Q\n",
	        "f:2: timestamp_format: %Q is not taken"},
	    {"timestamp_format =\n",
	        "f:1: timestamp_format must be 1 to 32 bytes, not 0"},
	    {"timestamp_format = %Y-%m-%d %H:%M:%S %A\n",
	        "f:1: timestamp_format makes times wider than 24 columns"},
	    {"join_filter = some\n",
	        "f:1: join_filter must be off, smart or all, not 'some'"},
	    {"join_filter = default\n",
	        "f:1: join_filter must be off, smart or all, not 'default'"},
	    {"join_filter_minutes = 0\n",
	        "f:1: join_filter_minutes must be a number from 1 to 1440"},
	    {"join_filter_minutes = 1441\n",
	        "f:1: join_filter_minutes must be a number from 1 to 1440"},
	    {"join_filter_minutes = 99999999999999999999\n",
	        "f:1: join_filter_minutes must be a number from 1 to 1440"},
	    {"join_filter_minutes = 5m\n",
	        "f:1: join_filter_minutes must be a number from 1 to 1440"},
	};
	static const char good[] = "timestamp_format = [%H:%M:%S]\n"
	                           "join_filter = smart\n"
	                           "join_filter_minutes = 1440\n";
	struct config cfg;
	char err[CONFIG_ERR_MAX];
	size_t i;

	(void)state;
	config_defaults(&cfg, "me");
	assert_string_equal(cfg.timestamp_format, "%H:%M");
	assert_int_equal(cfg.timestamp_cols, 5);
	assert_int_equal(cfg.join_filter, FILTER_JOINS_OFF);
	assert_int_equal(cfg.join_filter_minutes, 10);
	assert_int_equal(
	    config_parse_text(&cfg, good, strlen(good), "f", err, sizeof(err)),
	    0);
	assert_string_equal(cfg.timestamp_format, "[%H:%M:%S]");
	assert_int_equal(cfg.timestamp_cols, 10);
	assert_int_equal(cfg.join_filter, FILTER_JOINS_SMART);
	assert_int_equal(cfg.join_filter_minutes, 1440);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		config_defaults(&cfg, "me");
		assert_int_equal(
		    config_parse_text(&cfg, bad[i].text, strlen(bad[i].text),
		        "f", err, sizeof(err)),
		    -1);
		assert_memory_equal(err, bad[i].err, strlen(bad[i].err));
		/* A bad value leaves the default. */
		assert_string_equal(cfg.timestamp_format, "%H:%M");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_help),
	    cmocka_unit_test(test_no_color),
	    cmocka_unit_test(test_text_highlight),
	    cmocka_unit_test(test_usage),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_args_every_option),
	    cmocka_unit_test(test_args_results),
	    cmocka_unit_test(test_args_error_quoting),
	    cmocka_unit_test(test_text_every_key),
	    cmocka_unit_test(test_text_crlf_no_final_newline_and_repeats),
	    cmocka_unit_test(test_text_errors),
	    cmocka_unit_test(test_text_scrollback_bytes),
	    cmocka_unit_test(test_text_server_list),
	    cmocka_unit_test(test_env),
	    cmocka_unit_test(test_default_path),
	    cmocka_unit_test(test_apply_args),
	    T(test_load_missing_default_file),
	    T(test_load_c_missing_file),
	    T(test_load_c_file),
	    T(test_load_file_error_has_place),
	    T(test_load_file_size_limit),
	    T(test_load_unreadable),
	    T(test_load_precedence),
	    T(test_load_tls),
	    T(test_load_bad_env),
	    cmocka_unit_test(test_log_keys),
	    cmocka_unit_test(test_account_keys),
	    cmocka_unit_test(test_habit_keys),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
