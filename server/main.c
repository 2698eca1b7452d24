/* main.c: txt-chatd, the txt-chat server: options, then the loop. */
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "server.h"

int
main(int argc, char **argv)
{
	struct server_config cfg;
	char err[256];

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
	return server_run(&cfg);
}
