/* ban.h: the operator's ban list: addresses, networks and names. */
#ifndef SERVER_BAN_H
#define SERVER_BAN_H

#include <stddef.h>

/* Entries in one list; a file with more is refused. */
#define BAN_ENTRIES_MAX 10000
/* Bytes of one line of a ban file, not counting its LF. */
#define BAN_LINE_MAX 256
/* Bytes of a whole ban file. */
#define BAN_FILE_MAX ((size_t)1024 * 1024)
/* Bytes of an error text, counting the terminator. */
#define BAN_ERR_MAX 256

/*
 * A ban list is read from a text: one entry a line, an IPv4 or IPv6
 * address ("192.0.2.7", "2001:db8::1"), a network in CIDR form
 * ("198.51.100.0/24", "2001:db8::/32") or a user name; '#' starts a
 * comment, blank lines are skipped, spaces around an entry are too.
 * A word of digits and dots only, or with a ':' or '/', is an address or
 * network, and a line with a malformed one is an error, not a name.
 * Names match by skeleton (valid_skeleton): "bob" also bans "B0b".
 */
struct ban_list;

/*
 * Parses text[0..len).  Returns a new list (empty for a text with no
 * entry), or NULL with err[0..errsize) saying which line is wrong or that
 * memory ran out.  Pure: touches no file.
 */
struct ban_list *ban_parse(
    const char *text, size_t len, char *err, size_t errsize);

/*
 * Reads the file at path (at most BAN_FILE_MAX bytes) and parses it.
 * NULL with err filled on failure.
 */
struct ban_list *ban_load(const char *path, char *err, size_t errsize);

/* Frees b; NULL does nothing. */
void ban_free(struct ban_list *b);

/* Entries in b (0 for NULL). */
size_t ban_count(const struct ban_list *b);

/*
 * Non-zero if the address in text form (as inet_ntop writes it; an
 * IPv4-mapped IPv6 address counts as its IPv4 address) is banned by an
 * address or network of b.  0 for NULL b or text that is no address.
 */
int ban_addr_match(const struct ban_list *b, const char *ip);

/* Non-zero if the user name name[0..len) is banned by b (NULL: no). */
int ban_name_match(const struct ban_list *b, const char *name, size_t len);

#endif
