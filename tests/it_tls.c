/* it_tls.c: txt-chatd's TLS port against a small OpenSSL client. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cmocka.h>

#include "testcli.h"
#include "testsrv.h"

/* How long the test client waits for any one read or write, in ms. */
#define TLSCLI_WAIT_MS 10000
/* Bytes of one line the test client takes. */
#define TLSCLI_LINE_MAX 4096
/* Lines in the burst to a TLS reader that does not read meanwhile. */
#define BURST_LINES 3000
/* TLS clients that say hello at once: past the server's per-turn budget. */
#define STORM_CLIENTS 300
/* How long a silent TLS client may wait for its close: the server's
 * handshake deadline (10 s) and a generous margin. */
#define SILENT_WAIT_MS 30000

/* A blocking TLS client with timeouts. */
struct tlscli {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	char buf[TLSCLI_LINE_MAX * 2];
	size_t len;
	char line[TLSCLI_LINE_MAX];
	char uid[128];
};

/* A temporary directory holding a certificate and key. */
struct certs {
	char dir[64];
	char cert[128], key[128];
};

static void
certs_make(struct certs *c, const char *cn)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
	    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
	    "-nodes -keyout %s -out %s -days 2 -subj /CN=%s 2>/dev/null",
	    c->key, c->cert, cn);
	assert_int_equal(system(cmd), 0);
}

static void
certs_init(struct certs *c)
{
	snprintf(c->dir, sizeof(c->dir), "/tmp/it_tls.XXXXXX");
	assert_non_null(mkdtemp(c->dir));
	snprintf(c->cert, sizeof(c->cert), "%s/cert.pem", c->dir);
	snprintf(c->key, sizeof(c->key), "%s/key.pem", c->dir);
	certs_make(c, "first");
}

static void
certs_free(struct certs *c)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", c->dir);
	(void)system(cmd);
}

/* What openssl x509 -fingerprint -sha256 says of path, after the '='. */
static void
cli_fingerprint(const char *path, char *out, size_t size)
{
	char cmd[512], buf[256];
	FILE *p;
	char *eq;

	snprintf(cmd, sizeof(cmd),
	    "openssl x509 -in %s -noout -fingerprint -sha256", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(buf, sizeof(buf), p));
	pclose(p);
	buf[strcspn(buf, "\n")] = '\0';
	eq = strchr(buf, '=');
	assert_non_null(eq);
	snprintf(out, size, "%s", eq + 1);
}

/* Waits until the server's log holds needle; fails after a while. */
static void
await_log(const struct testsrv *srv, const char *needle)
{
	long long end = testsrv_now_ms() + TLSCLI_WAIT_MS;

	for (;;) {
		char *log = testsrv_log(srv);
		int found;

		assert_non_null(log);
		found = strstr(log, needle) != NULL;
		if (!found && testsrv_now_ms() > end)
			fprintf(stderr, "the log lacks '%s':\n%s", needle, log);
		free(log);
		if (found)
			return;
		if (testsrv_now_ms() > end)
			fail();
		testsrv_sleep_ms(20);
	}
}

static int
tcp_connect(int port)
{
	struct sockaddr_in sa;
	struct timeval tv = {TLSCLI_WAIT_MS / 1000, 0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/*
 * A TLS client to port speaking versions min to max (0: any), or NULL if
 * the handshake failed.  Old versions need OpenSSL's security level 0 on
 * this side, so that only the server can refuse them.
 */
static struct tlscli *
tlscli_connect(int port, int min, int max)
{
	struct tlscli *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(c->ctx);
	if (min != 0) {
		SSL_CTX_set_security_level(c->ctx, 0);
		assert_int_equal(
		    SSL_CTX_set_cipher_list(c->ctx, "DEFAULT:@SECLEVEL=0"), 1);
		SSL_CTX_set_min_proto_version(c->ctx, min);
	}
	if (max != 0)
		SSL_CTX_set_max_proto_version(c->ctx, max);
	c->fd = tcp_connect(port);
	c->ssl = SSL_new(c->ctx);
	assert_non_null(c->ssl);
	SSL_set_fd(c->ssl, c->fd);
	if (SSL_connect(c->ssl) != 1) {
		ERR_clear_error();
		SSL_free(c->ssl);
		SSL_CTX_free(c->ctx);
		close(c->fd);
		free(c);
		return NULL;
	}
	return c;
}

static void
tlscli_free(struct tlscli *c)
{
	if (c == NULL)
		return;
	(void)SSL_shutdown(c->ssl);
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	close(c->fd);
	free(c);
}

static void
tlscli_sendf(struct tlscli *c, const char *fmt, ...)
{
	char buf[TLSCLI_LINE_MAX];
	va_list ap;
	int n;
	size_t done;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(buf) - 1);
	buf[n++] = '\n';
	assert_int_equal(SSL_write_ex(c->ssl, buf, (size_t)n, &done), 1);
	assert_int_equal(done, (size_t)n);
}

/* The next line without its line end, or NULL at the end or on error. */
static const char *
tlscli_read(struct tlscli *c)
{
	for (;;) {
		char *lf = memchr(c->buf, '\n', c->len);
		size_t n;

		if (lf != NULL) {
			size_t k = (size_t)(lf - c->buf);

			assert_true(k < sizeof(c->line));
			memcpy(c->line, c->buf, k);
			if (k > 0 && c->line[k - 1] == '\r')
				k--;
			c->line[k] = '\0';
			c->len -= (size_t)(lf - c->buf) + 1;
			memmove(c->buf, lf + 1, c->len);
			return c->line;
		}
		assert_true(c->len < sizeof(c->buf));
		if (SSL_read_ex(c->ssl, c->buf + c->len,
		        sizeof(c->buf) - c->len, &n) != 1) {
			ERR_clear_error();
			return NULL;
		}
		c->len += n;
	}
}

static void
tlscli_expect(struct tlscli *c, const char *want)
{
	const char *got = tlscli_read(c);

	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("TLS client: expected '%s', got '%s'", want,
		    got != NULL ? got : "(end)");
}

/* Reads the greeting, registers as name, keeps the uid. */
static void
tlscli_reg(struct tlscli *c, const char *name)
{
	const char *line;

	tlscli_expect(c, "------Welcome to Txt Chat------");
	tlscli_expect(c, "");
	tlscli_sendf(c, "reg$%s", name);
	line = tlscli_read(c);
	assert_non_null(line);
	snprintf(c->uid, sizeof(c->uid), "%s", line);
}

/* The SHA-256 fingerprint of the certificate the server showed. */
static void
tlscli_fingerprint(struct tlscli *c, char *out, size_t size)
{
	X509 *x = SSL_get1_peer_certificate(c->ssl);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0, k;

	assert_non_null(x);
	assert_int_equal(X509_digest(x, EVP_sha256(), md, &n), 1);
	X509_free(x);
	assert_true(size >= n * 3);
	for (k = 0; k < n; k++)
		snprintf(out + k * 3, 4, "%02X%s", md[k], k + 1 < n ? ":" : "");
}

/*
 * A server with a plain and a TLS port on the certificate in c, logging
 * connections.
 */
static struct testsrv *
start_tls(void **state, const struct certs *c)
{
	const char *args[] = {"-v", "--tls-listen", "127.0.0.1:0", "--tls-cert",
	    c->cert, "--tls-key", c->key, NULL};

	return testsrv_start_test(state, args);
}

/*
 * A TLS client and a plaintext client chat through the server, and the
 * log names the certificate by the fingerprint openssl x509 prints.
 */
static void
test_tls_chats_with_plain(void **state)
{
	struct certs certs;
	struct testsrv *srv;
	struct tlscli *alice;
	struct testcli *bob;
	char fp[128], want[256];

	certs_init(&certs);
	srv = start_tls(state, &certs);
	cli_fingerprint(certs.cert, fp, sizeof(fp));
	snprintf(want, sizeof(want), "sha256 Fingerprint=%s", fp);
	await_log(srv, want);
	alice = tlscli_connect(testsrv_tls_port(srv), 0, 0);
	assert_non_null(alice);
	tlscli_reg(alice, "alice");
	bob = testcli_base_user(srv, "bob");
	testcli_sendf(bob, "join$%s$%s", testcli_uid(bob), alice->uid);
	testcli_expectf(bob, "$$joined: %s", alice->uid);
	snprintf(want, sizeof(want), "$$joined: %s", alice->uid);
	tlscli_expect(alice, want);
	tlscli_sendf(alice, "send_msg$%s$%s$hello bob", alice->uid, alice->uid);
	testcli_expect(bob, "alice: hello bob");
	tlscli_expect(alice, "alice: hello bob");
	testcli_sendf(
	    bob, "send_msg$%s$%s$hello alice", testcli_uid(bob), alice->uid);
	tlscli_expect(alice, "bob: hello alice");
	testcli_free(bob);
	tlscli_free(alice);
	certs_free(&certs);
}

/*
 * A burst far past the socket buffers to a TLS reader that reads only
 * afterwards: the server's writes end short and wait for the socket,
 * and every line arrives, in order.
 */
static void
test_tls_burst_to_reader(void **state)
{
	struct certs certs;
	struct testsrv *srv;
	struct tlscli *alice;
	struct testcli *bob;
	char pad[301], want[512];
	int k;

	certs_init(&certs);
	{
		const char *args[] = {"--tls-listen", "127.0.0.1:0",
		    "--tls-cert", certs.cert, "--tls-key", certs.key,
		    "--flood-rate", "0", "--sendq", "8m", NULL};

		srv = testsrv_start_test(state, args);
	}
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	alice = tlscli_connect(testsrv_tls_port(srv), 0, 0);
	assert_non_null(alice);
	tlscli_reg(alice, "alice");
	bob = testcli_base_user(srv, "bob");
	testcli_sendf(bob, "join$%s$%s", testcli_uid(bob), alice->uid);
	testcli_expectf(bob, "$$joined: %s", alice->uid);
	snprintf(want, sizeof(want), "$$joined: %s", alice->uid);
	tlscli_expect(alice, want);
	for (k = 0; k < BURST_LINES; k++)
		testcli_sendf(bob, "send_msg$%s$%s$%d %s", testcli_uid(bob),
		    alice->uid, k, pad);
	for (k = 0; k < BURST_LINES; k++) {
		snprintf(want, sizeof(want), "bob: %d %s", k, pad);
		tlscli_expect(alice, want);
	}
	/* And the connection still talks both ways. */
	tlscli_sendf(alice, "send_msg$%s$%s$done", alice->uid, alice->uid);
	tlscli_expect(alice, "alice: done");
	testcli_free(bob);
	tlscli_free(alice);
	certs_free(&certs);
}

/* Reads fd until EOF or error; fails if it takes longer than wait_ms. */
static size_t
read_to_close(int fd, char *buf, size_t size, int wait_ms)
{
	long long end = testsrv_now_ms() + wait_ms;
	size_t got = 0;

	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t n;

		if (testsrv_now_ms() > end)
			fail_msg(
			    "the server did not close within %d ms", wait_ms);
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, buf + got, size - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == size - 1)
			break;
	}
	buf[got] = '\0';
	return got;
}

/*
 * Plain text to the TLS port is closed at the first error without a plain
 * text word; a TLS hello to the plaintext port is closed as binary; the
 * server serves on.
 */
static void
test_wrong_port(void **state)
{
	struct certs certs;
	struct testsrv *srv;
	struct tlscli *t;
	struct testcli *c;
	char buf[4096];
	int fd;

	certs_init(&certs);
	srv = start_tls(state, &certs);
	fd = tcp_connect(testsrv_tls_port(srv));
	assert_int_equal(write(fd, "reg$plain\r\n", 11), 11);
	(void)read_to_close(fd, buf, sizeof(buf), TLSCLI_WAIT_MS);
	assert_null(strstr(buf, "$$"));
	assert_null(strstr(buf, "Welcome"));
	close(fd);
	await_log(srv, "TLS handshake failed");
	t = tlscli_connect(testsrv_port(srv), 0, 0);
	assert_null(t);
	/* Both ports still serve. */
	c = testcli_base_user(srv, "still");
	t = tlscli_connect(testsrv_tls_port(srv), 0, 0);
	assert_non_null(t);
	tlscli_reg(t, "here");
	tlscli_free(t);
	testcli_free(c);
	certs_free(&certs);
}

/* Writes what the TLS client put in its write BIO wb to fd. */
static void
membio_flush(int fd, BIO *wb)
{
	char buf[4096];
	int n;

	while ((n = BIO_read(wb, buf, sizeof(buf))) > 0)
		assert_int_equal(write(fd, buf, (size_t)n), n);
}

/*
 * Reads from fd into the TLS client's read BIO rb until its handshake in
 * ssl is done on its side, sending what it says in the meantime, all but
 * its last flight, which stays in wb.
 */
static void
membio_handshake(int fd, SSL *ssl, BIO *rb, BIO *wb)
{
	char buf[4096];
	ssize_t got;
	int r;

	while ((r = SSL_do_handshake(ssl)) != 1) {
		assert_int_equal(SSL_get_error(ssl, r), SSL_ERROR_WANT_READ);
		membio_flush(fd, wb);
		got = read(fd, buf, sizeof(buf));
		assert_true(got > 0);
		assert_int_equal(BIO_write(rb, buf, (int)got), (int)got);
	}
}

/*
 * Descriptors the server's epoll sets watch for a handshake: those
 * watched without EPOLLRDHUP (parked connections are watched with it),
 * read off /proc/<pid>/fdinfo of each eventpoll descriptor.
 */
static int
handshakes_watched(const struct testsrv *srv)
{
	char path[64 + sizeof(((struct dirent *)0)->d_name)], link[64],
	    line[256];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)testsrv_pid(srv));
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		ssize_t len;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/fd/%s",
		    (int)testsrv_pid(srv), e->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0)
			continue;
		link[len] = '\0';
		if (strcmp(link, "anon_inode:[eventpoll]") != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s",
		    (int)testsrv_pid(srv), e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			int tfd;
			unsigned ev;

			if (sscanf(line, "tfd: %d events: %x", &tfd, &ev) ==
			        2 &&
			    !(ev & EPOLLRDHUP))
				n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

/* Waits until the server watches want handshakes in its epoll sets. */
static void
await_watched(const struct testsrv *srv, int want)
{
	long long end = testsrv_now_ms() + TLSCLI_WAIT_MS;
	int n;

	while ((n = handshakes_watched(srv)) != want) {
		if (testsrv_now_ms() > end)
			fail_msg("%d handshakes watched, not %d", n, want);
		testsrv_sleep_ms(20);
	}
}

/*
 * A handshake that waits for its client waits in the server's handshake
 * set, not in the poll set: after the hello, while the server's answer
 * waits for the client's Finished, and it leaves the set for the poll
 * set once done, and the client then chats.
 */
static void
test_handshake_waits_in_set(void **state)
{
	struct certs certs;
	struct testsrv *srv;
	struct tlscli *c = calloc(1, sizeof(*c));
	BIO *rb, *wb;

	assert_non_null(c);
	certs_init(&certs);
	srv = start_tls(state, &certs);
	assert_int_equal(handshakes_watched(srv), 0);
	c->ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(c->ctx);
	c->fd = tcp_connect(testsrv_tls_port(srv));
	/* Accepted and waiting for the hello. */
	await_watched(srv, 1);
	c->ssl = SSL_new(c->ctx);
	rb = BIO_new(BIO_s_mem());
	wb = BIO_new(BIO_s_mem());
	assert_true(c->ssl != NULL && rb != NULL && wb != NULL);
	SSL_set_bio(c->ssl, rb, wb);
	SSL_set_connect_state(c->ssl);
	/* The hello goes and the server's answer comes back... */
	membio_handshake(c->fd, c->ssl, rb, wb);
	/* ...and the server waits for the Finished, still in the set. */
	assert_int_equal(handshakes_watched(srv), 1);
	membio_flush(c->fd, wb);
	/* The socket itself from here on. */
	assert_int_equal(SSL_set_fd(c->ssl, c->fd), 1);
	tlscli_reg(c, "shaker");
	tlscli_sendf(c, "send_msg$%s$%s$hello", c->uid, c->uid);
	tlscli_expect(c, "shaker: hello");
	assert_int_equal(handshakes_watched(srv), 0);
	tlscli_free(c);
	certs_free(&certs);
}

/*
 * A client whose first line follows its Finished in the same segment:
 * the server's last handshake step reads both (it reads ahead), and the
 * line is served though the socket no longer shows it.
 */
static void
test_line_behind_finished(void **state)
{
	struct certs certs;
	struct testsrv *srv;
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rb, *wb;
	char buf[4096], text[4096];
	size_t len = 0, n;
	int fd, lines = 0;
	ssize_t got;

	certs_init(&certs);
	srv = start_tls(state, &certs);
	ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(ctx);
	ssl = SSL_new(ctx);
	rb = BIO_new(BIO_s_mem());
	wb = BIO_new(BIO_s_mem());
	assert_true(ssl != NULL && rb != NULL && wb != NULL);
	SSL_set_bio(ssl, rb, wb);
	SSL_set_connect_state(ssl);
	fd = tcp_connect(testsrv_tls_port(srv));
	membio_handshake(fd, ssl, rb, wb);
	/* The Finished and the line leave in one write. */
	assert_int_equal(SSL_write_ex(ssl, "reg$behind\n", 11, &n), 1);
	membio_flush(fd, wb);
	/* The greeting, its blank line, and the answer to the reg: the uid. */
	while (lines < 3) {
		got = read(fd, buf, sizeof(buf));
		if (got <= 0)
			fail_msg("no answer to a line behind the Finished");
		assert_int_equal(BIO_write(rb, buf, (int)got), (int)got);
		while (
		    SSL_read_ex(ssl, text + len, sizeof(text) - len, &n) == 1)
			len += n;
		ERR_clear_error();
		lines = 0;
		for (n = 0; n < len; n++)
			lines += text[n] == '\n';
	}
	assert_non_null(strstr(text, "Welcome"));
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	certs_free(&certs);
}

/* A TCP client that never says hello is closed at the handshake deadline. */
static void
test_silent_closed_at_deadline(void **state)
{
	struct certs certs;
	struct testsrv *srv;
	char buf[256];
	int fd;

	certs_init(&certs);
	srv = start_tls(state, &certs);
	fd = tcp_connect(testsrv_tls_port(srv));
	/* It waits in the handshake set, out of the poll set, till then. */
	await_watched(srv, 1);
	/* Reads time out after TLSCLI_WAIT_MS: poll instead, longer. */
	assert_int_equal(
	    read_to_close(fd, buf, sizeof(buf), SILENT_WAIT_MS), 0);
	close(fd);
	await_log(srv, "TLS handshake deadline passed");
	assert_int_equal(handshakes_watched(srv), 0);
	certs_free(&certs);
}

/*
 * SIGHUP loads a new certificate for new connections while an old one
 * talks on; a reload that fails keeps the certificate it had.
 */
static void
test_sighup_reloads_certificate(void **state)
{
	struct certs certs;
	struct testsrv *srv;
	struct tlscli *old, *fresh;
	char fp1[128], fp2[128], got[128];
	FILE *f;

	certs_init(&certs);
	srv = start_tls(state, &certs);
	cli_fingerprint(certs.cert, fp1, sizeof(fp1));
	old = tlscli_connect(testsrv_tls_port(srv), 0, 0);
	assert_non_null(old);
	tlscli_reg(old, "old");
	tlscli_fingerprint(old, got, sizeof(got));
	assert_string_equal(got, fp1);
	certs_make(&certs, "second");
	cli_fingerprint(certs.cert, fp2, sizeof(fp2));
	assert_string_not_equal(fp1, fp2);
	assert_int_equal(testsrv_kill(srv, SIGHUP), 0);
	await_log(srv, "reloaded certificate");
	fresh = tlscli_connect(testsrv_tls_port(srv), 0, 0);
	assert_non_null(fresh);
	tlscli_fingerprint(fresh, got, sizeof(got));
	assert_string_equal(got, fp2);
	tlscli_reg(fresh, "fresh");
	tlscli_sendf(old, "send_msg$%s$%s$still here", old->uid, old->uid);
	tlscli_expect(old, "old: still here");
	/* A broken key: the reload fails and the new certificate stays. */
	f = fopen(certs.key, "w");
	assert_non_null(f);
	fputs("not a key\n", f);
	fclose(f);
	assert_int_equal(testsrv_kill(srv, SIGHUP), 0);
	await_log(srv, "reloading failed, keeping the old certificate");
	tlscli_free(fresh);
	fresh = tlscli_connect(testsrv_tls_port(srv), 0, 0);
	assert_non_null(fresh);
	tlscli_fingerprint(fresh, got, sizeof(got));
	assert_string_equal(got, fp2);
	tlscli_free(fresh);
	tlscli_free(old);
	certs_free(&certs);
}

/*
 * Hundreds of handshakes at once pass the per-turn budget; those put off
 * are taken in later turns, and every one finishes.
 */
static void
test_handshake_storm(void **state)
{
	const char *args[] = {"-vv", "--max-per-addr", "0", "--tls-listen",
	    "127.0.0.1:0", "--tls-cert", NULL, "--tls-key", NULL, NULL};
	static int fds[STORM_CLIENTS];
	static SSL *ssl[STORM_CLIENTS];
	struct certs certs;
	struct testsrv *srv;
	SSL_CTX *ctx;
	long long end;
	int k, port, left = STORM_CLIENTS;

	certs_init(&certs);
	args[6] = certs.cert;
	args[8] = certs.key;
	srv = testsrv_start_test(state, args);
	port = testsrv_tls_port(srv);
	ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(ctx);
	for (k = 0; k < STORM_CLIENTS; k++) {
		fds[k] = tcp_connect(port);
		ssl[k] = SSL_new(ctx);
		assert_non_null(ssl[k]);
		SSL_set_fd(ssl[k], fds[k]);
		SSL_set_connect_state(ssl[k]);
	}
	/* Non-blocking from here: every hello goes out before any answer. */
	for (k = 0; k < STORM_CLIENTS; k++)
		assert_int_equal(fcntl(fds[k], F_SETFL, O_NONBLOCK), 0);
	end = testsrv_now_ms() + SILENT_WAIT_MS;
	while (left > 0) {
		if (testsrv_now_ms() > end)
			fail_msg("%d of %d handshakes unfinished", left,
			    STORM_CLIENTS);
		for (k = 0; k < STORM_CLIENTS; k++) {
			int r;

			if (ssl[k] == NULL || SSL_is_init_finished(ssl[k]))
				continue;
			r = SSL_do_handshake(ssl[k]);
			if (r == 1) {
				left--;
				continue;
			}
			r = SSL_get_error(ssl[k], r);
			assert_true(r == SSL_ERROR_WANT_READ ||
			    r == SSL_ERROR_WANT_WRITE);
		}
		testsrv_sleep_ms(5);
	}
	await_log(srv, "TLS handshake budget (64 steps or 1000 us) spent");
	for (k = 0; k < STORM_CLIENTS; k++) {
		SSL_free(ssl[k]);
		close(fds[k]);
	}
	SSL_CTX_free(ctx);
	certs_free(&certs);
}

/*
 * A TLS reader that stops reading is closed at --sendq like any other:
 * what it then reads is whole lines in order, the last the sendq_exceeded
 * error, though the server's write to it was held inside TLS when its
 * queue was cut.
 */
static void
test_slow_tls_reader_overflow(void **state)
{
	const char *args[] = {"-v", "--sendq", "65536", "--flood-rate", "0",
	    "--tls-listen", "127.0.0.1:0", "--tls-cert", NULL, "--tls-key",
	    NULL, NULL};
	static const char last[] = "$$error: sendq_exceeded: too much output "
	                           "left unread";
	struct certs certs;
	struct testsrv *srv;
	struct tlscli *slow;
	struct testcli *bob;
	char pad[301], want[512], *log;
	const char *line;
	int k, sent = 0, next = 0, got_last = 0, done = 0;

	certs_init(&certs);
	args[8] = certs.cert;
	args[10] = certs.key;
	srv = testsrv_start_test(state, args);
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	slow = tlscli_connect(testsrv_tls_port(srv), 0, 0);
	assert_non_null(slow);
	tlscli_reg(slow, "slow");
	bob = testcli_base_user(srv, "bob");
	testcli_sendf(bob, "join$%s$%s", testcli_uid(bob), slow->uid);
	testcli_expectf(bob, "$$joined: %s", slow->uid);
	snprintf(want, sizeof(want), "$$joined: %s", slow->uid);
	tlscli_expect(slow, want);
	/* Batches, bob reading his echoes, till the server closes slow. */
	while (!done) {
		assert_true(sent < 20000);
		for (k = 0; k < 20; k++, sent++)
			testcli_sendf(bob, "send_msg$%s$%s$%d %s",
			    testcli_uid(bob), slow->uid, sent, pad);
		for (k = sent - 20; k < sent; k++) {
			line = testcli_read(bob);
			assert_non_null(line);
			if (strstr(line, "slow") != NULL &&
			    strstr(line, "bob:") == NULL) {
				done = 1;
				k--;
			}
		}
		log = testsrv_log(srv);
		assert_non_null(log);
		done = done || strstr(log, "sendq_exceeded") != NULL;
		free(log);
	}
	while ((line = tlscli_read(slow)) != NULL) {
		assert_false(got_last);
		if (strcmp(line, last) == 0) {
			got_last = 1;
			continue;
		}
		snprintf(want, sizeof(want), "bob: %d %s", next++, pad);
		if (strcmp(line, want) != 0)
			fail_msg(
			    "slow reader: expected '%s', got '%s'", want, line);
	}
	if (!got_last)
		fail_msg("slow reader: no '%s' after %d lines", last, next);
	testcli_free(bob);
	tlscli_free(slow);
	certs_free(&certs);
}

/* TLS 1.1 and older are refused; 1.2 is enough. */
static void
test_old_versions_refused(void **state)
{
	struct certs certs;
	struct testsrv *srv;
	struct tlscli *t;

	certs_init(&certs);
	srv = start_tls(state, &certs);
	assert_null(tlscli_connect(
	    testsrv_tls_port(srv), TLS1_VERSION, TLS1_1_VERSION));
	t = tlscli_connect(
	    testsrv_tls_port(srv), TLS1_2_VERSION, TLS1_2_VERSION);
	assert_non_null(t);
	assert_int_equal(SSL_version(t->ssl), TLS1_2_VERSION);
	tlscli_reg(t, "twelve");
	tlscli_free(t);
	certs_free(&certs);
}

/*
 * --tls-self-signed makes its key and certificate in the state directory
 * on first start, mode 0600, logs their fingerprint, and reuses them.
 */
static void
test_self_signed(void **state)
{
	const char *args[] = {
	    "--tls-listen", "127.0.0.1:0", "--tls-self-signed", NULL};
	struct certs certs;
	struct testsrv *srv;
	struct tlscli *t;
	struct stat st;
	char cert[256], key[256], fp[128], want[256], got[128];
	char *log;

	certs_init(&certs);
	setenv("STATE_DIRECTORY", certs.dir, 1);
	snprintf(cert, sizeof(cert), "%s/tls-cert.pem", certs.dir);
	snprintf(key, sizeof(key), "%s/tls-key.pem", certs.dir);
	srv = testsrv_start(args);
	assert_non_null(srv);
	assert_int_equal(stat(cert, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	cli_fingerprint(cert, fp, sizeof(fp));
	snprintf(want, sizeof(want), "sha256 Fingerprint=%s", fp);
	await_log(srv, "made a self-signed certificate");
	await_log(srv, want);
	t = tlscli_connect(testsrv_tls_port(srv), 0, 0);
	assert_non_null(t);
	tlscli_fingerprint(t, got, sizeof(got));
	assert_string_equal(got, fp);
	tlscli_free(t);
	assert_int_equal(testsrv_stop(srv), 0);
	testsrv_free(srv);
	/* Started again: the same certificate, not a new one. */
	srv = testsrv_start_test(state, args);
	await_log(srv, want);
	log = testsrv_log(srv);
	assert_non_null(log);
	assert_null(strstr(log, "made a self-signed certificate"));
	free(log);
	unsetenv("STATE_DIRECTORY");
	certs_free(&certs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(
	        test_tls_chats_with_plain, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_tls_burst_to_reader, testsrv_teardown),
	    cmocka_unit_test_teardown(test_wrong_port, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_silent_closed_at_deadline, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_sighup_reloads_certificate, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_old_versions_refused, testsrv_teardown),
	    cmocka_unit_test_teardown(test_self_signed, testsrv_teardown),
	    cmocka_unit_test_teardown(test_handshake_storm, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_slow_tls_reader_overflow, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_handshake_waits_in_set, testsrv_teardown),
	    cmocka_unit_test_teardown(
	        test_line_behind_finished, testsrv_teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
