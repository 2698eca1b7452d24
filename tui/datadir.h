/* datadir.h: where the client keeps its files, and making their folders. */
#ifndef TUI_DATADIR_H
#define TUI_DATADIR_H

#include <stddef.h>

/* Bytes of a path datadir_mkdirs takes, terminator included. */
#define DATADIR_PATH_MAX 4096

/*
 * "$XDG_DATA_HOME/txt-chat/<rel>" when xdg_data is absolute, else
 * "$HOME/.local/share/txt-chat/<rel>", into buf.  Returns 1, 0 if
 * neither is set, or -1 if the path does not fit in size bytes.
 */
int datadir_path(char *buf, size_t size, const char *xdg_data, const char *home,
    const char *rel);

/*
 * Makes the folders of path (all but its last part) that do not exist,
 * mode 0700, as mkdir -p does.  Returns 0, or -1 with errno.
 */
int datadir_mkdirs(const char *path);

#endif
