/* complete.h: tab completion of the word before the cursor. */
#ifndef TUI_COMPLETE_H
#define TUI_COMPLETE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The word before the cursor runs back to the previous space.  Matches are
 * candidates it is a case-insensitive (ASCII) prefix of:
 *   - "/word" at the start of the line: commands, completed as "/name ";
 *   - the word after /join, /leave, /names or /who: channels;
 *   - the word after /msg: nicks; the word after /help: commands;
 *   - any other word: nicks, then channels.  Other words need at least one
 *     character; the cases above also complete an empty word.
 * A nick completed at the start of the line gets ": " after it, anything
 * else " ".  Repeated Tab cycles through the matches in order and wraps.
 *
 * The caller applies each edit to the line with editor_replace_utf8() and
 * calls complete_reset() on any key other than Tab.
 */

/* Bytes of a word that can be completed, no terminator; longer: no match. */
#define COMPLETE_WORD_MAX 64
/* Bytes of one replacement text, counting the terminator. */
#define COMPLETE_TEXT_MAX 80

/* Candidates; the caller owns the strings, needed only during the call. */
struct complete_sources {
	const char *const *nicks; /* most recent speaker first */
	size_t n_nicks;
	const char *const *channels;
	size_t n_channels;
	const char *const *commands; /* without '/', as slash_names() */
	size_t n_commands;
};

/* Replace the code points [start, end) of the line with text. */
struct complete_edit {
	size_t start;
	size_t end;
	char text[COMPLETE_TEXT_MAX]; /* UTF-8, NUL-terminated */
	size_t len;                   /* bytes of text */
};

/*
 * The state between Tabs, embedded by the caller.  The fields are private;
 * zero it or call complete_reset() before the first use.
 */
struct complete {
	int active;
	int kind;
	int line_start;
	size_t start;
	size_t end;
	size_t next;
	char word[COMPLETE_WORD_MAX];
	size_t word_len;
};

/* Forgets the cycle: the next Tab completes afresh. */
void complete_reset(struct complete *c);

/*
 * Tab on the line line[0..len) with the cursor at cursor.  Returns 1 and
 * fills *edit with the next match, or 0 if nothing matches (no edit).  A
 * cursor other than where the last edit left it starts afresh.
 */
int complete_next(struct complete *c, const uint32_t *line, size_t len,
    size_t cursor, const struct complete_sources *src,
    struct complete_edit *edit);

#endif
