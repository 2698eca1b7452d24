/* config.h: the client's settings from the command line, the environment and a
 * file. */
#ifndef TUI_CONFIG_H
#define TUI_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "account.h"
#include "filter.h"
#include "link.h"
#include "stamp.h"
#include "tls.h"
#include "model.h"
#include "proto.h"

/* The server when nothing says otherwise. */
#define CONFIG_SERVER_DEFAULT "127.0.0.1:9090"
/*
 * Servers one setting may list, comma-separated: nodes of one chat, tried
 * in turn when a connection fails or is lost.
 */
#define CONFIG_SERVERS_MAX 8
/* Bytes of one server, "tls://" and host:port, terminator included. */
#define CONFIG_SERVER_SIZE (LINK_TLS_SCHEME_LEN + LINK_HOSTPORT_MAX + 1)
/* The name when the login name has nothing usable. */
#define CONFIG_NAME_FALLBACK "user"
/* Bytes of a config file; a bigger one is an error. */
#define CONFIG_FILE_MAX (64 * 1024)
/* Bytes of the config file's path, no terminator. */
#define CONFIG_PATH_MAX 4095
/* Bytes of the highlight words, one space between, no terminator. */
#define CONFIG_HIGHLIGHT_MAX (MODEL_HIGHLIGHTS_MAX * (MODEL_HIGHLIGHT_LEN + 1))
/* Bytes an error message needs at most, terminator included. */
#define CONFIG_ERR_MAX (CONFIG_PATH_MAX + 256)

/*
 * Settings, lowest precedence first: the defaults, the config file
 * ($XDG_CONFIG_HOME/txt-chat/config, else $HOME/.config/txt-chat/config,
 * or the file of -c), the environment (TXT_CHAT_SERVER, TXT_CHAT_NAME),
 * the command line.  Every value is checked where it is read.
 */
struct config {
	/*
	 * "host:port" or "[v6]:port", "tls://" in front for TLS: the first
	 * server, which names the chat (its logs, its saved state).
	 */
	char server[CONFIG_SERVER_SIZE];
	/* Every server of the list, server first; 1 to CONFIG_SERVERS_MAX. */
	char servers[CONFIG_SERVERS_MAX][CONFIG_SERVER_SIZE];
	size_t nservers;
	/* --fingerprint: the pinned SHA-256 "AB:CD:...", upper case, or "". */
	char fingerprint[TLS_FP_MAX];
	char name[PROTO_NAME_MAX + 1]; /* a valid_name() */
	size_t scrollback; /* MODEL_SCROLLBACK_MIN to MODEL_SCROLLBACK_MAX */
	/* Bytes of all scrollback: MODEL_SCROLLBACK_BYTES_MIN to _MAX. */
	size_t scrollback_bytes;
	/* Words that mark a mention besides the name, one space between:
	 * at most MODEL_HIGHLIGHTS_MAX of 1 to MODEL_HIGHLIGHT_LEN name bytes.
	 */
	char highlight[CONFIG_HIGHLIGHT_MAX + 1];
	int no_color; /* --no-color, or NO_COLOR set and not empty */
	/* Chat logs (chatlog.h): on unless "log = off" or --no-log. */
	int log;
	/* Where they go: absolute; empty for chatlog_default_dir(). */
	char log_dir[CONFIG_PATH_MAX + 1];
	/* Accounts: the one to log in as on connecting ("" none), and the
	 * command whose first line of output is its password ("" none). */
	char account[PROTO_NAME_MAX + 1];
	char pass_cmd[ACCOUNT_CMD_MAX + 1];
	/* The time column's strftime format (stamp_check) and its columns. */
	char timestamp_format[STAMP_FORMAT_MAX + 1];
	int timestamp_cols;
	/* The join filter of windows without their own (/filter), and the
	 * smart filter's minutes. */
	enum filter_joins join_filter;
	unsigned join_filter_minutes;
};

/* The command line as given: strings point into argv, NULL if absent. */
struct config_args {
	const char *file; /* -c: a config file that must exist */
	const char *server;
	const char *name;
	const char *scrollback;
	const char *fingerprint;
	int no_color; /* --no-color */
	int no_log;   /* --no-log */
};

enum config_result {
	CONFIG_RUN = 0,     /* the settings are ready */
	CONFIG_HELP = 1,    /* print config_usage(), exit 0 */
	CONFIG_VERSION = 2, /* print the version, exit 0 */
	CONFIG_ERROR = -1,  /* err says why: print it and the usage, exit 1 */
};

/*
 * The defaults: CONFIG_SERVER_DEFAULT, MODEL_SCROLLBACK_DEFAULT,
 * MODEL_SCROLLBACK_BYTES_DEFAULT and the
 * login name (NULL if unknown) made into a valid name: bytes outside
 * A-Z a-z 0-9 _ . - become '_', a leading '.' or '-' too, and it is cut at
 * PROTO_NAME_MAX bytes; nothing left gives CONFIG_NAME_FALLBACK.
 */
void config_defaults(struct config *cfg, const char *login_name);

/*
 * Parses argv (getopt_long; argv may be permuted) into args, checking
 * every value.  Returns CONFIG_RUN, CONFIG_HELP or CONFIG_VERSION (at the
 * first -h or -V), or CONFIG_ERROR with err filled.
 */
enum config_result config_parse_args(struct config_args *args, int argc,
    char **argv, char *err, size_t err_size);

/*
 * Applies config file text: lines of "key = value" (keys server, name,
 * scrollback, scrollback_bytes, highlight, log, log_dir, account,
 * pass_cmd, timestamp_format, join_filter, join_filter_minutes), blank lines
 * and lines whose first non-blank byte is '#'; blanks around keys and values
 * and a CR before the LF are ignored. source names the text in errors
 * ("source:line: why").  Returns 0, or -1 with err filled; cfg then holds the
 * lines before the bad one.
 */
int config_parse_text(struct config *cfg, const char *text, size_t len,
    const char *source, char *err, size_t err_size);

/*
 * Applies TXT_CHAT_SERVER, TXT_CHAT_NAME and NO_COLOR, looked up with get
 * (getenv, or a fake in tests); an empty value counts as unset.  Returns 0, or
 * -1 with err filled.
 */
int config_apply_env(
    struct config *cfg, char *(*get)(const char *), char *err, size_t err_size);

/* Applies the values given on the command line.  Returns 0, or -1 with err. */
int config_apply_args(struct config *cfg, const struct config_args *args,
    char *err, size_t err_size);

/*
 * Writes the default config file's path into buf, looking variables up
 * with get.  Returns 1, 0 if neither $XDG_CONFIG_HOME (absolute) nor
 * $HOME is set, or -1 if the path does not fit in size bytes.
 */
int config_default_path(char *buf, size_t size, char *(*get)(const char *));

/*
 * Reads the file at path (stdio) and applies it.  A missing file is fine
 * unless must_exist.  Returns 0, or -1 with err filled.
 */
int config_read_file(struct config *cfg, const char *path, int must_exist,
    char *err, size_t err_size);

/*
 * All of the above in order: defaults, the command line (help, version
 * and bad options come back before any file is read), the file of -c or
 * the default one, the environment, the command line's values.
 */
enum config_result config_load(struct config *cfg, int argc, char **argv,
    const char *login_name, char *(*get)(const char *), char *err,
    size_t err_size);

/* The usage text, matching the SYNOPSIS of txt-chat(1). */
const char *config_usage(void);

/*
 * Writes the full help of -h to f: the usage, every option with its
 * default, the config file's path (looked up with get) and keys, the main
 * keys and where the manual is.
 */
void config_write_help(FILE *f, char *(*get)(const char *));

#endif
