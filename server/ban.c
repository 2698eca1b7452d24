/* ban.c: parsing a ban file and matching addresses and names against it. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ban.h"
#include "proto.h"
#include "valid.h"

/* Bytes of an address in binary: IPv4 is kept as IPv4-mapped IPv6. */
#define BAN_ADDR_LEN 16

enum ban_kind {
	BAN_ADDR, /* addr/bits */
	BAN_NAME, /* skeleton */
};

struct ban_entry {
	enum ban_kind kind;
	unsigned bits; /* prefix length over the 128-bit form */
	unsigned char addr[BAN_ADDR_LEN];
	size_t len; /* of skeleton */
	char skeleton[PROTO_NAME_MAX];
};

struct ban_list {
	size_t n, cap;
	struct ban_entry *e;
};

/* 192.0.2.7 as ::ffff:192.0.2.7, so one comparison serves both families. */
static const unsigned char ban_v4_prefix[12] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/*
 * An address in text form to the 128-bit form; *v4 says it was written
 * as IPv4.  0, or -1 if it is no address.
 */
static int
ban_addr_parse(const char *s, unsigned char out[BAN_ADDR_LEN], int *v4)
{
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		memcpy(out, ban_v4_prefix, sizeof(ban_v4_prefix));
		memcpy(out + 12, &a4, 4);
		*v4 = 1;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) != 1)
		return -1;
	*v4 = 0;
	return 0;
}

/* Whether the first bits of a and b are equal. */
static int
ban_prefix_equal(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xFF << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

/* An address or network entry from s (NUL-terminated); 0 or -1. */
static int
ban_entry_addr(const char *s, struct ban_entry *e)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long bits = 0;
	char *end;
	int v4;

	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (ban_addr_parse(host, e->addr, &v4) < 0)
		return -1;
	if (slash == NULL) {
		e->bits = 128;
	} else {
		if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
			return -1;
		errno = 0;
		bits = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || bits > (v4 ? 32UL : 128UL))
			return -1;
		/* An IPv4 network's bits count after the mapped prefix. */
		e->bits = (unsigned)bits + (v4 ? 96 : 0);
	}
	e->kind = BAN_ADDR;
	return 0;
}

static int
ban_add(struct ban_list *b, const struct ban_entry *e)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct ban_entry *p = realloc(b->e, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		b->e = p;
		b->cap = cap;
	}
	b->e[b->n++] = *e;
	return 0;
}

static int
ban_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * One line (without its LF) into b.  0, or -1 with err set; lineno is for
 * the message.
 */
static int
ban_line(struct ban_list *b, const char *p, size_t len, size_t lineno,
    char *err, size_t errsize)
{
	char word[BAN_LINE_MAX + 1];
	const char *hash = memchr(p, '#', len);
	struct ban_entry e;

	if (len > BAN_LINE_MAX) {
		snprintf(err, errsize, "line %zu: longer than %d bytes", lineno,
		    BAN_LINE_MAX);
		return -1;
	}
	if (hash != NULL)
		len = (size_t)(hash - p);
	while (len > 0 && ban_is_space(*p)) {
		p++;
		len--;
	}
	while (len > 0 && ban_is_space(p[len - 1]))
		len--;
	if (len == 0)
		return 0;
	memcpy(word, p, len);
	word[len] = '\0';
	memset(&e, 0, sizeof(e));
	if (ban_entry_addr(word, &e) < 0) {
		/*
		 * What has the shape of an address is one, mistyped: taken
		 * as a name, "192.0.2.300" would ban nobody, silently.
		 */
		if (strspn(word, "0123456789.") == len ||
		    strpbrk(word, ":/") != NULL ||
		    valid_name(word, len) != PROTO_E_NONE) {
			snprintf(err, errsize,
			    "line %zu: not an address, network or name: %.64s",
			    lineno, word);
			return -1;
		}
		e.kind = BAN_NAME;
		e.len = valid_skeleton(word, len, e.skeleton);
	}
	if (b->n >= BAN_ENTRIES_MAX) {
		snprintf(err, errsize, "line %zu: more than %d entries", lineno,
		    BAN_ENTRIES_MAX);
		return -1;
	}
	if (ban_add(b, &e) < 0) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	return 0;
}

struct ban_list *
ban_parse(const char *text, size_t len, char *err, size_t errsize)
{
	struct ban_list *b = calloc(1, sizeof(*b));
	const char *p = text, *end = text + len, *lf;
	size_t lineno = 0;

	if (b == NULL) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	while (p < end) {
		lf = memchr(p, '\n', (size_t)(end - p));
		lineno++;
		if (ban_line(b, p, lf ? (size_t)(lf - p) : (size_t)(end - p),
		        lineno, err, errsize) < 0) {
			ban_free(b);
			return NULL;
		}
		p = lf ? lf + 1 : end;
	}
	return b;
}

struct ban_list *
ban_load(const char *path, char *err, size_t errsize)
{
	struct ban_list *b = NULL;
	char *buf = malloc(BAN_FILE_MAX + 1);
	size_t len = 0;
	ssize_t n;
	int fd;

	if (buf == NULL) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errsize, "%.200s: %s", path, strerror(errno));
		free(buf);
		return NULL;
	}
	/* One byte more than allowed tells a file that is too big. */
	while (len <= BAN_FILE_MAX &&
	    (n = read(fd, buf + len, BAN_FILE_MAX + 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(
			    err, errsize, "%.200s: %s", path, strerror(errno));
			goto done;
		}
		len += (size_t)n;
	}
	if (len > BAN_FILE_MAX) {
		snprintf(err, errsize, "%.200s: larger than %zu bytes", path,
		    BAN_FILE_MAX);
		goto done;
	}
	b = ban_parse(buf, len, err, errsize);
	if (b == NULL) {
		char why[BAN_ERR_MAX];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errsize, "%.100s: %s", path, why);
	}
done:
	close(fd);
	free(buf);
	return b;
}

void
ban_free(struct ban_list *b)
{
	if (b == NULL)
		return;
	free(b->e);
	free(b);
}

size_t
ban_count(const struct ban_list *b)
{
	return b != NULL ? b->n : 0;
}

int
ban_addr_match(const struct ban_list *b, const char *ip)
{
	unsigned char a[BAN_ADDR_LEN];
	size_t i;
	int v4;

	if (b == NULL || ban_addr_parse(ip, a, &v4) < 0)
		return 0;
	for (i = 0; i < b->n; i++) {
		if (b->e[i].kind == BAN_ADDR &&
		    ban_prefix_equal(a, b->e[i].addr, b->e[i].bits))
			return 1;
	}
	return 0;
}

int
ban_name_match(const struct ban_list *b, const char *name, size_t len)
{
	char sk[PROTO_NAME_MAX];
	size_t i, n;

	if (b == NULL || len == 0 || len > PROTO_NAME_MAX)
		return 0;
	n = valid_skeleton(name, len, sk);
	for (i = 0; i < b->n; i++) {
		if (b->e[i].kind == BAN_NAME && b->e[i].len == n &&
		    memcmp(b->e[i].skeleton, sk, n) == 0)
			return 1;
	}
	return 0;
}
