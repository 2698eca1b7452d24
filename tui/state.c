/* state.c: the client's own state kept between runs: its windows in order,
 * the names it ignores and the windows' join filters. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "link.h"
#include "state.h"
#include "datadir.h"
#include "valid.h"

/* The first line of every file written, so a reader knows its owner. */
static const char state_header[] =
    "# txt-chat: windows in order, ignored names, join filters.\n"
    "# Written by txt-chat whenever they change; edit it while txt-chat "
    "is not running.\n";

/* Splits off the next word of [*p, end) at blanks; its length, 0 at end. */
static size_t
state_word(const char **p, const char *end, const char **word)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	*word = s;
	while (s < end && *s != ' ' && *s != '\t' && *s != '\r')
		s++;
	*p = s;
	return (size_t)(s - *word);
}

static int
state_is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(w, s, n) == 0;
}

/* A window of kind named name with join filter mode (empty: default). */
static int
state_add_win(struct state *st, enum model_win_kind kind, const char *name,
    size_t nlen, const char *mode, size_t mlen, char *err, size_t err_size)
{
	enum filter_joins filter = FILTER_JOINS_DEFAULT;
	struct state_win *w;
	size_t i;

	if (mlen > 0 &&
	    (filter_joins_parse(mode, mlen, &filter) < 0 ||
	        filter == FILTER_JOINS_DEFAULT)) {
		snprintf(
		    err, err_size, "the join filter must be off, smart or all");
		return -1;
	}
	if (st->nwins == STATE_WINDOWS_MAX) {
		snprintf(
		    err, err_size, "more than %d windows", STATE_WINDOWS_MAX);
		return -1;
	}
	for (i = 0; kind == MODEL_WIN_PERSONAL && i < st->nwins; i++)
		if (st->wins[i].kind == MODEL_WIN_PERSONAL) {
			snprintf(err, err_size, "own comes once");
			return -1;
		}
	w = &st->wins[st->nwins++];
	w->kind = kind;
	w->filter = filter;
	memcpy(w->name, name, nlen);
	w->name[nlen] = '\0';
	return 0;
}

/* One line; 0, or -1 with why in err[err_size]. */
static int
state_line(struct state *st, const char *p, const char *end, char *err,
    size_t err_size)
{
	const char *kw, *w1, *w2, *w3;
	size_t klen, n1, n2, n3;
	int chan;

	klen = state_word(&p, end, &kw);
	if (klen == 0 || kw[0] == '#')
		return 0;
	n1 = state_word(&p, end, &w1);
	n2 = state_word(&p, end, &w2);
	n3 = state_word(&p, end, &w3);
	if (state_is(kw, klen, "own")) {
		if (n2 > 0) {
			snprintf(err, err_size, "own takes a join filter only");
			return -1;
		}
		return state_add_win(
		    st, MODEL_WIN_PERSONAL, "", 0, w1, n1, err, err_size);
	}
	chan = state_is(kw, klen, "channel");
	if (chan || state_is(kw, klen, "query")) {
		if ((chan ? valid_channel_name(w1, n1) : valid_name(w1, n1)) !=
		        PROTO_E_NONE ||
		    n3 > 0) {
			snprintf(err, err_size,
			    "%s takes a valid %s name and a join filter",
			    chan ? "channel" : "query",
			    chan ? "channel" : "user");
			return -1;
		}
		return state_add_win(st,
		    chan ? MODEL_WIN_CHANNEL : MODEL_WIN_DM, w1, n1, w2, n2,
		    err, err_size);
	}
	if (state_is(kw, klen, "ignore")) {
		if (valid_name(w1, n1) != PROTO_E_NONE || n2 > 0) {
			snprintf(err, err_size, "ignore takes one valid name");
			return -1;
		}
		if (st->nignores == FILTER_IGNORES_MAX) {
			snprintf(err, err_size, "more than %d ignored names",
			    FILTER_IGNORES_MAX);
			return -1;
		}
		memcpy(st->ignores[st->nignores], w1, n1);
		st->ignores[st->nignores++][n1] = '\0';
		return 0;
	}
	snprintf(err, err_size, "expected channel, query, own or ignore");
	return -1;
}

size_t
state_parse(struct state *st, const char *text, size_t len, const char *source,
    char *err, size_t err_size)
{
	const char *p = text, *end = text + len, *lf;
	char why[STATE_ERR_MAX];
	unsigned long line = 0;
	size_t bad = 0;

	st->nwins = st->nignores = 0;
	if (err_size > 0)
		err[0] = '\0';
	while (p < end) {
		line++;
		if ((lf = memchr(p, '\n', (size_t)(end - p))) == NULL)
			lf = end;
		if (memchr(p, '\0', (size_t)(lf - p)) != NULL) {
			snprintf(why, sizeof(why), "a NUL byte");
		} else if (state_line(st, p, lf, why, sizeof(why)) == 0) {
			p = lf + 1;
			continue;
		}
		if (bad++ == 0)
			snprintf(
			    err, err_size, "%s:%lu: %s", source, line, why);
		p = lf + 1;
	}
	return bad;
}

size_t
state_format(const struct state *st, char *buf, size_t size)
{
	size_t len = 0, i;
	int n;

	n = snprintf(buf, size, "%s", state_header);
	if (n < 0 || (size_t)n >= size)
		return 0;
	len = (size_t)n;
	for (i = 0; i < st->nwins; i++) {
		const struct state_win *w = &st->wins[i];

		n = snprintf(buf + len, size - len, "%s%s%s%s%s\n",
		    w->kind == MODEL_WIN_CHANNEL  ? "channel"
		        : w->kind == MODEL_WIN_DM ? "query"
		                                  : "own",
		    w->name[0] != '\0' ? " " : "", w->name,
		    w->filter != FILTER_JOINS_DEFAULT ? " " : "",
		    w->filter != FILTER_JOINS_DEFAULT
		        ? filter_joins_name(w->filter)
		        : "");
		if (n < 0 || (size_t)n >= size - len)
			return 0;
		len += (size_t)n;
	}
	for (i = 0; i < st->nignores; i++) {
		n = snprintf(
		    buf + len, size - len, "ignore %s\n", st->ignores[i]);
		if (n < 0 || (size_t)n >= size - len)
			return 0;
		len += (size_t)n;
	}
	return len;
}

_Static_assert(sizeof(state_header) +
            STATE_WINDOWS_MAX * (sizeof("channel  smart\n") + MODEL_NAME_MAX) +
            FILTER_IGNORES_MAX * (sizeof("ignore \n") + PROTO_NAME_MAX) <=
        STATE_FILE_MAX,
    "a full state fits its file");

int
state_path(char *buf, size_t size, const char *server, const char *name,
    char *(*get)(const char *))
{
	char safe[CHATLOG_NAME_MAX + 1], user[CHATLOG_NAME_MAX + 1];
	char rel[sizeof("state//") + 2 * CHATLOG_NAME_MAX];

	if (strncmp(server, LINK_TLS_SCHEME, LINK_TLS_SCHEME_LEN) == 0)
		server += LINK_TLS_SCHEME_LEN;
	(void)chatlog_safe_name(server, strlen(server), safe, sizeof(safe));
	(void)chatlog_safe_name(name, strlen(name), user, sizeof(user));
	snprintf(rel, sizeof(rel), "state/%s/%s", safe, user);
	return datadir_path(buf, size, get("XDG_DATA_HOME"), get("HOME"), rel);
}

long
state_read(const char *path, char *text, char *err, size_t err_size)
{
	FILE *f = fopen(path, "re");
	size_t n;
	int bad;

	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(text, 1, STATE_FILE_MAX, f);
	bad = ferror(f);
	if (!bad && n == STATE_FILE_MAX && fgetc(f) != EOF) {
		fclose(f);
		snprintf(err, err_size, "%s: bigger than %d bytes", path,
		    STATE_FILE_MAX);
		return -1;
	}
	fclose(f);
	if (bad) {
		snprintf(err, err_size, "%s: cannot read it", path);
		return -1;
	}
	return (long)n;
}

int
state_lock(const char *path, char *err, size_t err_size)
{
	char lock[CHATLOG_PATH_MAX + 8];
	struct flock fl;
	int fd, n, e;

	n = snprintf(lock, sizeof(lock), "%s.lock", path);
	if (n < 0 || (size_t)n >= sizeof(lock)) {
		snprintf(err, err_size, "%s: path too long", path);
		return -1;
	}
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == ENOENT && datadir_mkdirs(lock) == 0)
		fd =
		    open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, err_size, "%s: %s", lock, strerror(errno));
		return -1;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) == 0)
		return fd;
	e = errno;
	close(fd);
	if (e == EACCES || e == EAGAIN)
		return -2;
	snprintf(err, err_size, "%s: %s", lock, strerror(e));
	return -1;
}

int
state_write(
    const char *path, const char *text, size_t len, char *err, size_t err_size)
{
	char tmp[CHATLOG_PATH_MAX + 8];
	int fd, e, n;
	ssize_t w;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		snprintf(err, err_size, "%s: path too long", path);
		return -1;
	}
	fd = open(
	    tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == ENOENT && datadir_mkdirs(tmp) == 0)
		fd = open(tmp,
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		    0600);
	if (fd < 0)
		goto fail;
	while (len > 0) {
		w = write(fd, text, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = w < 0 ? errno : EIO;
			close(fd);
			errno = e;
			goto fail;
		}
		text += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	(void)unlink(tmp);
	snprintf(err, err_size, "%s: %s", path, strerror(e));
	return -1;
}
