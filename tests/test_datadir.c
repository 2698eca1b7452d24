/* test_datadir.c: the client's data paths and mkdir -p. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "datadir.h"

static void
test_path(void **state)
{
	char buf[64], tiny[16];

	(void)state;
	assert_int_equal(datadir_path(buf, sizeof(buf), "/x", "/h", "logs"), 1);
	assert_string_equal(buf, "/x/txt-chat/logs");
	/* A relative XDG_DATA_HOME is ignored, as the spec says. */
	assert_int_equal(datadir_path(buf, sizeof(buf), "x", "/h", "logs"), 1);
	assert_string_equal(buf, "/h/.local/share/txt-chat/logs");
	assert_int_equal(datadir_path(buf, sizeof(buf), NULL, "/h", "a/b"), 1);
	assert_string_equal(buf, "/h/.local/share/txt-chat/a/b");
	assert_int_equal(datadir_path(buf, sizeof(buf), NULL, "", "logs"), 0);
	assert_int_equal(datadir_path(buf, sizeof(buf), "", NULL, "logs"), 0);
	assert_int_equal(
	    datadir_path(tiny, sizeof(tiny), "/x", NULL, "known_servers"), -1);
}

static void
test_mkdirs(void **state)
{
	char root[] = "/tmp/test_datadir.XXXXXX", path[256], sub[256];
	char *big;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/a/b/file", root);
	assert_int_equal(datadir_mkdirs(path), 0);
	snprintf(sub, sizeof(sub), "%s/a/b", root);
	assert_int_equal(stat(sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0077, 0);
	/* The last part is the file's: not made. */
	assert_int_equal(stat(path, &st), -1);
	/* Folders that exist are fine. */
	assert_int_equal(datadir_mkdirs(path), 0);
	big = malloc(DATADIR_PATH_MAX + 8);
	assert_non_null(big);
	memset(big, 'a', DATADIR_PATH_MAX + 7);
	big[0] = '/';
	big[DATADIR_PATH_MAX + 7] = '\0';
	errno = 0;
	assert_int_equal(datadir_mkdirs(big), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	free(big);
	assert_int_equal(rmdir(sub), 0);
	snprintf(sub, sizeof(sub), "%s/a", root);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(root), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path),
	    cmocka_unit_test(test_mkdirs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
