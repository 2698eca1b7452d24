/* options.h: the txt-chatd command line. */
#ifndef SERVER_OPTIONS_H
#define SERVER_OPTIONS_H

#include <stddef.h>

#include "server.h"

enum options_result {
	OPTIONS_RUN = 0,     /* cfg is ready */
	OPTIONS_HELP = 1,    /* print usage, exit 0 */
	OPTIONS_VERSION = 2, /* print version, exit 0 */
	OPTIONS_ERROR = -1,  /* err holds why; print usage, exit 1 */
};

/*
 * Parses argv over the values already in cfg.  Strings in cfg point into
 * argv.  Numbers must be whole, in range, with an optional k/m suffix
 * where a size is meant.
 */
enum options_result options_parse(int argc, char **argv,
    struct server_config *cfg, char *err, size_t err_size);

/* What --db :memory: says: nothing is stored, as before storage existed. */
#define OPTIONS_DB_MEMORY ":memory:"
/* Bytes of a database path, counting the terminator. */
#define OPTIONS_PATH_MAX 4096

/*
 * The default database path into buf: $STATE_DIRECTORY/chat.db (systemd's
 * StateDirectory=), else $XDG_STATE_HOME/txt-chatd/chat.db, else
 * $HOME/.local/state/txt-chatd/chat.db.  Only the first entry of a
 * colon-separated $STATE_DIRECTORY counts; empty or relative variables are
 * skipped.  Returns 0, or -1 with err filled (no $HOME, or too long).
 */
int options_default_db(char *buf, size_t size, char *err, size_t err_size);

/*
 * As options_default_db(), for another file in the same directory: file
 * in place of chat.db.
 */
int options_state_file(
    char *buf, size_t size, const char *file, char *err, size_t err_size);

/* The files --tls-self-signed makes in the state directory. */
#define OPTIONS_TLS_CERT_FILE "tls-cert.pem"
#define OPTIONS_TLS_KEY_FILE  "tls-key.pem"

/* Bytes of a --node name (REDIS_LOG_NODE_MAX). */
#define OPTIONS_NODE_MAX 16

/* The usage text, matching the SYNOPSIS of txt-chatd(8). */
const char *options_usage(void);

#endif
