/* utf8.h: strict UTF-8 decoding, encoding and validation. */
#ifndef PROTO_UTF8_H
#define PROTO_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the code point at the start of s[0..len).  Returns the number of
 * bytes it takes (1 to 4) and stores it in *cp, or returns -1 for an
 * invalid sequence (overlong, surrogate, above U+10FFFF, truncated, stray
 * continuation byte); then one byte should be skipped.  len must be > 0.
 */
int utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Non-zero if s[0..len) is entirely valid UTF-8. */
int utf8_valid(const char *s, size_t len);

/* Writes cp (<= U+10FFFF, not a surrogate) to out; returns 1 to 4 bytes. */
int utf8_encode(uint32_t cp, char out[4]);

#endif
