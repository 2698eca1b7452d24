/* account.c: the client's account helpers: the password typed unseen, the
 * password command's output, where passwords may go, read markers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "account.h"
#include "utf8.h"
#include "valid.h"

enum account_pw
account_password_check(const char *p, size_t len)
{
	size_t i = 0;
	uint32_t cp;
	int n;

	if (len < ACCOUNT_PASSWORD_MIN)
		return ACCOUNT_PW_SHORT;
	if (len > ACCOUNT_PASSWORD_MAX)
		return ACCOUNT_PW_LONG;
	while (i < len) {
		n = utf8_decode(p + i, len - i, &cp);
		if (n < 0 || valid_forbidden(cp))
			return ACCOUNT_PW_CHAR;
		i += (size_t)n;
	}
	return ACCOUNT_PW_OK;
}

const char *
account_password_problem(enum account_pw why)
{
	switch (why) {
	case ACCOUNT_PW_OK:
		break;
	case ACCOUNT_PW_SHORT:
		return "the password is too short: it needs at least 8 bytes";
	case ACCOUNT_PW_LONG:
		return "the password is too long: it may have at most 256 "
		       "bytes";
	case ACCOUNT_PW_CHAR:
		return "the password holds a control or formatting character, "
		       "which the server does not take";
	}
	return "the password is fine";
}

void
account_wipe(void *p, size_t n)
{
	/* explicit_bzero: a memset the compiler may not drop as dead. */
	explicit_bzero(p, n);
}

int
account_secret_insert(struct account_secret *s, uint32_t cp)
{
	char enc[4];
	int n;

	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
	    valid_forbidden(cp))
		return -1;
	n = utf8_encode(cp, enc);
	if (s->len + (size_t)n > sizeof(s->buf)) {
		account_wipe(enc, sizeof(enc));
		return -1;
	}
	memcpy(s->buf + s->len, enc, (size_t)n);
	s->len += (size_t)n;
	account_wipe(enc, sizeof(enc));
	return 0;
}

int
account_secret_paste(struct account_secret *s, const char *p, size_t len)
{
	const char *nl = memchr(p, '\n', len);
	size_t n = nl != NULL ? (size_t)(nl - p) : len, i = 0;
	uint32_t cp;
	int k;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (s->len + n > sizeof(s->buf))
		return -1;
	while (i < n) {
		k = utf8_decode(p + i, n - i, &cp);
		if (k < 0 || valid_forbidden(cp))
			return -1;
		i += (size_t)k;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return 0;
}

void
account_secret_backspace(struct account_secret *s)
{
	while (s->len > 0 && ((unsigned char)s->buf[--s->len] & 0xC0) == 0x80)
		s->buf[s->len] = '\0';
	s->buf[s->len] = '\0';
}

void
account_secret_wipe(struct account_secret *s)
{
	account_wipe(s->buf, sizeof(s->buf));
	s->len = 0;
}

long
account_cmd_password(const char *out, size_t len, int full)
{
	const char *nl = memchr(out, '\n', len);
	size_t n;

	if (nl == NULL && full)
		return -1;
	n = nl != NULL ? (size_t)(nl - out) : len;
	if (n > 0 && out[n - 1] == '\r')
		n--;
	return n > 0 ? (long)n : -1;
}

/* Whether host[0..len) names this machine's loopback. */
static int
account_loopback(const char *host, size_t len)
{
	static const char local[] = "localhost";

	if (len == sizeof(local) - 1 && memcmp(host, local, len) == 0)
		return 1;
	if (len == 5 && memcmp(host, "[::1]", 5) == 0)
		return 1;
	/* 127.0.0.0/8, written as a dotted quad. */
	return len >= 9 && len <= 15 && memcmp(host, "127.", 4) == 0 &&
	    strspn(host, "0123456789.") >= len;
}

int
account_server_safe(const char *server)
{
	static const char tls[] = "tls://";
	const char *colon;

	if (strncmp(server, tls, sizeof(tls) - 1) == 0)
		return 1;
	colon = strrchr(server, ':');
	if (colon == NULL)
		return 0;
	return account_loopback(server, (size_t)(colon - server));
}

struct account_vault {
	size_t size; /* of the mapping */
	size_t len[2];
	char buf[2][ACCOUNT_PASSWORD_MAX];
};

struct account_vault *
account_vault_new(int *locked)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t size = page > 0 ? (size_t)page : 4096;
	struct account_vault *v;
	void *p;

	_Static_assert(
	    sizeof(struct account_vault) <= 4096, "a vault fits a page");
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	*locked = mlock(p, size) == 0;
#ifdef MADV_DONTDUMP
	/* Not in a core dump either. */
	(void)madvise(p, size, MADV_DONTDUMP);
#endif
	v = p;
	v->size = size;
	return v;
}

void
account_vault_free(struct account_vault *v)
{
	size_t size;

	if (v == NULL)
		return;
	size = v->size;
	account_wipe(v, size);
	(void)munlock(v, size);
	(void)munmap(v, size);
}

int
account_vault_set(
    struct account_vault *v, enum account_slot slot, const char *p, size_t len)
{
	if (len > ACCOUNT_PASSWORD_MAX)
		return -1;
	account_vault_clear(v, slot);
	memcpy(v->buf[slot], p, len);
	v->len[slot] = len;
	return 0;
}

void
account_vault_clear(struct account_vault *v, enum account_slot slot)
{
	account_wipe(v->buf[slot], sizeof(v->buf[slot]));
	v->len[slot] = 0;
}

size_t
account_vault_get(
    const struct account_vault *v, enum account_slot slot, const char **p)
{
	*p = v->buf[slot];
	return v->len[slot];
}

void
account_marks_clear(struct account_marks *m)
{
	m->n = 0;
}

static struct account_mark *
account_marks_find(const struct account_marks *m, const char *chan, size_t len)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->e[i].chan_len == len &&
		    memcmp(m->e[i].chan, chan, len) == 0)
			return (struct account_mark *)&m->e[i];
	return NULL;
}

/* Whether a mark_read of e is wanted: seen past what was read and sent. */
static int
account_mark_pending(const struct account_mark *e)
{
	return e->want > e->read && e->want > e->sent;
}

/*
 * The entry of chan, added if new: when the table is full, one with
 * nothing to send makes room (its marker is the server's to say again).
 */
static struct account_mark *
account_marks_get(struct account_marks *m, const char *chan, size_t len)
{
	struct account_mark *e = account_marks_find(m, chan, len);
	size_t i;

	if (e != NULL)
		return e;
	if (len == 0 || len > PROTO_ID_MAX)
		return NULL;
	if (m->n < ACCOUNT_MARKS_MAX) {
		e = &m->e[m->n++];
	} else {
		for (i = 0; i < m->n && account_mark_pending(&m->e[i]); i++)
			continue;
		if (i == m->n)
			return NULL;
		e = &m->e[i];
	}
	memset(e, 0, sizeof(*e));
	memcpy(e->chan, chan, len);
	e->chan_len = len;
	return e;
}

uint64_t
account_marks_read(const struct account_marks *m, const char *chan, size_t len)
{
	const struct account_mark *e = account_marks_find(m, chan, len);

	return e != NULL ? e->read : 0;
}

uint64_t
account_marks_server(
    struct account_marks *m, const char *chan, size_t len, uint64_t seq)
{
	struct account_mark *e = account_marks_get(m, chan, len);

	if (e == NULL)
		return 0;
	if (seq > e->read)
		e->read = seq;
	return e->read;
}

int
account_marks_seen(
    struct account_marks *m, const char *chan, size_t len, uint64_t seq)
{
	struct account_mark *e;

	if (seq == 0)
		return 0;
	e = account_marks_find(m, chan, len);
	if (e != NULL && (seq <= e->read || seq <= e->want))
		return account_mark_pending(e);
	if (e == NULL && (e = account_marks_get(m, chan, len)) == NULL)
		return -1;
	e->want = seq;
	return account_mark_pending(e);
}

long
account_marks_due(const struct account_marks *m, uint64_t now)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (account_mark_pending(&m->e[i]) &&
		    (m->e[i].sent_at == 0 ||
		        now >= m->e[i].sent_at + ACCOUNT_MARK_INTERVAL_MS))
			return (long)i;
	return -1;
}

void
account_marks_sent(struct account_marks *m, size_t i, uint64_t now)
{
	m->e[i].sent = m->e[i].want;
	m->e[i].sent_at = now > 0 ? now : 1;
}

uint64_t
account_marks_next(const struct account_marks *m)
{
	uint64_t next = UINT64_MAX, t;
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (!account_mark_pending(&m->e[i]))
			continue;
		t = m->e[i].sent_at == 0
		    ? 0
		    : m->e[i].sent_at + ACCOUNT_MARK_INTERVAL_MS;
		if (t < next)
			next = t;
	}
	return next;
}

void
account_marks_reset_sent(struct account_marks *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		m->e[i].sent = 0;
		m->e[i].sent_at = 0;
	}
}

int
account_away_first(struct account_away *a, const char *name, size_t len)
{
	size_t i;

	if (len > PROTO_NAME_MAX)
		len = PROTO_NAME_MAX;
	for (i = 0; i < a->n; i++)
		if (valid_name_equal(a->name[i], strlen(a->name[i]), name, len))
			return 0;
	if (a->n < ACCOUNT_AWAY_MAX) {
		memcpy(a->name[a->n], name, len);
		a->name[a->n][len] = '\0';
		a->n++;
	}
	return 1;
}

void
account_away_clear(struct account_away *a)
{
	a->n = 0;
}
