/* options.c: parses the txt-chatd command line into a server_config. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "options.h"
#include "pwhash.h"

enum {
	OPT_MAX_CLIENTS = 256,
	OPT_MAX_PER_ADDR,
	OPT_MAX_CHANNELS,
	OPT_MAX_JOINS,
	OPT_MAX_MEMBERS,
	OPT_HISTORY,
	OPT_HISTORY_BYTES,
	OPT_SENDQ,
	OPT_FLOOD_RATE,
	OPT_FLOOD_BURST,
	OPT_READ_BUDGET,
	OPT_REG_TIMEOUT,
	OPT_PING_INTERVAL,
	OPT_PING_TIMEOUT,
	OPT_ERRORS_MAX,
	OPT_DB,
	OPT_SYNC,
	OPT_CHANNEL_EXPIRE,
	OPT_HISTORY_DAYS,
	OPT_TLS_LISTEN,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_TLS_SELF_SIGNED,
	OPT_HISTORY_KEEP,
	OPT_ALLOW_PLAINTEXT_LOGIN,
	OPT_HASH_THREADS,
	OPT_BAN_FILE,
	OPT_REDIS,
	OPT_NODE,
};

/* Days the retention options accept: a hundred years. */
#define OPTIONS_DAYS_MAX 36500
/* Lines --history-keep accepts per channel: a billion. */
#define OPTIONS_KEEP_MAX 1000000000

static const struct option long_options[] = {
    {"listen", required_argument, NULL, 'l'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"max-clients", required_argument, NULL, OPT_MAX_CLIENTS},
    {"max-per-addr", required_argument, NULL, OPT_MAX_PER_ADDR},
    {"max-channels", required_argument, NULL, OPT_MAX_CHANNELS},
    {"max-joins", required_argument, NULL, OPT_MAX_JOINS},
    {"max-members", required_argument, NULL, OPT_MAX_MEMBERS},
    {"history", required_argument, NULL, OPT_HISTORY},
    {"history-bytes", required_argument, NULL, OPT_HISTORY_BYTES},
    {"sendq", required_argument, NULL, OPT_SENDQ},
    {"flood-rate", required_argument, NULL, OPT_FLOOD_RATE},
    {"flood-burst", required_argument, NULL, OPT_FLOOD_BURST},
    {"read-budget", required_argument, NULL, OPT_READ_BUDGET},
    {"reg-timeout", required_argument, NULL, OPT_REG_TIMEOUT},
    {"ping-interval", required_argument, NULL, OPT_PING_INTERVAL},
    {"ping-timeout", required_argument, NULL, OPT_PING_TIMEOUT},
    {"errors-max", required_argument, NULL, OPT_ERRORS_MAX},
    {"db", required_argument, NULL, OPT_DB},
    {"sync", required_argument, NULL, OPT_SYNC},
    {"channel-expire", required_argument, NULL, OPT_CHANNEL_EXPIRE},
    {"history-days", required_argument, NULL, OPT_HISTORY_DAYS},
    {"tls-listen", required_argument, NULL, OPT_TLS_LISTEN},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"tls-self-signed", no_argument, NULL, OPT_TLS_SELF_SIGNED},
    {"history-keep", required_argument, NULL, OPT_HISTORY_KEEP},
    {"allow-plaintext-login", no_argument, NULL, OPT_ALLOW_PLAINTEXT_LOGIN},
    {"hash-threads", required_argument, NULL, OPT_HASH_THREADS},
    {"ban-file", required_argument, NULL, OPT_BAN_FILE},
    {"redis", required_argument, NULL, OPT_REDIS},
    {"node", required_argument, NULL, OPT_NODE},
    {NULL, 0, NULL, 0},
};

const char *
options_usage(void)
{
	return "usage: txt-chatd [-hVv] [-l host:port] [--max-clients n] "
	       "[--max-per-addr n]\n"
	       "                 [--max-channels n] [--max-joins n] "
	       "[--max-members n]\n"
	       "                 [--history n] [--history-bytes bytes] "
	       "[--sendq bytes]\n"
	       "                 [--flood-rate n] [--flood-burst n] "
	       "[--read-budget n]\n"
	       "                 [--reg-timeout sec] [--ping-interval sec] "
	       "[--ping-timeout sec]\n"
	       "                 [--errors-max n] [--db path] "
	       "[--sync normal|full]\n"
	       "                 [--channel-expire days] [--history-days "
	       "days]\n"
	       "                 [--tls-listen host:port] [--tls-cert file "
	       "--tls-key file]\n"
	       "                 [--tls-self-signed] [--history-keep n]\n"
	       "                 [--allow-plaintext-login] [--hash-threads n]\n"
	       "                 [--ban-file file] [--redis host:port] "
	       "[--node name]\n";
}

/*
 * A whole number in [min, max]; with sized, a k or m suffix multiplies by
 * 1024 or 1048576.  Returns 0, or -1 with err filled.
 */
static int
parse_number(const char *name, const char *s, unsigned long long min,
    unsigned long long max, int sized, unsigned long long *out, char *err,
    size_t err_size)
{
	unsigned long long v, mult = 1;
	char *end;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		goto bad;
	if (sized && (*end == 'k' || *end == 'K')) {
		mult = 1024;
		end++;
	} else if (sized && (*end == 'm' || *end == 'M')) {
		mult = 1024 * 1024;
		end++;
	}
	if (*end != '\0' || v > max / mult)
		goto bad;
	v *= mult;
	if (v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	snprintf(err, err_size,
	    "--%s: '%s' is not a number from %llu to %llu%s", name, s, min, max,
	    sized ? " (k and m suffixes allowed)" : "");
	return -1;
}

/* Joins dir, sub and file into buf; 0, or -1 if it does not fit. */
static int
join_path(
    char *buf, size_t size, const char *dir, const char *sub, const char *file)
{
	int n = snprintf(buf, size, "%s%s/%s", dir, sub, file);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
options_default_db(char *buf, size_t size, char *err, size_t err_size)
{
	char why[256];

	if (options_state_file(buf, size, "chat.db", why, sizeof(why)) == 0)
		return 0;
	snprintf(err, err_size, "%s: give --db", why);
	return -1;
}

int
options_state_file(
    char *buf, size_t size, const char *file, char *err, size_t err_size)
{
	const char *state = getenv("STATE_DIRECTORY");
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	int rc;

	if (state != NULL && state[0] == '/') {
		/* systemd lists several directories with colons. */
		size_t n = strcspn(state, ":");
		char dir[OPTIONS_PATH_MAX];

		if (n >= sizeof(dir))
			goto long_path;
		memcpy(dir, state, n);
		dir[n] = '\0';
		rc = join_path(buf, size, dir, "", file);
	} else if (xdg != NULL && xdg[0] == '/') {
		rc = join_path(buf, size, xdg, "/txt-chatd", file);
	} else if (home != NULL && home[0] == '/') {
		rc =
		    join_path(buf, size, home, "/.local/state/txt-chatd", file);
	} else {
		snprintf(err, err_size,
		    "no $STATE_DIRECTORY, $XDG_STATE_HOME or $HOME for %s",
		    file);
		return -1;
	}
	if (rc == 0)
		return 0;
long_path:
	snprintf(err, err_size, "the default path of %s is too long", file);
	return -1;
}

/* A node name: 1 to OPTIONS_NODE_MAX of A-Z a-z 0-9 . _ - */
static int
node_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > OPTIONS_NODE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		        (s[i] >= 'A' && s[i] <= 'Z') ||
		        (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		        s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/*
 * --redis keeps everything in Redis and nothing in a database of its own
 * (yet): no --db but :memory:, which it implies.
 */
static enum options_result
check_redis(struct server_config *cfg, char *err, size_t err_size)
{
	if (cfg->redis == NULL) {
		if (cfg->node == NULL)
			return OPTIONS_RUN;
		snprintf(err, err_size, "--node needs --redis");
		return OPTIONS_ERROR;
	}
	if (cfg->db != NULL && strcmp(cfg->db, OPTIONS_DB_MEMORY) != 0) {
		snprintf(err, err_size,
		    "--redis keeps no database: --db must be %s or absent",
		    OPTIONS_DB_MEMORY);
		return OPTIONS_ERROR;
	}
	cfg->db = OPTIONS_DB_MEMORY;
	return OPTIONS_RUN;
}

/* The TLS options make sense only together. */
static enum options_result
check_tls(const struct server_config *cfg, char *err, size_t err_size)
{
	int files = (cfg->tls_cert != NULL) + (cfg->tls_key != NULL);

	if (cfg->tls_listen == NULL && (files > 0 || cfg->tls_self_signed))
		snprintf(err, err_size,
		    "--tls-cert, --tls-key and --tls-self-signed need "
		    "--tls-listen");
	else if (cfg->tls_self_signed && files > 0)
		snprintf(err, err_size,
		    "--tls-self-signed makes its own --tls-cert and --tls-key");
	else if (cfg->tls_listen != NULL && !cfg->tls_self_signed && files != 2)
		snprintf(err, err_size,
		    "--tls-listen needs --tls-cert and --tls-key, or "
		    "--tls-self-signed");
	else
		return OPTIONS_RUN;
	return OPTIONS_ERROR;
}

enum options_result
options_parse(int argc, char **argv, struct server_config *cfg, char *err,
    size_t err_size)
{
	int ch, index = 0;

	optind = 0; /* glibc: start afresh, so tests can parse twice */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":l:vhV", long_options, &index)) !=
	    -1) {
		unsigned long long v;
		char host[ADDR_HOST_MAX + 1], port[ADDR_PORT_MAX + 1];
		const char *name = "";
		unsigned long long min = 0, max = UINT_MAX;
		int sized = 0;
		unsigned *uval = NULL;
		size_t *zval = NULL;

		switch (ch) {
		case 'l':
			cfg->listen = optarg;
			continue;
		case 'v':
			cfg->verbose++;
			continue;
		case 'h':
			return OPTIONS_HELP;
		case 'V':
			return OPTIONS_VERSION;
		case ':':
			snprintf(err, err_size, "%s needs a value",
			    argv[optind - 1]);
			return OPTIONS_ERROR;
		case '?':
			/*
			 * In "-xv" getopt has not moved past the argument yet,
			 * so argv[optind - 1] is the one before: name the
			 * letter.  glibc sets optopt to 0 for an unknown long
			 * option and to a known letter for "--verbose=1".
			 */
			if (optopt > ' ' && optopt < 127 &&
			    strchr("lvhV", optopt) == NULL)
				snprintf(err, err_size, "unknown option -%c",
				    optopt);
			else
				snprintf(err, err_size, "unknown option %s",
				    argv[optind - 1]);
			return OPTIONS_ERROR;
		case OPT_MAX_CLIENTS:
			uval = &cfg->max_clients;
			min = 1;
			max = 1000000;
			break;
		case OPT_MAX_PER_ADDR:
			uval = &cfg->max_per_addr;
			break;
		case OPT_MAX_CHANNELS:
			uval = &cfg->chat.max_channels;
			break;
		case OPT_MAX_JOINS:
			uval = &cfg->chat.max_joins;
			min = 1;
			break;
		case OPT_MAX_MEMBERS:
			uval = &cfg->chat.max_members;
			min = 1;
			break;
		case OPT_HISTORY:
			uval = &cfg->chat.history;
			max = 100000;
			break;
		case OPT_HISTORY_BYTES:
			zval = &cfg->chat.history_bytes;
			max = (unsigned long long)1 << 40;
			sized = 1;
			break;
		case OPT_SENDQ:
			min = 64 * 1024;
			max = (unsigned long long)1 << 32;
			sized = 1;
			break;
		case OPT_FLOOD_RATE:
			uval = &cfg->flood_rate;
			max = 1000000;
			break;
		case OPT_FLOOD_BURST:
			uval = &cfg->flood_burst;
			min = 1;
			max = 1000000;
			break;
		case OPT_READ_BUDGET:
			uval = &cfg->read_budget;
			min = 1;
			max = 100000;
			break;
		case OPT_REG_TIMEOUT:
			uval = &cfg->reg_timeout;
			min = 1;
			max = 86400;
			break;
		case OPT_PING_INTERVAL:
			uval = &cfg->ping_interval;
			min = 1;
			max = 86400;
			break;
		case OPT_PING_TIMEOUT:
			uval = &cfg->ping_timeout;
			min = 1;
			max = 86400;
			break;
		case OPT_ERRORS_MAX:
			uval = &cfg->chat.errors_max;
			break;
		case OPT_DB:
			if (optarg[0] == '\0' ||
			    strlen(optarg) >= OPTIONS_PATH_MAX) {
				snprintf(err, err_size,
				    "--db: a path of 1 to %d bytes",
				    OPTIONS_PATH_MAX - 1);
				return OPTIONS_ERROR;
			}
			cfg->db = optarg;
			continue;
		case OPT_SYNC:
			if (strcmp(optarg, "normal") == 0) {
				cfg->sync_full = 0;
			} else if (strcmp(optarg, "full") == 0) {
				cfg->sync_full = 1;
			} else {
				snprintf(err, err_size,
				    "--sync: '%s' is not normal or full",
				    optarg);
				return OPTIONS_ERROR;
			}
			continue;
		case OPT_CHANNEL_EXPIRE:
			uval = &cfg->chat.channel_expire_days;
			max = OPTIONS_DAYS_MAX;
			break;
		case OPT_HISTORY_DAYS:
			uval = &cfg->chat.history_days;
			max = OPTIONS_DAYS_MAX;
			break;
		case OPT_TLS_LISTEN:
			cfg->tls_listen = optarg;
			continue;
		case OPT_TLS_CERT:
		case OPT_TLS_KEY:
		case OPT_BAN_FILE:
			if (optarg[0] == '\0' ||
			    strlen(optarg) >= OPTIONS_PATH_MAX) {
				snprintf(err, err_size,
				    "--%s: a path of 1 to %d bytes",
				    long_options[index].name,
				    OPTIONS_PATH_MAX - 1);
				return OPTIONS_ERROR;
			}
			if (ch == OPT_TLS_CERT)
				cfg->tls_cert = optarg;
			else if (ch == OPT_TLS_KEY)
				cfg->tls_key = optarg;
			else
				cfg->ban_file = optarg;
			continue;
		case OPT_REDIS:
			if (addr_split(optarg, 0, 6379, host, port) < 0) {
				snprintf(err, err_size,
				    "--redis: '%s' is not host:port", optarg);
				return OPTIONS_ERROR;
			}
			cfg->redis = optarg;
			continue;
		case OPT_NODE:
			if (!node_ok(optarg)) {
				snprintf(err, err_size,
				    "--node: names are 1-%d characters of A-Z "
				    "a-z 0-9 . _ -",
				    OPTIONS_NODE_MAX);
				return OPTIONS_ERROR;
			}
			cfg->node = optarg;
			continue;
		case OPT_TLS_SELF_SIGNED:
			cfg->tls_self_signed = 1;
			continue;
		case OPT_HISTORY_KEEP:
			uval = &cfg->chat.history_keep;
			max = OPTIONS_KEEP_MAX;
			break;
		case OPT_ALLOW_PLAINTEXT_LOGIN:
			cfg->chat.allow_plaintext_login = 1;
			continue;
		case OPT_HASH_THREADS:
			uval = &cfg->hash_threads;
			min = 1;
			max = PWHASH_THREADS_MAX;
			break;
		default:
			snprintf(err, err_size, "unknown option");
			return OPTIONS_ERROR;
		}
		name = long_options[index].name;
		if (parse_number(
		        name, optarg, min, max, sized, &v, err, err_size) < 0)
			return OPTIONS_ERROR;
		if (uval != NULL)
			*uval = (unsigned)v;
		else if (zval != NULL)
			*zval = (size_t)v;
		else
			cfg->sendq_max = (size_t)v;
	}
	if (optind < argc) {
		snprintf(
		    err, err_size, "unexpected argument '%s'", argv[optind]);
		return OPTIONS_ERROR;
	}
	if (check_redis(cfg, err, err_size) != OPTIONS_RUN)
		return OPTIONS_ERROR;
	return check_tls(cfg, err, err_size);
}
