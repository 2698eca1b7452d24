/* fakeshell.h: a fake I/O shell for the client's core in unit tests. */
#ifndef TESTS_LIB_FAKESHELL_H
#define TESTS_LIB_FAKESHELL_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "model.h"

/* Lines the shell records before a test reads them; more fail the test. */
#define FAKESHELL_LINES 64
/* Bytes of the last drop's reason kept, terminator included. */
#define FAKESHELL_WHY_MAX 64

/* What the client asked the shell to do. */
struct fakeshell {
	char *sent[FAKESHELL_LINES]; /* without their LF, owned */
	size_t nsent;
	int drops;
	char why[FAKESHELL_WHY_MAX];
};

/* A client whose I/O goes to f, and its model. */
struct fakeshell_env {
	struct fakeshell f;
	struct client *c;
	struct model *m;
};

/*
 * Zeroes e and makes a client called name keeping scrollback lines a
 * window, offline; fails the test without memory.
 */
void fakeshell_start(
    struct fakeshell_env *e, const char *name, size_t scrollback);
/* Forgets what was sent and frees the client. */
void fakeshell_end(struct fakeshell_env *e);

/*
 * The client's io callbacks (struct client_io), ctx a struct fakeshell:
 * a line sent (with its LF, at most PROTO_LINE_MAX bytes) is recorded, a
 * drop counted with its reason.
 */
void fakeshell_send(void *ctx, const char *line, size_t len);
void fakeshell_drop(void *ctx, const char *why);

/* Forgets the lines sent. */
void fakeshell_clear(struct fakeshell *f);
/* The lines sent must be exactly want[0..n); then they are forgotten. */
void fakeshell_expect_n(struct fakeshell *f, const char *const *want, size_t n);
/* fakeshell_expect_n with the lines listed. */
#define fakeshell_expect(f, ...)                                               \
	do {                                                                   \
		static const char *const want_[] = {__VA_ARGS__};              \
		fakeshell_expect_n(                                            \
		    (f), want_, sizeof(want_) / sizeof(want_[0]));             \
	} while (0)
/* Nothing may have been sent. */
void fakeshell_expect_none(const struct fakeshell *f);

/*
 * Whether w holds a line whose text contains s, of kind (an enum
 * model_line_kind) unless kind is negative.
 */
int fakeshell_has_line(const struct model_win *w, int kind, const char *s);
/* As fakeshell_has_line, failing the test if there is none. */
void fakeshell_assert_line(const struct model_win *w, int kind, const char *s);

#endif
