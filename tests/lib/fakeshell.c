/* fakeshell.c: a fake I/O shell for the client's core in unit tests. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakeshell.h"
#include "proto.h"

void
fakeshell_start(struct fakeshell_env *e, const char *name, size_t scrollback)
{
	struct client_config cfg;
	struct client_io io;

	memset(e, 0, sizeof(*e));
	memset(&cfg, 0, sizeof(cfg));
	memset(&io, 0, sizeof(io));
	cfg.name = name;
	cfg.scrollback = scrollback;
	io.ctx = &e->f;
	io.send = fakeshell_send;
	io.drop = fakeshell_drop;
	e->c = client_new(&cfg, &io);
	assert_non_null(e->c);
	e->m = client_model(e->c);
	assert_int_equal(client_state(e->c), CLIENT_OFFLINE);
}

void
fakeshell_end(struct fakeshell_env *e)
{
	fakeshell_clear(&e->f);
	client_free(e->c);
	e->c = NULL;
	e->m = NULL;
}

void
fakeshell_send(void *ctx, const char *line, size_t len)
{
	struct fakeshell *f = ctx;
	char *copy;

	assert_true(len > 0);
	assert_int_equal(line[len - 1], '\n');
	assert_true(len <= PROTO_LINE_MAX);
	assert_true(f->nsent < FAKESHELL_LINES);
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, line, len - 1);
	copy[len - 1] = '\0';
	f->sent[f->nsent++] = copy;
}

void
fakeshell_drop(void *ctx, const char *why)
{
	struct fakeshell *f = ctx;

	f->drops++;
	snprintf(f->why, sizeof(f->why), "%s", why);
}

void
fakeshell_clear(struct fakeshell *f)
{
	size_t i;

	for (i = 0; i < f->nsent; i++)
		free(f->sent[i]);
	f->nsent = 0;
}

void
fakeshell_expect_n(struct fakeshell *f, const char *const *want, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < f->nsent; i++)
		assert_string_equal(f->sent[i], want[i]);
	if (f->nsent != n)
		fail_msg("%zu lines sent, not %zu (%s)", f->nsent, n,
		    f->nsent > n ? f->sent[n] : "");
	fakeshell_clear(f);
}

void
fakeshell_expect_none(const struct fakeshell *f)
{
	if (f->nsent > 0)
		fail_msg("sent \"%s\"", f->sent[0]);
}

int
fakeshell_has_line(const struct model_win *w, int kind, const char *s)
{
	struct model_line l;
	uint64_t i;

	for (i = model_lines_begin(w); i < model_lines_end(w); i++) {
		assert_int_equal(model_line(w, i, &l), 0);
		if ((kind < 0 || (int)l.kind == kind) &&
		    strstr(l.text, s) != NULL)
			return 1;
	}
	return 0;
}

void
fakeshell_assert_line(const struct model_win *w, int kind, const char *s)
{
	if (!fakeshell_has_line(w, kind, s))
		fail_msg("no line%s with \"%s\" in %s",
		    kind < 0 ? "" : " of that kind", s, model_win_name(w));
}
