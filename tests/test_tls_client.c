/* test_tls_client.c: tui/tls.c against an in-memory server, no sockets. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include "tls.h"
#include "transport_tls.h"

/* A server SSL on memory BIOs, with a self-signed certificate in dir. */
struct fix {
	char dir[64], cert[96], key[96];
	char fp[TRANSPORT_TLS_FP_MAX];
	SSL_CTX *ctx;
	SSL *srv;
	BIO *srv_in, *srv_out;
	struct tls *cli;
};

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_tls_client.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->cert, sizeof(f->cert), "%s/cert.pem", f->dir);
	snprintf(f->key, sizeof(f->key), "%s/key.pem", f->dir);
	assert_int_equal(
	    transport_tls_self_signed(f->cert, f->key, err, sizeof(err)), 1);
	f->ctx = transport_tls_new(f->cert, f->key, err, sizeof(err));
	assert_non_null(f->ctx);
	assert_int_equal(
	    transport_tls_fingerprint(f->ctx, f->fp, sizeof(f->fp)), 0);
	f->srv = SSL_new(f->ctx);
	f->srv_in = BIO_new(BIO_s_mem());
	f->srv_out = BIO_new(BIO_s_mem());
	assert_non_null(f->srv);
	BIO_set_mem_eof_return(f->srv_in, -1);
	SSL_set_bio(f->srv, f->srv_in, f->srv_out);
	SSL_set_accept_state(f->srv);
	f->cli = tls_new("localhost", err, sizeof(err));
	assert_non_null(f->cli);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	char path[128];

	tls_free(f->cli);
	SSL_free(f->srv);
	transport_tls_free(f->ctx);
	unlink(f->cert);
	unlink(f->key);
	snprintf(path, sizeof(path), "%s/txt-chat/known_servers", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/txt-chat", f->dir);
	rmdir(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/*
 * Moves ciphertext both ways, step bytes at a time into the client (0:
 * all at once), and runs both handshakes, until nothing moves.
 */
static void
pump(struct fix *f, size_t step)
{
	char buf[16384];
	int moved = 1, rounds = 0;

	while (moved && rounds++ < 100000) {
		size_t n, i;
		int r;

		moved = 0;
		(void)tls_handshake(f->cli);
		n = tls_take(f->cli, buf, sizeof(buf));
		if (n > 0) {
			assert_int_equal(
			    BIO_write(f->srv_in, buf, (int)n), (int)n);
			moved = 1;
		}
		if (!SSL_is_init_finished(f->srv)) {
			r = SSL_do_handshake(f->srv);
			assert_true(r == 1 ||
			    SSL_get_error(f->srv, r) == SSL_ERROR_WANT_READ);
		}
		r = BIO_read(f->srv_out, buf, sizeof(buf));
		if (r > 0) {
			moved = 1;
			if (step == 0)
				step = (size_t)r;
			for (i = 0; i < (size_t)r; i += step) {
				size_t k =
				    (size_t)r - i < step ? (size_t)r - i : step;
				assert_int_equal(
				    tls_feed(f->cli, buf + i, k), 0);
				(void)tls_handshake(f->cli);
			}
		}
	}
}

/* The handshake, a line each way, and the fingerprint, fed in one go. */
static void
test_handshake(void **state)
{
	struct fix *f = *state;
	char buf[256], fp[TLS_FP_MAX];
	size_t n;
	ssize_t r;

	assert_int_equal(tls_fingerprint(f->cli, fp, sizeof(fp)), -1);
	assert_int_equal(tls_write(f->cli, "x", 1), TLS_ERROR);
	assert_int_equal(tls_handshake(f->cli), TLS_AGAIN);
	pump(f, 0);
	assert_int_equal(tls_handshake(f->cli), 1);
	assert_true(SSL_is_init_finished(f->srv));
	/* A self-signed certificate: no CA vouches for it. */
	assert_false(tls_ca_verified(f->cli));
	assert_int_equal(tls_fingerprint(f->cli, fp, sizeof(fp)), 0);
	assert_string_equal(fp, f->fp);

	assert_int_equal(tls_write(f->cli, "PING a\r\n", 8), 0);
	assert_true(tls_pending(f->cli) > 0);
	pump(f, 0);
	assert_int_equal(tls_pending(f->cli), 0);
	assert_int_equal(SSL_read_ex(f->srv, buf, sizeof(buf), &n), 1);
	assert_int_equal(n, 8);
	assert_memory_equal(buf, "PING a\r\n", 8);

	assert_int_equal(tls_read(f->cli, buf, sizeof(buf)), TLS_AGAIN);
	assert_int_equal(SSL_write_ex(f->srv, "PONG a\r\n", 8, &n), 1);
	pump(f, 0);
	r = tls_read(f->cli, buf, sizeof(buf));
	assert_int_equal(r, 8);
	assert_memory_equal(buf, "PONG a\r\n", 8);
	assert_int_equal(tls_read(f->cli, buf, sizeof(buf)), TLS_AGAIN);

	/* The server's close_notify is the end of the session. */
	assert_true(SSL_shutdown(f->srv) >= 0);
	pump(f, 0);
	assert_int_equal(tls_read(f->cli, buf, sizeof(buf)), TLS_EOF);
}

/* The same, with the server's bytes fed one at a time. */
static void
test_byte_by_byte(void **state)
{
	struct fix *f = *state;
	char buf[256], fp[TLS_FP_MAX];
	size_t n, got = 0;
	ssize_t r;

	pump(f, 1);
	assert_int_equal(tls_handshake(f->cli), 1);
	assert_int_equal(tls_fingerprint(f->cli, fp, sizeof(fp)), 0);
	assert_string_equal(fp, f->fp);
	assert_int_equal(
	    SSL_write_ex(f->srv, "PRIVMSG #a :hello\r\n", 19, &n), 1);
	pump(f, 1);
	while ((r = tls_read(f->cli, buf + got, sizeof(buf) - got)) > 0)
		got += (size_t)r;
	assert_int_equal(r, TLS_AGAIN);
	assert_int_equal(got, 19);
	assert_memory_equal(buf, "PRIVMSG #a :hello\r\n", 19);
}

/* Garbage from the "server" breaks the handshake with a reason. */
static void
test_garbage(void **state)
{
	struct fix *f = *state;
	char buf[64];

	assert_int_equal(tls_handshake(f->cli), TLS_AGAIN);
	(void)tls_take(f->cli, buf, sizeof(buf));
	assert_int_equal(
	    tls_feed(f->cli, "HTTP/1.1 400 Bad Request\r\n\r\n", 28), 0);
	assert_int_equal(tls_handshake(f->cli), TLS_ERROR);
	assert_non_null(strstr(tls_strerror(f->cli), "handshake"));
}

static void
test_known_path(void **state)
{
	char buf[TLS_PATH_MAX];

	(void)state;
	assert_int_equal(tls_known_path(buf, sizeof(buf), "/x", "/h"), 0);
	assert_string_equal(buf, "/x/txt-chat/known_servers");
	assert_int_equal(tls_known_path(buf, sizeof(buf), "rel", "/h"), 0);
	assert_string_equal(buf, "/h/.local/share/txt-chat/known_servers");
	assert_int_equal(tls_known_path(buf, sizeof(buf), NULL, "/h"), 0);
	assert_string_equal(buf, "/h/.local/share/txt-chat/known_servers");
	assert_int_equal(tls_known_path(buf, sizeof(buf), NULL, NULL), -1);
	assert_int_equal(tls_known_path(buf, 10, "/x", "/h"), -1);
}

static void
test_known_find(void **state)
{
	static const char text[] = "# comment\n"
	                           "\n"
	                           "example.org:6697 AA:BB\n"
	                           "a:1 CC:DD\r\n"
	                           "a:1 EE:FF\n"
	                           "a:12 11:22\n"
	                           "[::1]:7000  33:44  ";
	char old[TLS_FP_MAX];
	char *big;

	(void)state;
	assert_int_equal(tls_known_find(text, strlen(text), "a:1", "CC:DD", old,
	                     sizeof(old)),
	    TLS_KNOWN_MATCH);
	assert_string_equal(old, "CC:DD");
	/* The first line counts; a changed one names the stored print. */
	assert_int_equal(tls_known_find(text, strlen(text), "a:1", "EE:FF", old,
	                     sizeof(old)),
	    TLS_KNOWN_CHANGED);
	assert_string_equal(old, "CC:DD");
	assert_int_equal(tls_known_find(text, strlen(text), "a:12", "11:22",
	                     old, sizeof(old)),
	    TLS_KNOWN_MATCH);
	assert_int_equal(tls_known_find(text, strlen(text), "[::1]:7000",
	                     "33:44", old, sizeof(old)),
	    TLS_KNOWN_MATCH);
	assert_int_equal(tls_known_find(text, strlen(text), "a:2", "CC:DD", old,
	                     sizeof(old)),
	    TLS_KNOWN_NEW);
	assert_int_equal(tls_known_find(text, strlen(text), "example.org",
	                     "AA:BB", old, sizeof(old)),
	    TLS_KNOWN_NEW);

	/* A line of TLS_KNOWN_LINE_MAX bytes is skipped; one less counts. */
	big = malloc(TLS_KNOWN_LINE_MAX + 1);
	assert_non_null(big);
	memset(big, 'F', TLS_KNOWN_LINE_MAX);
	memcpy(big, "b:1 ", 4);
	big[TLS_KNOWN_LINE_MAX - 1] = '\n';
	assert_int_equal(tls_known_find(big, TLS_KNOWN_LINE_MAX, "b:1", "F",
	                     old, sizeof(old)),
	    TLS_KNOWN_NEW);
	big[TLS_KNOWN_LINE_MAX - 2] = '\n';
	assert_int_equal(tls_known_find(big, TLS_KNOWN_LINE_MAX - 1, "b:1", "F",
	                     old, sizeof(old)),
	    TLS_KNOWN_CHANGED);
	free(big);
}

/* Stored on first use with mode 0600; then a match; then a mismatch. */
static void
test_known_file(void **state)
{
	struct fix *f = *state;
	char path[TLS_PATH_MAX], old[TLS_FP_MAX];
	struct stat st;
	FILE *fh;
	size_t i;

	assert_int_equal(tls_known_path(path, sizeof(path), f->dir, NULL), 0);
	assert_int_equal(
	    tls_known_check(path, "h:1", "AA:BB", old, sizeof(old)),
	    TLS_KNOWN_NEW);
	assert_int_equal(tls_known_add(path, "h:1", "AA:BB"), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(tls_known_add(path, "h:2", "CC:DD"), 0);
	assert_int_equal(
	    tls_known_check(path, "h:1", "AA:BB", old, sizeof(old)),
	    TLS_KNOWN_MATCH);
	assert_int_equal(
	    tls_known_check(path, "h:2", "AA:BB", old, sizeof(old)),
	    TLS_KNOWN_CHANGED);
	assert_string_equal(old, "CC:DD");
	assert_int_equal(
	    tls_known_check("/nonexistent/x", "h:1", "AA:BB", old, sizeof(old)),
	    TLS_KNOWN_NEW);

	/* A last line without its LF gets one before the next. */
	fh = fopen(path, "a");
	assert_non_null(fh);
	fputs("h:3 EE:FF", fh);
	assert_int_equal(fclose(fh), 0);
	assert_int_equal(tls_known_add(path, "h:4", "11:22"), 0);
	assert_int_equal(
	    tls_known_check(path, "h:3", "EE:FF", old, sizeof(old)),
	    TLS_KNOWN_MATCH);
	assert_int_equal(
	    tls_known_check(path, "h:4", "11:22", old, sizeof(old)),
	    TLS_KNOWN_MATCH);

	/* A file over 1 MiB is not read: the caller refuses the server. */
	fh = fopen(path, "a");
	assert_non_null(fh);
	for (i = 0; i < 1024 * 1024; i += 16)
		fputs("# padding line.\n", fh);
	assert_int_equal(fclose(fh), 0);
	assert_int_equal(
	    tls_known_check(path, "h:1", "AA:BB", old, sizeof(old)),
	    TLS_KNOWN_FAIL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_handshake, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_byte_by_byte, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
	    cmocka_unit_test(test_known_path),
	    cmocka_unit_test(test_known_find),
	    cmocka_unit_test_setup_teardown(test_known_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
