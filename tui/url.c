/* url.c: URLs in chat text: finding them, the recent ones of a window, and
 * the OSC 52 sequence that puts one on the clipboard. */
#include <string.h>

#include "url.h"
#include "utf8.h"

static int
url_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* Whether s[i..len) starts with the ASCII prefix p, in any case. */
static int
url_prefix(const char *s, size_t len, size_t i, const char *p)
{
	size_t n = strlen(p), k;
	unsigned char c;

	if (len - i < n)
		return 0;
	for (k = 0; k < n; k++) {
		c = (unsigned char)s[i + k];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)p[k])
			return 0;
	}
	return 1;
}

/* A code point that ends a URL: a Unicode space or CJK stop or comma. */
static int
url_stop_cp(uint32_t cp)
{
	return cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F ||
	    cp == 0x205F || (cp >= 0x3000 && cp <= 0x3002) || cp == 0xFF0C ||
	    cp == 0xFFFD;
}

/* The end of the run of URL bytes from i. */
static size_t
url_run(const char *s, size_t len, size_t i)
{
	unsigned char c;
	uint32_t cp;
	int n;

	while (i < len) {
		c = (unsigned char)s[i];
		if (c < 0x80) {
			if (c <= 0x20 || c == 0x7F || c == '<' || c == '>' ||
			    c == '"' || c == '`')
				break;
			i++;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (n < 0 || url_stop_cp(cp))
			break;
		i += (size_t)n;
	}
	return i;
}

/* How many times c occurs in s[a..b). */
static size_t
url_count(const char *s, size_t a, size_t b, char c)
{
	size_t n = 0;

	for (; a < b; a++)
		n += s[a] == c;
	return n;
}

/* Drops the trailing punctuation of s[start..end) that is not the URL's. */
static size_t
url_trim(const char *s, size_t start, size_t end)
{
	static const char open[] = "([{", close[] = ")]}";
	const char *k;
	char c;

	while (end > start) {
		c = s[end - 1];
		if (strchr(".,:;!?'", c) != NULL) {
			end--;
			continue;
		}
		k = strchr(close, c);
		if (c != '\0' && k != NULL &&
		    url_count(s, start, end, open[k - close]) <
		        url_count(s, start, end, c)) {
			end--;
			continue;
		}
		break;
	}
	return end;
}

/* Whether the host of a "www." URL, s[a..b) after the prefix, has a '.'
 * with something after it. */
static int
url_www_host(const char *s, size_t a, size_t b)
{
	size_t i;

	for (i = a; i < b; i++) {
		if (strchr("/?#:", s[i]) != NULL)
			break;
		if (s[i] == '.' && i > a && i + 1 < b &&
		    strchr("/?#:.", s[i + 1]) == NULL)
			return 1;
	}
	return 0;
}

int
url_find(const char *s, size_t len, size_t from, size_t *start, size_t *end)
{
	size_t i, plen, e;
	unsigned char prev, first;
	int www;

	for (i = from; i < len; i++) {
		prev = i > 0 ? (unsigned char)s[i - 1] : ' ';
		if (url_alnum(prev))
			continue;
		www = 0;
		if (url_prefix(s, len, i, "http://"))
			plen = 7;
		else if (url_prefix(s, len, i, "https://"))
			plen = 8;
		else if (url_prefix(s, len, i, "www.") &&
		    strchr(".-_/:@", prev) == NULL) {
			plen = 4;
			www = 1;
		} else
			continue;
		if (i + plen >= len)
			continue;
		first = (unsigned char)s[i + plen];
		if (!url_alnum(first) && first != '[' && first < 0x80)
			continue;
		e = url_trim(s, i, url_run(s, len, i + plen));
		if (e <= i + plen)
			continue;
		if (www && !url_www_host(s, i + plen, e))
			continue;
		*start = i;
		*end = e;
		return 1;
	}
	return 0;
}

/* The k-th URL (0 for the first) of s[0..len); its bounds. */
static void
url_nth(const char *s, size_t len, size_t k, size_t *a, size_t *b)
{
	size_t pos = 0;

	do {
		(void)url_find(s, len, pos, a, b);
		pos = *b;
	} while (k-- > 0);
}

/*
 * Walks w's lines from the latest, and in each its URLs from the last:
 * skips the first `skip`, then stores up to max into out.  Returns how
 * many were stored.
 */
static size_t
url_walk(
    const struct model_win *w, size_t skip, struct url_ref *out, size_t max)
{
	uint64_t i, begin = model_lines_begin(w);
	struct model_line l;
	size_t count, got = 0, pos, a, b;

	for (i = model_lines_end(w); i > begin && got < max; i--) {
		if (model_line(w, i - 1, &l) < 0)
			continue;
		if (l.kind != MODEL_LINE_MSG && l.kind != MODEL_LINE_ACT &&
		    l.kind != MODEL_LINE_EVENT)
			continue;
		count = 0;
		for (pos = 0; url_find(l.text, l.text_len, pos, &a, &b);
		     pos = b)
			count++;
		if (count <= skip) {
			skip -= count;
			continue;
		}
		for (count -= skip, skip = 0; count > 0 && got < max; count--) {
			url_nth(l.text, l.text_len, count - 1, &a, &b);
			out[got].p = l.text + a;
			out[got].len = b - a;
			out[got].index = i - 1;
			got++;
		}
	}
	return got;
}

int
url_recent(const struct model_win *w, size_t n, struct url_ref *out)
{
	return n > 0 && url_walk(w, n - 1, out, 1) == 1;
}

size_t
url_list(const struct model_win *w, struct url_ref *out, size_t max)
{
	return url_walk(w, 0, out, max);
}

size_t
url_quote_len(const char *url, size_t len)
{
	if (len <= URL_QUOTE_MAX)
		return len;
	len = URL_QUOTE_MAX;
	/* Back to the start of the code point cut. */
	while (len > 0 && ((unsigned char)url[len] & 0xC0) == 0x80)
		len--;
	return len;
}

size_t
url_osc52(const char *text, size_t len, char *out, size_t size)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *t = (const unsigned char *)text;
	size_t need = 7 + (len + 2) / 3 * 4 + 1, i, n = 0;
	unsigned long v;

	if (len == 0 || len > URL_COPY_MAX || need > size)
		return 0;
	memcpy(out, "\033]52;c;", 7);
	n = 7;
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned long)t[i] << 16 | (unsigned long)t[i + 1] << 8 |
		    t[i + 2];
		out[n++] = b64[v >> 18 & 63];
		out[n++] = b64[v >> 12 & 63];
		out[n++] = b64[v >> 6 & 63];
		out[n++] = b64[v & 63];
	}
	if (i < len) {
		v = (unsigned long)t[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)t[i + 1] << 8;
		out[n++] = b64[v >> 18 & 63];
		out[n++] = b64[v >> 12 & 63];
		out[n++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		out[n++] = '=';
	}
	out[n++] = '\a';
	return n;
}
