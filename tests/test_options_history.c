/* test_options_history.c: --history-bytes, the server's history budget. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "options.h"

/* Parses "txt-chatd --history-bytes value" over the defaults. */
static enum options_result
parse_bytes(const char *value, struct server_config *cfg)
{
	char a0[] = "txt-chatd", a1[] = "--history-bytes", a2[64];
	char *argv[] = {a0, a1, a2, NULL};
	char err[256];

	strncpy(a2, value, sizeof(a2) - 1);
	a2[sizeof(a2) - 1] = '\0';
	server_defaults(cfg);
	return options_parse(3, argv, cfg, err, sizeof(err));
}

static void
test_history_bytes(void **state)
{
	static const struct {
		const char *in;
		unsigned long long want; /* 1: refused */
	} cases[] = {
	    {"0", 0},
	    {"4096", 4096},
	    {"64k", 65536},
	    {"32m", 32ULL << 20},
	    {"1099511627776", 1ULL << 40},
	    {"1099511627777", 1},
	    {"1048577m", 1},
	    {"-1", 1},
	    {"1g", 1},
	    {"", 1},
	};
	struct server_config cfg;
	size_t i;

	(void)state;
	server_defaults(&cfg);
	assert_int_equal(cfg.chat.history_bytes, CHAT_HISTORY_BYTES_DEFAULT);
	assert_int_equal(CHAT_HISTORY_BYTES_DEFAULT, 32 << 20);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum options_result r = parse_bytes(cases[i].in, &cfg);

		if (cases[i].want == 1) {
			if (r != OPTIONS_ERROR)
				fail_msg("%s accepted", cases[i].in);
			continue;
		}
		assert_int_equal(r, OPTIONS_RUN);
		assert_true(cfg.chat.history_bytes == cases[i].want);
		/* --history is another option, untouched. */
		assert_int_equal(cfg.chat.history, 100);
	}
	assert_non_null(strstr(options_usage(), "[--history-bytes bytes]"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_history_bytes),
	};

	return cmocka_run_group_tests_name(
	    "options_history", tests, NULL, NULL);
}
