/* width.c: display width of code points and UTF-8 text, as ncursesw sees it. */
#include <wchar.h>

#include "utf8.h"
#include "width.h"

int
width_raw(uint32_t cp)
{
	int w;

	/* Printable ASCII, most of any chat, without glibc's table lookup
	 * (wcwidth was 45% of the client's CPU in a burst); the rest of C0
	 * and DEL are not printable and NUL takes no room, as wcwidth says. */
	if (cp >= 0x20 && cp < 0x7F)
		return 1;
	if (cp == 0)
		return 0;
	if (cp < 0x20 || cp == 0x7F)
		return -1;
	/* Beyond Unicode; also keeps the value in range of a 32-bit wchar_t. */
	if (cp > 0x10FFFF)
		return -1;
	w = wcwidth((wchar_t)cp);
	if (w < 0)
		return -1;
	/* No wcwidth() returns more than 2, but layout relies on it. */
	return w > 2 ? 2 : w;
}

int
width_cp(uint32_t cp)
{
	int w = width_raw(cp);

	return w < 0 ? 1 : w;
}

size_t
width_str(const char *s, size_t len)
{
	size_t i = 0, cols = 0;
	uint32_t cp;
	int n;

	while (i < len) {
		n = utf8_decode(s + i, len - i, &cp);
		if (n < 0) {
			cols++;
			i++;
			continue;
		}
		cols += (size_t)width_cp(cp);
		i += (size_t)n;
	}
	return cols;
}

size_t
width_cut(const char *s, size_t len, int cols, int *used)
{
	size_t i = 0;
	int n, w, total = 0;
	uint32_t cp;

	while (i < len) {
		n = utf8_decode(s + i, len - i, &cp);
		w = n < 0 ? 1 : width_cp(cp);
		if (total + w > cols)
			break;
		total += w;
		i += n < 0 ? 1 : (size_t)n;
	}
	*used = total;
	return i;
}
