/* main.c: txt-chatd, the txt-chat server: options, then the loop. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "options.h"
#include "server.h"
#include "transport_tls.h"

/*
 * Creates the directories leading to path that do not exist yet, mode
 * 0700: the database holds every message.  Returns 0, or -1 with err.
 */
static int
make_parents(const char *path, char *err, size_t err_size)
{
	char dir[OPTIONS_PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(dir))
		return 0;
	memcpy(dir, path, n + 1);
	for (i = 1; i < n; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			snprintf(err, err_size, "mkdir %.200s: %s", dir,
			    strerror(errno));
			return -1;
		}
		dir[i] = '/';
	}
	return 0;
}

/*
 * --tls-self-signed: the key and certificate in the state directory,
 * made on first start and reused after.  Returns 0, or -1 with err.
 */
static int
self_signed(struct server_config *cfg, char *cert, char *key, char *err,
    size_t err_size)
{
	int made;

	if (options_state_file(cert, OPTIONS_PATH_MAX, OPTIONS_TLS_CERT_FILE,
	        err, err_size) < 0 ||
	    options_state_file(key, OPTIONS_PATH_MAX, OPTIONS_TLS_KEY_FILE, err,
	        err_size) < 0 ||
	    make_parents(cert, err, err_size) < 0)
		return -1;
	made = transport_tls_self_signed(cert, key, err, err_size);
	if (made < 0)
		return -1;
	if (made > 0)
		fprintf(stderr,
		    "txt-chatd: made a self-signed certificate: %s\n", cert);
	cfg->tls_cert = cert;
	cfg->tls_key = key;
	return 0;
}

int
main(int argc, char **argv)
{
	struct server_config cfg;
	char err[256];
	char db[OPTIONS_PATH_MAX];
	char cert[OPTIONS_PATH_MAX], key[OPTIONS_PATH_MAX];

	server_defaults(&cfg);
	switch (options_parse(argc, argv, &cfg, err, sizeof(err))) {
	case OPTIONS_HELP:
		fputs(options_usage(), stdout);
		return 0;
	case OPTIONS_VERSION:
		printf("%s\n", cfg.chat.software);
		return 0;
	case OPTIONS_ERROR:
		fprintf(stderr, "txt-chatd: %s\n%s", err, options_usage());
		return 1;
	case OPTIONS_RUN:
		break;
	}
	/* Only this user reads the key, the database and its journal. */
	umask(077);
	if (cfg.tls_self_signed &&
	    self_signed(&cfg, cert, key, err, sizeof(err)) < 0) {
		fprintf(stderr, "txt-chatd: %s\n", err);
		return 1;
	}
	if (cfg.db == NULL) {
		if (options_default_db(db, sizeof(db), err, sizeof(err)) < 0) {
			fprintf(stderr, "txt-chatd: %s\n", err);
			return 1;
		}
		cfg.db = db;
	}
	if (strcmp(cfg.db, OPTIONS_DB_MEMORY) != 0) {
		if (make_parents(cfg.db, err, sizeof(err)) < 0) {
			fprintf(stderr, "txt-chatd: %s\n", err);
			return 1;
		}
	}
	return server_run(&cfg);
}
