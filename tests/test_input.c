/* test_input.c: key actions applied to the editor, the windows and the client.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "editor.h"
#include "input.h"
#include "keymap.h"
#include "model.h"

#define UID      "127.0.0.1:40000"
#define RUST     "V1StGXR8_Z5jdHi6B-myT"
#define SENT_MAX 128

struct fixture {
	struct client *client;
	struct input *input;
	struct input_pane pane;
	char sent[SENT_MAX][256];
	size_t nsent;
};

static void
fake_send(void *ctx, const char *line, size_t len)
{
	struct fixture *f = ctx;

	assert_true(f->nsent < SENT_MAX);
	assert_true(len < sizeof(f->sent[0]));
	memcpy(f->sent[f->nsent], line, len - 1);
	f->sent[f->nsent][len - 1] = '\0';
	f->nsent++;
}

static void
fake_drop(void *ctx, const char *why)
{
	(void)ctx;
	(void)why;
}

static void
server(struct fixture *f, const char *line)
{
	client_line(f->client, line, strlen(line), 1000);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct client_config cfg = {"alice", MODEL_SCROLLBACK_MIN};
	struct client_io io;

	assert_non_null(f);
	memset(&io, 0, sizeof(io));
	io.ctx = f;
	io.send = fake_send;
	io.drop = fake_drop;
	f->client = client_new(&cfg, &io);
	f->input = input_new(f->client);
	assert_non_null(f->client);
	assert_non_null(f->input);
	f->pane.width = 80;
	f->pane.height = 10;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	input_free(f->input);
	client_free(f->client);
	free(f);
	return 0;
}

/* Brings the client online in channel rust with bob in it. */
static void
online(struct fixture *f)
{
	struct model *m;
	struct model_win *w;

	client_connected(f->client, 1000);
	server(f, "hello$1$3072$32$test");
	server(f, "registered$" UID "$alice");
	server(f, "joined$" UID "$personal$1$~alice");
	server(f, "names$" UID "$alice");
	server(f, "names_end$" UID "$1");
	server(f, "history_end$" UID "$0");
	/* The client takes only the joins it asked for. */
	(void)client_input(f->client, "/join rust", 10, 1000);
	server(f, "joined$" RUST "$channel$2$rust");
	server(f, "names$" RUST "$alice bob");
	server(f, "names_end$" RUST "$2");
	server(f, "history_end$" RUST "$0");
	assert_int_equal(client_state(f->client), CLIENT_ONLINE);
	m = client_model(f->client);
	w = model_find(m, MODEL_WIN_CHANNEL, RUST, strlen(RUST));
	assert_non_null(w);
	model_select(m, model_win_index(m, w));
	f->nsent = 0;
}

static unsigned
act(struct fixture *f, enum keymap_act a)
{
	struct keymap_action ka;

	memset(&ka, 0, sizeof(ka));
	ka.act = a;
	return input_apply(f->input, &ka, &f->pane, 1000);
}

static void
type(struct fixture *f, const char *s)
{
	struct keymap_action ka;

	memset(&ka, 0, sizeof(ka));
	ka.act = KEYMAP_INSERT;
	for (; *s != '\0'; s++) {
		ka.cp = (unsigned char)*s;
		assert_int_equal(
		    input_apply(f->input, &ka, &f->pane, 1000), INPUT_DRAW);
	}
}

static void
paste(struct fixture *f, const char *text)
{
	struct keymap_action ka;

	memset(&ka, 0, sizeof(ka));
	ka.act = KEYMAP_PASTE_END;
	ka.text = text;
	ka.len = strlen(text);
	(void)input_apply(f->input, &ka, &f->pane, 1000);
}

static const char *
line_text(struct fixture *f)
{
	static char buf[EDITOR_UTF8_MAX];

	editor_text_utf8(input_editor(f->input), buf, sizeof(buf));
	return buf;
}

/* The text of the newest line in the current window, or "". */
static const char *
last_notice(struct fixture *f)
{
	struct model *m = client_model(f->client);
	struct model_win *w = model_win_at(m, model_current(m));
	struct model_line l;

	if (model_lines_end(w) == model_lines_begin(w) ||
	    model_line(w, model_lines_end(w) - 1, &l) < 0)
		return "";
	return l.text;
}

/* Reconnects the online fixture to a server that takes max bytes of text. */
static void
text_max(struct fixture *f, const char *max)
{
	char hello[64];

	client_disconnected(f->client, "eof", 2000, 2000);
	client_connected(f->client, 2000);
	snprintf(hello, sizeof(hello), "hello$1$%s$32$test", max);
	server(f, hello);
	server(f, "registered$" UID "$alice");
	server(f, "joined$" RUST "$channel$2$rust");
	server(f, "history_end$" RUST "$0");
	f->nsent = 0;
}

static void
test_enter_sends_and_clears(void **state)
{
	struct fixture *f = *state;

	online(f);
	type(f, "hello");
	assert_string_equal(line_text(f), "hello");
	act(f, KEYMAP_SUBMIT);
	assert_int_equal(f->nsent, 1);
	assert_string_equal(f->sent[0], "send_msg$" UID "$" RUST "$hello");
	assert_string_equal(line_text(f), "");
	/* The line went to the history. */
	act(f, KEYMAP_HISTORY_PREV);
	assert_string_equal(line_text(f), "hello");
}

static void
test_enter_offline_keeps_the_line(void **state)
{
	struct fixture *f = *state;

	type(f, "not yet");
	act(f, KEYMAP_SUBMIT);
	assert_int_equal(f->nsent, 0);
	assert_string_equal(line_text(f), "not yet");
}

static void
test_editing_keys_reach_the_editor(void **state)
{
	struct fixture *f = *state;

	type(f, "one two");
	act(f, KEYMAP_KILL_RUBOUT);
	assert_string_equal(line_text(f), "one ");
	act(f, KEYMAP_HOME);
	act(f, KEYMAP_YANK);
	assert_string_equal(line_text(f), "twoone ");
	act(f, KEYMAP_KILL_TO_END);
	assert_string_equal(line_text(f), "two");
	act(f, KEYMAP_BACKSPACE);
	assert_string_equal(line_text(f), "tw");
}

static void
test_multiline_paste_asks_first(void **state)
{
	struct fixture *f = *state;

	online(f);
	paste(f, "one\ntwo\nthree\n");
	assert_non_null(input_question(f->input));
	assert_non_null(strstr(input_question(f->input), "3 lines"));
	/* Other keys do not answer the question and type nothing. */
	assert_int_equal(act(f, KEYMAP_BACKSPACE), 0);
	assert_string_equal(line_text(f), "");
	act(f, KEYMAP_SUBMIT);
	assert_null(input_question(f->input));
	assert_int_equal(f->nsent, 3);
	assert_string_equal(f->sent[0], "send_msg$" UID "$" RUST "$one");
	assert_string_equal(f->sent[2], "send_msg$" UID "$" RUST "$three");
}

static void
test_paste_escape_cancels(void **state)
{
	struct fixture *f = *state;

	online(f);
	paste(f, "a\nb");
	assert_non_null(input_question(f->input));
	act(f, KEYMAP_CANCEL);
	assert_null(input_question(f->input));
	act(f, KEYMAP_SUBMIT);
	assert_int_equal(f->nsent, 0);
}

/* Enter answers the question only: the draft is neither sent nor lost. */
static void
test_paste_enter_keeps_the_draft(void **state)
{
	struct fixture *f = *state;

	online(f);
	type(f, "my draft");
	paste(f, "pasted one\npasted two\n");
	assert_int_equal(act(f, KEYMAP_SUBMIT), INPUT_DRAW);
	assert_null(input_question(f->input));
	assert_int_equal(f->nsent, 2);
	assert_string_equal(f->sent[0], "send_msg$" UID "$" RUST "$pasted one");
	assert_string_equal(f->sent[1], "send_msg$" UID "$" RUST "$pasted two");
	assert_string_equal(line_text(f), "my draft");
	/* Escape on the question leaves the draft too. */
	paste(f, "a\nb");
	assert_int_equal(act(f, KEYMAP_CANCEL), INPUT_DRAW);
	assert_null(input_question(f->input));
	assert_int_equal(f->nsent, 2);
	assert_string_equal(line_text(f), "my draft");
}

/* A pasted line is a message, never a command, whatever it starts with. */
static void
test_pasted_slash_lines_are_messages(void **state)
{
	struct fixture *f = *state;

	online(f);
	paste(f, "line one\n/quit\n//x\n/\nline three\n");
	act(f, KEYMAP_SUBMIT);
	assert_int_equal(client_quitting(f->client), 0);
	assert_int_equal(f->nsent, 5);
	assert_string_equal(f->sent[0], "send_msg$" UID "$" RUST "$line one");
	assert_string_equal(f->sent[1], "send_msg$" UID "$" RUST "$/quit");
	assert_string_equal(f->sent[2], "send_msg$" UID "$" RUST "$//x");
	assert_string_equal(f->sent[3], "send_msg$" UID "$" RUST "$/");
	assert_string_equal(f->sent[4], "send_msg$" UID "$" RUST "$line three");
}

/*
 * A pasted line longer than the server takes goes as several messages,
 * cut at a space where one is near, else between whole characters; the
 * question says how many.  The server here takes 10 bytes.
 */
static void
test_paste_cuts_long_lines(void **state)
{
	struct fixture *f = *state;
	static const char *const want[] = {
	    "short",
	    "the quick",
	    "brown fox",
	    "abcdefghij",
	    "klm",
	    /* 3 + 2 + 2 + 3 bytes: the 4th character would pass 10. */
	    "\xE4\xB8\xAD\xC3\xA9\xC3\xA9\xE4\xB8\xAD",
	    "\xE4\xB8\xAD",
	    "/slash",
	    "/cut",
	};
	size_t i;

	online(f);
	client_disconnected(f->client, "eof", 2000, 2000);
	client_connected(f->client, 2000);
	server(f, "hello$1$10$32$test");
	server(f, "registered$" UID "$alice");
	server(f, "joined$" RUST "$channel$2$rust");
	server(f, "history_end$" RUST "$0");
	f->nsent = 0;
	paste(f,
	    "short\nthe quick brown fox\nabcdefghijklm\n"
	    "\xE4\xB8\xAD\xC3\xA9\xC3\xA9\xE4\xB8\xAD\xE4\xB8\xAD\n"
	    "/slash    /cut\n");
	assert_non_null(input_question(f->input));
	assert_non_null(
	    strstr(input_question(f->input), "paste 5 lines as 9 messages?"));
	act(f, KEYMAP_SUBMIT);
	assert_int_equal(f->nsent, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < f->nsent; i++) {
		char line[64];

		snprintf(line, sizeof(line), "send_msg$" UID "$" RUST "$%s",
		    want[i]);
		assert_string_equal(f->sent[i], line);
	}
}

/*
 * A typed line longer than the server takes goes as several messages,
 * cut as a pasted one is, instead of being refused; the history keeps it
 * whole.  "/me" and "/msg" lines go as several of their kind.
 */
static void
test_long_typed_line_goes_as_several(void **state)
{
	struct fixture *f = *state;

	online(f);
	text_max(f, "10");
	type(f, "the quick brown fox /jumps");
	act(f, KEYMAP_SUBMIT);
	assert_int_equal(f->nsent, 3);
	assert_string_equal(f->sent[0], "send_msg$" UID "$" RUST "$the quick");
	assert_string_equal(f->sent[1], "send_msg$" UID "$" RUST "$brown fox");
	assert_string_equal(f->sent[2], "send_msg$" UID "$" RUST "$/jumps");
	assert_string_equal(line_text(f), "");
	act(f, KEYMAP_HISTORY_PREV);
	assert_string_equal(line_text(f), "the quick brown fox /jumps");
	act(f, KEYMAP_HISTORY_NEXT);

	f->nsent = 0;
	type(f, "/me waves at everyone");
	act(f, KEYMAP_SUBMIT);
	assert_int_equal(f->nsent, 2);
	assert_string_equal(f->sent[0], "send_act$" UID "$" RUST "$waves at");
	assert_string_equal(f->sent[1], "send_act$" UID "$" RUST "$everyone");

	f->nsent = 0;
	type(f, "/msg bob hi there bob");
	act(f, KEYMAP_SUBMIT);
	assert_int_equal(f->nsent, 2);
	assert_string_equal(f->sent[0], "dm$" UID "$bob$hi there");
	assert_string_equal(f->sent[1], "dm$" UID "$bob$bob");

	/* Offline it is refused as any line is, and kept. */
	f->nsent = 0;
	client_disconnected(f->client, "eof", 3000, 3000);
	type(f, "the quick brown fox");
	act(f, KEYMAP_SUBMIT);
	assert_int_equal(f->nsent, 0);
	assert_string_equal(line_text(f), "the quick brown fox");
}

/*
 * A single pasted line of 10,000 bytes reaches the server whole (it was
 * cut at 4096 characters), in as many messages as it takes.
 */
static void
test_long_pasted_line_arrives_whole(void **state)
{
	struct fixture *f = *state;
	static char big[10000 + 1], got[10000 + 1];
	const char *head = "send_msg$" UID "$" RUST "$";
	size_t i, n = 0;

	for (i = 0; i < 10000; i++)
		big[i] = (char)('a' + i % 26);
	online(f);
	text_max(f, "100");
	paste(f, big);
	assert_null(input_question(f->input));
	assert_int_equal(strlen(line_text(f)), 10000);
	act(f, KEYMAP_SUBMIT);
	assert_int_equal(f->nsent, 100);
	for (i = 0; i < f->nsent; i++) {
		assert_memory_equal(f->sent[i], head, strlen(head));
		memcpy(got + n, f->sent[i] + strlen(head),
		    strlen(f->sent[i]) - strlen(head));
		n += strlen(f->sent[i]) - strlen(head);
	}
	assert_int_equal(n, 10000);
	assert_memory_equal(got, big, 10000);
	assert_string_equal(line_text(f), "");
}

/*
 * The input line says when it is full, once, and a paste that does not
 * fit is refused whole with a notice: what is on the line stays.
 */
static void
test_full_line_says_so(void **state)
{
	struct fixture *f = *state;
	static char big[EDITOR_MAX + 1];

	memset(big, 'a', EDITOR_MAX);
	online(f);
	type(f, "keep me ");
	paste(f, big);
	assert_string_equal(line_text(f), "keep me ");
	assert_non_null(strstr(last_notice(f), "does not fit"));
	act(f, KEYMAP_BACKSPACE);
	act(f, KEYMAP_BACKSPACE);
	act(f, KEYMAP_BACKSPACE);
	act(f, KEYMAP_KILL_TO_START);
	paste(f, big);
	assert_int_equal(strlen(line_text(f)), EDITOR_MAX);
	type(f, "x");
	assert_non_null(strstr(last_notice(f), "input line is full"));
	model_info(client_model(f->client),
	    model_win_at(client_model(f->client),
	        model_current(client_model(f->client))),
	    1000, MODEL_LINE_INFO, "marker");
	type(f, "y");
	assert_string_equal(last_notice(f), "marker");
	/* The kill buffer does not fit either: said, and nothing goes. */
	act(f, KEYMAP_YANK);
	assert_non_null(strstr(last_notice(f), "killed text does not fit"));
	assert_int_equal(strlen(line_text(f)), EDITOR_MAX);
}

/* A paste the key map cut at its limit says so, on one line as on many. */
static void
test_cut_paste_says_so(void **state)
{
	struct fixture *f = *state;
	struct keymap_action ka;

	online(f);
	memset(&ka, 0, sizeof(ka));
	ka.act = KEYMAP_PASTE_END;
	ka.text = "the start of something";
	ka.len = strlen(ka.text);
	ka.truncated = 1;
	(void)input_apply(f->input, &ka, &f->pane, 1000);
	assert_string_equal(line_text(f), "the start of something");
	assert_non_null(strstr(last_notice(f), "cut at 65536"));
}

/*
 * A multi-line paste is never dropped unsent: offline it waits for Enter
 * once online; where no message can go it waits too; a second paste while
 * the first waits is refused with a notice, not in silence.
 */
static void
test_paste_is_never_lost(void **state)
{
	struct fixture *f = *state;

	paste(f, "one\ntwo\n");
	act(f, KEYMAP_SUBMIT);
	assert_int_equal(f->nsent, 0);
	assert_non_null(input_question(f->input));
	assert_non_null(strstr(last_notice(f), "the paste waits"));
	paste(f, "three\nfour\n");
	assert_non_null(strstr(last_notice(f), "was not taken"));
	assert_non_null(strstr(input_question(f->input), "2 lines"));
	/* Online, but in the status window: refused there, still held. */
	online(f);
	model_select(client_model(f->client), 0);
	act(f, KEYMAP_SUBMIT);
	assert_int_equal(f->nsent, 0);
	assert_non_null(input_question(f->input));
	/* In the channel it goes. */
	model_select(client_model(f->client),
	    model_win_index(client_model(f->client),
	        model_find(client_model(f->client), MODEL_WIN_CHANNEL, RUST,
	            strlen(RUST))));
	act(f, KEYMAP_SUBMIT);
	assert_null(input_question(f->input));
	assert_int_equal(f->nsent, 2);
	assert_string_equal(f->sent[0], "send_msg$" UID "$" RUST "$one");
	assert_string_equal(f->sent[1], "send_msg$" UID "$" RUST "$two");
}

/* The question counts the lines Enter sends: blank ones are skipped. */
static void
test_paste_counts_only_lines_it_sends(void **state)
{
	struct fixture *f = *state;

	online(f);
	paste(f, "\none\n\n  \n\t\x07\ntwo\n\n\n");
	assert_non_null(input_question(f->input));
	assert_non_null(strstr(input_question(f->input), "paste 2 lines"));
	act(f, KEYMAP_SUBMIT);
	assert_int_equal(f->nsent, 2);
	assert_string_equal(f->sent[0], "send_msg$" UID "$" RUST "$one");
	assert_string_equal(f->sent[1], "send_msg$" UID "$" RUST "$two");
	/* Nothing to send: no question, nothing typed. */
	paste(f, "\n \n\t\n\x1b\n\n");
	assert_null(input_question(f->input));
	assert_string_equal(line_text(f), "");
	/* One line among blank ones is a one-line paste. */
	paste(f, "\n\n hello \n\n");
	assert_null(input_question(f->input));
	assert_string_equal(line_text(f), " hello ");
	assert_int_equal(f->nsent, 2);
}

/* Ctrl-C on the paste question cancels the paste; it does not arm quit. */
static void
test_paste_ctrl_c_cancels(void **state)
{
	struct fixture *f = *state;

	online(f);
	paste(f, "a\nb\n");
	assert_int_equal(act(f, KEYMAP_QUIT_REQUEST), INPUT_DRAW);
	assert_null(input_question(f->input));
	act(f, KEYMAP_SUBMIT);
	assert_int_equal(f->nsent, 0);
	/* The next Ctrl-C is the first of two again. */
	assert_int_equal(act(f, KEYMAP_QUIT_REQUEST), INPUT_DRAW);
	assert_non_null(input_question(f->input));
	assert_int_equal(act(f, KEYMAP_QUIT_REQUEST), INPUT_QUIT);
}

static unsigned
act_at(struct fixture *f, enum keymap_act a, uint64_t now)
{
	struct keymap_action ka;

	memset(&ka, 0, sizeof(ka));
	ka.act = a;
	return input_apply(f->input, &ka, &f->pane, now);
}

/*
 * Ctrl-C quits only when pressed again within INPUT_QUIT_WINDOW_MS; after
 * that the question goes by itself and the next press starts over.
 */
static void
test_ctrl_c_window(void **state)
{
	struct fixture *f = *state;

	online(f);
	assert_int_equal(input_deadline(f->input), UINT64_MAX);
	assert_int_equal(act_at(f, KEYMAP_QUIT_REQUEST, 5000), INPUT_DRAW);
	assert_non_null(input_question(f->input));
	assert_int_equal(input_deadline(f->input), 5000 + INPUT_QUIT_WINDOW_MS);
	assert_int_equal(
	    input_tick(f->input, 5000 + INPUT_QUIT_WINDOW_MS - 1), 0);
	assert_non_null(input_question(f->input));
	assert_int_equal(
	    input_tick(f->input, 5000 + INPUT_QUIT_WINDOW_MS), INPUT_DRAW);
	assert_null(input_question(f->input));
	assert_int_equal(input_deadline(f->input), UINT64_MAX);
	/* Late, without the tick: still the first press again. */
	act_at(f, KEYMAP_QUIT_REQUEST, 10000);
	assert_int_equal(
	    act_at(f, KEYMAP_QUIT_REQUEST, 10000 + INPUT_QUIT_WINDOW_MS),
	    INPUT_DRAW);
	assert_non_null(input_question(f->input));
	/* In time: quit. */
	assert_int_equal(
	    act_at(f, KEYMAP_QUIT_REQUEST, 10000 + INPUT_QUIT_WINDOW_MS + 100),
	    INPUT_QUIT);
}

static void
test_one_line_paste_goes_into_the_line(void **state)
{
	struct fixture *f = *state;

	paste(f, "pasted \x1b[31mtext\n");
	assert_null(input_question(f->input));
	/* The escape is dropped, never typed. */
	assert_string_equal(line_text(f), "pasted [31mtext");
}

/*
 * Control characters are dropped from a paste, not refused with it; a tab
 * becomes a space so the words it separated stay apart.  What is dropped
 * is whole code points: the multi-byte characters around them survive.
 */
static void
test_paste_drops_control_characters(void **state)
{
	struct fixture *f = *state;

	online(f);
	/* TAB, BEL, DEL; U+0085, U+202E, U+2028, U+2066, a stray 0xff. */
	paste(f,
	    "tab\tline here\nsecond\x07"
	    "bell\x7f\n"
	    "caf\xc3\xa9\xc2\x85!\xe2\x80\xae\xe2\x80\xa8"
	    "\xe2\x81\xa6\xf0\x9f\x98\x80\xff\n");
	assert_non_null(input_question(f->input));
	act(f, KEYMAP_SUBMIT);
	assert_int_equal(f->nsent, 3);
	assert_string_equal(
	    f->sent[0], "send_msg$" UID "$" RUST "$tab line here");
	assert_string_equal(f->sent[1], "send_msg$" UID "$" RUST "$secondbell");
	assert_string_equal(f->sent[2],
	    "send_msg$" UID "$" RUST "$caf\xc3\xa9!\xf0\x9f\x98\x80");
}

static void
test_one_line_paste_turns_tabs_into_spaces(void **state)
{
	struct fixture *f = *state;

	paste(f, "single\ttab\x01\xc3\xa9\x1b\n");
	assert_null(input_question(f->input));
	assert_string_equal(line_text(f), "single tab\xc3\xa9");
}

static void
test_ctrl_c_twice_quits(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(act(f, KEYMAP_QUIT_REQUEST), INPUT_DRAW);
	assert_non_null(input_question(f->input));
	/* Another key in between disarms it. */
	type(f, "x");
	assert_null(input_question(f->input));
	act(f, KEYMAP_QUIT_REQUEST);
	assert_int_equal(act(f, KEYMAP_QUIT_REQUEST), INPUT_QUIT);
}

static void
test_window_switching(void **state)
{
	struct fixture *f = *state;
	struct model *m = client_model(f->client);
	size_t n, i, start;

	online(f);
	n = model_win_count(m);
	assert_true(n >= 3);
	start = model_current(m);
	act(f, KEYMAP_CHANNEL_NEXT);
	assert_int_equal(model_current(m), (start + 1) % n);
	for (i = 1; i < n; i++)
		act(f, KEYMAP_CHANNEL_NEXT);
	assert_int_equal(model_current(m), start);
	act(f, KEYMAP_CHANNEL_PREV);
	assert_int_equal(model_current(m), (start + n - 1) % n);
	{
		struct keymap_action ka;

		memset(&ka, 0, sizeof(ka));
		ka.act = KEYMAP_CHANNEL_GOTO;
		ka.channel = 1;
		input_apply(f->input, &ka, &f->pane, 1000);
		assert_int_equal(model_current(m), 1);
		/* A window that does not exist changes nothing. */
		ka.channel = 9;
		input_apply(f->input, &ka, &f->pane, 1000);
		assert_int_equal(model_current(m), 1);
	}
	/* Activity: a message in another window. */
	server(f, "msg$" RUST "$1$1000$bob$hi alice");
	act(f, KEYMAP_CHANNEL_ACTIVITY);
	assert_string_equal(
	    model_win_name(model_win_at(m, model_current(m))), "rust");
}

static void
test_tab_completes_a_member(void **state)
{
	struct fixture *f = *state;

	online(f);
	type(f, "bo");
	act(f, KEYMAP_COMPLETE);
	assert_string_equal(line_text(f), "bob: ");
}

/*
 * Names come from the window's members, but never this user's own; in a
 * conversation, whom it is with comes first; the people of the other
 * conversations can be completed anywhere (for /msg).
 */
static void
test_tab_completes_names_from_conversations(void **state)
{
	struct fixture *f = *state;
	struct model *m = client_model(f->client);

	online(f);
	server(f, "names$" RUST "$alice albert bob");
	server(f, "names_end$" RUST "$3");
	type(f, "al");
	act(f, KEYMAP_COMPLETE);
	assert_string_equal(line_text(f), "albert: ");
	act(f, KEYMAP_COMPLETE);
	assert_string_equal(line_text(f), "albert: ");
	act(f, KEYMAP_KILL_TO_START);
	/* A conversation with Erin: "e" in it is Erin. */
	server(f, "dm$2000$erin$alice$hi");
	model_select(
	    m, model_win_index(m, model_find(m, MODEL_WIN_DM, "erin", 4)));
	type(f, "e");
	act(f, KEYMAP_COMPLETE);
	assert_string_equal(line_text(f), "erin: ");
	act(f, KEYMAP_KILL_TO_START);
	/* From the status window too, after /msg. */
	model_select(m, 0);
	type(f, "/msg e");
	act(f, KEYMAP_COMPLETE);
	assert_string_equal(line_text(f), "/msg erin ");
}

static void
test_paging_moves_the_view(void **state)
{
	struct fixture *f = *state;
	struct model *m = client_model(f->client);
	struct model_win *w;
	char line[128];
	int i;

	online(f);
	for (i = 1; i <= 40; i++) {
		snprintf(
		    line, sizeof(line), "msg$" RUST "$%d$1000$bob$n%d", i, i);
		server(f, line);
	}
	w = model_win_at(m, model_current(m));
	act(f, KEYMAP_PAGE_UP);
	assert_int_not_equal(model_win_anchor(w), UINT64_MAX);
	assert_int_equal(model_win_below(w), 9);
	act(f, KEYMAP_PAGE_DOWN);
	assert_int_equal(model_win_anchor(w), UINT64_MAX);
	act(f, KEYMAP_SCROLL_TOP);
	assert_int_not_equal(model_win_anchor(w), UINT64_MAX);
	act(f, KEYMAP_SCROLL_BOTTOM);
	assert_int_equal(model_win_anchor(w), UINT64_MAX);
}

static void
test_redraw_asks_for_a_repaint(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(act(f, KEYMAP_REDRAW), INPUT_DRAW | INPUT_REPAINT);
}

/* Ctrl-R: type, older, newer, Escape back; /search; Enter keeps the view. */
static void
test_search_keys(void **state)
{
	struct fixture *f = *state;
	struct model *m;
	struct model_win *w;
	int i;

	online(f);
	m = client_model(f->client);
	w = model_win_at(m, model_current(m));
	for (i = 0; i < 40; i++)
		assert_int_equal(
		    model_add(m, w, 1000, MODEL_LINE_MSG, 0, "bob", 3,
		        i % 10 == 0 ? "a needle" : "hay", i % 10 == 0 ? 8 : 3),
		    0);
	assert_null(input_search(f->input));
	assert_int_equal(model_win_anchor(w), UINT64_MAX);
	assert_int_equal(act(f, KEYMAP_SEARCH_BACK), INPUT_DRAW);
	assert_non_null(input_search(f->input));
	assert_string_equal(input_question(f->input), "search: ");
	type(f, "NEEDLE");
	assert_string_equal(input_question(f->input), "search: NEEDLE (4/4)");
	/* The newest match, line 30 of the window's 40 (after its joins). */
	assert_int_equal(model_win_anchor(w), model_lines_end(w) - 10);
	assert_int_equal(act(f, KEYMAP_SEARCH_BACK), INPUT_DRAW);
	assert_int_equal(model_win_anchor(w), model_lines_end(w) - 20);
	assert_int_equal(act(f, KEYMAP_HISTORY_PREV), INPUT_DRAW);
	assert_string_equal(input_question(f->input), "search: NEEDLE (2/4)");
	assert_int_equal(act(f, KEYMAP_SEARCH_FWD), INPUT_DRAW);
	assert_int_equal(model_win_anchor(w), model_lines_end(w) - 20);
	act(f, KEYMAP_BACKSPACE);
	assert_string_equal(input_question(f->input), "search: NEEDL (3/4)");
	/* Escape: back to following the newest line, nothing typed. */
	assert_int_equal(act(f, KEYMAP_CANCEL), INPUT_DRAW);
	assert_null(input_search(f->input));
	assert_int_equal(model_win_anchor(w), UINT64_MAX);
	assert_int_equal(editor_len(input_editor(f->input)), 0);
	/* /search starts one with its text; Enter keeps the view there. */
	type(f, "/search needle");
	act(f, KEYMAP_SUBMIT);
	assert_non_null(input_search(f->input));
	assert_string_equal(input_question(f->input), "search: needle (4/4)");
	act(f, KEYMAP_SEARCH_BACK);
	act(f, KEYMAP_SUBMIT);
	assert_null(input_search(f->input));
	assert_int_equal(model_win_anchor(w), model_lines_end(w) - 20);
	assert_int_equal(f->nsent, 0);
	/* Another key ends the search and does what it does. */
	act(f, KEYMAP_SEARCH_BACK);
	type(f, "hay");
	act(f, KEYMAP_SCROLL_BOTTOM);
	assert_null(input_search(f->input));
	assert_int_equal(model_win_anchor(w), UINT64_MAX);
	assert_int_equal(editor_len(input_editor(f->input)), 0);
	/* Another window shown meanwhile (a join): the search ends there. */
	act(f, KEYMAP_SEARCH_BACK);
	type(f, "needle");
	model_select(m, 0);
	type(f, "x");
	assert_null(input_search(f->input));
	assert_int_equal(editor_len(input_editor(f->input)), 1);
	assert_int_equal(model_win_anchor(model_win_at(m, 0)), UINT64_MAX);
}

/* Registered as a guest over loopback, as a password may go there. */
static void
guest_on_loopback(struct fixture *f)
{
	client_connecting(f->client, "127.0.0.1:9090", 1000);
	client_connected(f->client, 1000);
	server(f, "hello$1$3072$32$test");
	server(f, "registered$" UID "$alice");
	f->nsent = 0;
}

/* Whether any line of any window holds s. */
static int
model_holds(struct fixture *f, const char *s)
{
	struct model *m = client_model(f->client);
	struct model_line l;
	size_t i;
	uint64_t k;

	for (i = 0; i < model_win_count(m); i++) {
		const struct model_win *w = model_win_at(m, i);

		for (k = model_lines_begin(w); k < model_lines_end(w); k++)
			if (model_line(w, k, &l) == 0 && strstr(l.text, s))
				return 1;
	}
	return 0;
}

/*
 * /register: the password goes into the question, not the editor; the
 * draft, the history, the search and the completion never see it.
 */
static void
test_password_unseen(void **state)
{
	struct fixture *f = *state;
	const char *q;

	guest_on_loopback(f);
	type(f, "/register");
	act(f, KEYMAP_SUBMIT);
	q = input_question(f->input);
	assert_non_null(q);
	assert_non_null(strstr(q, "new password for alice"));
	type(f, "pa55word-x");
	/* Nothing of it in the editor or the question. */
	assert_string_equal(line_text(f), "");
	assert_null(strstr(input_question(f->input), "pa55"));
	/* Keys that would show or keep it do nothing. */
	act(f, KEYMAP_HISTORY_PREV);
	act(f, KEYMAP_COMPLETE);
	act(f, KEYMAP_YANK);
	act(f, KEYMAP_SEARCH_BACK);
	assert_null(input_search(f->input));
	assert_string_equal(line_text(f), "");
	/* Backspace edits it: "pa55word-" then "1". */
	act(f, KEYMAP_BACKSPACE);
	type(f, "1");
	act(f, KEYMAP_SUBMIT);
	assert_non_null(strstr(input_question(f->input), "again"));
	/* A password manager's paste, with its newline. */
	paste(f, "pa55word-1\n");
	assert_int_equal(f->nsent, 0);
	act(f, KEYMAP_SUBMIT);
	assert_int_equal(f->nsent, 1);
	assert_string_equal(f->sent[0], "register$alice$pa55word-1");
	assert_null(input_question(f->input));
	/* The history holds the command, never the password. */
	act(f, KEYMAP_HISTORY_PREV);
	assert_string_equal(line_text(f), "/register");
	act(f, KEYMAP_HISTORY_PREV);
	assert_string_equal(line_text(f), "/register");
	assert_false(model_holds(f, "pa55"));
}

/*
 * An account without pass_cmd: the question comes on connecting, over
 * what was being typed, which stays; Escape registers as a guest, and
 * Ctrl-C cancels a question without arming quitting.
 */
static void
test_password_cancel_keeps_draft(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(client_set_account(f->client, "alice", NULL, 0), 0);
	type(f, "draft");
	client_connecting(f->client, "127.0.0.1:9090", 1000);
	client_connected(f->client, 1000);
	server(f, "hello$1$3072$32$test");
	assert_int_equal(f->nsent, 1); /* hello */
	assert_non_null(input_question(f->input));
	type(f, "secret-123");
	assert_string_equal(line_text(f), "draft");
	act(f, KEYMAP_CANCEL);
	assert_null(input_question(f->input));
	assert_int_equal(f->nsent, 2);
	assert_string_equal(f->sent[1], "reg$alice");
	assert_string_equal(line_text(f), "draft");
	server(f, "registered$" UID "$alice");
	act(f, KEYMAP_KILL_TO_START);
	type(f, "/login");
	act(f, KEYMAP_SUBMIT);
	type(f, "x");
	assert_int_equal(act(f, KEYMAP_QUIT_REQUEST), INPUT_DRAW);
	assert_null(input_question(f->input));
	assert_int_equal(input_deadline(f->input), UINT64_MAX);
	assert_int_equal(f->nsent, 2);
	assert_false(model_holds(f, "secret-123"));
}

/* "/login alice password" typed in full: refused, cleared, not kept. */
static void
test_password_on_the_line_is_dropped(void **state)
{
	struct fixture *f = *state;

	guest_on_loopback(f);
	type(f, "/login alice hunter2-xyz");
	act(f, KEYMAP_SUBMIT);
	assert_int_equal(f->nsent, 0);
	assert_string_equal(line_text(f), "");
	assert_non_null(strstr(last_notice(f), "not sent, and not kept"));
	act(f, KEYMAP_HISTORY_PREV);
	assert_string_equal(line_text(f), "");
	assert_false(model_holds(f, "hunter2"));
	assert_null(input_question(f->input));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_enter_sends_and_clears, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_enter_offline_keeps_the_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_editing_keys_reach_the_editor, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_multiline_paste_asks_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_paste_escape_cancels, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_paste_enter_keeps_the_draft, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_pasted_slash_lines_are_messages, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_paste_counts_only_lines_it_sends, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_paste_ctrl_c_cancels, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_one_line_paste_goes_into_the_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_paste_drops_control_characters, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_one_line_paste_turns_tabs_into_spaces, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_ctrl_c_twice_quits, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_window_switching, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_tab_completes_a_member, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_tab_completes_names_from_conversations, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_long_typed_line_goes_as_several, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_long_pasted_line_arrives_whole, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_full_line_says_so, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_cut_paste_says_so, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_paste_is_never_lost, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_paste_cuts_long_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_ctrl_c_window, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_paging_moves_the_view, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_redraw_asks_for_a_repaint, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_password_unseen, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_password_cancel_keeps_draft, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_password_on_the_line_is_dropped, setup, teardown),
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests_name("input", tests, NULL, NULL);
}
