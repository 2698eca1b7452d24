/* test_tls.c: the TLS transport over socketpair(2), its certificate
 * helpers, and the TLS options. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "options.h"
#include "server.h"
#include "transport.h"
#include "transport_tls.h"

/* Send buffer asked for the server's end (the kernel doubles it). */
#define SMALL_SNDBUF 4096
/* Bytes offered in one writev: far more than the socket takes at once. */
#define BIG_WRITE (256 * 1024)
/* Buffers the big write is cut into. */
#define BIG_IOV 64
/* Where the big write's pieces end: multiples of this. */
#define PIECE (BIG_WRITE / BIG_IOV / 2)
/* Steps either side may take to finish a handshake. */
#define HANDSHAKE_STEPS 1000

struct fixture {
	char dir[64];
	char cert[128], key[128];
	SSL_CTX *sctx, *cctx;
	struct transport tr; /* the server's end */
	SSL *cli;            /* the client's end, non-blocking too */
	int cfd;
};

static int
fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_tls.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->cert, sizeof(f->cert), "%s/c.pem", f->dir);
	snprintf(f->key, sizeof(f->key), "%s/k.pem", f->dir);
	assert_int_equal(
	    transport_tls_self_signed(f->cert, f->key, err, sizeof(err)), 1);
	f->sctx = transport_tls_new(f->cert, f->key, err, sizeof(err));
	assert_non_null(f->sctx);
	f->cctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(f->cctx);
	f->cfd = -1;
	*state = f;
	return 0;
}

static int
fixture_teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	if (f->tr.ops != NULL)
		f->tr.ops->close(&f->tr);
	SSL_free(f->cli);
	if (f->cfd >= 0)
		close(f->cfd);
	transport_tls_free(f->sctx);
	SSL_CTX_free(f->cctx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	(void)system(cmd);
	free(f);
	return 0;
}

/* Connects a TLS pair over a socketpair and runs the handshake. */
static void
pair_up(struct fixture *f)
{
	int sv[2], sndbuf = SMALL_SNDBUF, k, done = 0, cdone = 0;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(
	    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)),
	    0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(transport_tls_init(&f->tr, sv[0], f->sctx), 0);
	assert_non_null(f->tr.ops->handshake);
	f->cfd = sv[1];
	f->cli = SSL_new(f->cctx);
	assert_non_null(f->cli);
	SSL_set_fd(f->cli, sv[1]);
	SSL_set_connect_state(f->cli);
	for (k = 0; k < HANDSHAKE_STEPS && !(done && cdone); k++) {
		if (!cdone)
			cdone = SSL_do_handshake(f->cli) == 1;
		if (!done) {
			int r = f->tr.ops->handshake(&f->tr);

			assert_true(r >= 0);
			done = r == 1;
			/* Not done: it says what it waits for. */
			if (!done)
				assert_true(f->tr.want == POLLIN ||
				    f->tr.want == POLLOUT);
		}
	}
	assert_true(done && cdone);
	assert_int_equal(f->tr.want, 0);
}

/* Reads from the client's end all it can now, into buf. */
static size_t
client_drain(struct fixture *f, char *buf, size_t size)
{
	size_t got = 0, n;

	while (
	    got < size && SSL_read_ex(f->cli, buf + got, size - got, &n) == 1)
		got += n;
	ERR_clear_error();
	return got;
}

/*
 * A writev far past the socket buffer ends short and reports "later"
 * once full; the client, reading, gets every byte in order.
 */
static void
test_partial_writes(void **state)
{
	struct fixture *f = *state;
	static char out[BIG_WRITE], in[BIG_WRITE];
	size_t sent = 0, got = 0, k;
	int rounds = 0;

	pair_up(f);
	for (k = 0; k < sizeof(out); k++)
		out[k] = (char)('a' + k % 26);
	while (got < sizeof(out)) {
		struct iovec iov[BIG_IOV];
		int n = 0;
		ssize_t w;

		/*
		 * Pieces end at fixed places, as the output queue's chunks
		 * do: a piece cut short comes again from where it stopped.
		 */
		for (k = sent; k < sizeof(out) && n < BIG_IOV; n++) {
			size_t end = (k / PIECE + 1) * PIECE;

			iov[n].iov_base = out + k;
			iov[n].iov_len = end - k;
			k = end;
		}
		if (n > 0) {
			w = f->tr.ops->writev(&f->tr, iov, n);
			if (w < 0) {
				assert_int_equal(errno, EAGAIN);
				assert_int_equal(f->tr.want, POLLOUT);
			} else {
				assert_true((size_t)w < sizeof(out) ||
				    sent > 0 || rounds > 0);
				sent += (size_t)w;
			}
		}
		got += client_drain(f, in + got, sizeof(in) - got);
		rounds++;
		assert_true(rounds < 100000);
	}
	/* It took more than one round: the writes were partial. */
	assert_true(rounds > 1);
	assert_memory_equal(in, out, sizeof(out));
}

/*
 * Bytes of a record already decrypted but not yet read are pending: the
 * socket shows nothing of them, and pending says how many.
 */
static void
test_pending(void **state)
{
	struct fixture *f = *state;
	char buf[100];
	size_t n;
	ssize_t r;

	pair_up(f);
	assert_int_equal(f->tr.ops->pending(&f->tr), 0);
	memset(buf, 'p', sizeof(buf));
	assert_int_equal(SSL_write_ex(f->cli, buf, sizeof(buf), &n), 1);
	r = f->tr.ops->read(&f->tr, buf, 1);
	assert_int_equal(r, 1);
	assert_int_equal(f->tr.ops->pending(&f->tr), sizeof(buf) - 1);
	r = f->tr.ops->read(&f->tr, buf, sizeof(buf));
	assert_int_equal(r, sizeof(buf) - 1);
	assert_int_equal(f->tr.ops->pending(&f->tr), 0);
	/* Nothing more: "later", waiting for input as any read does. */
	r = f->tr.ops->read(&f->tr, buf, sizeof(buf));
	assert_int_equal(r, -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(f->tr.want, 0);
	/* The client's close-notify reads as the end. */
	assert_true(SSL_shutdown(f->cli) >= 0);
	r = f->tr.ops->read(&f->tr, buf, sizeof(buf));
	assert_int_equal(r, 0);
}

/* Whether the server's end of the socket has bytes to read now. */
static int
socket_readable(const struct fixture *f)
{
	struct pollfd p = {f->tr.fd, POLLIN, 0};

	return poll(&p, 1, 0) == 1;
}

/*
 * A read takes what the socket holds, records it has not decrypted yet
 * included: a whole record so read is pending (the socket shows nothing
 * of it, so the server must not wait on the socket for it), and part of
 * one is not (the socket shows its rest when it comes: pending it would
 * make the server read again and again meanwhile).
 */
static void
test_read_ahead_pending(void **state)
{
	struct fixture *f = *state;
	static char big[16384], in[sizeof(big)];
	char buf[16];
	size_t n, sent = 0, got = 0;
	int small = SMALL_SNDBUF;
	ssize_t r;

	pair_up(f);
	/* Two records at once: reading the first takes in the second. */
	assert_int_equal(SSL_write_ex(f->cli, "first\n", 6, &n), 1);
	assert_int_equal(SSL_write_ex(f->cli, "second\n", 7, &n), 1);
	r = f->tr.ops->read(&f->tr, buf, 6);
	assert_int_equal(r, 6);
	assert_memory_equal(buf, "first\n", 6);
	assert_true(f->tr.ops->pending(&f->tr) > 0 || socket_readable(f));
	r = f->tr.ops->read(&f->tr, buf, sizeof(buf));
	assert_int_equal(r, 7);
	assert_memory_equal(buf, "second\n", 7);
	assert_int_equal(f->tr.ops->pending(&f->tr), 0);
	/*
	 * A record larger than the socket holds: the server reads its
	 * start, finds no whole record, and has nothing pending.
	 */
	memset(big, 'b', sizeof(big));
	assert_int_equal(
	    setsockopt(f->cfd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)),
	    0);
	if (SSL_write_ex(f->cli, big, sizeof(big), &n) == 1)
		sent = n;
	ERR_clear_error();
	r = f->tr.ops->read(&f->tr, in, sizeof(in));
	assert_int_equal(r, -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(f->tr.ops->pending(&f->tr), 0);
	/* The rest comes, and the socket shows it. */
	while (got < sizeof(big)) {
		if (sent < sizeof(big) &&
		    SSL_write_ex(f->cli, big, sizeof(big), &n) == 1)
			sent = n;
		ERR_clear_error();
		r = f->tr.ops->read(&f->tr, in + got, sizeof(in) - got);
		if (r > 0)
			got += (size_t)r;
		else
			assert_true(r == -1 && errno == EAGAIN);
	}
	assert_memory_equal(in, big, sizeof(big));
}

/*
 * Sends len bytes of out through writev in pieces of piece bytes, as the
 * server does with its output queue, while the client reads them into
 * in; returns the largest count one SSL_read gave, which is at most one
 * record (the client reads no more than a record at a time).  Every
 * count writev reports must already be readable by the client: bytes
 * whose records still wait in the transport are not written yet.
 */
static size_t
send_pieces(
    struct fixture *f, const char *out, char *in, size_t len, size_t piece)
{
	struct iovec iov[BIG_IOV];
	size_t sent = 0, got = 0, most = 0, n, k;
	int rounds = 0, cnt;
	ssize_t w;

	while (got < len) {
		for (cnt = 0, k = sent; k < len && cnt < BIG_IOV; cnt++) {
			size_t end = (k / piece + 1) * piece;

			iov[cnt].iov_base = (char *)out + k;
			iov[cnt].iov_len = (end < len ? end : len) - k;
			k += iov[cnt].iov_len;
		}
		if (cnt > 0) {
			w = f->tr.ops->writev(&f->tr, iov, cnt);
			if (w < 0) {
				assert_int_equal(errno, EAGAIN);
				/* What the transport took is held, not lost. */
				assert_true(f->tr.ops->unsent(&f->tr) > 0);
			} else {
				sent += (size_t)w;
			}
		}
		/* Reported means on the socket: the client can read it all. */
		while (got < sent) {
			assert_int_equal(
			    SSL_read_ex(f->cli, in + got, len - got, &n), 1);
			if (n > most)
				most = n;
			got += n;
		}
		while (SSL_read_ex(f->cli, in + got, len - got, &n) == 1) {
			if (n > most)
				most = n;
			got += n;
		}
		ERR_clear_error();
		assert_true(++rounds < 100000);
	}
	assert_int_equal(sent, len);
	return most;
}

/*
 * Small pieces go out in full records (16 KiB), not a record each: the
 * fixed work per record is paid a quarter as often for the queue's 4 KiB
 * chunks, 16 times less for 1 KiB pieces.
 */
static void
test_full_records(void **state)
{
	struct fixture *f = *state;
	static char out[BIG_WRITE], in[BIG_WRITE];
	size_t k;

	pair_up(f);
	for (k = 0; k < sizeof(out); k++)
		out[k] = (char)('A' + k % 23);
	assert_int_equal(send_pieces(f, out, in, sizeof(out), 1024), 16384);
	assert_memory_equal(in, out, sizeof(out));
	/* Pieces longer than a record go as they are, a record at a time. */
	memset(in, 0, sizeof(in));
	assert_int_equal(send_pieces(f, out, in, sizeof(out), 40000), 16384);
	assert_memory_equal(in, out, sizeof(out));
}

/*
 * A write that the socket cannot take in full holds the records it made
 * and reports none of their bytes; unsent counts them, want asks for
 * POLLOUT, and the next writev, given the same bytes, sends the records
 * first and does not encrypt those bytes twice.
 */
static void
test_held_records(void **state)
{
	struct fixture *f = *state;
	static char out[64 * 1024], in[sizeof(out)];
	struct iovec iov[16];
	size_t k, got = 0, n;
	ssize_t w;

	pair_up(f);
	for (k = 0; k < sizeof(out); k++)
		out[k] = (char)('a' + k % 19);
	for (k = 0; k < 16; k++) {
		iov[k].iov_base = out + k * 4096;
		iov[k].iov_len = 4096;
	}
	/* The socket takes 8 KiB or so: two records of 16 KiB do not fit. */
	w = f->tr.ops->writev(&f->tr, iov, 2);
	assert_int_equal(w, -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(f->tr.ops->unsent(&f->tr), 8192);
	assert_int_equal(f->tr.want, POLLOUT);
	/* Held, so not readable in full yet. */
	while (SSL_read_ex(f->cli, in + got, sizeof(in) - got, &n) == 1)
		got += n;
	ERR_clear_error();
	assert_true(got < 8192);
	/* The same bytes and more: the first 8 KiB are not sent again. */
	w = f->tr.ops->writev(&f->tr, iov, 16);
	while (w < 0) {
		assert_int_equal(errno, EAGAIN);
		while (SSL_read_ex(f->cli, in + got, sizeof(in) - got, &n) == 1)
			got += n;
		ERR_clear_error();
		w = f->tr.ops->writev(&f->tr, iov, 16);
	}
	assert_true(w >= 8192);
	while (got < (size_t)w) {
		assert_int_equal(
		    SSL_read_ex(f->cli, in + got, sizeof(in) - got, &n), 1);
		got += n;
	}
	assert_memory_equal(in, out, got);
}

/*
 * The last record of a writev leaves from OpenSSL's buffer, behind the
 * records batched before it: a record the socket takes only in part
 * keeps its rest in the transport, held (unsent, POLLOUT) till it is all
 * out, and the stream stays whole, with or without records before it.
 */
static void
test_last_record_direct(void **state)
{
	struct fixture *f = *state;
	static char out[3 * 16384 + 5000], in[sizeof(out)];
	struct iovec iov[3];
	size_t k, got = 0, n;
	ssize_t w;

	pair_up(f);
	for (k = 0; k < sizeof(out); k++)
		out[k] = (char)('a' + k % 17);
	/* One record of 12 KiB, more than the socket takes at once. */
	for (k = 0; k < 3; k++) {
		iov[k].iov_base = out + k * 4096;
		iov[k].iov_len = 4096;
	}
	w = f->tr.ops->writev(&f->tr, iov, 3);
	assert_int_equal(w, -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(f->tr.ops->unsent(&f->tr), 3 * 4096);
	assert_int_equal(f->tr.want, POLLOUT);
	/* Its rest follows once the client reads; nothing goes twice. */
	while ((w = f->tr.ops->writev(&f->tr, iov, 3)) < 0) {
		assert_int_equal(errno, EAGAIN);
		while (SSL_read_ex(f->cli, in + got, sizeof(in) - got, &n) == 1)
			got += n;
		ERR_clear_error();
	}
	assert_int_equal(w, 3 * 4096);
	assert_int_equal(f->tr.ops->unsent(&f->tr), 0);
	while (got < 3 * 4096) {
		assert_int_equal(
		    SSL_read_ex(f->cli, in + got, sizeof(in) - got, &n), 1);
		got += n;
	}
	assert_memory_equal(in, out, got);
	/* Three full records batched, then a short last one behind them. */
	memset(in, 0, sizeof(in));
	assert_int_equal(send_pieces(f, out, in, sizeof(out), 4096), 16384);
	assert_memory_equal(in, out, sizeof(out));
}

/*
 * A write that needs input first (a TLS 1.2 renegotiation the client
 * began, which the server refuses unless told otherwise) says "later"
 * waiting for POLLIN, not POLLOUT: the socket is writable all along, so
 * waiting for POLLOUT would spin.  txt-chatd's own contexts refuse
 * renegotiation, so no client can bring this about there.
 */
static void
test_write_wants_read(void **state)
{
	struct fixture *f = *state;
	char buf[64];
	struct iovec iov = {buf, sizeof(buf)};
	ssize_t w;
	size_t n;

	SSL_CTX_clear_options(f->sctx, SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_options(f->sctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
	assert_int_equal(
	    SSL_CTX_set_max_proto_version(f->cctx, TLS1_2_VERSION), 1);
	pair_up(f);
	memset(buf, 'r', sizeof(buf));
	/* The client asks for a new handshake and waits for the answer. */
	assert_int_equal(SSL_renegotiate(f->cli), 1);
	assert_true(SSL_do_handshake(f->cli) <= 0);
	ERR_clear_error();
	/* The server reads the ClientHello, answers, waits for the rest. */
	assert_int_equal(f->tr.ops->read(&f->tr, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);
	w = f->tr.ops->writev(&f->tr, &iov, 1);
	assert_int_equal(w, -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(f->tr.want, POLLIN);
	assert_int_equal(f->tr.ops->unsent(&f->tr), sizeof(buf));
	/* Once the client's flight is in, the write goes through. */
	assert_true(SSL_do_handshake(f->cli) <= 0);
	ERR_clear_error();
	assert_int_equal(f->tr.ops->read(&f->tr, buf, sizeof(buf)), -1);
	assert_true(SSL_read_ex(f->cli, buf, sizeof(buf), &n) == 0);
	ERR_clear_error();
	memset(buf, 'r', sizeof(buf));
	w = f->tr.ops->writev(&f->tr, &iov, 1);
	assert_int_equal(w, sizeof(buf));
	assert_int_equal(f->tr.want, 0);
	assert_int_equal(SSL_read_ex(f->cli, buf, sizeof(buf), &n), 1);
	assert_int_equal(n, sizeof(buf));
	assert_int_equal(buf[0], 'r');
}

/* Junk where a ClientHello belongs fails the handshake at once. */
static void
test_junk_hello(void **state)
{
	struct fixture *f = *state;
	int sv[2], r;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(transport_tls_init(&f->tr, sv[0], f->sctx), 0);
	f->cfd = sv[1];
	assert_int_equal(f->tr.ops->handshake(&f->tr), 0);
	assert_int_equal(f->tr.want, POLLIN);
	assert_int_equal(write(sv[1], "reg$alice\r\n", 11), 11);
	r = f->tr.ops->handshake(&f->tr);
	assert_int_equal(r, -1);
}

/* The fingerprint is the SHA-256 of the certificate, as openssl shows it. */
static void
test_fingerprint(void **state)
{
	struct fixture *f = *state;
	char fp[TRANSPORT_TLS_FP_MAX], want[TRANSPORT_TLS_FP_MAX];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	FILE *in = fopen(f->cert, "r");
	X509 *x;

	assert_non_null(in);
	x = PEM_read_X509(in, NULL, NULL, NULL);
	fclose(in);
	assert_non_null(x);
	assert_int_equal(X509_digest(x, EVP_sha256(), md, &n), 1);
	X509_free(x);
	assert_int_equal(n, 32);
	assert_int_equal(transport_tls_hex(md, n, want, sizeof(want)), 95);
	assert_int_equal(transport_tls_fingerprint(f->sctx, fp, sizeof(fp)), 0);
	assert_string_equal(fp, want);
	/* One byte short of the terminator: refused, not cut. */
	assert_int_equal(transport_tls_fingerprint(f->sctx, fp, 95), -1);
}

static void
test_hex(void **state)
{
	const unsigned char d[] = {0x00, 0xAB, 0x0F};
	char buf[16];

	(void)state;
	assert_int_equal(transport_tls_hex(d, 3, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "00:AB:0F");
	assert_int_equal(transport_tls_hex(d, 3, buf, 9), 8);
	assert_int_equal(transport_tls_hex(d, 3, buf, 8), 0);
	assert_int_equal(transport_tls_hex(d, 0, buf, sizeof(buf)), 0);
}

/*
 * The self-signed pair is made once, mode 0600, and left alone after;
 * bad files are refused with the reason.
 */
static void
test_self_signed_files(void **state)
{
	struct fixture *f = *state;
	char err[256], other[160];
	struct stat st;
	SSL_CTX *ctx;
	FILE *w;

	assert_int_equal(stat(f->cert, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(
	    transport_tls_self_signed(f->cert, f->key, err, sizeof(err)), 0);
	snprintf(other, sizeof(other), "%s/missing.pem", f->dir);
	ctx = transport_tls_new(other, f->key, err, sizeof(err));
	assert_null(ctx);
	assert_non_null(strstr(err, "missing.pem"));
	/* A key of another certificate does not match. */
	snprintf(other, sizeof(other), "%s/c2.pem", f->dir);
	assert_int_equal(
	    transport_tls_self_signed(other, f->key, err, sizeof(err)), 1);
	ctx = transport_tls_new(f->cert, f->key, err, sizeof(err));
	assert_null(ctx);
	assert_non_null(strstr(err, "mismatch"));
	w = fopen(f->key, "w");
	assert_non_null(w);
	fputs("junk\n", w);
	fclose(w);
	assert_null(transport_tls_new(other, f->key, err, sizeof(err)));
}

static enum options_result
parse(struct server_config *cfg, char *err, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;

	argv[argc++] = (char *)"txt-chatd";
	va_start(ap, err);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	server_defaults(cfg);
	return options_parse(argc, argv, cfg, err, 256);
}

static void
test_options(void **state)
{
	struct server_config cfg;
	char err[256];

	(void)state;
	assert_int_equal(parse(&cfg, err, "--tls-listen", "0:9443",
	                     "--tls-cert", "c", "--tls-key", "k", NULL),
	    OPTIONS_RUN);
	assert_string_equal(cfg.tls_listen, "0:9443");
	assert_string_equal(cfg.tls_cert, "c");
	assert_string_equal(cfg.tls_key, "k");
	assert_int_equal(parse(&cfg, err, "--tls-listen", "0:9443",
	                     "--tls-self-signed", NULL),
	    OPTIONS_RUN);
	assert_true(cfg.tls_self_signed);
	assert_int_equal(parse(&cfg, err, NULL), OPTIONS_RUN);
	assert_null(cfg.tls_listen);
	assert_int_equal(
	    parse(&cfg, err, "--tls-listen", "0:9443", NULL), OPTIONS_ERROR);
	assert_non_null(strstr(err, "--tls-cert"));
	assert_int_equal(
	    parse(&cfg, err, "--tls-listen", "0:9443", "--tls-cert", "c", NULL),
	    OPTIONS_ERROR);
	assert_int_equal(
	    parse(&cfg, err, "--tls-cert", "c", "--tls-key", "k", NULL),
	    OPTIONS_ERROR);
	assert_non_null(strstr(err, "need --tls-listen"));
	assert_int_equal(parse(&cfg, err, "--tls-listen", "0:9443",
	                     "--tls-self-signed", "--tls-key", "k", NULL),
	    OPTIONS_ERROR);
	assert_int_equal(parse(&cfg, err, "--tls-listen", "0:9443",
	                     "--tls-cert", "", "--tls-key", "k", NULL),
	    OPTIONS_ERROR);
}

static void
test_state_file(void **state)
{
	char path[OPTIONS_PATH_MAX], err[256];

	(void)state;
	setenv("STATE_DIRECTORY", "/srv/a:/srv/b", 1);
	assert_int_equal(options_state_file(path, sizeof(path),
	                     OPTIONS_TLS_KEY_FILE, err, sizeof(err)),
	    0);
	assert_string_equal(path, "/srv/a/tls-key.pem");
	unsetenv("STATE_DIRECTORY");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_partial_writes, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_pending, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_junk_hello, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_fingerprint, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_self_signed_files, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_full_records, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_held_records, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_write_wants_read, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_last_record_direct, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_read_ahead_pending, fixture_setup, fixture_teardown),
	    cmocka_unit_test(test_hex),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_state_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
