/* it_tls_link.c: the client's link with tls:// against txt-chatd's TLS port. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "link.h"
#include "testsrv.h"
#include "tls.h"
#include "transport_tls.h"

/* Ms the loop may run before a test counts as hung. */
#define GUARD_MS 20000

struct fx {
	char dir[64], cert[96], key[96];
	char fp[TRANSPORT_TLS_FP_MAX];
	char seen_fp[TLS_FP_MAX];
	char seen_hostport[64];
	const char *refuse; /* what verify() answers */
	int verified, connected, closed, lines, timed_out;
	char last[256], why[128];
	uv_loop_t loop;
	uv_timer_t guard;
	struct link *link;
	struct testsrv *srv;
};

static void
guard_cb(uv_timer_t *t)
{
	struct fx *f = t->data;

	f->timed_out = 1;
}

static void
on_connected(void *ctx)
{
	struct fx *f = ctx;

	f->connected++;
}

static void
on_line(void *ctx, const char *line, size_t len)
{
	struct fx *f = ctx;

	f->lines++;
	snprintf(f->last, sizeof(f->last), "%.*s", (int)len, line);
}

static void
on_closed(void *ctx, const char *why)
{
	struct fx *f = ctx;

	f->closed++;
	snprintf(f->why, sizeof(f->why), "%s", why);
}

static const char *
on_verify(void *ctx, const char *hostport, const char *fp, int ca_ok)
{
	struct fx *f = ctx;

	f->verified++;
	assert_false(ca_ok);
	snprintf(f->seen_fp, sizeof(f->seen_fp), "%s", fp);
	snprintf(f->seen_hostport, sizeof(f->seen_hostport), "%s", hostport);
	return f->refuse;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct link_cb cb = {0};
	char err[256];
	const char *args[] = {"-v", "--tls-listen", "127.0.0.1:0", "--tls-cert",
	    NULL, "--tls-key", NULL, NULL};
	struct ssl_ctx_st *ctx;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/it_tls_link.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->cert, sizeof(f->cert), "%s/cert.pem", f->dir);
	snprintf(f->key, sizeof(f->key), "%s/key.pem", f->dir);
	assert_int_equal(
	    transport_tls_self_signed(f->cert, f->key, err, sizeof(err)), 1);
	ctx = transport_tls_new(f->cert, f->key, err, sizeof(err));
	assert_non_null(ctx);
	assert_int_equal(
	    transport_tls_fingerprint(ctx, f->fp, sizeof(f->fp)), 0);
	transport_tls_free(ctx);
	args[4] = f->cert;
	args[6] = f->key;
	f->srv = testsrv_start(args);
	assert_non_null(f->srv);
	assert_int_equal(uv_loop_init(&f->loop), 0);
	assert_int_equal(uv_timer_init(&f->loop, &f->guard), 0);
	f->guard.data = f;
	assert_int_equal(uv_timer_start(&f->guard, guard_cb, GUARD_MS, 0), 0);
	cb.ctx = f;
	cb.connected = on_connected;
	cb.line = on_line;
	cb.closed = on_closed;
	cb.verify = on_verify;
	f->link = link_new(&f->loop, &cb);
	assert_non_null(f->link);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	link_free(f->link);
	uv_close((uv_handle_t *)&f->guard, NULL);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	testsrv_free(f->srv);
	unlink(f->cert);
	unlink(f->key);
	rmdir(f->dir);
	free(f);
	return 0;
}

#define RUN_UNTIL(f, expr)                                                     \
	do {                                                                   \
		while (!(expr) && !(f)->timed_out)                             \
			uv_run(&(f)->loop, UV_RUN_ONCE);                       \
		assert_false((f)->timed_out);                                  \
	} while (0)

/*
 * tls:// connects, the owner sees the certificate the server logs, and
 * lines go both ways: the server's greeting, then the answer to reg.
 */
static void
test_tls_lines(void **state)
{
	struct fx *f = *state;
	char hp[64];
	int port = testsrv_tls_port(f->srv);

	snprintf(hp, sizeof(hp), "tls://127.0.0.1:%d", port);
	assert_int_equal(link_connect(f->link, hp), 0);
	RUN_UNTIL(f, f->connected == 1 || f->closed > 0);
	assert_int_equal(f->closed, 0);
	assert_int_equal(f->verified, 1);
	assert_string_equal(f->seen_fp, f->fp);
	snprintf(hp, sizeof(hp), "127.0.0.1:%d", port);
	assert_string_equal(f->seen_hostport, hp);
	/* The greeting: the welcome line and an empty one. */
	RUN_UNTIL(f, f->lines >= 2);
	assert_string_equal(f->last, "");
	assert_int_equal(link_send(f->link, "reg$alice\n", 10), 0);
	/* The answer is the new user's id. */
	RUN_UNTIL(f, f->lines >= 3);
	assert_true(strlen(f->last) > 0);
	link_close(f->link);
}

/* verify() refusing ends the connection with its reason, never connected. */
static void
test_tls_refused(void **state)
{
	struct fx *f = *state;
	char hp[64];

	f->refuse = "fingerprint changed";
	snprintf(
	    hp, sizeof(hp), "tls://127.0.0.1:%d", testsrv_tls_port(f->srv));
	assert_int_equal(link_connect(f->link, hp), 0);
	RUN_UNTIL(f, f->closed > 0);
	assert_int_equal(f->verified, 1);
	assert_int_equal(f->connected, 0);
	assert_string_equal(f->why, "fingerprint changed");
	assert_false(link_is_connected(f->link));
}

/* A plaintext port behind tls:// fails the handshake, it does not hang. */
static void
test_tls_to_plain_port(void **state)
{
	struct fx *f = *state;
	char hp[64];

	snprintf(hp, sizeof(hp), "tls://127.0.0.1:%d", testsrv_port(f->srv));
	assert_int_equal(link_connect(f->link, hp), 0);
	RUN_UNTIL(f, f->closed > 0);
	assert_int_equal(f->verified, 0);
	assert_int_equal(f->connected, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_tls_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tls_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_tls_to_plain_port, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
