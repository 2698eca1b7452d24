/* main.c: txt-chat: settings, the terminal, then one libuv loop. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "account.h"
#include "chatlog.h"
#include "client.h"
#include "config.h"
#include "hmap.h"
#include "input.h"
#include "keymap.h"
#include "link.h"
#include "state.h"
#include "tls.h"
#include "ui.h"

#define TXT_CHAT_VERSION "txt-chat 0.1.0"

/*
 * The program's one state.  It lives in main() and goes to every callback
 * through its ctx argument or its handle's data; only the exit and crash
 * hooks, which get no argument, reach it through hook_app.
 */
struct app {
	int ascii; /* the locale is not UTF-8: draw ASCII only */
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
	int dirty;             /* the screen needs a redraw */
	int repaint;           /* ... of every cell */
	int keyed;             /* ... because of a key: draw at once */
	uint64_t last_draw;    /* loop time of the last frame */
	uv_timer_t draw_timer; /* the next frame while lines pour in */
	int quitting;
	size_t server_at; /* the entry of cfg.servers connected to next */
	/* TLS: the certificate was refused; why, kept for closed(). */
	int tls_refused;
	char tls_why[TLS_PATH_MAX + 3 * TLS_FP_MAX + LINK_HOSTPORT_MAX + 128];
	unsigned quit_note;    /* messages still going when the user quit */
	uv_timer_t quit_timer; /* says so if they take a while */
	int has_quit_timer;
	int have_termios;
	struct termios termios; /* the terminal as we found it */
	int stdin_flags;        /* its file status flags as found, or -1 */
	/* Chat logs: NULL when off; written by a thread (chatlog.h). */
	struct chatlog *log;
	uv_timer_t log_timer;
	uv_work_t log_work;
	int log_busy;                  /* log_work is queued */
	int64_t log_hour;              /* the hour log_offset was found for */
	long log_offset;               /* of local time from UTC there */
	uint64_t log_said;             /* dropped lines already told */
	char log_err[CHATLOG_ERR_MAX]; /* the last error told */
	/* The state file (state.h): its path, or "" when there is none, the
	 * text it holds and the text of the client's state now. */
	char state_path[CHATLOG_PATH_MAX + 1];
	char state_saved[STATE_FILE_MAX];
	size_t state_saved_len;
	char state_text[STATE_FILE_MAX];
	struct state state;
	char state_err[STATE_ERR_MAX]; /* the last write error told */
	int state_lock;                /* state_lock()'s descriptor, or < 0 */
	uint64_t state_gen;            /* state_gen() when last looked at */
};

/* For the atexit and crash hooks only: set once, before they are installed. */
static struct app *hook_app;

static void state_save(struct app *a);

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
restore_stdin_flags(const struct app *a)
{
	if (a->stdin_flags >= 0)
		(void)fcntl(STDIN_FILENO, F_SETFL, a->stdin_flags);
}

/* Gives the terminal back as it was found. */
static void
release_terminal(struct app *a)
{
	restore_stdin_flags(a);
	ui_free(a->ui);
	a->ui = NULL;
}

static void
restore_terminal_atexit(void)
{
	release_terminal(hook_app);
}

static void
crash_handler(int sig)
{
	/* Only async-signal-safe calls here. */
	if (write(STDOUT_FILENO, reset_seq, sizeof(reset_seq) - 1) < 0)
		sig = sig + 0;
	if (hook_app->have_termios)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &hook_app->termios);
	restore_stdin_flags(hook_app);
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
	struct app *a = t->data;

	if (a->quit_note == 0 || a->ui != NULL)
		return;
	fprintf(stderr,
	    "txt-chat: %u message%s still on the way to the server; waiting "
	    "for %s (Ctrl-C stops)\n",
	    a->quit_note, a->quit_note == 1 ? "" : "s",
	    a->quit_note == 1 ? "it" : "them");
	a->quit_note = 0;
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
shut_down(struct app *a)
{
	unsigned unechoed = client_unechoed(a->client);

	if (a->quitting)
		return;
	a->quitting = 1;
	state_save(a);
	release_terminal(a);
	close_handle((uv_handle_t *)&a->stdin_poll);
	close_handle((uv_handle_t *)&a->sig_winch);
	close_handle((uv_handle_t *)&a->sig_int);
	close_handle((uv_handle_t *)&a->sig_term);
	close_handle((uv_handle_t *)&a->sig_hup);
	close_handle((uv_handle_t *)&a->retry_timer);
	close_handle((uv_handle_t *)&a->tick_timer);
	close_handle((uv_handle_t *)&a->key_timer);
	close_handle((uv_handle_t *)&a->draw_timer);
	close_handle((uv_handle_t *)&a->redraw);
	if (a->log != NULL)
		close_handle((uv_handle_t *)&a->log_timer);
	/* The link sends what is queued (the quit line) in the background. */
	if (unechoed > 0) {
		link_set_timeouts(a->link, 0, quit_wait_ms(unechoed));
		/* Said only if the wait is long enough to be noticed; the
		 * timer does not keep the program alive. */
		a->quit_note = unechoed;
		uv_timer_init(a->loop, &a->quit_timer);
		a->quit_timer.data = a;
		a->has_quit_timer = 1;
		uv_timer_start(&a->quit_timer, on_quit_note, 1000, 0);
		uv_unref((uv_handle_t *)&a->quit_timer);
	}
	link_close(a->link);
	link_free(a->link);
	a->link = NULL;
}

/* Reconnecting. */

static void on_retry(uv_timer_t *t);

/*
 * The delay grows with every connection that ended without registering
 * (the client counts them), not only with failed connects: a server that
 * accepts and closes, or something else on the port, is not connected to
 * once a second forever.
 */
static void
schedule_retry(struct app *a, const char *why)
{
	uint64_t delay =
	    link_backoff_ms(client_failures(a->client), (uint32_t)rand());

	if (a->quitting)
		return;
	/* Nodes of one chat: a lost or failed one hands over to the next. */
	a->server_at = (a->server_at + 1) % a->cfg.nservers;
	client_disconnected(a->client, why, now_ms(), now_ms() + delay);
	uv_timer_start(&a->retry_timer, on_retry, delay, 0);
	a->dirty = 1;
}

static void
connect_now(struct app *a)
{
	const char *server = a->cfg.servers[a->server_at];
	int rc;

	client_connecting(a->client, server, now_ms());
	rc = link_connect(a->link, server);
	if (rc < 0)
		schedule_retry(a, uv_strerror(rc));
	a->dirty = 1;
}

static void
on_retry(uv_timer_t *t)
{
	connect_now(t->data);
}

/* The link's callbacks. */

static void
on_connected(void *ctx)
{
	struct app *a = ctx;

	client_connected(a->client, now_ms());
	a->dirty = 1;
}

static void
on_line(void *ctx, const char *line, size_t len)
{
	struct app *a = ctx;

	client_line(a->client, line, len, now_ms());
	a->dirty = 1;
}

static void
on_line_too_long(void *ctx)
{
	struct app *a = ctx;

	client_line_too_long(a->client, now_ms());
	a->dirty = 1;
}

/*
 * A refused certificate is not retried: the same server would show the
 * same certificate, so the client says why once and waits for the user.
 */
static void
on_closed(void *ctx, const char *why)
{
	struct app *a = ctx;

	if (a->tls_refused) {
		client_disconnected(a->client, why, now_ms(), UINT64_MAX);
		a->dirty = 1;
		return;
	}
	schedule_retry(ctx, why);
}

/* Refuses the certificate with text in the status window, loudly. */
static const char *
tls_refuse(struct app *a, const char *text)
{
	client_notice(a->client, text, 1, now_ms());
	a->tls_refused = 1;
	a->dirty = 1;
	return "server certificate refused";
}

/*
 * --fingerprint pins; else the system CAs; else trust on first use with
 * known_servers, as ssh does with known_hosts.
 */
static const char *
on_verify(void *ctx, const char *hostport, const char *fp, int ca_ok)
{
	struct app *a = ctx;
	char path[TLS_PATH_MAX], old[TLS_FP_MAX];
	char *t = a->tls_why;
	size_t ts = sizeof(a->tls_why);

	if (a->cfg.fingerprint[0] != '\0') {
		if (strcmp(a->cfg.fingerprint, fp) == 0)
			return NULL;
		snprintf(t, ts,
		    "the TLS certificate of %s does not match --fingerprint: "
		    "expected %s, got %s",
		    hostport, a->cfg.fingerprint, fp);
		return tls_refuse(a, t);
	}
	if (ca_ok)
		return NULL;
	if (tls_known_path(path, sizeof(path), getenv("XDG_DATA_HOME"),
	        getenv("HOME")) < 0) {
		snprintf(t, ts,
		    "the TLS certificate of %s is not signed by a known CA, "
		    "and there is no known_servers file (set HOME or "
		    "XDG_DATA_HOME, or use --fingerprint %s)",
		    hostport, fp);
		return tls_refuse(a, t);
	}
	switch (tls_known_check(path, hostport, fp, old, sizeof(old))) {
	case TLS_KNOWN_MATCH:
		return NULL;
	case TLS_KNOWN_NEW:
		if (tls_known_add(path, hostport, fp) < 0) {
			snprintf(t, ts,
			    "cannot store the fingerprint in %s: %s", path,
			    strerror(errno));
			return tls_refuse(a, t);
		}
		snprintf(t, ts,
		    "first TLS connection to %s: certificate fingerprint "
		    "(SHA-256) %s, stored in %s",
		    hostport, fp, path);
		client_notice(a->client, t, 0, now_ms());
		a->dirty = 1;
		return NULL;
	case TLS_KNOWN_CHANGED:
		/* One notice a line, so that each fingerprint reads whole. */
		snprintf(t, ts,
		    "WARNING: THE TLS CERTIFICATE OF %s HAS CHANGED! "
		    "Not connecting.",
		    hostport);
		client_notice(a->client, t, 1, now_ms());
		client_notice(a->client,
		    "Someone may be intercepting the connection, or the server "
		    "has a new certificate.",
		    1, now_ms());
		snprintf(t, ts, "stored fingerprint: %s", old);
		client_notice(a->client, t, 1, now_ms());
		snprintf(t, ts, "server's now:       %s", fp);
		client_notice(a->client, t, 1, now_ms());
		snprintf(t, ts,
		    "If the change is expected, replace the line of %s in %s "
		    "with:",
		    hostport, path);
		client_notice(a->client, t, 1, now_ms());
		snprintf(t, ts, "%s %s", hostport, fp);
		return tls_refuse(a, t);
	case TLS_KNOWN_FAIL:
	default:
		snprintf(t, ts, "cannot read %s: %s", path, strerror(errno));
		return tls_refuse(a, t);
	}
}

/* The client's I/O. */

static void
client_send_cb(void *ctx, const char *line, size_t len)
{
	struct app *a = ctx;

	/* A full queue means the server stopped reading; keepalive will tell.
	 */
	if (a->link != NULL)
		(void)link_send(a->link, line, len);
}

static void
client_drop_cb(void *ctx, const char *why)
{
	struct app *a = ctx;

	link_close(a->link);
	schedule_retry(a, why);
}

/* Keys, signals, timers and the redraw. */

/*
 * After the keys are read and applied, outside the ui's key loop: a quit
 * the keys asked for (Ctrl-C twice, or /quit typed) ends the program here.
 */
static void
handle_input_bits(struct app *a, unsigned bits)
{
	if (bits & INPUT_DRAW)
		a->dirty = a->keyed = 1;
	if (bits & INPUT_REPAINT)
		a->repaint = 1;
	if (bits & INPUT_QUIT)
		client_quit(a->client, NULL, now_ms());
	if (client_quitting(a->client))
		shut_down(a);
}

/* Reads the keys waiting, or ends a paste that timed out; INPUT_* bits. */
static unsigned
read_keys(struct app *a, int timed_out)
{
	return timed_out ? ui_keys_timeout(a->ui, now_ms())
	                 : ui_read_keys(a->ui, now_ms());
}

static void on_key_timeout(uv_timer_t *t);

static void
arm_key_timer(struct app *a)
{
	if (a->ui != NULL && ui_keys_waiting(a->ui))
		uv_timer_start(
		    &a->key_timer, on_key_timeout, KEYMAP_TIMEOUT_MS, 0);
	else
		uv_timer_stop(&a->key_timer);
}

static void
on_key_timeout(uv_timer_t *t)
{
	struct app *a = t->data;

	if (a->ui == NULL)
		return;
	handle_input_bits(a, read_keys(a, 1));
	if (!a->quitting)
		arm_key_timer(a);
}

static void
on_stdin(uv_poll_t *p, int status, int events)
{
	struct app *a = p->data;

	(void)events;
	if (status < 0 || a->ui == NULL) {
		/* The terminal went away: nothing left to talk to. */
		if (status < 0)
			shut_down(a);
		return;
	}
	handle_input_bits(a, read_keys(a, 0));
	if (!a->quitting)
		arm_key_timer(a);
}

static void
on_signal(uv_signal_t *s, int signum)
{
	struct app *a = s->data;

	if (signum == SIGWINCH) {
		if (a->ui != NULL)
			ui_resize(a->ui);
		a->dirty = a->keyed = 1;
		return;
	}
	/* SIGINT from outside (Ctrl-C is a key in raw mode), SIGTERM, SIGHUP.
	 */
	client_quit(a->client, "terminated", now_ms());
	shut_down(a);
}

static void
on_tick(uv_timer_t *t)
{
	struct app *a = t->data;

	a->tick_at = UINT64_MAX;
	/*
	 * A keepalive ping shows nothing (a lost server redraws through
	 * schedule_retry); its pong will, so one wake-up draws once.
	 */
	client_tick(a->client, now_ms());
	/* A Ctrl-C not repeated in time: its question goes. */
	if (input_tick(a->input, now_ms()) & INPUT_DRAW)
		a->dirty = 1;
}

static void on_draw_timer(uv_timer_t *t);

/*
 * A count that moves whenever what the state file keeps may have changed:
 * the model's and the filter's counts only grow, so their sum moves
 * exactly when one of them does.
 */
static uint64_t
state_gen(const struct app *a)
{
	return model_state_gen(client_model(a->client)) +
	    filter_gen(client_filter(a->client));
}

/*
 * Writes the state file if the client's state changed since it was read
 * or last written: checked once a frame, as whatever changes it (a join,
 * a /leave, an /ignore) also changes the screen, but only formatted and
 * compared when state_gen() moved.  A failed write is told once, and
 * tried again at the next change.
 */
static void
state_save(struct app *a)
{
	char err[STATE_ERR_MAX];
	size_t len;
	uint64_t gen;

	if (a->state_path[0] == '\0')
		return;
	gen = state_gen(a);
	if (gen == a->state_gen)
		return;
	a->state_gen = gen;
	client_state_get(a->client, &a->state);
	len = state_format(&a->state, a->state_text, sizeof(a->state_text));
	if (len == 0 ||
	    (len == a->state_saved_len &&
	        memcmp(a->state_text, a->state_saved, len) == 0))
		return;
	/* Written or not, this state was tried: not again every frame. */
	memcpy(a->state_saved, a->state_text, len);
	a->state_saved_len = len;
	if (state_write(a->state_path, a->state_text, len, err, sizeof(err)) ==
	    0) {
		a->state_err[0] = '\0';
		return;
	}
	if (strcmp(err, a->state_err) != 0) {
		struct model *m = client_model(a->client);

		model_info(m, model_win_at(m, 0), now_ms(), MODEL_LINE_ERROR,
		    "state file: %s", err);
		snprintf(a->state_err, sizeof(a->state_err), "%s", err);
		a->dirty = 1;
	}
}

/* Reads the state file and restores windows and ignored names from it. */
static void
state_start(struct app *a)
{
	struct model *m = client_model(a->client);
	char err[STATE_ERR_MAX];
	long n;
	size_t bad;
	int r;

	r = state_path(a->state_path, sizeof(a->state_path), a->cfg.server,
	    a->cfg.name, getenv);
	if (r != 1) {
		a->state_path[0] = '\0';
		model_info(m, model_win_at(m, 0), now_ms(), MODEL_LINE_ERROR,
		    "windows and ignored names are not kept: set HOME or "
		    "XDG_DATA_HOME");
		return;
	}
	/* Held until the program ends, which releases it. */
	a->state_lock = state_lock(a->state_path, err, sizeof(err));
	if (a->state_lock < 0) {
		if (a->state_lock == -2)
			model_info(m, model_win_at(m, 0), now_ms(),
			    MODEL_LINE_INFO,
			    "another txt-chat runs as %s on this server: it "
			    "keeps the windows and ignored names, not this one",
			    a->cfg.name);
		else
			model_info(m, model_win_at(m, 0), now_ms(),
			    MODEL_LINE_ERROR,
			    "state file: %s; windows and ignored names are not "
			    "kept this time",
			    err);
		a->state_path[0] = '\0';
		return;
	}
	n = state_read(a->state_path, a->state_saved, err, sizeof(err));
	if (n < 0) {
		/* Not overwritten: the user may mend it. */
		model_info(m, model_win_at(m, 0), now_ms(), MODEL_LINE_ERROR,
		    "state file: %s; windows and ignored names are not kept "
		    "this time",
		    err);
		a->state_path[0] = '\0';
		return;
	}
	a->state_saved_len = (size_t)n;
	bad = state_parse(&a->state, a->state_saved, (size_t)n, a->state_path,
	    err, sizeof(err));
	if (bad > 0)
		model_info(m, model_win_at(m, 0), now_ms(), MODEL_LINE_ERROR,
		    "state file: %s (%zu line%s skipped)", err, bad,
		    bad == 1 ? "" : "s");
	client_state_restore(a->client, &a->state, now_ms());
}

/*
 * Draws at once after a key, so typing never waits; lines from the server
 * are drawn at most every UI_FRAME_MS, so that a burst of them costs a few
 * frames instead of one per loop turn (and the terminal keeps up).
 */
static void
draw_now_or_soon(struct app *a)
{
	uint64_t now = uv_now(a->loop);

	if (!a->keyed && now < a->last_draw + UI_FRAME_MS) {
		if (!uv_is_active((uv_handle_t *)&a->draw_timer))
			uv_timer_start(&a->draw_timer, on_draw_timer,
			    a->last_draw + UI_FRAME_MS - now, 0);
		return;
	}
	uv_timer_stop(&a->draw_timer);
	ui_draw(a->ui, now_ms(), a->repaint);
	a->dirty = a->repaint = a->keyed = 0;
	a->last_draw = now;
	state_save(a);
}

static void
on_draw_timer(uv_timer_t *t)
{
	struct app *a = t->data;

	if (a->dirty && a->ui != NULL && !a->quitting)
		draw_now_or_soon(a);
}

/* Before the loop sleeps: one redraw if needed, and the keepalive timer. */
static void
on_prepare(uv_prepare_t *p)
{
	struct app *a = p->data;
	uint64_t next, now;

	if (a->quitting)
		return;
	now = now_ms();
	/* What the window shown shows now is read: its marker follows. */
	client_seen(a->client, now);
	next = client_next_tick(a->client);
	if (input_deadline(a->input) < next)
		next = input_deadline(a->input);
	if (next != a->tick_at) {
		a->tick_at = next;
		if (next == UINT64_MAX)
			uv_timer_stop(&a->tick_timer);
		else
			uv_timer_start(&a->tick_timer, on_tick,
			    next > now ? next - now : 0, 0);
	}
	if (a->dirty && a->ui != NULL)
		draw_now_or_soon(a);
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

/* Chat logs. */

static void log_after(uv_work_t *req, int status);

static void
log_work_cb(uv_work_t *req)
{
	struct app *a = req->data;

	/*
	 * The log can wait, the chat cannot: the thread writing it yields
	 * the CPU to the loop, and to the server on the same machine, in a
	 * burst (on Linux, PRIO_PROCESS 0 is the calling thread).
	 */
	(void)setpriority(PRIO_PROCESS, 0, 19);
	(void)chatlog_write(a->log);
}

/* Hands the pending lines to the thread pool unless a batch is there. */
static void
log_kick(struct app *a)
{
	if (a->log_busy || !chatlog_take(a->log))
		return;
	uv_timer_stop(&a->log_timer);
	a->log_work.data = a;
	if (uv_queue_work(a->loop, &a->log_work, log_work_cb, log_after) < 0) {
		/* Cannot happen with a live loop; written in place then. */
		(void)chatlog_write(a->log);
		(void)chatlog_written(a->log);
		return;
	}
	a->log_busy = 1;
}

static void
on_log_timer(uv_timer_t *t)
{
	log_kick(t->data);
}

/* Pending lines go at once past CHATLOG_FLUSH_BYTES, else on the timer. */
static void
log_schedule(struct app *a)
{
	if (a->quitting || a->log_busy || chatlog_pending(a->log) == 0)
		return;
	if (chatlog_pending(a->log) >= CHATLOG_FLUSH_BYTES)
		log_kick(a);
	else if (!uv_is_active((uv_handle_t *)&a->log_timer))
		uv_timer_start(
		    &a->log_timer, on_log_timer, CHATLOG_FLUSH_MS, 0);
}

static void
log_after(uv_work_t *req, int status)
{
	struct app *a = req->data;
	struct model *m = client_model(a->client);
	const char *e = chatlog_written(a->log);
	uint64_t dropped = chatlog_dropped(a->log);

	(void)status;
	a->log_busy = 0;
	/* Each error told once while it lasts, in the status window. */
	if (e != NULL && strcmp(e, a->log_err) != 0) {
		model_info(m, model_win_at(m, 0), now_ms(), MODEL_LINE_ERROR,
		    "chat log: %s", e);
		a->dirty = 1;
	}
	snprintf(a->log_err, sizeof(a->log_err), "%s", e != NULL ? e : "");
	if (dropped > a->log_said) {
		model_info(m, model_win_at(m, 0), now_ms(), MODEL_LINE_ERROR,
		    "chat log: %llu lines not logged: the buffer was full",
		    (unsigned long long)(dropped - a->log_said));
		a->log_said = dropped;
		a->dirty = 1;
	}
	log_schedule(a);
}

/* The offset of local time from UTC at time ms, found once an hour. */
static long
log_utc_offset(struct app *a, uint64_t ms)
{
	int64_t hour = (int64_t)(ms / 3600000);
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (hour != a->log_hour) {
		a->log_hour = hour;
		a->log_offset = localtime_r(&t, &tm) != NULL ? tm.tm_gmtoff : 0;
	}
	return a->log_offset;
}

static void
log_line_cb(void *ctx, const struct model_win *w, const struct model_line *l)
{
	struct app *a = ctx;
	const char *name = model_win_name(w);

	if (model_win_kind(w) == MODEL_WIN_STATUS)
		return;
	if (chatlog_add(a->log, name, strlen(name), l,
	        log_utc_offset(a, l->time_ms)) == CHATLOG_ADDED)
		log_schedule(a);
}

static void
log_start(struct app *a)
{
	char dir[CHATLOG_PATH_MAX + 1];
	struct model *m = client_model(a->client);
	const char *server = a->cfg.server;

	if (!a->cfg.log)
		return;
	if (a->cfg.log_dir[0] != '\0') {
		snprintf(dir, sizeof(dir), "%s", a->cfg.log_dir);
	} else if (chatlog_default_dir(dir, sizeof(dir), getenv) != 1) {
		/* The chat goes on without them, and says so. */
		model_info(m, model_win_at(m, 0), now_ms(), MODEL_LINE_ERROR,
		    "chat log: off, no place for it: set HOME, XDG_DATA_HOME "
		    "or log_dir");
		return;
	}
	/* host:port names the directory, with TLS or without. */
	if (strncmp(server, LINK_TLS_SCHEME, LINK_TLS_SCHEME_LEN) == 0)
		server += LINK_TLS_SCHEME_LEN;
	a->log = chatlog_new(dir, server);
	if (a->log == NULL)
		errx(1, "out of memory");
	a->log_hour = -1;
	uv_timer_init(a->loop, &a->log_timer);
	a->log_timer.data = a;
	model_set_added_cb(m, log_line_cb, a);
}

/* On exit, after the loop: what is still pending is written in place. */
static void
log_finish(struct app *a)
{
	if (a->log == NULL)
		return;
	model_set_added_cb(client_model(a->client), NULL, NULL);
	if (chatlog_take(a->log)) {
		if (chatlog_write(a->log) < 0)
			warnx("chat log: %s", chatlog_written(a->log));
		else
			(void)chatlog_written(a->log);
	}
	chatlog_free(a->log);
	a->log = NULL;
}

/*
 * Text is UTF-8 inside, so LC_CTYPE must be a UTF-8 locale; when the
 * user's is not, the terminal is taken to be ASCII only (returns 1) and
 * the screen draws ASCII stand-ins rather than bytes it would garble.
 */
static int
utf8_locale(void)
{
	setlocale(LC_ALL, "");
	if (strcmp(nl_langinfo(CODESET), "UTF-8") == 0)
		return 0;
	/* Wide characters need a UTF-8 locale; C.UTF-8 is always there on
	 * glibc. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL ||
	    strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		errx(1, "no UTF-8 locale: set LANG to one, such as C.UTF-8");
	return 1;
}

/*
 * Runs pass_cmd (through /bin/sh, before the screen is taken, so that a
 * command asking for a passphrase on the terminal can) and hands the
 * first line of its output to the client as the account's password.  Its
 * output goes straight from the pipe into a buffer wiped afterwards, not
 * through stdio's buffers.  Any failure ends the program: the user asked
 * to log in, and a guest session instead would be a surprise.
 */
static void
account_start(struct app *a)
{
	char out[ACCOUNT_CMD_OUTPUT_MAX], sink[512];
	size_t len = 0;
	ssize_t n;
	long pw;
	FILE *f;
	int status, full = 0;

	if (a->cfg.account[0] == '\0') {
		if (a->cfg.pass_cmd[0] != '\0')
			errx(1,
			    "pass_cmd needs account = NAME in the config "
			    "file: the account it is the password of");
		return;
	}
	if (a->cfg.pass_cmd[0] == '\0') {
		/* The password is asked for once connected. */
		if (client_set_account(a->client, a->cfg.account, NULL, 0) < 0)
			errx(1, "account: not a valid name");
		return;
	}
	fflush(stdout);
	if ((f = popen(a->cfg.pass_cmd, "r")) == NULL)
		err(1, "pass_cmd");
	for (;;) {
		n = read(fileno(f), full ? sink : out + len,
		    full ? sizeof(sink) : sizeof(out) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Read to the end, so the command is not left blocked. */
		if (!full && (len += (size_t)n) == sizeof(out))
			full = 1;
	}
	account_wipe(sink, sizeof(sink));
	status = pclose(f);
	pw = account_cmd_password(out, len, full);
	if (status != 0 || pw < 0 ||
	    client_set_account(a->client, a->cfg.account, out, (size_t)pw) <
	        0) {
		account_wipe(out, sizeof(out));
		if (status != 0)
			errx(1, "pass_cmd failed (%s %d): not logged in",
			    WIFEXITED(status) ? "exit status" : "status",
			    WIFEXITED(status) ? WEXITSTATUS(status) : status);
		errx(1,
		    "pass_cmd: its first line is not a password the "
		    "server takes (%d to %d bytes, no control characters)",
		    ACCOUNT_PASSWORD_MIN, ACCOUNT_PASSWORD_MAX);
	}
	account_wipe(out, sizeof(out));
}

static void
start_loop(struct app *a)
{
	struct client_config ccfg;
	struct client_io io;
	struct link_cb lcb;
	struct hmap_key key;

	a->loop = uv_default_loop();
	memset(&io, 0, sizeof(io));
	io.ctx = a;
	io.send = client_send_cb;
	io.drop = client_drop_cb;
	ccfg.name = a->cfg.name;
	ccfg.scrollback = a->cfg.scrollback;
	a->client = client_new(&ccfg, &io);
	if (a->client != NULL) {
		model_set_scrollback_bytes(
		    client_model(a->client), a->cfg.scrollback_bytes);
		/* Checked by config: it fits. */
		(void)model_set_highlights(client_model(a->client),
		    a->cfg.highlight, strlen(a->cfg.highlight));
		model_set_time_format(client_model(a->client),
		    a->cfg.timestamp_format, a->cfg.timestamp_cols);
		client_set_join_filter(a->client, (int)a->cfg.join_filter,
		    a->cfg.join_filter_minutes);
	}
	memset(&lcb, 0, sizeof(lcb));
	lcb.ctx = a;
	lcb.connected = on_connected;
	lcb.line = on_line;
	lcb.line_too_long = on_line_too_long;
	lcb.closed = on_closed;
	lcb.verify = on_verify;
	a->link = link_new(a->loop, &lcb);
	if (a->client == NULL || a->link == NULL)
		errx(1, "out of memory");
	/* Member tables keyed at random: names cannot be chosen to collide. */
	if (uv_random(NULL, NULL, &key, sizeof(key), 0, NULL) < 0)
		errx(1, "no random source");
	model_set_hash_key(client_model(a->client), &key);
	account_start(a);
	client_set_hash_key(a->client, &key);
	log_start(a);
	state_start(a);
	a->input = input_new(a->client);
	if (a->input == NULL)
		errx(1, "out of memory");
	if (tcgetattr(STDIN_FILENO, &a->termios) == 0)
		a->have_termios = 1;
	a->stdin_flags = fcntl(STDIN_FILENO, F_GETFL);
	install_crash_handlers();
	atexit(restore_terminal_atexit);
	a->ui = ui_new(a->client, a->input,
	    (a->cfg.no_color ? UI_NO_COLOR : 0) | (a->ascii ? UI_ASCII : 0));
	if (a->ui == NULL)
		errx(1, "cannot use this terminal (TERM=%s)",
		    getenv("TERM") ? getenv("TERM") : "unset");
	a->tick_at = UINT64_MAX;
	if (uv_poll_init(a->loop, &a->stdin_poll, STDIN_FILENO) < 0 ||
	    uv_poll_start(&a->stdin_poll, UV_READABLE, on_stdin) < 0)
		errx(1, "cannot watch the terminal");
	a->stdin_poll.data = a;
	uv_signal_init(a->loop, &a->sig_winch);
	uv_signal_start(&a->sig_winch, on_signal, SIGWINCH);
	uv_signal_init(a->loop, &a->sig_int);
	uv_signal_start(&a->sig_int, on_signal, SIGINT);
	uv_signal_init(a->loop, &a->sig_term);
	uv_signal_start(&a->sig_term, on_signal, SIGTERM);
	uv_signal_init(a->loop, &a->sig_hup);
	uv_signal_start(&a->sig_hup, on_signal, SIGHUP);
	a->sig_winch.data = a->sig_int.data = a;
	a->sig_term.data = a->sig_hup.data = a;
	uv_timer_init(a->loop, &a->retry_timer);
	uv_timer_init(a->loop, &a->tick_timer);
	uv_timer_init(a->loop, &a->key_timer);
	uv_timer_init(a->loop, &a->draw_timer);
	a->retry_timer.data = a->tick_timer.data = a;
	a->key_timer.data = a->draw_timer.data = a;
	uv_prepare_init(a->loop, &a->redraw);
	a->redraw.data = a;
	uv_prepare_start(&a->redraw, on_prepare);
	a->dirty = 1;
	connect_now(a);
}

int
main(int argc, char **argv)
{
	static struct app app;
	char err[CONFIG_ERR_MAX];
	int rc;

	app.stdin_flags = -1;
	app.state_lock = -1;
	/* No count yet: the first look formats the state. */
	app.state_gen = UINT64_MAX;
	hook_app = &app;
	app.ascii = utf8_locale();
	switch (config_load(
	    &app.cfg, argc, argv, login_name(), getenv, err, sizeof(err))) {
	case CONFIG_HELP:
		config_write_help(stdout, getenv);
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
	if (ui_check_terminal(err, sizeof(err)) < 0) {
		fprintf(stderr, "txt-chat: %s\n", err);
		return 2;
	}
	srand((unsigned)now_ms() ^ (unsigned)getpid());
	start_loop(&app);
	rc = uv_run(app.loop, UV_RUN_DEFAULT);
	(void)rc;
	/* The one handle that may be left: it never kept the loop alive. */
	if (app.has_quit_timer) {
		uv_close((uv_handle_t *)&app.quit_timer, NULL);
		(void)uv_run(app.loop, UV_RUN_NOWAIT);
	}
	/* Every handle is closed by now; free what they served. */
	log_finish(&app);
	input_free(app.input);
	client_free(app.client);
	uv_loop_close(app.loop);
	return 0;
}
