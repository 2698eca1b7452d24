/* sanitize.c: turns untrusted bytes into valid UTF-8 that is safe to draw. */
#include <string.h>

#include "sanitize.h"
#include "utf8.h"
#include "width.h"

#define SANITIZE_REPLACEMENT 0xFFFD

struct sanitize_range {
	uint32_t lo, hi;
};

/*
 * Code points wcwidth() calls printable that must not reach the screen:
 * the bidi controls can reorder what follows them (even the next line on
 * some terminals), the separators break lines behind ncurses' back, and
 * the invisible format characters let one name pass for another.
 */
static const struct sanitize_range sanitize_banned[] = {
    {0x061C, 0x061C},   /* ARABIC LETTER MARK */
    {0x180E, 0x180E},   /* MONGOLIAN VOWEL SEPARATOR */
    {0x200B, 0x200B},   /* ZERO WIDTH SPACE */
    {0x200E, 0x200F},   /* LRM, RLM */
    {0x2028, 0x2029},   /* LINE and PARAGRAPH SEPARATOR */
    {0x202A, 0x202E},   /* embeddings and overrides */
    {0x2060, 0x2064},   /* WORD JOINER, invisible operators */
    {0x2066, 0x2069},   /* isolates */
    {0x206A, 0x206F},   /* deprecated format characters */
    {0xFEFF, 0xFEFF},   /* ZERO WIDTH NO-BREAK SPACE (BOM) */
    {0xFFF9, 0xFFFB},   /* interlinear annotation */
    {0x13430, 0x1343F}, /* Egyptian hieroglyph format controls */
    {0x1BCA0, 0x1BCA3}, /* shorthand format controls */
    {0x1D173, 0x1D17A}, /* musical symbol format controls */
    {0xE0001, 0xE0001}, /* LANGUAGE TAG */
};

static int
sanitize_is_banned(uint32_t cp)
{
	size_t i;

	for (i = 0; i < sizeof(sanitize_banned) / sizeof(sanitize_banned[0]);
	     i++) {
		if (cp >= sanitize_banned[i].lo && cp <= sanitize_banned[i].hi)
			return 1;
	}
	return 0;
}

uint32_t
sanitize_cp(uint32_t cp)
{
	if (cp < 0x20)
		return 0x2400 + cp;
	if (cp == 0x7F)
		return 0x2421;
	/* C1, surrogates and beyond U+10FFFF are all non-printable here. */
	if ((cp >= 0x80 && cp <= 0x9F) || sanitize_is_banned(cp) ||
	    width_raw(cp) < 0)
		return SANITIZE_REPLACEMENT;
	return cp;
}

/*
 * Code points a name never shows: the format characters (Unicode Cf) and
 * the other default-ignorable ones (variation selectors, fillers, the
 * combining grapheme joiner).  They draw as nothing, so "al<ZWJ>ice"
 * would look like "alice"; the zero-width marks are caught by their width.
 */
static const struct sanitize_range sanitize_name_strip[] = {
    {0x00AD, 0x00AD},   /* SOFT HYPHEN */
    {0x034F, 0x034F},   /* COMBINING GRAPHEME JOINER */
    {0x0600, 0x0605},   /* Arabic number signs */
    {0x061C, 0x061C},   /* ARABIC LETTER MARK */
    {0x06DD, 0x06DD},   /* ARABIC END OF AYAH */
    {0x070F, 0x070F},   /* SYRIAC ABBREVIATION MARK */
    {0x0890, 0x0891},   /* Arabic pound and piastre marks */
    {0x08E2, 0x08E2},   /* ARABIC DISPUTED END OF AYAH */
    {0x115F, 0x1160},   /* Hangul fillers */
    {0x17B4, 0x17B5},   /* Khmer inherent vowels */
    {0x180B, 0x180F},   /* Mongolian variation selectors, vowel separator */
    {0x200B, 0x200F},   /* ZWSP, ZWNJ, ZWJ, LRM, RLM */
    {0x202A, 0x202E},   /* embeddings and overrides */
    {0x2060, 0x206F},   /* word joiner, invisible operators, isolates */
    {0x3164, 0x3164},   /* HANGUL FILLER */
    {0xFE00, 0xFE0F},   /* variation selectors */
    {0xFEFF, 0xFEFF},   /* ZERO WIDTH NO-BREAK SPACE (BOM) */
    {0xFFA0, 0xFFA0},   /* HALFWIDTH HANGUL FILLER */
    {0xFFF0, 0xFFFB},   /* unassigned specials, interlinear annotation */
    {0x110BD, 0x110BD}, /* KAITHI NUMBER SIGN */
    {0x110CD, 0x110CD}, /* KAITHI NUMBER SIGN ABOVE */
    {0x13430, 0x1343F}, /* Egyptian hieroglyph format controls */
    {0x1BCA0, 0x1BCA3}, /* shorthand format controls */
    {0x1D173, 0x1D17A}, /* musical symbol format controls */
    {0xE0000, 0xE0FFF}, /* tags, variation selectors supplement */
};

static int
sanitize_name_stripped(uint32_t cp)
{
	size_t i;

	for (i = 0;
	     i < sizeof(sanitize_name_strip) / sizeof(sanitize_name_strip[0]);
	     i++) {
		if (cp >= sanitize_name_strip[i].lo &&
		    cp <= sanitize_name_strip[i].hi)
			return 1;
	}
	/* Combining marks and whatever else draws in no column. */
	return cp >= 0x80 && width_raw(cp) == 0;
}

/* sanitize(), and for a name (name) with the invisible code points left out. */
static size_t
sanitize_run(const char *in, size_t len, char *out, size_t out_size, int name)
{
	size_t i = 0, o = 0, need;
	char buf[1 + 4];
	uint32_t cp;
	int n, k, first = 1;

	while (i < len) {
		/* Printable ASCII passes as it is, a byte at a time. */
		if ((unsigned char)in[i] >= 0x20 &&
		    (unsigned char)in[i] < 0x7F) {
			if (o == out_size)
				break;
			out[o++] = in[i++];
			first = 0;
			continue;
		}
		n = utf8_decode(in + i, len - i, &cp);
		if (n < 0) {
			/* One byte at a time, so a valid sequence is resynced.
			 */
			cp = SANITIZE_REPLACEMENT;
			n = 1;
		} else if (name && sanitize_name_stripped(cp)) {
			i += (size_t)n;
			continue;
		} else {
			cp = sanitize_cp(cp);
		}
		k = 0;
		if (first && width_raw(cp) == 0)
			buf[k++] = ' ';
		k += utf8_encode(cp, buf + k);
		need = (size_t)k;
		if (need > out_size - o)
			break;
		memcpy(out + o, buf, need);
		o += need;
		i += (size_t)n;
		first = 0;
	}
	return o;
}

size_t
sanitize(const char *in, size_t len, char *out, size_t out_size)
{
	return sanitize_run(in, len, out, out_size, 0);
}

size_t
sanitize_name(const char *in, size_t len, char *out, size_t out_size)
{
	size_t n;

	if (out_size == 0)
		return 0;
	n = sanitize_run(in, len, out, out_size - 1, 1);
	out[n] = '\0';
	return n;
}
