/* fuzz_display.c: sanitize() and wrap_next() on untrusted text. */
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"
#include "utf8.h"
#include "valid.h"
#include "width.h"
#include "wrap.h"

/*
 * The first byte of the input picks N (1 to 64) and a cut for the
 * short-buffer check; the rest is text from the network.  It is sanitised
 * and must come out safe and within SANITIZE_OUT_MAX; sanitising again
 * changes nothing; a short output buffer gets a prefix.  The sanitised
 * text is then laid out at every width from 1 to N (and the raw bytes at
 * N): rows always move forward, cover the text, drop only break spaces,
 * and fit their width unless one wide character is alone on the row.
 */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Widest row tried, in columns. */
#define FUZZ_WIDTH_MAX 64

#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			    __LINE__, #cond);                                  \
			abort();                                               \
		}                                                              \
	} while (0)

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* wcwidth() decides what is printable and how wide, as on screen. */
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		abort();
	return 0;
}

/* Output of sanitize(): what sanitize.h promises never to let through. */
static void
check_safe(const char *s, size_t len)
{
	size_t i = 0;
	uint32_t cp;
	int n;

	FUZZ_CHECK(utf8_valid(s, len));
	while (i < len) {
		FUZZ_CHECK(
		    (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] != 0x7F);
		n = utf8_decode(s + i, len - i, &cp);
		FUZZ_CHECK(n > 0);
		FUZZ_CHECK(!valid_forbidden(cp));
		/* LRM, RLM and ALM are bidi controls too. */
		FUZZ_CHECK(cp != 0x200E && cp != 0x200F && cp != 0x061C);
		FUZZ_CHECK(width_raw(cp) >= 0);
		FUZZ_CHECK(sanitize_cp(cp) == cp);
		/* Only the first code point may be zero-width after a space. */
		if (i == 0)
			FUZZ_CHECK(width_raw(cp) > 0);
		i += (size_t)n;
	}
}

/* Length of the cluster at s[i]: a code point and the zero-width after it. */
static size_t
cluster_end(const char *s, size_t len, size_t i)
{
	uint32_t cp;
	int n = utf8_decode(s + i, len - i, &cp);

	i += n < 0 ? 1 : (size_t)n;
	while (i < len) {
		n = utf8_decode(s + i, len - i, &cp);
		if (n < 0 || width_cp(cp) != 0)
			break;
		i += (size_t)n;
	}
	return i;
}

/* Lays out s[0..len) at width; returns the rows. */
static size_t
check_wrap(const char *s, size_t len, int width)
{
	size_t pos = 0, end, next, rows = 0, k;
	int cols;

	do {
		cols = wrap_next(s, len, pos, width, &end, &next);
		rows++;
		FUZZ_CHECK(rows <= len + 1);
		FUZZ_CHECK(pos <= end && end <= next && next <= len);
		FUZZ_CHECK(next > pos || (pos == 0 && len == 0));
		/* Only the spaces of a break are left out. */
		for (k = end; k < next; k++)
			FUZZ_CHECK(s[k] == ' ');
		FUZZ_CHECK(
		    cols >= 0 && (size_t)cols == width_str(s + pos, end - pos));
		if (cols > (width < 1 ? 1 : width))
			/* Only a wide character alone on a narrow row. */
			FUZZ_CHECK(
			    cluster_end(s, len, pos) == end && cols == 2);
		pos = next;
	} while (pos < len);
	FUZZ_CHECK(wrap_rows(s, len, width, width) == rows);
	return rows;
}

/* No code point of a name draws as nothing. */
static void
check_name(const char *s, size_t len)
{
	size_t i = 0;
	uint32_t cp;
	int k;

	while (i < len) {
		k = utf8_decode(s + i, len - i, &cp);
		FUZZ_CHECK(k > 0 && width_raw(cp) > 0);
		i += (size_t)k;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in;
	char *out, *again, *cut;
	size_t len, n, n2, nname, k, max, rows, prev = SIZE_MAX;
	int width, n_widths;

	if (size < 1)
		return 0;
	n_widths = 1 + data[0] % FUZZ_WIDTH_MAX;
	in = (const char *)data + 1;
	len = size - 1;
	max = SANITIZE_OUT_MAX(len);
	out = malloc(max + 1);
	again = malloc(max + 1);
	cut = malloc(max + 1);
	FUZZ_CHECK(out != NULL && again != NULL && cut != NULL);

	n = sanitize(in, len, out, max);
	FUZZ_CHECK(n <= max);
	check_safe(out, n);
	n2 = sanitize(out, n, again, max);
	FUZZ_CHECK(n2 == n && memcmp(out, again, n) == 0);

	/* A short buffer: a prefix that stops at a code point. */
	k = len == 0 ? 0 : ((size_t)data[0] * 7919u) % (n + 1);
	n2 = sanitize(in, len, cut, k);
	FUZZ_CHECK(n2 <= k && memcmp(cut, out, n2) == 0);
	FUZZ_CHECK(utf8_valid(cut, n2));
	/*
	 * A name is made safe as text is, less every code point that draws
	 * as nothing; cut short, it is a prefix of the whole name.
	 */
	nname = sanitize_name(in, len, again, max + 1);
	check_safe(again, nname);
	check_name(again, nname);
	n2 = sanitize_name(in, len, cut, k + 1);
	FUZZ_CHECK(n2 <= k && cut[n2] == '\0' && n2 <= nname &&
	    memcmp(cut, again, n2) == 0);

	FUZZ_CHECK(width_str(out, n) <= n);
	for (width = 1; width <= n_widths; width++) {
		rows = check_wrap(out, n, width);
		/* A wider row never needs more rows. */
		FUZZ_CHECK(rows <= prev);
		prev = rows;
	}
	(void)check_wrap(out, n, 0);
	/* Any bytes at all still terminate. */
	(void)check_wrap(in, len, n_widths);
	free(out);
	free(again);
	free(cut);
	return 0;
}
