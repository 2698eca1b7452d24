/* main.c: txt-chat: settings, the terminal, then one libuv loop. */
#include <err.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "client.h"
#include "config.h"
#include "input.h"
#include "keymap.h"
#include "link.h"
#include "ui.h"

#define TXT_CHAT_VERSION "txt-chat 0.1.0"

/* The program's one state, reachable from the exit and crash hooks. */
struct app {
	uv_loop_t *loop;
	struct config cfg;
	struct client *client;
	struct input *input;
	struct ui *ui;
	struct link *link;
	uv_poll_t stdin_poll;
	uv_signal_t sig_winch;
	uv_signal_t sig_int;
	uv_signal_t sig_term;
	uv_signal_t sig_hup;
	uv_timer_t retry_timer;
	uv_timer_t tick_timer;
	uv_timer_t key_timer;
	uv_prepare_t redraw;
	uint64_t tick_at;      /* when tick_timer fires, or UINT64_MAX */
	unsigned attempts;     /* connection attempts since the last success */
	int dirty;             /* the screen needs a redraw */
	int repaint;           /* ... of every cell */
	int keyed;             /* ... because of a key: draw at once */
	uint64_t last_draw;    /* loop time of the last frame */
	uv_timer_t draw_timer; /* the next frame while lines pour in */
	int quitting;
	int reading_keys; /* inside the ui's key reading: it must outlive it */
	unsigned quit_note;    /* messages still going when the user quit */
	uv_timer_t quit_timer; /* says so if they take a while */
	int has_quit_timer;
	int have_termios;
	struct termios termios; /* the terminal as we found it */
	int stdin_flags;        /* its file status flags as found, or -1 */
};

static struct app app;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The terminal comes back even when we die: atexit for err() and normal
 * exits, a signal handler for crashes.  Both only undo what ui_new did.
 */
static const char reset_seq[] = "\033[?2004l\033[0m\033[?25h\033[?1049l";

/*
 * libuv makes the terminal non-blocking, and the shell shares that state
 * with us: left so, the next program's reads and writes fail with EAGAIN.
 */
static void
restore_stdin_flags(void)
{
	if (app.stdin_flags >= 0)
		(void)fcntl(STDIN_FILENO, F_SETFL, app.stdin_flags);
}

/* Gives the terminal back as it was found. */
static void
release_terminal(void)
{
	restore_stdin_flags();
	ui_free(app.ui);
	app.ui = NULL;
}

static void
restore_terminal_atexit(void)
{
	release_terminal();
}

static void
crash_handler(int sig)
{
	/* Only async-signal-safe calls here. */
	if (write(STDOUT_FILENO, reset_seq, sizeof(reset_seq) - 1) < 0)
		sig = sig + 0;
	if (app.have_termios)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &app.termios);
	restore_stdin_flags();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
install_crash_handlers(void)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = crash_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* Quitting: the terminal first, so the user sees a prompt at once. */

/* Says, on the terminal given back, why the program has not ended yet. */
static void
on_quit_note(uv_timer_t *t)
{
	(void)t;
	if (app.quit_note == 0 || app.ui != NULL)
		return;
	fprintf(stderr,
	    "txt-chat: %u message%s still on the way to the server; waiting "
	    "for %s (Ctrl-C stops)\n",
	    app.quit_note, app.quit_note == 1 ? "" : "s",
	    app.quit_note == 1 ? "it" : "them");
	app.quit_note = 0;
}

static void
close_handle(uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/*
 * Messages still on their way when the user quits (a paste held back by
 * the server's flood control) are worth waiting for: closing first would
 * reset the connection and the server would drop them, and the quit's
 * reason with them.  The wait grows with their number, up to a bound.
 */
static uint64_t
quit_wait_ms(unsigned unechoed)
{
	uint64_t ms = LINK_CLOSE_TIMEOUT_MS + (uint64_t)unechoed * 150;

	return ms < 30000 ? ms : 30000;
}

static void
shut_down(void)
{
	unsigned unechoed = client_unechoed(app.client);

	if (app.quitting)
		return;
	app.quitting = 1;
	/*
	 * A key being applied (Enter on /quit) gets here
	 * from inside the ui's key loop, which still uses the ui: the
	 * terminal is then given back as soon as that loop returns.
	 */
	if (!app.reading_keys)
		release_terminal();
	close_handle((uv_handle_t *)&app.stdin_poll);
	close_handle((uv_handle_t *)&app.sig_winch);
	close_handle((uv_handle_t *)&app.sig_int);
	close_handle((uv_handle_t *)&app.sig_term);
	close_handle((uv_handle_t *)&app.sig_hup);
	close_handle((uv_handle_t *)&app.retry_timer);
	close_handle((uv_handle_t *)&app.tick_timer);
	close_handle((uv_handle_t *)&app.key_timer);
	close_handle((uv_handle_t *)&app.draw_timer);
	close_handle((uv_handle_t *)&app.redraw);
	/* The link sends what is queued (the quit line) in the background. */
	if (unechoed > 0) {
		link_set_timeouts(app.link, 0, quit_wait_ms(unechoed));
		/* Said only if the wait is long enough to be noticed; the
		 * timer does not keep the program alive. */
		app.quit_note = unechoed;
		uv_timer_init(app.loop, &app.quit_timer);
		app.has_quit_timer = 1;
		uv_timer_start(&app.quit_timer, on_quit_note, 1000, 0);
		uv_unref((uv_handle_t *)&app.quit_timer);
	}
	link_close(app.link);
	link_free(app.link);
	app.link = NULL;
}

/* Reconnecting. */

static void on_retry(uv_timer_t *t);

static void
schedule_retry(const char *why)
{
	uint64_t delay = link_backoff_ms(app.attempts, (uint32_t)rand());

	if (app.quitting)
		return;
	if (app.attempts < 30)
		app.attempts++;
	client_disconnected(app.client, why, now_ms(), now_ms() + delay);
	uv_timer_start(&app.retry_timer, on_retry, delay, 0);
	app.dirty = 1;
}

static void
connect_now(void)
{
	int rc;

	client_connecting(app.client, app.cfg.server, now_ms());
	rc = link_connect(app.link, app.cfg.server);
	if (rc < 0)
		schedule_retry(uv_strerror(rc));
	app.dirty = 1;
}

static void
on_retry(uv_timer_t *t)
{
	(void)t;
	connect_now();
}

/* The link's callbacks. */

static void
on_connected(void *ctx)
{
	(void)ctx;
	app.attempts = 0;
	client_connected(app.client, now_ms());
	app.dirty = 1;
}

static void
on_line(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	client_line(app.client, line, len, now_ms());
	app.dirty = 1;
}

static void
on_line_too_long(void *ctx)
{
	(void)ctx;
	client_line_too_long(app.client, now_ms());
	app.dirty = 1;
}

static void
on_closed(void *ctx, const char *why)
{
	(void)ctx;
	schedule_retry(why);
}

/* The client's I/O. */

static void
client_send(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	/* A full queue means the server stopped reading; keepalive will tell.
	 */
	if (app.link != NULL)
		(void)link_send(app.link, line, len);
}

static void
client_drop(void *ctx, const char *why)
{
	(void)ctx;
	link_close(app.link);
	schedule_retry(why);
}

static void
client_quit(void *ctx)
{
	(void)ctx;
	shut_down();
}

/* Keys, signals, timers and the redraw. */

static void
handle_input_bits(unsigned bits)
{
	if (bits & INPUT_DRAW)
		app.dirty = app.keyed = 1;
	if (bits & INPUT_REPAINT)
		app.repaint = 1;
	if (bits & INPUT_QUIT) {
		if (client_state(app.client) == CLIENT_ONLINE)
			(void)client_input(app.client, "/quit", 5, now_ms());
		shut_down();
	}
}

/* Reads the keys waiting, or ends a paste that timed out; INPUT_* bits. */
static unsigned
read_keys(int timed_out)
{
	unsigned bits;

	app.reading_keys = 1;
	bits = timed_out ? ui_keys_timeout(app.ui, now_ms())
	                 : ui_read_keys(app.ui, now_ms());
	app.reading_keys = 0;
	if (app.quitting)
		release_terminal();
	return bits;
}

static void on_key_timeout(uv_timer_t *t);

static void
arm_key_timer(void)
{
	if (app.ui != NULL && ui_keys_waiting(app.ui))
		uv_timer_start(
		    &app.key_timer, on_key_timeout, KEYMAP_TIMEOUT_MS, 0);
	else
		uv_timer_stop(&app.key_timer);
}

static void
on_key_timeout(uv_timer_t *t)
{
	(void)t;
	if (app.ui == NULL)
		return;
	handle_input_bits(read_keys(1));
	if (!app.quitting)
		arm_key_timer();
}

static void
on_stdin(uv_poll_t *p, int status, int events)
{
	(void)p;
	(void)events;
	if (status < 0 || app.ui == NULL) {
		/* The terminal went away: nothing left to talk to. */
		if (status < 0)
			shut_down();
		return;
	}
	handle_input_bits(read_keys(0));
	if (!app.quitting)
		arm_key_timer();
}

static void
on_signal(uv_signal_t *s, int signum)
{
	(void)s;
	if (signum == SIGWINCH) {
		if (app.ui != NULL)
			ui_resize(app.ui);
		app.dirty = app.keyed = 1;
		return;
	}
	/* SIGINT from outside (Ctrl-C is a key in raw mode), SIGTERM, SIGHUP.
	 */
	if (client_state(app.client) == CLIENT_ONLINE)
		(void)client_input(
		    app.client, "/quit terminated", 16, now_ms());
	shut_down();
}

static void
on_tick(uv_timer_t *t)
{
	(void)t;
	app.tick_at = UINT64_MAX;
	/*
	 * A keepalive ping shows nothing (a lost server redraws through
	 * schedule_retry); its pong will, so one wake-up draws once.
	 */
	client_tick(app.client, now_ms());
	/* A Ctrl-C not repeated in time: its question goes. */
	if (input_tick(app.input, now_ms()) & INPUT_DRAW)
		app.dirty = 1;
}

static void on_draw_timer(uv_timer_t *t);

/*
 * Draws at once after a key, so typing never waits; lines from the server
 * are drawn at most every UI_FRAME_MS, so that a burst of them costs a few
 * frames instead of one per loop turn (and the terminal keeps up).
 */
static void
draw_now_or_soon(void)
{
	uint64_t now = uv_now(app.loop);

	if (!app.keyed && now < app.last_draw + UI_FRAME_MS) {
		if (!uv_is_active((uv_handle_t *)&app.draw_timer))
			uv_timer_start(&app.draw_timer, on_draw_timer,
			    app.last_draw + UI_FRAME_MS - now, 0);
		return;
	}
	uv_timer_stop(&app.draw_timer);
	ui_draw(app.ui, now_ms(), app.repaint);
	app.dirty = app.repaint = app.keyed = 0;
	app.last_draw = now;
}

static void
on_draw_timer(uv_timer_t *t)
{
	(void)t;
	if (app.dirty && app.ui != NULL && !app.quitting)
		draw_now_or_soon();
}

/* Before the loop sleeps: one redraw if needed, and the keepalive timer. */
static void
on_prepare(uv_prepare_t *p)
{
	uint64_t next, now;

	(void)p;
	if (app.quitting)
		return;
	now = now_ms();
	next = client_next_tick(app.client);
	if (input_deadline(app.input) < next)
		next = input_deadline(app.input);
	if (next != app.tick_at) {
		app.tick_at = next;
		if (next == UINT64_MAX)
			uv_timer_stop(&app.tick_timer);
		else
			uv_timer_start(&app.tick_timer, on_tick,
			    next > now ? next - now : 0, 0);
	}
	if (app.dirty && app.ui != NULL)
		draw_now_or_soon();
}

static const char *
login_name(void)
{
	const char *user = getenv("USER");
	struct passwd *pw;

	if (user != NULL && user[0] != '\0')
		return user;
	pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_name : NULL;
}

static void
utf8_locale(void)
{
	setlocale(LC_ALL, "");
	if (strcmp(nl_langinfo(CODESET), "UTF-8") == 0)
		return;
	/* Wide characters need a UTF-8 locale; C.UTF-8 is always there on
	 * glibc. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL ||
	    strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		errx(1, "no UTF-8 locale: set LANG to one, such as C.UTF-8");
}

static void
start_loop(void)
{
	struct client_config ccfg;
	struct client_io io;
	struct link_cb lcb;

	app.loop = uv_default_loop();
	memset(&io, 0, sizeof(io));
	io.send = client_send;
	io.drop = client_drop;
	io.quit = client_quit;
	ccfg.name = app.cfg.name;
	ccfg.scrollback = app.cfg.scrollback;
	app.client = client_new(&ccfg, &io);
	if (app.client != NULL)
		model_set_scrollback_bytes(
		    client_model(app.client), app.cfg.scrollback_bytes);
	memset(&lcb, 0, sizeof(lcb));
	lcb.connected = on_connected;
	lcb.line = on_line;
	lcb.line_too_long = on_line_too_long;
	lcb.closed = on_closed;
	app.link = link_new(app.loop, &lcb);
	if (app.client == NULL || app.link == NULL)
		errx(1, "out of memory");
	app.input = input_new(app.client);
	if (app.input == NULL)
		errx(1, "out of memory");
	if (tcgetattr(STDIN_FILENO, &app.termios) == 0)
		app.have_termios = 1;
	app.stdin_flags = fcntl(STDIN_FILENO, F_GETFL);
	install_crash_handlers();
	atexit(restore_terminal_atexit);
	app.ui = ui_new(app.client, app.input);
	if (app.ui == NULL)
		errx(1, "cannot use this terminal (TERM=%s)",
		    getenv("TERM") ? getenv("TERM") : "unset");
	app.tick_at = UINT64_MAX;
	if (uv_poll_init(app.loop, &app.stdin_poll, STDIN_FILENO) < 0 ||
	    uv_poll_start(&app.stdin_poll, UV_READABLE, on_stdin) < 0)
		errx(1, "cannot watch the terminal");
	uv_signal_init(app.loop, &app.sig_winch);
	uv_signal_start(&app.sig_winch, on_signal, SIGWINCH);
	uv_signal_init(app.loop, &app.sig_int);
	uv_signal_start(&app.sig_int, on_signal, SIGINT);
	uv_signal_init(app.loop, &app.sig_term);
	uv_signal_start(&app.sig_term, on_signal, SIGTERM);
	uv_signal_init(app.loop, &app.sig_hup);
	uv_signal_start(&app.sig_hup, on_signal, SIGHUP);
	uv_timer_init(app.loop, &app.retry_timer);
	uv_timer_init(app.loop, &app.tick_timer);
	uv_timer_init(app.loop, &app.key_timer);
	uv_timer_init(app.loop, &app.draw_timer);
	uv_prepare_init(app.loop, &app.redraw);
	uv_prepare_start(&app.redraw, on_prepare);
	app.dirty = 1;
	connect_now();
}

int
main(int argc, char **argv)
{
	char err[CONFIG_ERR_MAX];
	int rc;

	utf8_locale();
	switch (config_load(
	    &app.cfg, argc, argv, login_name(), getenv, err, sizeof(err))) {
	case CONFIG_HELP:
		fputs(config_usage(), stdout);
		return 0;
	case CONFIG_VERSION:
		puts(TXT_CHAT_VERSION);
		return 0;
	case CONFIG_ERROR:
		fprintf(stderr, "txt-chat: %s\n%s", err, config_usage());
		return 1;
	case CONFIG_RUN:
		break;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		errx(1, "needs a terminal on standard input and output");
	srand((unsigned)now_ms() ^ (unsigned)getpid());
	start_loop();
	rc = uv_run(app.loop, UV_RUN_DEFAULT);
	(void)rc;
	/* The one handle that may be left: it never kept the loop alive. */
	if (app.has_quit_timer) {
		uv_close((uv_handle_t *)&app.quit_timer, NULL);
		(void)uv_run(app.loop, UV_RUN_NOWAIT);
	}
	/* Every handle is closed by now; free what they served. */
	input_free(app.input);
	client_free(app.client);
	uv_loop_close(app.loop);
	return 0;
}
