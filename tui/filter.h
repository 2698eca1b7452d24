/* filter.h: what the client hides: ignored names, and join, part and quit
 * lines by window. */
#ifndef TUI_FILTER_H
#define TUI_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "hmap.h"
#include "proto.h"

/*
 * Pure data, no clock: times are passed in.  Names are matched without
 * regard to case and by look-alike skeleton (valid_skeleton), so that
 * ignoring "bob" also hides "B0b".  Window names are matched without
 * regard to case.
 */

/* Names ignored at most. */
#define FILTER_IGNORES_MAX 100
/*
 * Speakers remembered for the smart filter, over all windows: past it the
 * one who spoke longest ago is forgotten (and their joins and parts are
 * hidden again, as if silent).
 */
#define FILTER_SPEAKERS_MAX 2048
/* Bytes of a window name in the speaker table, no terminator. */
#define FILTER_WIN_MAX 64
/* Minutes of silence after which the smart filter hides someone. */
#define FILTER_MINUTES_DEFAULT 10
#define FILTER_MINUTES_MIN     1
#define FILTER_MINUTES_MAX     1440

/*
 * What a window shows of joins, parts and quits.  DEFAULT is a window's
 * own setting that defers to the filter's default (the config file's
 * join_filter).
 */
enum filter_joins {
	FILTER_JOINS_DEFAULT = 0,
	FILTER_JOINS_OFF,   /* all shown */
	FILTER_JOINS_SMART, /* shown for those who spoke in the last minutes */
	FILTER_JOINS_ALL,   /* none shown */
};

struct filter;

/* An empty filter: nobody ignored, joins shown.  NULL when out of memory. */
struct filter *filter_new(void);
/* filter_free(NULL) does nothing. */
void filter_free(struct filter *f);
/* The key of the speaker table (copied); all zero until set. */
void filter_set_hash_key(struct filter *f, const struct hmap_key *key);

/* "off", "smart", "all", "default"; "?" for another value. */
const char *filter_joins_name(enum filter_joins mode);
/* The mode named s[0..len) (as filter_joins_name); 0, or -1 if none. */
int filter_joins_parse(const char *s, size_t len, enum filter_joins *mode);

/*
 * The mode of windows set to DEFAULT (OFF until set; DEFAULT is taken as
 * OFF) and the smart filter's minutes (clamped to the limits above).
 */
void filter_set_default(
    struct filter *f, enum filter_joins mode, unsigned minutes);
enum filter_joins filter_default(const struct filter *f);
unsigned filter_minutes(const struct filter *f);
/* A window's own mode made effective: DEFAULT becomes the default. */
enum filter_joins filter_effective(
    const struct filter *f, enum filter_joins mode);

/*
 * Ignores name[0..len), a valid name.  Returns 0, 1 if a name with the
 * same skeleton is ignored already (nothing changes), or -1 when
 * FILTER_IGNORES_MAX are ignored.
 */
int filter_ignore(struct filter *f, const char *name, size_t len);
/* Stops ignoring the name with name's skeleton; 1 if there was one. */
int filter_unignore(struct filter *f, const char *name, size_t len);
/*
 * A count that filter_ignore and filter_unignore move whenever they change
 * the names ignored, so that a caller keeping them (the state file) can
 * tell a change without comparing the names.
 */
uint64_t filter_gen(const struct filter *f);
/* The names ignored, in the order they were added; NUL-terminated. */
size_t filter_ignore_count(const struct filter *f);
const char *filter_ignore_at(const struct filter *f, size_t i);
/* Whether name[0..len) is ignored: its skeleton is an ignored one's. */
int filter_is_ignored(const struct filter *f, const char *name, size_t len);

/*
 * name spoke in window win at time_ms, for the smart filter: O(1).  The
 * window is its name (names outlive a channel's id).  Does nothing when
 * the table cannot grow (out of memory) or a name is too long.
 */
void filter_spoke(struct filter *f, const char *win, size_t win_len,
    const char *name, size_t len, uint64_t time_ms);
/*
 * Whether a join, part or quit line of name in window win at time_ms is
 * hidden under the window's mode: ALL hides it, OFF shows it, SMART hides
 * it unless name spoke there less than the filter's minutes before.
 */
int filter_hides_join(const struct filter *f, enum filter_joins mode,
    const char *win, size_t win_len, const char *name, size_t len,
    uint64_t time_ms);

#endif
