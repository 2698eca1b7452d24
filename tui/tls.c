/* tls.c: the client side of TLS with OpenSSL 3 over two memory BIOs. */
#include "tls.h"
#include "datadir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Bytes of an OpenSSL error text kept for tls_strerror(), terminator in. */
#define TLS_ERR_MAX 256
/* Bytes of known_servers read at most. */
#define TLS_KNOWN_FILE_MAX (1024 * 1024)

struct tls {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio; /* ciphertext from the server, read by OpenSSL */
	BIO *wbio; /* ciphertext for the server, written by OpenSSL */
	int done;  /* the handshake finished */
	char err[TLS_ERR_MAX];
};

/* What OpenSSL said last, after what, into t->err. */
static void
tls_set_err(struct tls *t, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[TLS_ERR_MAX / 2];

	if (e == 0) {
		snprintf(t->err, sizeof(t->err), "%s", what);
		return;
	}
	ERR_error_string_n(e, buf, sizeof(buf));
	/* what is a short static text, so OpenSSL's half fits. */
	snprintf(t->err, sizeof(t->err), "%.100s: %s", what, buf);
	ERR_clear_error();
}

struct tls *
tls_new(const char *host, char *err, size_t err_size)
{
	struct tls *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (t->ctx == NULL ||
	    !SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION))
		goto fail;
	/*
	 * No system CAs is not an error: the fingerprint check still works.
	 * SSL_VERIFY_NONE lets the handshake end either way, and the verify
	 * result is read afterwards.
	 */
	(void)SSL_CTX_set_default_verify_paths(t->ctx);
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
	t->ssl = SSL_new(t->ctx);
	t->rbio = BIO_new(BIO_s_mem());
	t->wbio = BIO_new(BIO_s_mem());
	if (t->ssl == NULL || t->rbio == NULL || t->wbio == NULL)
		goto fail;
	/* An empty read BIO means "later", not EOF. */
	BIO_set_mem_eof_return(t->rbio, -1);
	SSL_set_bio(t->ssl, t->rbio, t->wbio);
	SSL_set_connect_state(t->ssl);
	if (SSL_set_tlsext_host_name(t->ssl, host) != 1 ||
	    SSL_set1_host(t->ssl, host) != 1)
		goto fail;
	return t;
fail:
	tls_set_err(t, "TLS setup failed");
	snprintf(err, err_size, "%s", t->err);
	if (t->ssl == NULL) {
		BIO_free(t->rbio);
		BIO_free(t->wbio);
	}
	tls_free(t);
	return NULL;
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);
	SSL_CTX_free(t->ctx);
	free(t);
}

int
tls_feed(struct tls *t, const char *data, size_t len)
{
	size_t n;

	if (len == 0)
		return 0;
	if (BIO_write_ex(t->rbio, data, len, &n) != 1 || n != len) {
		tls_set_err(t, "out of memory");
		return TLS_ERROR;
	}
	return 0;
}

/* Maps an SSL call's failure r to AGAIN, EOF or ERROR. */
static int
tls_result(struct tls *t, int r, const char *what)
{
	switch (SSL_get_error(t->ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return TLS_AGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_EOF;
	default:
		tls_set_err(t, what);
		return TLS_ERROR;
	}
}

int
tls_handshake(struct tls *t)
{
	int r;

	if (t->done)
		return 1;
	r = SSL_do_handshake(t->ssl);
	if (r == 1) {
		t->done = 1;
		return 1;
	}
	return tls_result(t, r, "TLS handshake failed");
}

ssize_t
tls_read(struct tls *t, char *buf, size_t size)
{
	size_t n;
	int r;

	if (!t->done) {
		r = tls_handshake(t);
		if (r != 1)
			return r;
	}
	r = SSL_read_ex(t->ssl, buf, size, &n);
	if (r == 1)
		return (ssize_t)n;
	return tls_result(t, r, "TLS read failed");
}

int
tls_write(struct tls *t, const char *data, size_t len)
{
	size_t n;
	int r;

	if (!t->done) {
		snprintf(t->err, sizeof(t->err), "TLS handshake not done");
		return TLS_ERROR;
	}
	if (len == 0)
		return 0;
	/* The write BIO grows as needed, so one call takes everything. */
	r = SSL_write_ex(t->ssl, data, len, &n);
	if (r == 1 && n == len)
		return 0;
	tls_set_err(t, "TLS write failed");
	return TLS_ERROR;
}

size_t
tls_pending(const struct tls *t)
{
	return BIO_ctrl_pending(t->wbio);
}

size_t
tls_take(struct tls *t, char *buf, size_t size)
{
	size_t n = 0;

	if (size == 0 || BIO_ctrl_pending(t->wbio) == 0)
		return 0;
	if (BIO_read_ex(t->wbio, buf, size, &n) != 1)
		return 0;
	return n;
}

int
tls_ca_verified(const struct tls *t)
{
	X509 *x;

	if (!t->done)
		return 0;
	x = SSL_get0_peer_certificate(t->ssl);
	return x != NULL && SSL_get_verify_result(t->ssl) == X509_V_OK;
}

int
tls_fingerprint(const struct tls *t, char *buf, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0, i;
	X509 *x;

	if (!t->done || size < TLS_FP_MAX)
		return -1;
	x = SSL_get0_peer_certificate(t->ssl);
	if (x == NULL || X509_digest(x, EVP_sha256(), md, &n) != 1 ||
	    n * 3 > size)
		return -1;
	for (i = 0; i < n; i++) {
		buf[i * 3] = hex[md[i] >> 4];
		buf[i * 3 + 1] = hex[md[i] & 15];
		buf[i * 3 + 2] = i + 1 < n ? ':' : '\0';
	}
	return 0;
}

const char *
tls_strerror(const struct tls *t)
{
	return t->err[0] != '\0' ? t->err : "no error";
}

int
tls_known_path(char *buf, size_t size, const char *xdg_data, const char *home)
{
	return datadir_path(buf, size, xdg_data, home, "known_servers") == 1
	    ? 0
	    : -1;
}

enum tls_known
tls_known_find(const char *text, size_t len, const char *hostport,
    const char *fp, char *old, size_t old_size)
{
	size_t hlen = strlen(hostport), pos = 0;

	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl != NULL ? (size_t)(nl - line) : len - pos;
		const char *f;
		size_t flen;

		pos += llen + (nl != NULL);
		if (llen + 1 >= TLS_KNOWN_LINE_MAX || llen == 0 ||
		    line[0] == '#')
			continue;
		if (llen > 0 && line[llen - 1] == '\r')
			llen--;
		if (llen <= hlen || memcmp(line, hostport, hlen) != 0 ||
		    line[hlen] != ' ')
			continue;
		f = line + hlen;
		flen = llen - hlen;
		while (flen > 0 && (*f == ' ' || *f == '\t')) {
			f++;
			flen--;
		}
		while (flen > 0 && (f[flen - 1] == ' ' || f[flen - 1] == '\t'))
			flen--;
		if (flen >= old_size)
			flen = old_size - 1;
		memcpy(old, f, flen);
		old[flen] = '\0';
		return strcmp(old, fp) == 0 ? TLS_KNOWN_MATCH
		                            : TLS_KNOWN_CHANGED;
	}
	return TLS_KNOWN_NEW;
}

enum tls_known
tls_known_check(const char *path, const char *hostport, const char *fp,
    char *old, size_t old_size)
{
	enum tls_known k;
	char *text;
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return errno == ENOENT ? TLS_KNOWN_NEW : TLS_KNOWN_FAIL;
	text = malloc(TLS_KNOWN_FILE_MAX + 1);
	if (text == NULL) {
		fclose(f);
		return TLS_KNOWN_FAIL;
	}
	n = fread(text, 1, TLS_KNOWN_FILE_MAX + 1, f);
	if (ferror(f) || n > TLS_KNOWN_FILE_MAX)
		k = TLS_KNOWN_FAIL;
	else
		k = tls_known_find(text, n, hostport, fp, old, old_size);
	free(text);
	fclose(f);
	return k;
}

int
tls_known_add(const char *path, const char *hostport, const char *fp)
{
	char line[TLS_KNOWN_LINE_MAX], last;
	int fd, n;
	ssize_t w;

	n = snprintf(line, sizeof(line), "%s %s\n", hostport, fp);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (datadir_mkdirs(path) == -1)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_APPEND, 0600);
	if (fd == -1)
		return -1;
	/* A file edited by hand may lack its last LF: the new line needs one.
	 */
	if (lseek(fd, -1, SEEK_END) != -1 && read(fd, &last, 1) == 1 &&
	    last != '\n' && write(fd, "\n", 1) != 1) {
		(void)close(fd);
		return -1;
	}
	w = write(fd, line, (size_t)n);
	if (close(fd) == -1 || w != n) {
		if (w >= 0 && w != n)
			errno = EIO;
		return -1;
	}
	return 0;
}
