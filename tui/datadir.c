/* datadir.c: where the client keeps its files, and making their folders. */
#include "datadir.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int
datadir_path(char *buf, size_t size, const char *xdg_data, const char *home,
    const char *rel)
{
	int n;

	if (xdg_data != NULL && xdg_data[0] == '/')
		n = snprintf(buf, size, "%s/txt-chat/%s", xdg_data, rel);
	else if (home != NULL && home[0] != '\0')
		n = snprintf(
		    buf, size, "%s/.local/share/txt-chat/%s", home, rel);
	else
		return 0;
	return n < 0 || (size_t)n >= size ? -1 : 1;
}

int
datadir_mkdirs(const char *path)
{
	char dir[DATADIR_PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, n + 1);
	for (i = 1; i < n; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -1;
		dir[i] = '/';
	}
	return 0;
}
