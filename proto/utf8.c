/* utf8.c: strict UTF-8 decoding, encoding and validation. */
#include <string.h>

#include "utf8.h"

/* True for a continuation byte 10xxxxxx. */
static int
utf8_is_cont(unsigned char b)
{
	return (b & 0xC0) == 0x80;
}

/*
 * The allowed range of the second byte depends on the first: that is how
 * overlongs (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and code points
 * above U+10FFFF (F4 90..BF) are refused without decoding them first.
 */
int
utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xBF;
	int need, i;
	uint32_t c;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] < 0xC2) {
		/* A stray continuation byte, or C0/C1 (always overlong). */
		return -1;
	} else if (u[0] < 0xE0) {
		need = 2;
		c = u[0] & 0x1F;
	} else if (u[0] < 0xF0) {
		need = 3;
		c = u[0] & 0x0F;
		if (u[0] == 0xE0)
			lo = 0xA0;
		else if (u[0] == 0xED)
			hi = 0x9F;
	} else if (u[0] < 0xF5) {
		need = 4;
		c = u[0] & 0x07;
		if (u[0] == 0xF0)
			lo = 0x90;
		else if (u[0] == 0xF4)
			hi = 0x8F;
	} else {
		return -1;
	}
	if (len < (size_t)need)
		return -1;
	if (u[1] < lo || u[1] > hi)
		return -1;
	for (i = 1; i < need; i++) {
		if (!utf8_is_cont(u[i]))
			return -1;
		c = (c << 6) | (u[i] & 0x3F);
	}
	*cp = c;
	return need;
}

int
utf8_valid(const char *s, size_t len)
{
	const uint64_t high = 0x8080808080808080u;
	size_t i = 0;
	uint64_t w;
	uint32_t cp;
	int n;

	while (i < len) {
		/* Most chat text is ASCII: skip it eight bytes at a time. */
		while (len - i >= 8) {
			memcpy(&w, s + i, 8);
			if (w & high)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (n < 0)
			return 0;
		i += (size_t)n;
	}
	return 1;
}

int
utf8_encode(uint32_t cp, char out[4])
{
	unsigned char *u = (unsigned char *)out;

	/* Out of contract; U+FFFD keeps the output valid instead of garbage. */
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	u[0] = (unsigned char)(0xF0 | (cp >> 18));
	u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	u[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}
