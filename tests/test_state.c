/* test_state.c: the state file: parsing, formatting, its path, and its
 * atomic write. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state.h"

static struct state st, st2;

static void
test_parse_format_round_trip(void **state)
{
	static const char text[] = "# a comment\n"
	                           "\n"
	                           "own\n"
	                           "channel #rust\n"
	                           "query bob smart\n"
	                           "  channel #go   all  \r\n"
	                           "ignore spammer\n"
	                           "ignore eve";
	char err[STATE_ERR_MAX], buf[STATE_FILE_MAX];
	size_t len;

	(void)state;
	assert_int_equal(
	    state_parse(&st, text, strlen(text), "f", err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(st.nwins, 4);
	assert_int_equal(st.wins[0].kind, MODEL_WIN_PERSONAL);
	assert_string_equal(st.wins[0].name, "");
	assert_int_equal(st.wins[1].kind, MODEL_WIN_CHANNEL);
	assert_string_equal(st.wins[1].name, "#rust");
	assert_int_equal(st.wins[1].filter, FILTER_JOINS_DEFAULT);
	assert_int_equal(st.wins[2].kind, MODEL_WIN_DM);
	assert_string_equal(st.wins[2].name, "bob");
	assert_int_equal(st.wins[2].filter, FILTER_JOINS_SMART);
	assert_string_equal(st.wins[3].name, "#go");
	assert_int_equal(st.wins[3].filter, FILTER_JOINS_ALL);
	assert_int_equal(st.nignores, 2);
	assert_string_equal(st.ignores[1], "eve");
	len = state_format(&st, buf, sizeof(buf));
	assert_true(len > 0);
	assert_non_null(strstr(buf,
	    "\nown\nchannel #rust\nquery bob smart\n"
	    "channel #go all\nignore spammer\n"
	    "ignore eve\n"));
	assert_int_equal(buf[0], '#');
	/* What is written reads back the same. */
	assert_int_equal(state_parse(&st2, buf, len, "f", err, sizeof(err)), 0);
	assert_memory_equal(&st, &st2, sizeof(st));
	/* Too small a buffer: nothing. */
	assert_int_equal(state_format(&st, buf, 40), 0);
}

static void
test_parse_bad_lines(void **state)
{
	static const char text[] = "channel #ok\n"
	                           "channel bad name\n"
	                           "window #x\n"
	                           "query b$d\n"
	                           "channel #y default\n"
	                           "ignore a b\n"
	                           "channel #z off more\n"
	                           "own\n"
	                           "own smart\n"
	                           "own #x\n"
	                           "query fine\n";
	char err[STATE_ERR_MAX];

	(void)state;
	/* Each bad line is skipped; the first is told with its place. */
	assert_int_equal(
	    state_parse(&st, text, strlen(text), "/s", err, sizeof(err)), 8);
	assert_string_equal(
	    err, "/s:2: the join filter must be off, smart or all");
	assert_int_equal(st.nwins, 3);
	assert_int_equal(st.wins[1].kind, MODEL_WIN_PERSONAL);
	assert_string_equal(st.wins[2].name, "fine");
	assert_int_equal(st.nignores, 0);
	assert_int_equal(
	    state_parse(&st, "a\0b\n", 4, "/s", err, sizeof(err)), 1);
	assert_string_equal(err, "/s:1: a NUL byte");
}

static void
test_parse_limits(void **state)
{
	static char text[STATE_FILE_MAX * 2];
	char err[STATE_ERR_MAX], buf[STATE_FILE_MAX];
	size_t len = 0, i;

	(void)state;
	for (i = 0; i <= STATE_WINDOWS_MAX; i++)
		len += (size_t)sprintf(text + len, "channel #c%zu smart\n", i);
	for (i = 0; i <= FILTER_IGNORES_MAX; i++)
		len += (size_t)sprintf(text + len, "ignore n%zu\n", i);
	assert_int_equal(state_parse(&st, text, len, "f", err, sizeof(err)), 2);
	assert_int_equal(st.nwins, STATE_WINDOWS_MAX);
	assert_int_equal(st.nignores, FILTER_IGNORES_MAX);
	/* The longest names in every slot still fit a file. */
	for (i = 0; i < st.nwins; i++) {
		memset(st.wins[i].name, 'x', MODEL_NAME_MAX);
		st.wins[i].name[MODEL_NAME_MAX] = '\0';
	}
	for (i = 0; i < st.nignores; i++) {
		memset(st.ignores[i], 'y', PROTO_NAME_MAX);
		st.ignores[i][PROTO_NAME_MAX] = '\0';
	}
	assert_true(state_format(&st, buf, sizeof(buf)) > 0);
}

static const char *fake_xdg, *fake_home;

static char *
fake_get(const char *name)
{
	if (strcmp(name, "XDG_DATA_HOME") == 0)
		return (char *)fake_xdg;
	if (strcmp(name, "HOME") == 0)
		return (char *)fake_home;
	return NULL;
}

static void
test_path(void **state)
{
	char buf[256];

	(void)state;
	fake_xdg = "/x";
	fake_home = "/h";
	assert_int_equal(
	    state_path(buf, sizeof(buf), "tls://Host:9/a", "Bob", fake_get), 1);
	assert_string_equal(buf, "/x/txt-chat/state/host:9_a/bob");
	fake_xdg = "relative";
	assert_int_equal(
	    state_path(buf, sizeof(buf), "127.0.0.1:9090", "al.ice", fake_get),
	    1);
	assert_string_equal(
	    buf, "/h/.local/share/txt-chat/state/127.0.0.1:9090/al.ice");
	/* A name is never "." or "..". */
	assert_int_equal(
	    state_path(buf, sizeof(buf), "h:1", ".x", fake_get), 1);
	assert_string_equal(buf, "/h/.local/share/txt-chat/state/h:1/_x");
	fake_home = NULL;
	assert_int_equal(state_path(buf, sizeof(buf), "h:1", "a", fake_get), 0);
	fake_xdg = "/a/long/path";
	assert_int_equal(state_path(buf, 10, "h:1", "a", fake_get), -1);
}

static void
test_write_read(void **state)
{
	char dir[] = "/tmp/test_state.XXXXXX", path[256], tmp[260];
	char err[STATE_ERR_MAX];
	static char text[STATE_FILE_MAX + 1];
	struct stat sb;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a/b/state", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	/* Missing: nothing, no error. */
	assert_int_equal(state_read(path, text, err, sizeof(err)), 0);
	/* Directories are made; the file is 0600 and no .tmp is left. */
	assert_int_equal(
	    state_write(path, "query bob\n", 10, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(state_read(path, text, err, sizeof(err)), 10);
	assert_memory_equal(text, "query bob\n", 10);
	/* Replaced whole. */
	assert_int_equal(
	    state_write(path, "ignore x\n", 9, err, sizeof(err)), 0);
	assert_int_equal(state_read(path, text, err, sizeof(err)), 9);
	assert_memory_equal(text, "ignore x\n", 9);
	/* Too big to read. */
	memset(text, '#', sizeof(text));
	assert_int_equal(
	    state_write(path, text, sizeof(text), err, sizeof(err)), 0);
	assert_int_equal(state_read(path, text, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bigger than"));
	/* A directory where the file should be: an error, no .tmp left. */
	snprintf(tmp, sizeof(tmp), "%s/a", dir);
	assert_int_equal(state_write(tmp, "x\n", 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, tmp));
	snprintf(tmp, sizeof(tmp), "%s/a.tmp", dir);
	assert_int_equal(access(tmp, F_OK), -1);
	unlink(path);
	snprintf(tmp, sizeof(tmp), "%s/a/b", dir);
	rmdir(tmp);
	snprintf(tmp, sizeof(tmp), "%s/a", dir);
	rmdir(tmp);
	rmdir(dir);
}

/* The lock: a second process is refused while the first holds it. */
static void
test_lock(void **state)
{
	char dir[] = "/tmp/test_state.XXXXXX", path[256], lock[264];
	char err[STATE_ERR_MAX];
	int fd, status, fds[2];
	pid_t pid;
	char c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s/alice", dir);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	fd = state_lock(path, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(access(lock, F_OK), 0);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Refused while the parent holds it; taken once it let go. */
		int r = state_lock(path, err, sizeof(err));

		if (write(fds[1], "x", 1) != 1 || read(fds[0], &c, 1) != 1)
			_exit(3);
		if (r != -2)
			_exit(1);
		r = state_lock(path, err, sizeof(err));
		_exit(r >= 0 ? 0 : 2);
	}
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fd);
	assert_int_equal(write(fds[1], "y", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(fds[0]);
	close(fds[1]);
	/* A path it cannot make: an error, not "held". */
	assert_int_equal(
	    state_lock("/proc/no/such/dir/x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/proc/no/such/dir/x.lock"));
	unlink(lock);
	snprintf(lock, sizeof(lock), "%s/s", dir);
	rmdir(lock);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_format_round_trip),
	    cmocka_unit_test(test_parse_bad_lines),
	    cmocka_unit_test(test_parse_limits),
	    cmocka_unit_test(test_path),
	    cmocka_unit_test(test_write_read),
	    cmocka_unit_test(test_lock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
