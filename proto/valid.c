/* valid.c: the rules for names, channel names, text and whole lines. */
#include "utf8.h"
#include "valid.h"

/* ASCII only on purpose: <ctype.h> would follow the locale. */
static int
valid_is_alnum(unsigned char b)
{
	return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') ||
	    (b >= '0' && b <= '9');
}

static unsigned char
valid_lower(unsigned char b)
{
	return (b >= 'A' && b <= 'Z') ? (unsigned char)(b - 'A' + 'a') : b;
}

/* The shared rule of user and channel names; extra is allowed anywhere. */
static int
valid_name_rule(const char *s, size_t len, int extra)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	if (len == 0 || len > PROTO_NAME_MAX)
		return 0;
	if (!valid_is_alnum(u[0]) && u[0] != '_' && u[0] != extra)
		return 0;
	for (i = 1; i < len; i++) {
		if (!valid_is_alnum(u[i]) && u[i] != '_' && u[i] != '.' &&
		    u[i] != '-' && u[i] != extra)
			return 0;
	}
	return 1;
}

enum proto_code
valid_line(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;
	int n;

	while (i < len) {
		/* Printable ASCII, the bulk of chat text, needs one compare. */
		if (u[i] >= 0x20 && u[i] < 0x7F) {
			i++;
			continue;
		}
		if (u[i] < 0x80)
			return PROTO_E_BAD_CHAR;
		n = utf8_decode(s + i, len - i, &cp);
		if (n < 0)
			return PROTO_E_BAD_UTF8;
		if (valid_forbidden(cp))
			return PROTO_E_BAD_CHAR;
		i += (size_t)n;
	}
	return PROTO_E_NONE;
}

enum proto_code
valid_name(const char *s, size_t len)
{
	/* '_' as the extra byte adds nothing: it is allowed anyway. */
	return valid_name_rule(s, len, '_') ? PROTO_E_NONE : PROTO_E_BAD_NAME;
}

enum proto_code
valid_channel_name(const char *s, size_t len)
{
	return valid_name_rule(s, len, '#') ? PROTO_E_NONE
	                                    : PROTO_E_BAD_CHANNEL_NAME;
}

enum proto_code
valid_text(const char *s, size_t len)
{
	if (len == 0)
		return PROTO_E_BAD_TEXT;
	if (len > PROTO_TEXT_MAX)
		return PROTO_E_TEXT_TOO_LONG;
	return valid_line(s, len);
}

enum proto_code
valid_token(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > PROTO_TOKEN_MAX)
		return PROTO_E_BAD_TOKEN;
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < '!' || (unsigned char)s[i] > '~')
			return PROTO_E_BAD_TOKEN;
	}
	return PROTO_E_NONE;
}

int
valid_forbidden(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
	    (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x2028 || cp == 0x2029;
}

int
valid_name_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++) {
		if (valid_lower((unsigned char)a[i]) !=
		    valid_lower((unsigned char)b[i]))
			return 0;
	}
	return 1;
}

/*
 * One byte of the skeleton: case folded, then each class of look-alikes
 * to one member of it.
 */
static unsigned char
valid_skeleton_byte(unsigned char b)
{
	b = valid_lower(b);
	switch (b) {
	case 'i': /* 'I' is 'l' in most sans-serif faces, and 'i' is 'I' */
	case '1':
		return 'l';
	case '0':
		return 'o';
	case '5':
		return 's';
	default:
		return b;
	}
}

size_t
valid_skeleton(const char *s, size_t len, char *out)
{
	size_t i = 0, n = 0;
	unsigned char b, next;

	while (i < len) {
		b = valid_skeleton_byte((unsigned char)s[i]);
		next = i + 1 < len
		    ? valid_skeleton_byte((unsigned char)s[i + 1])
		    : 0;
		/* Pairs that read as one letter, taken left to right. */
		if (b == 'r' && next == 'n') {
			b = 'm';
			i++;
		} else if (b == 'v' && next == 'v') {
			b = 'w';
			i++;
		}
		out[n++] = (char)b;
		i++;
	}
	return n;
}
