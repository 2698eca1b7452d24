/* it_accounts.c: txt-chatd accounts: register, login, always-on, limits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "testcli.h"
#include "testsrv.h"

/* Logins of the storm, all at once. */
#define STORM 200
/*
 * The slowest guest ping round trip allowed during the storm: generous
 * for ASan on a 2-core machine shared with other builds (up to 163 ms seen
 * at a load average of 6), far below what hashing in the loop would cost:
 * 200 logins read in one turn would hold it for 200 hashes, seconds.
 */
#define STORM_RTT_MAX_MS 500
/* Sequential logins whose median is reported. */
#define P50_LOGINS 15
/* Login failures timed per kind (known name, unknown name). */
#define TIMING_SAMPLES 10
/* The medians may differ by this factor at most: noise, not a hash. */
#define TIMING_FACTOR 3.0
/* How long a login may take here at most (ASan, hashing under load). */
#define LOGIN_WAIT_MS 30000

#define PW  "correct horse"
#define PW2 "battery staple"

struct fix {
	struct testsrv *srv;
	char dir[64];
	char db[128];
};

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/it_accounts.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/chat.db", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	char cmd[160];

	testsrv_free(f->srv);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* A server on the fixture's database; plaintext logins unless told. */
static struct testsrv *
start(struct fix *f, int plaintext)
{
	const char *const with[] = {"--db", f->db, "--allow-plaintext-login",
	    "--max-per-addr", "0", "--flood-rate", "0", NULL};
	const char *const without[] = {"--db", f->db, NULL};

	f->srv = testsrv_start(plaintext ? with : without);
	assert_non_null(f->srv);
	return f->srv;
}

/* A connection in extended mode, from ip if not NULL. */
static struct testcli *
ext_conn(struct testsrv *srv, const char *ip)
{
	struct testcli *c =
	    ip != NULL ? testcli_connect(srv, ip) : testcli_open(srv);

	assert_non_null(c);
	testcli_set_timeout(c, LOGIN_WAIT_MS);
	testcli_ext_hello(c);
	return c;
}

/*
 * Sends verb$name$password and reads up to login_end or an error line,
 * which it returns (a copy the caller frees); the lines before it go to
 * out (NULL drops them).
 */
static char *
account_cmd(struct testcli *c, const char *verb, const char *name,
    const char *pw, struct testcli_lines *out)
{
	const char *line;

	testcli_sendf(c, "%s$%s$%s", verb, name, pw);
	while ((line = testcli_read(c)) != NULL) {
		if (strncmp(line, "error$", 6) == 0 ||
		    strncmp(line, "login_end$", 10) == 0)
			return strdup(line);
		if (out != NULL)
			testcli_lines_add(out, line);
	}
	fail_msg("%s %s: no reply", verb, name);
	return NULL;
}

/* The reply must start with want. */
static void
expect_reply(struct testcli *c, const char *verb, const char *name,
    const char *pw, const char *want, struct testcli_lines *out)
{
	char *got = account_cmd(c, verb, name, pw, out);

	if (strncmp(got, want, strlen(want)) != 0)
		fail_msg("%s$%s: want %s..., got %s", verb, name, want, got);
	free(got);
}

/* A connection logged in as name (registered first if reg). */
static struct testcli *
account_user(struct testsrv *srv, const char *ip, const char *name, int reg)
{
	struct testcli *c = ext_conn(srv, ip);

	expect_reply(
	    c, reg ? "register" : "login", name, PW, "login_end$", NULL);
	testcli_set_label(c, name);
	return c;
}

/* Index of the first line of l starting with prefix, or -1. */
static long
find_line(const struct testcli_lines *l, const char *prefix)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strncmp(l->line[i], prefix, strlen(prefix)) == 0)
			return (long)i;
	return -1;
}

/* The id in "created$<id>$<name>" of a channel name creates. */
static void
create_chan(
    struct testcli *c, const char *uid, const char *name, char *id, size_t size)
{
	const char *line, *dollar;

	testcli_sendf(c, "create_chan$%s$%s", uid, name);
	line = testcli_expect_prefix(c, "created$");
	dollar = strchr(line + 8, '$');
	assert_non_null(dollar);
	snprintf(id, size, "%.*s", (int)(dollar - line - 8), line + 8);
	testcli_sync(c, NULL);
}

/* The uid from the lines of a login: "registered$<uid>$<name>". */
static void
uid_of(const struct testcli_lines *l, char *uid, size_t size)
{
	long i = find_line(l, "registered$");
	const char *p, *d;

	assert_true(i >= 0);
	p = l->line[i] + 11;
	d = strchr(p, '$');
	assert_non_null(d);
	snprintf(uid, size, "%.*s", (int)(d - p), p);
}

/* A login for an account that exists: the uid the server gave. */
static struct testcli *
login_uid(struct testsrv *srv, const char *ip, const char *name, char *uid,
    size_t size, struct testcli_lines *lines, const char *want_end)
{
	struct testcli *c = ext_conn(srv, ip);
	struct testcli_lines l = {NULL, 0, 0};

	expect_reply(c, "login", name, PW, want_end, &l);
	uid_of(&l, uid, size);
	if (lines != NULL)
		*lines = l;
	else
		testcli_lines_free(&l);
	testcli_set_label(c, name);
	return c;
}

/*
 * register, kill -9, login: the account, its channel and the sequence
 * survive; a wrong password and a second register do not pass.
 */
static void
test_register_kill_login(void **state)
{
	struct fix *f = *state;
	struct testsrv *srv = start(f, 1);
	struct testcli *a = ext_conn(srv, NULL), *b;
	struct testcli_lines l = {NULL, 0, 0};
	char uid[80], id[64], *end;
	const char *line;

	testcli_sendf(a, "register$alice$%s", PW);
	testcli_expect(a, "account$alice$logged_in");
	line = testcli_expect_prefix(a, "registered$");
	snprintf(uid, sizeof(uid), "%s", testcli_local(a));
	assert_true(strncmp(line + 11, uid, strlen(uid)) == 0);
	testcli_expectf(a, "joined$%s$personal$1$~alice", uid);
	testcli_expectf(a, "names$%s$alice", uid);
	testcli_expectf(a, "names_end$%s$1", uid);
	testcli_expectf(a, "history_end$%s$0", uid);
	testcli_expect(a, "login_end$0$0$0");
	create_chan(a, uid, "#rust", id, sizeof(id));
	testcli_sendf(a, "send_msg$%s$#rust$kept", uid);
	testcli_expect_prefix(a, "msg$");
	testcli_sync(a, NULL);

	assert_int_equal(testsrv_kill(srv, SIGKILL), 0);
	assert_int_equal(testsrv_wait(srv, 10000), 128 + SIGKILL);
	/* a goes with its server. */
	testsrv_free(srv);
	f->srv = NULL;
	srv = start(f, 1);

	b = ext_conn(srv, NULL);
	expect_reply(
	    b, "login", "alice", "wrong password", "error$bad_login$", NULL);
	expect_reply(b, "register", "alice", PW, "error$account_exists$", NULL);
	/* Any spelling of the name finds the account; its own comes back. */
	end = account_cmd(b, "login", "ALICE", PW, &l);
	assert_string_equal(end, "login_end$1$0$0");
	free(end);
	assert_string_equal(l.line[0], "account$alice$logged_in");
	assert_true(find_line(&l, "registered$") == 1);
	assert_true(strstr(l.line[1], "$alice") != NULL);
	assert_true(find_line(&l, "joined$") >= 0);
	{
		char want[128];

		snprintf(want, sizeof(want), "joined$%s$channel$1$#rust", id);
		assert_true(find_line(&l, want) >= 0);
		snprintf(want, sizeof(want), "msg$%s$1$", id);
		assert_true(find_line(&l, want) >= 0);
	}
	testcli_lines_free(&l);
	expect_reply(
	    b, "login", "alice", PW, "error$already_registered$", NULL);
	testcli_free(b);
}

/* passwd: the new password works, the old one no longer. */
static void
test_passwd(void **state)
{
	struct fix *f = *state;
	struct testsrv *srv = start(f, 1);
	struct testcli *a = account_user(srv, NULL, "alice", 1), *b;
	struct testcli *g = testcli_ext_user(srv, "guest");

	testcli_sendf(g, "passwd$%s$%s", testcli_uid(g), PW2);
	testcli_expect_prefix(g, "error$not_logged_in$passwd$");
	testcli_sendf(a, "passwd$%s$short", testcli_local(a));
	testcli_expect_prefix(a, "error$bad_password$passwd$");
	testcli_sendf(a, "passwd$%s$%s", testcli_local(a), PW2);
	testcli_expect(a, "account$alice$password_changed");
	b = ext_conn(srv, NULL);
	expect_reply(b, "login", "alice", PW, "error$bad_login$", NULL);
	expect_reply(b, "login", "alice", PW2, "login_end$", NULL);
	testcli_free(b);
	testcli_free(g);
	testcli_free(a);
}

/*
 * A registered name is reserved: a guest's reg or nick to it is refused
 * (extended: name_reserved; base mode: exactly what a taken name gets),
 * and a logged-in user keeps its name.
 */
static void
test_reserved_names(void **state)
{
	struct fix *f = *state;
	struct testsrv *srv = start(f, 1);
	struct testcli *a = account_user(srv, NULL, "alice", 1);
	struct testcli *bob = testcli_base_user(srv, "bob"), *g, *base;
	char taken[256], reserved[256];
	const char *line;

	testcli_free(a);
	g = ext_conn(srv, NULL);
	testcli_sendf(g, "reg$alice");
	testcli_expect_prefix(g, "error$name_reserved$reg$");
	testcli_sendf(g, "reg$ALlCE");
	testcli_expect_prefix(g, "error$name_reserved$reg$");
	testcli_ext_reg(g, "carol");
	testcli_sendf(g, "nick$%s$alice", testcli_uid(g));
	testcli_expect_prefix(g, "error$name_reserved$nick$");
	/* Base mode: the line a taken name gets, name for name. */
	base = testcli_open(srv);
	testcli_expect_welcome(base);
	testcli_sendf(base, "reg$bob");
	line = testcli_read(base);
	assert_non_null(line);
	snprintf(taken, sizeof(taken), "%s", line);
	testcli_sendf(base, "reg$alice");
	line = testcli_read(base);
	assert_non_null(line);
	snprintf(reserved, sizeof(reserved), "%s", line);
	assert_true(strncmp(taken, "$$error: name_taken: ", 21) == 0);
	/* Only the echoed name differs. */
	assert_non_null(strrchr(taken, ':'));
	assert_non_null(strrchr(reserved, ':'));
	assert_string_equal(strrchr(taken, ':'), ": bob");
	assert_string_equal(strrchr(reserved, ':'), ": alice");
	*strrchr(taken, ':') = '\0';
	*strrchr(reserved, ':') = '\0';
	assert_string_equal(taken, reserved);
	testcli_free(base);
	/* Logged in, the name is the account's. */
	a = account_user(srv, NULL, "alice", 0);
	testcli_sendf(a, "nick$%s$alicia", testcli_local(a));
	testcli_expect_prefix(a, "error$account_name$nick$");
	testcli_free(a);
	testcli_free(g);
	testcli_free(bob);
}

/* Without --allow-plaintext-login no password crosses plaintext. */
static void
test_plaintext_refused(void **state)
{
	struct fix *f = *state;
	struct testsrv *srv = start(f, 0);
	struct testcli *c = ext_conn(srv, NULL);

	expect_reply(c, "register", "alice", PW, "error$tls_required$", NULL);
	expect_reply(c, "login", "alice", PW, "error$tls_required$", NULL);
	/* The connection stays: reg still works. */
	testcli_ext_reg(c, "alice");
	testcli_free(c);
}

/*
 * Reads lines of a TLS connection (blocking, with a timeout) until one
 * starts with "login_end$" or "error$": 1 for login_end, 0 for an error.
 */
static int
tls_login_reply(SSL *ssl)
{
	static char buf[16384];
	size_t len = 0, n;
	char *lf;

	for (;;) {
		while ((lf = memchr(buf, '\n', len)) != NULL) {
			size_t k = (size_t)(lf - buf) + 1;
			int end = strncmp(buf, "login_end$", 10) == 0;
			int err = strncmp(buf, "error$", 6) == 0;

			if (end || err)
				return end;
			memmove(buf, buf + k, len - k);
			len -= k;
		}
		assert_true(len < sizeof(buf));
		if (SSL_read_ex(ssl, buf + len, sizeof(buf) - len, &n) != 1)
			fail_msg("TLS connection ended before the login's end");
		len += n;
	}
}

/* Over TLS a password is taken without --allow-plaintext-login. */
static void
test_register_over_tls(void **state)
{
	struct fix *f = *state;
	const char *const args[] = {"--db", f->db, "--tls-listen",
	    "127.0.0.1:0", "--tls-self-signed", NULL};
	struct timeval tv = {LOGIN_WAIT_MS / 1000, 0};
	struct sockaddr_in sa;
	struct testcli *plain;
	SSL_CTX *ctx;
	SSL *ssl;
	char line[128];
	int fd, n;

	setenv("STATE_DIRECTORY", f->dir, 1);
	f->srv = testsrv_start(args);
	unsetenv("STATE_DIRECTORY");
	assert_non_null(f->srv);
	plain = ext_conn(f->srv, NULL);
	expect_reply(
	    plain, "register", "alice", PW, "error$tls_required$", NULL);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)testsrv_tls_port(f->srv));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(ctx);
	ssl = SSL_new(ctx);
	assert_non_null(ssl);
	SSL_set_fd(ssl, fd);
	/* The certificate is self-signed: this test pins nothing. */
	assert_int_equal(SSL_connect(ssl), 1);
	n = snprintf(line, sizeof(line), "hello$1\nregister$alice$%s\n", PW);
	assert_true(SSL_write(ssl, line, n) == n);
	assert_true(tls_login_reply(ssl));
	/* The plaintext port still refuses, now a login. */
	expect_reply(plain, "login", "alice", PW, "error$tls_required$", NULL);
	(void)SSL_shutdown(ssl);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	testcli_free(plain);
}

/* Without a database there are no accounts. */
static void
test_accounts_off(void **state)
{
	struct testsrv *srv = testsrv_startl("--allow-plaintext-login", NULL);
	struct testcli *c;

	assert_non_null(srv);
	c = ext_conn(srv, NULL);
	expect_reply(c, "register", "alice", PW, "error$accounts_off$", NULL);
	expect_reply(c, "login", "alice", PW, "error$accounts_off$", NULL);
	testcli_free(c);
	testsrv_free(srv);
}

/*
 * Five failures a minute per address, then login_limited, even with the
 * right password; another address may still log in, until the account
 * itself has five failures.
 */
static void
test_login_limit(void **state)
{
	struct fix *f = *state;
	struct testsrv *srv = start(f, 1);
	struct testcli *a = account_user(srv, NULL, "alice", 1), *c;
	char ip[32], name[32];
	int i;

	testcli_free(a);
	c = ext_conn(srv, "127.0.0.2");
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "nobody%d", i);
		expect_reply(c, "login", name, PW, "error$bad_login$", NULL);
	}
	expect_reply(c, "login", "alice", PW, "error$login_limited$", NULL);
	testcli_free(c);
	/* The same address on a new connection is still limited. */
	c = ext_conn(srv, "127.0.0.2");
	expect_reply(c, "login", "alice", PW, "error$login_limited$", NULL);
	testcli_free(c);
	/* Another address is not, until the account's own count is full. */
	for (i = 0; i < 5; i++) {
		snprintf(ip, sizeof(ip), "127.0.0.%d", 3 + i);
		c = ext_conn(srv, ip);
		if (i == 0)
			expect_reply(
			    c, "login", "alice", PW, "login_end$", NULL);
		else
			expect_reply(
			    c, "login", "alice", PW2, "error$bad_login$", NULL);
		testcli_free(c);
	}
	c = ext_conn(srv, "127.0.0.9");
	expect_reply(c, "login", "alice", PW2, "error$bad_login$", NULL);
	expect_reply(c, "login", "alice", PW, "error$login_limited$", NULL);
	testcli_free(c);
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/*
 * A wrong password for a known name and any password for an unknown one
 * take as long: both cost one verify.  Medians of each, compared with a
 * generous factor; each try from its own address, under the limit.
 */
static void
test_unknown_name_timing(void **state)
{
	struct fix *f = *state;
	struct testsrv *srv = start(f, 1);
	long long known[TIMING_SAMPLES], unknown[TIMING_SAMPLES], t0, mk, mu;
	char ip[32], name[32];
	struct testcli *c;
	int i;

	for (i = 0; i < TIMING_SAMPLES / 2; i++) {
		snprintf(name, sizeof(name), "known%d", i);
		testcli_free(account_user(srv, NULL, name, 1));
	}
	for (i = 0; i < 2 * TIMING_SAMPLES; i++) {
		snprintf(ip, sizeof(ip), "127.0.1.%d", 1 + i);
		if (i % 2 == 0)
			snprintf(name, sizeof(name), "known%d", i / 4);
		else
			snprintf(name, sizeof(name), "unknown%d", i);
		c = ext_conn(srv, ip);
		t0 = testsrv_now_ms();
		expect_reply(c, "login", name, PW2, "error$bad_login$", NULL);
		if (i % 2 == 0)
			known[i / 2] = testsrv_now_ms() - t0;
		else
			unknown[i / 2] = testsrv_now_ms() - t0;
		testcli_free(c);
	}
	qsort(known, TIMING_SAMPLES, sizeof(known[0]), cmp_ll);
	qsort(unknown, TIMING_SAMPLES, sizeof(unknown[0]), cmp_ll);
	mk = known[TIMING_SAMPLES / 2];
	mu = unknown[TIMING_SAMPLES / 2];
	fprintf(stderr, "failed login median: known %lld ms, unknown %lld ms\n",
	    mk, mu);
	/* A missing dummy verify would make unknown names answer at once. */
	assert_true((double)(mk + 1) <= TIMING_FACTOR * (double)(mu + 1));
	assert_true((double)(mu + 1) <= TIMING_FACTOR * (double)(mk + 1));
}

/*
 * Two connections of one account: one user (the others see one join and
 * no quit until the last goes), joins and channel lines reach both, and
 * a marker set on either reaches both; a third login gets it.
 */
static void
test_two_connections_markers(void **state)
{
	struct fix *f = *state;
	struct testsrv *srv = start(f, 1);
	struct testcli *a1 = account_user(srv, NULL, "alice", 1), *a2, *a3;
	struct testcli *bob = testcli_ext_user(srv, "bob");
	struct testcli_lines l = {NULL, 0, 0};
	char uid1[80], uid2[80], uid3[80], id[64], want[160];
	const char *line;

	snprintf(uid1, sizeof(uid1), "%s", testcli_local(a1));
	create_chan(a1, uid1, "#rust", id, sizeof(id));
	testcli_sendf(bob, "join$%s$#rust", testcli_uid(bob));
	testcli_expect_prefix(bob, "joined$");
	testcli_sync(bob, NULL);
	testcli_sync(a1, NULL);

	a2 = login_uid(
	    srv, NULL, "alice", uid2, sizeof(uid2), &l, "login_end$1$0$0");
	/* Its own address as uid; the channel's join sequence. */
	assert_string_equal(uid2, testcli_local(a2));
	snprintf(want, sizeof(want), "joined$%s$channel$2$#rust", id);
	assert_true(find_line(&l, want) >= 0);
	testcli_lines_free(&l);
	/* bob saw nothing of the second connection. */
	testcli_expect_quiet(bob);

	/* A line from a2 reaches a1, a2 and bob. */
	testcli_sendf(a2, "send_msg$%s$%s$from two", uid2, id);
	snprintf(want, sizeof(want), "msg$%s$1$", id);
	testcli_expect_prefix(a1, want);
	testcli_expect_prefix(a2, want);
	testcli_expect_prefix(bob, want);
	/* The marker: to both, the sender's being its reply. */
	testcli_sendf(a1, "mark_read$%s$#rust$1", uid1);
	testcli_expectf(a1, "marker$%s$1", id);
	testcli_expectf(a2, "marker$%s$1", id);
	/* Lower is ignored, answered with the current one. */
	testcli_sendf(a2, "mark_read$%s$%s$0", uid2, id);
	testcli_expectf(a2, "marker$%s$1", id);
	testcli_expectf(a1, "marker$%s$1", id);
	/* The uid is each connection's own. */
	testcli_sendf(a2, "mark_read$%s$%s$1", uid1, id);
	testcli_expect_prefix(a2, "error$bad_uid$");
	testcli_sendf(bob, "mark_read$%s$%s$1", testcli_uid(bob), id);
	testcli_expect_prefix(bob, "error$not_logged_in$");

	/* A join on one connection opens the channel on the other. */
	testcli_sendf(bob, "create_chan$%s$#go", testcli_uid(bob));
	testcli_expect_prefix(bob, "created$");
	testcli_sync(bob, NULL);
	testcli_sendf(a1, "join$%s$#go", uid1);
	testcli_expect_prefix(a1, "joined$");
	testcli_sync(a1, NULL);
	line = testcli_expect_prefix(a2, "joined$");
	assert_non_null(strstr(line, "#go"));
	testcli_sync(a2, NULL);
	testcli_sync(bob, NULL);

	/* A third device gets the marker in its login. */
	a3 = login_uid(
	    srv, NULL, "alice", uid3, sizeof(uid3), &l, "login_end$2$0$1");
	snprintf(want, sizeof(want), "marker$%s$1", id);
	assert_true(find_line(&l, want) >= 0);
	testcli_lines_free(&l);

	/* Connections go: nobody hears until the last. */
	testcli_free(a1);
	testcli_free(a3);
	testcli_expect_quiet(bob);
	testcli_free(a2);
	line = testcli_expect_prefix(bob, "quit$");
	assert_non_null(strstr(line, "$alice$"));
	testcli_free(bob);
}

/* DMs to an account with no connection wait for its login: in order, once. */
static void
test_offline_dms(void **state)
{
	struct fix *f = *state;
	struct testsrv *srv = start(f, 1);
	struct testcli *a = account_user(srv, NULL, "alice", 1);
	struct testcli *b = account_user(srv, NULL, "bob", 1);
	struct testcli *g = testcli_ext_user(srv, "guest");
	struct testcli_lines l = {NULL, 0, 0};
	char uid[80];
	const char *line;
	long i;

	testcli_free(b);
	testcli_sync(a, NULL);
	testcli_sendf(a, "dm$%s$bob$one $", testcli_local(a));
	testcli_expect_prefix(a, "dm$");
	testcli_sendf(a, "dm_act$%s$BOB$waves", testcli_local(a));
	line = testcli_expect_prefix(a, "dm_act$");
	/* The account's own spelling. */
	assert_non_null(strstr(line, "$alice$bob$waves"));
	testcli_sendf(a, "dm$%s$bob$three", testcli_local(a));
	testcli_expect_prefix(a, "dm$");
	/* A guest may not leave messages. */
	testcli_sendf(g, "dm$%s$bob$spam", testcli_uid(g));
	testcli_expect_prefix(g, "error$no_such_user$dm$");

	b = login_uid(
	    srv, NULL, "bob", uid, sizeof(uid), &l, "login_end$0$3$0");
	i = find_line(&l, "dm$");
	assert_true(i >= 0 && (size_t)i + 2 < l.n);
	assert_non_null(strstr(l.line[i], "$alice$bob$one $"));
	assert_non_null(strstr(l.line[i + 1], "dm_act$"));
	assert_non_null(strstr(l.line[i + 1], "$alice$bob$waves"));
	assert_non_null(strstr(l.line[i + 2], "$alice$bob$three"));
	testcli_lines_free(&l);
	testcli_free(b);
	/* Once: the next login has none. */
	b = login_uid(
	    srv, NULL, "bob", uid, sizeof(uid), NULL, "login_end$0$0$0");
	testcli_free(b);
	testcli_free(g);
	testcli_free(a);
}

/* Messages kept for one account at most (CHAT_DM_QUEUE_MAX). */
#define DM_QUEUE_MAX 1000

/* 1000 messages wait for an account at most; all of them arrive. */
static void
test_dm_queue_full(void **state)
{
	struct fix *f = *state;
	struct testsrv *srv = start(f, 1);
	struct testcli *a = account_user(srv, NULL, "alice", 1);
	struct testcli *b = account_user(srv, NULL, "bob", 1);
	struct testcli_lines l = {NULL, 0, 0};
	char uid[80], end[64];
	int i;

	testcli_free(b);
	testcli_sync(a, NULL);
	for (i = 0; i < DM_QUEUE_MAX; i++) {
		testcli_sendf(a, "dm$%s$bob$n%d", testcli_local(a), i);
		testcli_expect_prefix(a, "dm$");
	}
	testcli_sendf(a, "dm$%s$bob$one too many", testcli_local(a));
	testcli_expect_prefix(a, "error$dm_queue_full$dm$");
	snprintf(end, sizeof(end), "login_end$0$%d$0", DM_QUEUE_MAX);
	b = login_uid(srv, NULL, "bob", uid, sizeof(uid), &l, end);
	assert_true(strstr(l.line[l.n - 1], "$alice$bob$n999") != NULL);
	testcli_lines_free(&l);
	testcli_free(b);
	testcli_free(a);
}

/* The storm's clients, read together. */
struct storm {
	struct testcli *c[STORM];
	int done[STORM];
	int ndone;
};

/* Reads what has come on every storm client; counts login_end lines. */
static void
storm_read(struct storm *st)
{
	int i;

	for (i = 0; i < STORM; i++) {
		const char *line;

		while (!st->done[i] &&
		    (line = testcli_read_within(st->c[i], 0)) != NULL) {
			if (strncmp(line, "error$", 6) == 0)
				fail_msg("storm login %d: %s", i, line);
			if (strncmp(line, "login_end$", 10) == 0) {
				st->done[i] = 1;
				st->ndone++;
			}
		}
	}
}

/*
 * 200 logins at once, hashed on the worker threads: a guest's pings keep
 * coming back fast meanwhile, so the loop never waits for a hash.  Also
 * reports the median of single logins.
 */
static void
test_login_storm(void **state)
{
	struct fix *f = *state;
	struct testsrv *srv;
	struct storm *st;
	struct testcli *g, *c;
	long long t0, start_ms, rtt, max_rtt = 0, p50[P50_LOGINS], storm_ms;
	int i, pings = 0;

	/* Under valgrind 200 argon2id hashes of 19 MiB take many minutes,
	 * and the round trips it measures are valgrind's. */
	if (getenv("TXT_VALGRIND") != NULL) {
		print_message("# skipped: a timing test, not under valgrind\n");
		skip();
	}
	srv = start(f, 1);
	st = calloc(1, sizeof(*st));
	assert_non_null(st);
	testcli_free(account_user(srv, NULL, "storm", 1));
	for (i = 0; i < P50_LOGINS; i++) {
		c = ext_conn(srv, NULL);
		t0 = testsrv_now_ms();
		expect_reply(c, "login", "storm", PW, "login_end$", NULL);
		p50[i] = testsrv_now_ms() - t0;
		testcli_free(c);
	}
	qsort(p50, P50_LOGINS, sizeof(p50[0]), cmp_ll);

	g = testcli_ext_user(srv, "guest");
	for (i = 0; i < STORM; i++) {
		st->c[i] = testcli_open(srv);
		testcli_expect_welcome(st->c[i]);
	}
	start_ms = testsrv_now_ms();
	for (i = 0; i < STORM; i++)
		testcli_sendf(st->c[i], "hello$1\nlogin$storm$%s", PW);
	while (st->ndone < STORM) {
		assert_true(testsrv_now_ms() - start_ms < 120000);
		t0 = testsrv_now_ms();
		testcli_sync(g, NULL);
		rtt = testsrv_now_ms() - t0;
		if (rtt > max_rtt)
			max_rtt = rtt;
		pings++;
		storm_read(st);
		testsrv_sleep_ms(5);
	}
	storm_ms = testsrv_now_ms() - start_ms;
	fprintf(stderr,
	    "login p50 %lld ms (min %lld, max %lld); storm of %d logins: "
	    "%lld ms, %d guest pings, slowest round trip %lld ms\n",
	    p50[P50_LOGINS / 2], p50[0], p50[P50_LOGINS - 1], STORM, storm_ms,
	    pings, max_rtt);
	assert_true(max_rtt < STORM_RTT_MAX_MS);
	for (i = 0; i < STORM; i++)
		testcli_free(st->c[i]);
	testcli_free(g);
	free(st);
}

/* Reads c's lines up to "history_end$<id>$"; fails the test without it. */
static void
read_to_history_end(struct testcli *c, const char *id)
{
	char want[96];
	const char *line;

	snprintf(want, sizeof(want), "history_end$%s$", id);
	while ((line = testcli_read(c)) != NULL) {
		if (strncmp(line, want, strlen(want)) == 0)
			return;
	}
	fail_msg("no %s", want);
}

/*
 * An account's first connection goes while another stays: the account
 * takes the other's uid, its personal channel the same id (its guests are
 * told it closed; the device gets it again), and the old uid is free for
 * whoever connects from that port next.  Away stays with the account,
 * and a device that logs in later is told it.
 */
static void
test_first_connection_goes(void **state)
{
	struct fix *f = *state;
	struct testsrv *srv = start(f, 1);
	/* Bound before connect (with SO_REUSEADDR), so that its port can be
	 * bound again: one the kernel picked at connect may not be. */
	struct testcli *a1 = account_user(srv, "127.0.0.1", "alice", 1), *a2,
	               *a3;
	struct testcli *bob = testcli_ext_user(srv, "bob"), *carol;
	struct testcli_lines l = {NULL, 0, 0};
	char uid1[80], uid2[80], uid3[80], want[200];
	int port1;

	snprintf(uid1, sizeof(uid1), "%s", testcli_local(a1));
	port1 = atoi(strrchr(uid1, ':') + 1);
	a2 = login_uid(
	    srv, NULL, "alice", uid2, sizeof(uid2), &l, "login_end$0$0$0");
	assert_string_equal(uid2, testcli_local(a2));
	/* The personal channel is one: its id is the account's uid, its first
	 * connection's. */
	snprintf(want, sizeof(want), "joined$%s$personal$1$~alice", uid1);
	assert_true(find_line(&l, want) >= 0);
	testcli_lines_free(&l);
	testcli_sendf(bob, "join$%s$%s", testcli_uid(bob), uid1);
	read_to_history_end(bob, uid1);
	testcli_sync(bob, NULL);
	testcli_sync(a1, NULL);
	testcli_sync(a2, NULL);
	testcli_sendf(a1, "away$%s$lunch", uid1);
	testcli_expect(a1, "away$alice$lunch");
	testcli_expect(a2, "away$alice$lunch");
	testcli_sync(a1, NULL);
	testcli_sync(a2, NULL);
	testcli_sync(bob, NULL);

	/* A reset leaves no TIME_WAIT: the port is free at once. */
	testcli_reset(a1);
	snprintf(want, sizeof(want), "closed$%s$", uid1);
	testcli_expect_prefix(bob, want);
	testcli_expect_prefix(a2, want);
	testcli_expectf(a2, "joined$%s$personal$1$~alice", uid2);
	read_to_history_end(a2, uid2);
	testcli_expect_quiet(a2);
	testcli_expect_quiet(bob);
	/* The new id is the channel's; the old one is nobody's. */
	testcli_sendf(a2, "send_msg$%s$%s$still here", uid2, uid2);
	snprintf(want, sizeof(want), "msg$%s$1$", uid2);
	testcli_expect_prefix(a2, want);
	testcli_sendf(bob, "join$%s$%s", testcli_uid(bob), uid1);
	testcli_expect_prefix(bob, "error$no_such_channel$");

	/* Away is the account's: bob's DM still gets the reply. */
	testcli_sendf(bob, "dm$%s$alice$hi", testcli_uid(bob));
	testcli_expect_prefix(a2, "dm$");
	testcli_expect_prefix(bob, "dm$");
	testcli_expect(bob, "away$alice$lunch");
	/* A device logging in now is told it is away. */
	a3 = login_uid(
	    srv, NULL, "alice", uid3, sizeof(uid3), &l, "login_end$0$0$0");
	assert_true(find_line(&l, "away$alice$lunch") >= 0);
	snprintf(want, sizeof(want), "joined$%s$personal$1$~alice", uid2);
	assert_true(find_line(&l, want) >= 0);
	testcli_lines_free(&l);

	/* A new guest from the first connection's port gets its uid. */
	carol = testcli_connect_port(srv, NULL, port1);
	assert_non_null(carol);
	assert_string_equal(testcli_local(carol), uid1);
	testcli_ext_hello(carol);
	assert_string_equal(testcli_ext_reg(carol, "carol"), uid1);
	testcli_free(carol);
	testcli_free(a3);
	testcli_free(a2);
	testcli_free(bob);
}

/*
 * The same when the account had left its personal channel: it moves, and
 * the devices are not made to join it again.
 */
static void
test_first_goes_after_leaving_own(void **state)
{
	struct fix *f = *state;
	struct testsrv *srv = start(f, 1);
	struct testcli *a1 = account_user(srv, NULL, "alice", 1), *a2;
	struct testcli_lines l = {NULL, 0, 0};
	char uid1[80], uid2[80], want[200];

	snprintf(uid1, sizeof(uid1), "%s", testcli_local(a1));
	a2 = login_uid(
	    srv, NULL, "alice", uid2, sizeof(uid2), &l, "login_end$0$0$0");
	testcli_lines_free(&l);
	testcli_sendf(a1, "leave$%s$%s", uid1, uid1);
	testcli_sync(a1, NULL);
	testcli_sync(a2, NULL);
	testcli_free(a1);
	/* Nothing for a2, which still acts under its own uid. */
	testcli_expect_quiet(a2);
	testcli_sendf(a2, "join$%s$%s", uid2, uid2);
	snprintf(want, sizeof(want), "joined$%s$personal$1$~alice", uid2);
	testcli_expect(a2, want);
	read_to_history_end(a2, uid2);
	testcli_free(a2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_register_kill_login, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_passwd, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_reserved_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plaintext_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_register_over_tls, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_accounts_off, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_login_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_unknown_name_timing, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_two_connections_markers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_offline_dms, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_dm_queue_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_login_storm, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_first_connection_goes, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_first_goes_after_leaving_own, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
