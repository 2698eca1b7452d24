/* config.c: the client's settings: defaults, config file, environment, command
 * line. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "keyhelp.h"
#include "model.h"
#include "valid.h"

/* Bytes of a value shown in an error message before it is cut. */
#define CONFIG_QUOTE_MAX 64

static const struct option config_options[] = {
    {"config", required_argument, NULL, 'c'},
    {"server", required_argument, NULL, 's'},
    {"name", required_argument, NULL, 'n'},
    {"scrollback", required_argument, NULL, 'b'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"no-color", no_argument, NULL, 'C'},
    {"no-log", no_argument, NULL, 'L'},
    {"fingerprint", required_argument, NULL, 'F'},
    {NULL, 0, NULL, 0},
};

const char *
config_usage(void)
{
	return "usage: txt-chat [-hV] [-c file] [-s host:port] [-n name] "
	       "[-b lines] [--fingerprint fp] [--no-color] [--no-log]\n";
}

void
config_write_help(FILE *f, char *(*get)(const char *))
{
	char path[CONFIG_PATH_MAX + 1];
	const char *const *keys;
	size_t i, n;
	int r;

	fputs(config_usage(), f);
	fprintf(f,
	    "\nA full-screen terminal chat client for a txt-chatd server.\n"
	    "\noptions:\n"
	    "  -s, --server host:port  the server (default %s); "
	    "tls://host:port "
	    "for TLS;\n"
	    "                          a,b,c: nodes of one chat, tried in "
	    "turn\n"
	    "      --fingerprint fp    accept only the TLS certificate with "
	    "this SHA-256 fingerprint\n"
	    "  -n, --name name         the name to register (default the "
	    "login name)\n"
	    "  -b, --scrollback lines  lines kept per window, %d to %d "
	    "(default %d)\n"
	    "  -c, --config file       read settings from file instead of "
	    "the default one\n"
	    "      --no-color          draw without colours (as NO_COLOR "
	    "does)\n"
	    "      --no-log            keep no chat logs on disk\n"
	    "  -h, --help              print this help and exit\n"
	    "  -V, --version           print the version and exit\n"
	    "\nenvironment: TXT_CHAT_SERVER, TXT_CHAT_NAME, NO_COLOR, "
	    "XDG_CONFIG_HOME, XDG_DATA_HOME, HOME, LANG, TERM\n",
	    CONFIG_SERVER_DEFAULT, MODEL_SCROLLBACK_MIN, MODEL_SCROLLBACK_MAX,
	    MODEL_SCROLLBACK_DEFAULT);
	r = config_default_path(path, sizeof(path), get);
	fprintf(f, "\nconfig file: %s\n",
	    r == 1 ? path : "none (neither XDG_CONFIG_HOME nor HOME is set)");
	fputs("  lines of key = value; keys: server, name, scrollback, "
	      "scrollback_bytes, highlight, log, log_dir, account, pass_cmd\n",
	    f);
	fprintf(f,
	    "  timestamp_format (strftime, default %s), join_filter "
	    "(off, smart, all; default off), join_filter_minutes (default "
	    "%d)\n",
	    STAMP_FORMAT_DEFAULT, FILTER_MINUTES_DEFAULT);
	fputs("state: the windows in order, /filter and /ignore are kept in "
	      "$XDG_DATA_HOME/txt-chat/state/<server>/<name>\n",
	    f);
	fputs("\n", f);
	keys = keyhelp_lines(&n);
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", keys[i]);
	fputs("\ncommands: type /help in txt-chat to list them\n"
	      "manual: man 1 txt-chat (the config file is in its section "
	      "CONFIG FILE)\n",
	    f);
}

/*
 * Writes s for an error message: at most CONFIG_QUOTE_MAX bytes, each byte
 * outside printable ASCII as '?', "..." after a cut.
 */
static void
config_quote(char *out, size_t out_size, const char *s, size_t len)
{
	size_t i, n = len < CONFIG_QUOTE_MAX ? len : CONFIG_QUOTE_MAX;
	char buf[CONFIG_QUOTE_MAX + 1];

	for (i = 0; i < n; i++)
		buf[i] = s[i] >= ' ' && s[i] <= '~' ? s[i] : '?';
	buf[n] = '\0';
	snprintf(out, out_size, "'%s'%s", buf, len > n ? "..." : "");
}

/* Chat logs: "on" or "off". */
static int
config_set_log(
    struct config *cfg, const char *s, size_t len, char *err, size_t err_size)
{
	char q[CONFIG_QUOTE_MAX + 8];

	if (len == 2 && memcmp(s, "on", 2) == 0) {
		cfg->log = 1;
		return 0;
	}
	if (len == 3 && memcmp(s, "off", 3) == 0) {
		cfg->log = 0;
		return 0;
	}
	config_quote(q, sizeof(q), s, len);
	snprintf(err, err_size, "log must be on or off, not %s", q);
	return -1;
}

/* The chat log directory: an absolute path. */
static int
config_set_log_dir(
    struct config *cfg, const char *s, size_t len, char *err, size_t err_size)
{
	if (len == 0 || s[0] != '/' || len > CONFIG_PATH_MAX ||
	    memchr(s, '\0', len) != NULL) {
		snprintf(err, err_size,
		    "log_dir must be an absolute path of at most %d bytes",
		    CONFIG_PATH_MAX);
		return -1;
	}
	memcpy(cfg->log_dir, s, len);
	cfg->log_dir[len] = '\0';
	return 0;
}

/* The account to log in as on connecting: a name. */
static int
config_set_account(
    struct config *cfg, const char *s, size_t len, char *err, size_t err_size)
{
	char q[CONFIG_QUOTE_MAX + 8];

	if (valid_name(s, len) == PROTO_E_NONE) {
		memcpy(cfg->account, s, len);
		cfg->account[len] = '\0';
		return 0;
	}
	config_quote(q, sizeof(q), s, len);
	snprintf(err, err_size, "account %s is not a valid name", q);
	return -1;
}

/* The command whose first line of output is the account's password. */
static int
config_set_pass_cmd(
    struct config *cfg, const char *s, size_t len, char *err, size_t err_size)
{
	if (len == 0 || len > ACCOUNT_CMD_MAX) {
		snprintf(err, err_size,
		    "pass_cmd must be a command of 1 to %d "
		    "bytes",
		    ACCOUNT_CMD_MAX);
		return -1;
	}
	memcpy(cfg->pass_cmd, s, len);
	cfg->pass_cmd[len] = '\0';
	return 0;
}

/* The time column's strftime format, checked and measured. */
static int
config_set_timestamp_format(
    struct config *cfg, const char *s, size_t len, char *err, size_t err_size)
{
	int cols = stamp_check(s, len, err, err_size);

	if (cols < 0)
		return -1;
	memcpy(cfg->timestamp_format, s, len);
	cfg->timestamp_format[len] = '\0';
	cfg->timestamp_cols = cols;
	return 0;
}

/* The default join filter: off, smart or all. */
static int
config_set_join_filter(
    struct config *cfg, const char *s, size_t len, char *err, size_t err_size)
{
	char q[CONFIG_QUOTE_MAX + 8];
	enum filter_joins mode;

	if (filter_joins_parse(s, len, &mode) == 0 &&
	    mode != FILTER_JOINS_DEFAULT) {
		cfg->join_filter = mode;
		return 0;
	}
	config_quote(q, sizeof(q), s, len);
	snprintf(
	    err, err_size, "join_filter must be off, smart or all, not %s", q);
	return -1;
}

/* The smart filter's minutes. */
static int
config_set_join_filter_minutes(
    struct config *cfg, const char *s, size_t len, char *err, size_t err_size)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; i < len && v <= FILTER_MINUTES_MAX; i++) {
		if (s[i] < '0' || s[i] > '9')
			break;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (len == 0 || i < len || v < FILTER_MINUTES_MIN ||
	    v > FILTER_MINUTES_MAX) {
		snprintf(err, err_size,
		    "join_filter_minutes must be a number from %d to %d",
		    FILTER_MINUTES_MIN, FILTER_MINUTES_MAX);
		return -1;
	}
	cfg->join_filter_minutes = (unsigned)v;
	return 0;
}

/*
 * The setters check a value of len bytes (not NUL-terminated) and store
 * it.  They return 0, or -1 with a message in err that the caller puts
 * after where the value came from.
 */
/* One server of a list: host:port or [v6]:port, "tls://" in front or not. */
static int
config_server_ok(const char *s, size_t len)
{
	char copy[LINK_HOSTPORT_MAX + 1];
	char host[ADDR_HOST_MAX + 1], port[ADDR_PORT_MAX + 1];
	size_t skip = 0;

	/* The scheme goes before addr_split, which knows none. */
	if (len >= LINK_TLS_SCHEME_LEN &&
	    memcmp(s, LINK_TLS_SCHEME, LINK_TLS_SCHEME_LEN) == 0)
		skip = LINK_TLS_SCHEME_LEN;
	if (len - skip > LINK_HOSTPORT_MAX || memchr(s, '\0', len) != NULL)
		return 0;
	memcpy(copy, s + skip, len - skip);
	copy[len - skip] = '\0';
	return addr_split(copy, 0, 0, host, port) == 0;
}

/*
 * A server, or several separated by commas (blanks around each are
 * skipped): all are checked before any is kept.
 */
static int
config_set_server(
    struct config *cfg, const char *s, size_t len, char *err, size_t err_size)
{
	char list[CONFIG_SERVERS_MAX][CONFIG_SERVER_SIZE];
	char q[CONFIG_QUOTE_MAX + 8];
	size_t n = 0, start = 0, end, i;

	while (start <= len) {
		const char *comma = memchr(s + start, ',', len - start);

		end = comma != NULL ? (size_t)(comma - s) : len;
		i = end;
		while (start < i && (s[start] == ' ' || s[start] == '\t'))
			start++;
		while (i > start && (s[i - 1] == ' ' || s[i - 1] == '\t'))
			i--;
		if (n == CONFIG_SERVERS_MAX) {
			snprintf(err, err_size, "more than %d servers",
			    CONFIG_SERVERS_MAX);
			return -1;
		}
		if (!config_server_ok(s + start, i - start)) {
			config_quote(q, sizeof(q), s + start, i - start);
			snprintf(err, err_size,
			    "%s is not host:port or [v6]:port with a port "
			    "from 1 to 65535",
			    q);
			return -1;
		}
		memcpy(list[n], s + start, i - start);
		list[n++][i - start] = '\0';
		start = end + 1;
	}
	memcpy(cfg->servers, list, sizeof(list[0]) * n);
	cfg->nservers = n;
	memcpy(cfg->server, list[0], sizeof(cfg->server));
	return 0;
}

/* A SHA-256 fingerprint: 32 hex pairs joined by ':', kept upper case. */
static int
config_set_fingerprint(
    struct config *cfg, const char *s, size_t len, char *err, size_t err_size)
{
	char q[CONFIG_QUOTE_MAX + 8];
	size_t i;

	for (i = 0; i < len && len == TLS_FP_MAX - 1; i++) {
		int hex = isxdigit((unsigned char)s[i]);

		if (i % 3 == 2 ? s[i] != ':' : !hex)
			break;
	}
	if (len == TLS_FP_MAX - 1 && i == len) {
		for (i = 0; i < len; i++)
			cfg->fingerprint[i] =
			    (char)toupper((unsigned char)s[i]);
		cfg->fingerprint[len] = '\0';
		return 0;
	}
	config_quote(q, sizeof(q), s, len);
	snprintf(err, err_size,
	    "%s is not a SHA-256 fingerprint (32 hex pairs joined by ':')", q);
	return -1;
}

static int
config_set_name(
    struct config *cfg, const char *s, size_t len, char *err, size_t err_size)
{
	char q[CONFIG_QUOTE_MAX + 8];

	if (valid_name(s, len) == PROTO_E_NONE) {
		memcpy(cfg->name, s, len);
		cfg->name[len] = '\0';
		return 0;
	}
	config_quote(q, sizeof(q), s, len);
	snprintf(err, err_size,
	    "%s is not a name: 1 to %d letters, digits, '_', '.' or '-', "
	    "not starting with '.' or '-'",
	    q, PROTO_NAME_MAX);
	return -1;
}

static int
config_set_scrollback(
    struct config *cfg, const char *s, size_t len, char *err, size_t err_size)
{
	char q[CONFIG_QUOTE_MAX + 8];
	size_t v = 0, i;

	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > MODEL_SCROLLBACK_MAX)
			break;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	if (len > 0 && i == len && v >= MODEL_SCROLLBACK_MIN &&
	    v <= MODEL_SCROLLBACK_MAX) {
		cfg->scrollback = v;
		return 0;
	}
	config_quote(q, sizeof(q), s, len);
	snprintf(err, err_size, "%s is not a number from %d to %d", q,
	    MODEL_SCROLLBACK_MIN, MODEL_SCROLLBACK_MAX);
	return -1;
}

/*
 * A size in bytes: digits, then optionally K, M or G (binary: KiB, MiB,
 * GiB), from MODEL_SCROLLBACK_BYTES_MIN to MODEL_SCROLLBACK_BYTES_MAX.
 */
static int
config_set_scrollback_bytes(
    struct config *cfg, const char *s, size_t len, char *err, size_t err_size)
{
	char q[CONFIG_QUOTE_MAX + 8];
	size_t v = 0, i, unit = 1;

	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > MODEL_SCROLLBACK_BYTES_MAX)
			break;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	if (i + 1 == len && i > 0) {
		switch (s[i]) {
		case 'K':
		case 'k':
			unit = 1024;
			break;
		case 'M':
		case 'm':
			unit = 1024 * 1024;
			break;
		case 'G':
		case 'g':
			unit = 1024 * 1024 * 1024;
			break;
		default:
			unit = 0;
		}
		if (unit != 0)
			i++;
	}
	if (len > 0 && i == len && v <= MODEL_SCROLLBACK_BYTES_MAX / unit &&
	    v * unit >= MODEL_SCROLLBACK_BYTES_MIN) {
		cfg->scrollback_bytes = v * unit;
		return 0;
	}
	config_quote(q, sizeof(q), s, len);
	snprintf(err, err_size,
	    "%s is not a size from 1M to 1G (bytes, or with K, M or G)", q);
	return -1;
}

static int
config_name_byte(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
}

/* Words of name bytes split by blanks; stored one space apart. */
static int
config_set_highlight(
    struct config *cfg, const char *s, size_t len, char *err, size_t err_size)
{
	char out[CONFIG_HIGHLIGHT_MAX + 1], q[CONFIG_QUOTE_MAX + 8];
	size_t i = 0, start, n = 0, words = 0;

	while (i < len) {
		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		start = i;
		while (i < len && s[i] != ' ' && s[i] != '\t' &&
		    config_name_byte(s[i]))
			i++;
		if ((i < len && s[i] != ' ' && s[i] != '\t') ||
		    i - start > MODEL_HIGHLIGHT_LEN ||
		    words == MODEL_HIGHLIGHTS_MAX) {
			config_quote(q, sizeof(q), s, len);
			snprintf(err, err_size,
			    "%s is not at most %d words of 1 to %d letters, "
			    "digits, '_', '.' or '-'",
			    q, MODEL_HIGHLIGHTS_MAX, MODEL_HIGHLIGHT_LEN);
			return -1;
		}
		if (words++ > 0)
			out[n++] = ' ';
		memcpy(out + n, s + start, i - start);
		n += i - start;
	}
	memcpy(cfg->highlight, out, n);
	cfg->highlight[n] = '\0';
	return 0;
}

void
config_defaults(struct config *cfg, const char *login_name)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	memcpy(
	    cfg->server, CONFIG_SERVER_DEFAULT, sizeof(CONFIG_SERVER_DEFAULT));
	memcpy(cfg->servers[0], CONFIG_SERVER_DEFAULT,
	    sizeof(CONFIG_SERVER_DEFAULT));
	cfg->nservers = 1;
	cfg->scrollback = MODEL_SCROLLBACK_DEFAULT;
	cfg->scrollback_bytes = MODEL_SCROLLBACK_BYTES_DEFAULT;
	cfg->log = 1;
	memcpy(cfg->timestamp_format, STAMP_FORMAT_DEFAULT,
	    sizeof(STAMP_FORMAT_DEFAULT));
	cfg->timestamp_cols = 5;
	cfg->join_filter = FILTER_JOINS_OFF;
	cfg->join_filter_minutes = FILTER_MINUTES_DEFAULT;
	for (i = 0;
	     login_name != NULL && login_name[i] != '\0' && i < PROTO_NAME_MAX;
	     i++)
		cfg->name[i] =
		    config_name_byte(login_name[i]) ? login_name[i] : '_';
	cfg->name[i] = '\0';
	if (cfg->name[0] == '.' || cfg->name[0] == '-')
		cfg->name[0] = '_';
	if (i == 0)
		memcpy(cfg->name, CONFIG_NAME_FALLBACK,
		    sizeof(CONFIG_NAME_FALLBACK));
}

/* Checks a value given on the command line; flag names it in err. */
static int
config_arg(int (*set)(struct config *, const char *, size_t, char *, size_t),
    const char *flag, const char *value, char *err, size_t err_size)
{
	struct config scratch;
	char why[CONFIG_ERR_MAX];

	if (set(&scratch, value, strlen(value), why, sizeof(why)) == 0)
		return 0;
	snprintf(err, err_size, "%s: %s", flag, why);
	return -1;
}

enum config_result
config_parse_args(
    struct config_args *args, int argc, char **argv, char *err, size_t err_size)
{
	int ch, r = 0;

	memset(args, 0, sizeof(*args));
	optind = 0; /* glibc: start afresh, so tests can parse twice */
	opterr = 0;
	while ((ch = getopt_long(
	            argc, argv, ":hVc:s:n:b:", config_options, NULL)) != -1) {
		switch (ch) {
		case 'h':
			return CONFIG_HELP;
		case 'V':
			return CONFIG_VERSION;
		case 'C':
			args->no_color = 1;
			break;
		case 'c':
			args->file = optarg;
			if (optarg[0] == '\0') {
				snprintf(err, err_size, "-c: empty file name");
				return CONFIG_ERROR;
			}
			break;
		case 's':
			args->server = optarg;
			r = config_arg(
			    config_set_server, "-s", optarg, err, err_size);
			break;
		case 'n':
			args->name = optarg;
			r = config_arg(
			    config_set_name, "-n", optarg, err, err_size);
			break;
		case 'b':
			args->scrollback = optarg;
			r = config_arg(
			    config_set_scrollback, "-b", optarg, err, err_size);
			break;
		case 'L':
			args->no_log = 1;
			break;
		case 'F':
			args->fingerprint = optarg;
			r = config_arg(config_set_fingerprint, "--fingerprint",
			    optarg, err, err_size);
			break;
		case ':':
			snprintf(err, err_size, "%s needs a value",
			    argv[optind - 1]);
			return CONFIG_ERROR;
		default:
			/*
			 * A long option was taken whole, so optind is past
			 * it; a short one may sit inside a cluster.
			 */
			if (strncmp(argv[optind - 1], "--", 2) == 0)
				snprintf(err, err_size, "bad option %s",
				    argv[optind - 1]);
			else
				snprintf(err, err_size, "unknown option -%c",
				    optopt);
			return CONFIG_ERROR;
		}
		if (r < 0)
			return CONFIG_ERROR;
	}
	if (optind < argc) {
		snprintf(
		    err, err_size, "unexpected argument '%s'", argv[optind]);
		return CONFIG_ERROR;
	}
	return CONFIG_RUN;
}

static int
config_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Trims blanks off both ends of [*s, *s + *len). */
static void
config_trim(const char **s, size_t *len)
{
	while (*len > 0 && config_blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && config_blank((*s)[*len - 1]))
		(*len)--;
}

static const struct config_key {
	const char *key;
	int (*set)(struct config *, const char *, size_t, char *, size_t);
} config_keys[] = {
    {"server", config_set_server},
    {"name", config_set_name},
    {"scrollback", config_set_scrollback},
    {"scrollback_bytes", config_set_scrollback_bytes},
    {"highlight", config_set_highlight},
    {"log", config_set_log},
    {"log_dir", config_set_log_dir},
    {"account", config_set_account},
    {"pass_cmd", config_set_pass_cmd},
    {"timestamp_format", config_set_timestamp_format},
    {"join_filter", config_set_join_filter},
    {"join_filter_minutes", config_set_join_filter_minutes},
};

/* Applies one line; returns 0, or -1 with the reason (no place) in err. */
static int
config_line(
    struct config *cfg, const char *s, size_t len, char *err, size_t err_size)
{
	const char *eq, *key, *value;
	size_t klen, vlen, i;
	char q[CONFIG_QUOTE_MAX + 8];
	int n;

	config_trim(&s, &len);
	if (len == 0 || s[0] == '#')
		return 0;
	if ((eq = memchr(s, '=', len)) == NULL || eq == s) {
		snprintf(err, err_size, "expected 'key = value'");
		return -1;
	}
	key = s;
	klen = (size_t)(eq - s);
	value = eq + 1;
	vlen = len - klen - 1;
	config_trim(&key, &klen);
	config_trim(&value, &vlen);
	for (i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++) {
		if (strlen(config_keys[i].key) == klen &&
		    memcmp(config_keys[i].key, key, klen) == 0)
			return config_keys[i].set(
			    cfg, value, vlen, err, err_size);
	}
	config_quote(q, sizeof(q), key, klen);
	/* The known keys come from the table, so the message cannot drift. */
	n = snprintf(err, err_size, "unknown key %s (known:", q);
	for (i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++) {
		if (n < 0 || (size_t)n >= err_size)
			return -1;
		n += snprintf(err + n, err_size - (size_t)n, "%s %s",
		    i > 0 ? "," : "", config_keys[i].key);
	}
	if (n >= 0 && (size_t)n < err_size)
		snprintf(err + n, err_size - (size_t)n, ")");
	return -1;
}

int
config_parse_text(struct config *cfg, const char *text, size_t len,
    const char *source, char *err, size_t err_size)
{
	const char *p = text, *end = text + len, *lf;
	char why[CONFIG_ERR_MAX];
	unsigned long line = 0;

	while (p < end) {
		line++;
		if ((lf = memchr(p, '\n', (size_t)(end - p))) == NULL)
			lf = end;
		if (memchr(p, '\0', (size_t)(lf - p)) != NULL) {
			snprintf(
			    err, err_size, "%s:%lu: a NUL byte", source, line);
			return -1;
		}
		if (config_line(cfg, p, (size_t)(lf - p), why, sizeof(why)) <
		    0) {
			snprintf(
			    err, err_size, "%s:%lu: %s", source, line, why);
			return -1;
		}
		p = lf + 1;
	}
	return 0;
}

int
config_apply_env(
    struct config *cfg, char *(*get)(const char *), char *err, size_t err_size)
{
	char why[CONFIG_ERR_MAX];
	const char *v;

	if ((v = get("TXT_CHAT_SERVER")) != NULL && v[0] != '\0' &&
	    config_set_server(cfg, v, strlen(v), why, sizeof(why)) < 0) {
		snprintf(err, err_size, "TXT_CHAT_SERVER: %s", why);
		return -1;
	}
	if ((v = get("TXT_CHAT_NAME")) != NULL && v[0] != '\0' &&
	    config_set_name(cfg, v, strlen(v), why, sizeof(why)) < 0) {
		snprintf(err, err_size, "TXT_CHAT_NAME: %s", why);
		return -1;
	}
	/* no-color.org: set and not empty, whatever its value. */
	if ((v = get("NO_COLOR")) != NULL && v[0] != '\0')
		cfg->no_color = 1;
	return 0;
}

int
config_apply_args(struct config *cfg, const struct config_args *args, char *err,
    size_t err_size)
{
	char why[CONFIG_ERR_MAX];
	const char *flag = "";
	int r = 0;

	if (args->server != NULL) {
		flag = "-s";
		r = config_set_server(
		    cfg, args->server, strlen(args->server), why, sizeof(why));
	}
	if (r == 0 && args->name != NULL) {
		flag = "-n";
		r = config_set_name(
		    cfg, args->name, strlen(args->name), why, sizeof(why));
	}
	if (r == 0 && args->fingerprint != NULL) {
		flag = "--fingerprint";
		r = config_set_fingerprint(cfg, args->fingerprint,
		    strlen(args->fingerprint), why, sizeof(why));
	}
	if (r == 0 && args->scrollback != NULL) {
		flag = "-b";
		r = config_set_scrollback(cfg, args->scrollback,
		    strlen(args->scrollback), why, sizeof(why));
	}
	if (args->no_color)
		cfg->no_color = 1;
	if (args->no_log)
		cfg->log = 0;
	if (r < 0)
		snprintf(err, err_size, "%s: %s", flag, why);
	return r;
}

int
config_default_path(char *buf, size_t size, char *(*get)(const char *))
{
	const char *base;
	const char *rest;
	int n;

	if ((base = get("XDG_CONFIG_HOME")) != NULL && base[0] == '/')
		rest = "/txt-chat/config";
	else if ((base = get("HOME")) != NULL && base[0] != '\0')
		rest = "/.config/txt-chat/config";
	else
		return 0;
	n = snprintf(buf, size, "%s%s", base, rest);
	return n >= 0 && (size_t)n < size ? 1 : -1;
}

int
config_read_file(struct config *cfg, const char *path, int must_exist,
    char *err, size_t err_size)
{
	FILE *fp;
	char *text;
	size_t len;
	int r;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((text = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
		fclose(fp);
		snprintf(err, err_size, "%s: out of memory", path);
		return -1;
	}
	len = fread(text, 1, CONFIG_FILE_MAX + 1, fp);
	if (ferror(fp)) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		r = -1;
	} else if (len > CONFIG_FILE_MAX) {
		snprintf(err, err_size, "%s: bigger than %d bytes", path,
		    CONFIG_FILE_MAX);
		r = -1;
	} else {
		r = config_parse_text(cfg, text, len, path, err, err_size);
	}
	free(text);
	fclose(fp);
	return r;
}

enum config_result
config_load(struct config *cfg, int argc, char **argv, const char *login_name,
    char *(*get)(const char *), char *err, size_t err_size)
{
	struct config_args args;
	enum config_result res;
	char path[CONFIG_PATH_MAX + 1];
	int r;

	config_defaults(cfg, login_name);
	if ((res = config_parse_args(&args, argc, argv, err, err_size)) !=
	    CONFIG_RUN)
		return res;
	if (args.file != NULL) {
		if (config_read_file(cfg, args.file, 1, err, err_size) < 0)
			return CONFIG_ERROR;
	} else {
		if ((r = config_default_path(path, sizeof(path), get)) < 0) {
			snprintf(err, err_size,
			    "the config file's path is longer than %d bytes",
			    CONFIG_PATH_MAX);
			return CONFIG_ERROR;
		}
		if (r > 0 && config_read_file(cfg, path, 0, err, err_size) < 0)
			return CONFIG_ERROR;
	}
	if (config_apply_env(cfg, get, err, err_size) < 0 ||
	    config_apply_args(cfg, &args, err, err_size) < 0)
		return CONFIG_ERROR;
	return CONFIG_RUN;
}
