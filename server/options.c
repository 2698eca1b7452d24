/* options.c: parses the txt-chatd command line into a server_config. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

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
};

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
	       "                 [--errors-max n]\n";
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
	return OPTIONS_RUN;
}
