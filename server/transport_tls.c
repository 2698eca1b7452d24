/* transport_tls.c: TLS over a non-blocking socket, with OpenSSL 3. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "transport_tls.h"

/*
 * The method of the write side's BIO (see tls_batch_write), shared by a
 * context and the connections made from it, which may outlive it: the
 * last to go frees it.
 */
struct tls_method {
	BIO_METHOD *meth;
	unsigned refs;
};

/*
 * The state of one TLS connection.  Records go out through a batch: one
 * system call carries every record of a writev, as one writev(2) carries
 * every chunk in plain text (a write per record cost 5 times the system
 * calls).  The last record of a writev is not copied into the batch: it
 * leaves from OpenSSL's own buffer, behind the batch, in one writev(2)
 * (see batch_direct).  The batch is allocated while it holds bytes, so
 * an idle connection keeps none, nor does one whose writes fit a record.
 */
struct tls_conn {
	SSL *ssl;
	struct tls_method *m;
	int fd;
	int direct;    /* the record being written is the writev's last */
	int starved;   /* the last read needed the socket: no whole record */
	size_t unsent; /* length of the piece a write said "later" to */
	size_t held;   /* bytes taken whose records are still in the batch */
	char *out;     /* the batch: records not yet written, or NULL */
	size_t out_off, out_len, out_cap;
};

/* Bytes of text in a full TLS record. */
#define TLS_RECORD (16 * 1024)
/* Bytes of records a batch holds at most: two full records. */
#define TLS_BATCH_MAX (2 * (16 * 1024 + 256))
/*
 * Bytes a batch starts with, doubling as needed: a handshake flight or a
 * few lines need no more, and a storm of handshakes leaves fewer holes
 * in the heap.
 */
#define TLS_BATCH_MIN 4096
/* TLS 1.3 suites, the server's preference first. */
#define TLS_SUITES                                                             \
	"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"                       \
	"TLS_CHACHA20_POLY1305_SHA256"
/* Days a self-signed certificate is valid. */
#define TLS_SELF_SIGNED_DAYS 3650
/* The security level asked for at least: 112-bit keys, no SHA-1. */
#define TLS_SECURITY_LEVEL 2

/* What OpenSSL said last, into err after what. */
static void
tls_error(char *err, size_t err_size, const char *what)
{
	char why[256];
	unsigned long e = ERR_peek_last_error();

	if (e != 0)
		ERR_error_string_n(e, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "%s",
		    errno != 0 ? strerror(errno) : "failed");
	snprintf(err, err_size, "%s: %s", what, why);
	ERR_clear_error();
}

static SSL *
tls_ssl(const struct transport *t)
{
	return ((const struct tls_conn *)t->state)->ssl;
}

/*
 * Writes what the batch holds.  Returns 0 once it is empty (and freed), 1
 * if the socket took less, -1 with errno on an error.
 */
static int
batch_flush(struct tls_conn *tc)
{
	while (tc->out_off < tc->out_len) {
		ssize_t n = write(
		    tc->fd, tc->out + tc->out_off, tc->out_len - tc->out_off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		tc->out_off += (size_t)n;
	}
	if (tc->out_off == tc->out_len) {
		free(tc->out);
		tc->out = NULL;
		tc->out_off = tc->out_len = tc->out_cap = 0;
		return 0;
	}
	if (tc->out_off > 0) {
		memmove(
		    tc->out, tc->out + tc->out_off, tc->out_len - tc->out_off);
		tc->out_len -= tc->out_off;
		tc->out_off = 0;
	}
	return 1;
}

/*
 * The BIO OpenSSL writes records to: into the batch, which is written
 * out when full, on BIO_flush (after each handshake flight and alert)
 * and at the end of each writev.  A full batch the socket cannot take
 * says "retry", as a full socket would.
 */
/* Room for len more bytes in the batch, up to its maximum. */
static int
batch_grow(struct tls_conn *tc, size_t len)
{
	size_t cap = tc->out_cap ? tc->out_cap : TLS_BATCH_MIN;
	char *p;

	while (cap < tc->out_len + len && cap < TLS_BATCH_MAX)
		cap *= 2;
	if (cap > TLS_BATCH_MAX)
		cap = TLS_BATCH_MAX;
	if (cap == tc->out_cap)
		return 0;
	p = realloc(tc->out, cap);
	if (p == NULL)
		return -1;
	tc->out = p;
	tc->out_cap = cap;
	return 0;
}

/*
 * The batch and then len bytes at data in one writev(2).  Returns how
 * many of data's bytes left (the batch's go first: those left of it
 * stay in it), or -1 with errno on an error.
 */
static ssize_t
batch_direct(struct tls_conn *tc, const char *data, size_t len)
{
	size_t pend = tc->out_len - tc->out_off;
	struct iovec v[2];
	int n = 0;
	ssize_t w;

	if (pend > 0) {
		v[n].iov_base = tc->out + tc->out_off;
		v[n++].iov_len = pend;
	}
	v[n].iov_base = (void *)(uintptr_t)data;
	v[n++].iov_len = len;
	while ((w = writev(tc->fd, v, n)) < 0 && errno == EINTR)
		continue;
	if (w < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if ((size_t)w < pend) {
		tc->out_off += (size_t)w;
		return 0;
	}
	if (pend > 0) {
		free(tc->out);
		tc->out = NULL;
		tc->out_off = tc->out_len = tc->out_cap = 0;
	}
	return w - (ssize_t)pend;
}

static int
tls_batch_write(BIO *b, const char *data, size_t len, size_t *written)
{
	struct tls_conn *tc = BIO_get_data(b);
	size_t room, sent = 0;

	BIO_clear_retry_flags(b);
	/*
	 * The writev's last record: straight to the socket with the batch
	 * before it; what the socket does not take waits in the batch.
	 */
	if (tc->direct) {
		ssize_t w = batch_direct(tc, data, len);

		if (w < 0)
			return 0;
		sent = (size_t)w;
		if (sent == len) {
			*written = len;
			return 1;
		}
		data += sent;
		len -= sent;
	}
	if (tc->out_len + len > TLS_BATCH_MAX && batch_flush(tc) < 0)
		return 0;
	if (batch_grow(tc, len) < 0) {
		if (sent > 0) {
			*written = sent;
			return 1;
		}
		return 0;
	}
	room = tc->out_cap - tc->out_len;
	if (room == 0) {
		if (sent > 0) {
			*written = sent;
			return 1;
		}
		BIO_set_retry_write(b);
		return 0;
	}
	if (len > room)
		len = room;
	memcpy(tc->out + tc->out_len, data, len);
	tc->out_len += len;
	*written = sent + len;
	return 1;
}

static long
tls_batch_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct tls_conn *tc = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		BIO_clear_retry_flags(b);
		switch (batch_flush(tc)) {
		case 0:
			return 1;
		case 1:
			BIO_set_retry_write(b);
			return 0;
		default:
			return -1;
		}
	case BIO_CTRL_WPENDING:
		return (long)(tc->out_len - tc->out_off);
	default:
		return 0;
	}
}

static struct tls_method *
method_new(void)
{
	struct tls_method *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->meth = BIO_meth_new(BIO_TYPE_SOURCE_SINK, "txt-chatd batch");
	if (m->meth == NULL ||
	    !BIO_meth_set_write_ex(m->meth, tls_batch_write) ||
	    !BIO_meth_set_ctrl(m->meth, tls_batch_ctrl)) {
		BIO_meth_free(m->meth);
		free(m);
		return NULL;
	}
	m->refs = 1;
	return m;
}

static void
method_unref(struct tls_method *m)
{
	if (m != NULL && --m->refs == 0) {
		BIO_meth_free(m->meth);
		free(m);
	}
}

/*
 * A call that said "later" or failed: errno and want say which.  Returns
 * 0 for the peer's close, -1 otherwise.
 */
static int
tls_later(struct transport *t, int r)
{
	int saved = errno;

	switch (SSL_get_error(tls_ssl(t), r)) {
	case SSL_ERROR_WANT_READ:
		t->want = POLLIN;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		t->want = POLLOUT;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		t->want = 0;
		return 0;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		/* With SSL_OP_IGNORE_UNEXPECTED_EOF a bare EOF is a close. */
		errno = saved != 0 ? saved : EPROTO;
		return -1;
	default:
		ERR_clear_error();
		errno = EPROTO;
		return -1;
	}
}

/* Records left in the batch need the socket writable. */
static void
batch_settle(struct transport *t)
{
	struct tls_conn *tc = t->state;

	if (tc->out_len > 0 && batch_flush(tc) != 0)
		t->want |= POLLOUT;
}

static ssize_t
tls_read(struct transport *t, void *buf, size_t len)
{
	size_t n;
	ssize_t got;
	int r;

	struct tls_conn *tc = t->state;

	errno = 0;
	r = SSL_read_ex(tc->ssl, buf, len, &n);
	tc->starved = 0;
	if (r == 1) {
		t->want = 0;
		got = (ssize_t)n;
	} else {
		got = tls_later(t, r);
		/* A read waits for input anyway: POLLIN is no extra event. */
		if (t->want == POLLIN) {
			t->want = 0;
			tc->starved = 1;
		}
	}
	/* An alert or a handshake message it sent may still be here. */
	batch_settle(t);
	return got;
}

/*
 * The bytes of the next record at iov[k] + off, into *p: the piece
 * itself when it holds a full record or is the last one, else up to a
 * full record of the pieces from there, copied into stage (TLS_RECORD
 * bytes).  Returns their length.  The same place gives at least as many
 * bytes again, as the queue behind iov only grows at its tail.
 */
static size_t
next_record(const struct iovec *iov, int iovcnt, int k, size_t off, char *stage,
    const char **p)
{
	size_t len = iov[k].iov_len - off, got = 0;

	if (len >= TLS_RECORD || k + 1 == iovcnt) {
		*p = (const char *)iov[k].iov_base + off;
		return len;
	}
	for (; k < iovcnt && got < TLS_RECORD; k++, off = 0) {
		size_t n = iov[k].iov_len - off;

		if (n > TLS_RECORD - got)
			n = TLS_RECORD - got;
		memcpy(stage + got, (const char *)iov[k].iov_base + off, n);
		got += n;
	}
	*p = stage;
	return got;
}

/* Moves the place iov[*k] + *off on by n bytes. */
static void
iov_advance(const struct iovec *iov, int iovcnt, int *k, size_t *off, size_t n)
{
	while (*k < iovcnt && n >= iov[*k].iov_len - *off) {
		n -= iov[*k].iov_len - *off;
		++*k;
		*off = 0;
	}
	*off += n;
}

/*
 * TLS has no writev: the pieces go by SSL_write in full records (the
 * output queue's chunks are a quarter of one; each record costs the
 * same fixed work), and the records wait in the batch, which goes out
 * with the last record in one writev(2) at the end.  Bytes count as
 * written once their records have left the batch; until then they are
 * held, and the next call skips them.  When a record says "later", what went
 * before is reported; the retry then starts at the same place with at least the
 * same bytes (the output queue keeps them, and
 * SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER lets their address move).
 */
static ssize_t
tls_writev(struct transport *t, const struct iovec *iov, int iovcnt)
{
	struct tls_conn *tc = t->state;
	char stage[TLS_RECORD];
	size_t done, taken = 0, off = 0, len, n, left = 0;
	const char *p;
	int k = 0, r, later = 0, saved;

	/* Earlier records first: what they hold is then written. */
	if (tc->out_len > 0 && (r = batch_flush(tc)) != 0) {
		if (r > 0) {
			t->want = POLLOUT;
			errno = EAGAIN;
		}
		return -1;
	}
	done = tc->held;
	tc->held = 0;
	for (r = 0; r < iovcnt; r++)
		left += iov[r].iov_len;
	left -= done;
	iov_advance(iov, iovcnt, &k, &off, done);
	while (k < iovcnt) {
		if (off == iov[k].iov_len) {
			k++;
			off = 0;
			continue;
		}
		len = next_record(iov, iovcnt, k, off, stage, &p);
		errno = 0;
		tc->direct = len == left;
		r = SSL_write_ex(tc->ssl, p, len, &n);
		tc->direct = 0;
		if (r != 1) {
			/* A record may hold these bytes now: they must stay. */
			tc->unsent = len;
			r = tls_later(t, r);
			if (r == 0)
				errno = EPIPE;
			later = 1;
			break;
		}
		t->want = 0;
		tc->unsent = 0;
		taken += n;
		left -= n;
		iov_advance(iov, iovcnt, &k, &off, n);
	}
	saved = errno;
	r = tc->out_len > 0 ? batch_flush(tc) : 0;
	if (r > 0) {
		/* The socket is full: all of this call's records wait. */
		tc->held = taken;
		taken = 0;
		t->want |= POLLOUT;
		if (!later)
			saved = EAGAIN;
	} else if (r < 0) {
		saved = errno;
		taken = 0;
	}
	if (done + taken > 0)
		return (ssize_t)(done + taken);
	errno = saved;
	return -1;
}

/*
 * Decrypted bytes, or else 1 for records read ahead (see
 * transport_tls_new) that a read may decrypt without the socket: unless
 * the last read found no whole record among them, only part of one,
 * whose rest the socket will show.
 */
static size_t
tls_pending(const struct transport *t)
{
	const struct tls_conn *tc = t->state;
	int n = SSL_pending(tc->ssl);

	if (n > 0)
		return (size_t)n;
	return !tc->starved && SSL_has_pending(tc->ssl) ? 1 : 0;
}

static size_t
tls_unsent(const struct transport *t)
{
	const struct tls_conn *tc = t->state;

	return tc->held + tc->unsent;
}

/* One try at close-notify: best effort, never waited for. */
static void
tls_shutdown(struct transport *t)
{
	(void)SSL_shutdown(tls_ssl(t));
	ERR_clear_error();
	(void)shutdown(t->fd, SHUT_WR);
}

static void
tls_close(struct transport *t)
{
	struct tls_conn *tc = t->state;

	SSL_free(tc->ssl);
	method_unref(tc->m);
	free(tc->out);
	free(tc);
	t->state = NULL;
	if (t->fd >= 0)
		(void)close(t->fd);
	t->fd = -1;
}

static int
tls_handshake(struct transport *t)
{
	int r;

	errno = 0;
	r = SSL_do_handshake(tls_ssl(t));
	if (r == 1) {
		t->want = 0;
		batch_settle(t);
		return 1;
	}
	return tls_later(t, r) < 0 && errno == EAGAIN ? 0 : -1;
}

static const struct transport_ops tls_ops = {
    .read = tls_read,
    .writev = tls_writev,
    .pending = tls_pending,
    .unsent = tls_unsent,
    .shutdown = tls_shutdown,
    .close = tls_close,
    .handshake = tls_handshake,
};

SSL_CTX *
transport_tls_new(const char *cert, const char *key, char *err, size_t err_size)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	struct tls_method *m;

	ERR_clear_error();
	if (ctx == NULL) {
		tls_error(err, err_size, "TLS context");
		return NULL;
	}
	m = method_new();
	if (m == NULL) {
		snprintf(err, err_size, "TLS context: out of memory");
		SSL_CTX_free(ctx);
		return NULL;
	}
	(void)SSL_CTX_set_app_data(ctx, m);
	if (SSL_CTX_get_security_level(ctx) < TLS_SECURITY_LEVEL)
		SSL_CTX_set_security_level(ctx, TLS_SECURITY_LEVEL);
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
		tls_error(err, err_size, "TLS 1.2");
		goto fail;
	}
	/*
	 * The output queue's chunks move and may be written in part; idle
	 * connections give their buffers back.
	 */
	SSL_CTX_set_mode(ctx,
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
	        SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	/*
	 * A read takes what the socket holds, not a record header and then
	 * its body: a handshake took 8 reads, a talker 2 per record.
	 * tls_pending tells the server of whole records so read.
	 */
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_options(ctx,
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF |
	        SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA |
	        SSL_OP_NO_TICKET);
	/*
	 * TLS 1.3: AES-128-GCM first (OpenSSL puts AES-256 with SHA-384
	 * first): SHA-256 hashes the handshake faster, 10 AES rounds encrypt
	 * faster than 14; ChaCha20 for clients that put it first (no AES in
	 * hardware).
	 */
	if (!SSL_CTX_set_ciphersuites(ctx, TLS_SUITES)) {
		tls_error(err, err_size, "TLS 1.3 cipher suites");
		goto fail;
	}
	/* No resumption: no session state grows with the clients. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	(void)SSL_CTX_set_num_tickets(ctx, 0);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tls_error(err, err_size, cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		tls_error(err, err_size, key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_error(err, err_size, "key does not match certificate");
		goto fail;
	}
	return ctx;
fail:
	transport_tls_free(ctx);
	return NULL;
}

/* The context's reference to its method goes with the caller's. */
void
transport_tls_free(SSL_CTX *ctx)
{
	if (ctx == NULL)
		return;
	method_unref(SSL_CTX_get_app_data(ctx));
	(void)SSL_CTX_set_app_data(ctx, NULL);
	SSL_CTX_free(ctx);
}

int
transport_tls_init(struct transport *t, int fd, SSL_CTX *ctx)
{
	struct tls_conn *tc = calloc(1, sizeof(*tc));
	struct tls_method *m = SSL_CTX_get_app_data(ctx);
	BIO *rb = NULL, *wb = NULL;

	if (tc == NULL || m == NULL)
		goto fail;
	tc->fd = fd;
	tc->ssl = SSL_new(ctx);
	/* Reads straight from the socket; records go out through the batch. */
	rb = BIO_new_socket(fd, BIO_NOCLOSE);
	wb = BIO_new(m->meth);
	if (tc->ssl == NULL || rb == NULL || wb == NULL)
		goto fail;
	BIO_set_data(wb, tc);
	BIO_set_init(wb, 1);
	SSL_set_bio(tc->ssl, rb, wb);
	tc->m = m;
	m->refs++;
	SSL_set_accept_state(tc->ssl);
	t->ops = &tls_ops;
	t->fd = fd;
	t->want = 0;
	t->state = tc;
	return 0;
fail:
	BIO_free(rb);
	BIO_free(wb);
	if (tc != NULL)
		SSL_free(tc->ssl);
	free(tc);
	ERR_clear_error();
	return -1;
}

size_t
transport_tls_hex(const unsigned char *d, size_t n, char *buf, size_t size)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t k;

	if (n == 0 || size < n * 3)
		return 0;
	for (k = 0; k < n; k++) {
		buf[k * 3] = digits[d[k] >> 4];
		buf[k * 3 + 1] = digits[d[k] & 15];
		buf[k * 3 + 2] = ':';
	}
	buf[n * 3 - 1] = '\0';
	return n * 3 - 1;
}

int
transport_tls_fingerprint(SSL_CTX *ctx, char *buf, size_t size)
{
	X509 *x = SSL_CTX_get0_certificate(ctx);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (x == NULL || X509_digest(x, EVP_sha256(), md, &n) != 1 ||
	    transport_tls_hex(md, n, buf, size) == 0) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

/* Writes what put writes into path through a new file of mode 0600. */
static int
write_pem(const char *path, int (*put)(FILE *f, void *obj), void *obj,
    char *err, size_t err_size)
{
	char tmp[4096 + 8];
	FILE *f;
	int fd, ok;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp)) {
		snprintf(err, err_size, "%s: path too long", path);
		return -1;
	}
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, err_size, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	ok = put(f, obj) == 1;
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		snprintf(err, err_size, "%s: cannot write", path);
		(void)unlink(tmp);
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static int
put_key(FILE *f, void *obj)
{
	return PEM_write_PrivateKey(f, obj, NULL, NULL, 0, NULL, NULL);
}

static int
put_cert(FILE *f, void *obj)
{
	return PEM_write_X509(f, obj);
}

/* A certificate for pkey, signed by pkey, named after the server. */
static X509 *
self_sign(EVP_PKEY *pkey)
{
	X509 *x = X509_new();
	X509_NAME *name;

	if (x == NULL)
		return NULL;
	name = X509_get_subject_name(x);
	if (X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL)) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x),
	        60L * 60 * 24 * TLS_SELF_SIGNED_DAYS) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	        (const unsigned char *)"txt-chatd", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_set_pubkey(x, pkey) != 1 ||
	    X509_sign(x, pkey, EVP_sha256()) == 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int
transport_tls_self_signed(
    const char *cert, const char *key, char *err, size_t err_size)
{
	struct stat st;
	EVP_PKEY *pkey;
	X509 *x = NULL;
	int r = -1;

	if (stat(cert, &st) == 0)
		return 0;
	ERR_clear_error();
	pkey = EVP_EC_gen("P-256");
	if (pkey == NULL || (x = self_sign(pkey)) == NULL) {
		tls_error(err, err_size, "self-signed certificate");
		goto done;
	}
	/* The key first: a certificate without its key would be reused. */
	if (write_pem(key, put_key, pkey, err, err_size) < 0 ||
	    write_pem(cert, put_cert, x, err, err_size) < 0)
		goto done;
	r = 1;
done:
	X509_free(x);
	EVP_PKEY_free(pkey);
	return r;
}
