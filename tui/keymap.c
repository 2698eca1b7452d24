/* keymap.c: raw key input to editor and UI actions, as a state machine. */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"
#include "utf8.h"

/* Parameter and intermediate bytes of an escape sequence kept, no NUL. */
#define KEYMAP_CSI_MAX 16

#define KEYMAP_ESC 0x1B

/* The end of a bracketed paste. */
static const char keymap_paste_end[] = "\x1B[201~";
#define KEYMAP_PASTE_END_LEN (sizeof(keymap_paste_end) - 1)

enum keymap_state {
	KEYMAP_GROUND,
	KEYMAP_GOT_ESC, /* ESC: Alt-x or the start of a sequence */
	KEYMAP_GOT_CSI, /* ESC [ and parameters so far */
	KEYMAP_GOT_SS3, /* ESC O */
	KEYMAP_PASTING
};

struct keymap_binding {
	int code;
	enum keymap_act act;
};

struct keymap {
	enum keymap_state state;

	char csi[KEYMAP_CSI_MAX];
	size_t csi_len;

	struct keymap_binding bind[KEYMAP_BIND_MAX];
	size_t nbind;

	/* Bytes of the end marker matched so far while pasting. */
	size_t marker;
	/* The last pasted character was CR, so an LF after it is its pair. */
	int paste_cr;
	int paste_truncated;
	size_t paste_len;
	char paste[KEYMAP_PASTE_MAX + 1];
};

/* Actions of the control characters, by code; -1 where there is none. */
static const signed char keymap_ctrl[0x20] = {
    -1,                   /* ^@ */
    KEYMAP_HOME,          /* ^A */
    KEYMAP_LEFT,          /* ^B */
    KEYMAP_QUIT_REQUEST,  /* ^C */
    KEYMAP_DELETE,        /* ^D */
    KEYMAP_END,           /* ^E */
    KEYMAP_RIGHT,         /* ^F */
    -1,                   /* ^G */
    KEYMAP_BACKSPACE,     /* ^H */
    KEYMAP_COMPLETE,      /* ^I, Tab */
    KEYMAP_SUBMIT,        /* ^J, LF */
    KEYMAP_KILL_TO_END,   /* ^K */
    KEYMAP_REDRAW,        /* ^L */
    KEYMAP_SUBMIT,        /* ^M, CR */
    KEYMAP_CHANNEL_NEXT,  /* ^N */
    -1,                   /* ^O */
    KEYMAP_CHANNEL_PREV,  /* ^P */
    -1,                   /* ^Q */
    KEYMAP_SEARCH_BACK,   /* ^R */
    KEYMAP_SEARCH_FWD,    /* ^S */
    KEYMAP_TRANSPOSE,     /* ^T */
    KEYMAP_KILL_TO_START, /* ^U */
    -1,                   /* ^V */
    KEYMAP_KILL_RUBOUT,   /* ^W */
    -1,                   /* ^X */
    KEYMAP_YANK,          /* ^Y */
    -1,                   /* ^Z */
    -1,                   /* ^[, ESC: handled before the table */
    -1,                   /* ^\ */
    -1,                   /* ^] */
    -1,                   /* ^^ */
    -1,                   /* ^_ */
};

struct keymap_key {
	int code;
	enum keymap_act act;
};

static const struct keymap_key keymap_keys[] = {
    {KEY_LEFT, KEYMAP_LEFT},
    {KEY_RIGHT, KEYMAP_RIGHT},
    {KEY_UP, KEYMAP_HISTORY_PREV},
    {KEY_DOWN, KEYMAP_HISTORY_NEXT},
    {KEY_HOME, KEYMAP_HOME},
    {KEY_END, KEYMAP_END},
    {KEY_BACKSPACE, KEYMAP_BACKSPACE},
    {KEY_DC, KEYMAP_DELETE},
    {KEY_ENTER, KEYMAP_SUBMIT},
    {KEY_PPAGE, KEYMAP_PAGE_UP},
    {KEY_NPAGE, KEYMAP_PAGE_DOWN},
    {KEY_RESIZE, KEYMAP_RESIZE},
};

/* KEY_* codes after ESC: what terminals without kRIT3 and such send. */
static const struct keymap_key keymap_alt_keys[] = {
    {KEY_RIGHT, KEYMAP_CHANNEL_NEXT},
    {KEY_LEFT, KEYMAP_CHANNEL_PREV},
    {KEY_HOME, KEYMAP_SCROLL_TOP},
    {KEY_END, KEYMAP_SCROLL_BOTTOM},
    {KEY_BACKSPACE, KEYMAP_KILL_WORD_BACK},
};

struct keymap *
keymap_new(void)
{
	return calloc(1, sizeof(struct keymap));
}

void
keymap_free(struct keymap *km)
{
	free(km);
}

int
keymap_bind(struct keymap *km, int code, enum keymap_act act)
{
	size_t i;

	if (code <= 0 || act == KEYMAP_INSERT || act == KEYMAP_CHANNEL_GOTO ||
	    act == KEYMAP_PASTE_BEGIN || act == KEYMAP_PASTE_END)
		return -1;
	for (i = 0; i < km->nbind; i++) {
		if (km->bind[i].code == code) {
			km->bind[i].act = act;
			return 0;
		}
	}
	if (km->nbind == KEYMAP_BIND_MAX)
		return -1;
	km->bind[km->nbind].code = code;
	km->bind[km->nbind].act = act;
	km->nbind++;
	return 0;
}

/* Appends a plain action to out[*n]. */
static void
keymap_emit(struct keymap_action *out, size_t *n, enum keymap_act act)
{
	memset(&out[*n], 0, sizeof(out[*n]));
	out[*n].act = act;
	(*n)++;
}

/* Looks code up in a table of n keys; -1 if absent. */
static int
keymap_lookup(const struct keymap_key *keys, size_t n, int code)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (keys[i].code == code)
			return (int)keys[i].act;
	return -1;
}

/* A KEY_* code in the ground state. */
static void
keymap_key(struct keymap *km, int code, struct keymap_action *out, size_t *n)
{
	size_t i;
	int act;

	/* Run-time bindings first: they may override a fixed code. */
	for (i = 0; i < km->nbind; i++) {
		if (km->bind[i].code == code) {
			keymap_emit(out, n, km->bind[i].act);
			return;
		}
	}
	act = keymap_lookup(
	    keymap_keys, sizeof(keymap_keys) / sizeof(keymap_keys[0]), code);
	if (act >= 0)
		keymap_emit(out, n, (enum keymap_act)act);
}

/* A character in the ground state. */
static void
keymap_char(struct keymap *km, uint32_t c, struct keymap_action *out, size_t *n)
{
	if (c == KEYMAP_ESC) {
		km->state = KEYMAP_GOT_ESC;
		return;
	}
	if (c < 0x20) {
		if (keymap_ctrl[c] >= 0)
			keymap_emit(out, n, (enum keymap_act)keymap_ctrl[c]);
		return;
	}
	if (c == 0x7F) {
		keymap_emit(out, n, KEYMAP_BACKSPACE);
		return;
	}
	/* C1 controls, surrogates and non-code points are never typed. */
	if ((c >= 0x80 && c <= 0x9F) || (c >= 0xD800 && c <= 0xDFFF) ||
	    c > 0x10FFFF)
		return;
	keymap_emit(out, n, KEYMAP_INSERT);
	out[*n - 1].cp = c;
}

/* A character after ESC: Alt-c.  Returns 0 if c has no Alt binding. */
/* Alt and these letters show windows 11 to 20. */
#define KEYMAP_ROW2 "qwertyuiop"

static int
keymap_alt_char(uint32_t c, struct keymap_action *out, size_t *n)
{
	const char *row;

	if (c >= '0' && c <= '9') {
		keymap_emit(out, n, KEYMAP_CHANNEL_GOTO);
		/* Alt-1 is the first channel, Alt-0 the tenth. */
		out[*n - 1].channel = c == '0' ? 9 : (int)(c - '1');
		return 1;
	}
	/* The row below, as irssi has it: Alt-Q is the 11th, Alt-P the 20th. */
	row = c > 0 && c < 0x80 ? strchr(KEYMAP_ROW2, (int)c) : NULL;
	if (row != NULL) {
		keymap_emit(out, n, KEYMAP_CHANNEL_GOTO);
		out[*n - 1].channel = 10 + (int)(row - KEYMAP_ROW2);
		return 1;
	}
	switch (c) {
	case 'b':
	case 'B':
		keymap_emit(out, n, KEYMAP_WORD_LEFT);
		return 1;
	case 'f':
	case 'F':
		keymap_emit(out, n, KEYMAP_WORD_RIGHT);
		return 1;
	case 'd':
	case 'D':
		keymap_emit(out, n, KEYMAP_KILL_WORD_FORWARD);
		return 1;
	case 'a':
	case 'A':
		keymap_emit(out, n, KEYMAP_CHANNEL_ACTIVITY);
		return 1;
	case 'l':
	case 'L':
		keymap_emit(out, n, KEYMAP_BARE);
		return 1;
	case 0x08:
	case 0x7F:
		keymap_emit(out, n, KEYMAP_KILL_WORD_BACK);
		return 1;
	default:
		return 0;
	}
}

/* Starts collecting a paste. */
static void
keymap_paste_begin(struct keymap *km, struct keymap_action *out, size_t *n)
{
	km->state = KEYMAP_PASTING;
	km->marker = 0;
	km->paste_cr = 0;
	km->paste_truncated = 0;
	km->paste_len = 0;
	km->paste[0] = '\0';
	keymap_emit(out, n, KEYMAP_PASTE_BEGIN);
}

/* Ends the paste and hands out its text. */
static void
keymap_paste_done(struct keymap *km, struct keymap_action *out, size_t *n)
{
	km->state = KEYMAP_GROUND;
	km->marker = 0;
	km->paste[km->paste_len] = '\0';
	keymap_emit(out, n, KEYMAP_PASTE_END);
	out[*n - 1].text = km->paste;
	out[*n - 1].len = km->paste_len;
	out[*n - 1].truncated = km->paste_truncated;
}

/* Adds one pasted character, turning CR, LF and CR LF into LF. */
static void
keymap_paste_add(struct keymap *km, uint32_t c)
{
	char buf[4];
	int len;

	if (c == '\n' && km->paste_cr) {
		km->paste_cr = 0;
		return;
	}
	km->paste_cr = c == '\r';
	if (c == '\r')
		c = '\n';
	if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return;
	len = utf8_encode(c, buf);
	/* Once something is dropped, nothing after it may go in. */
	if (km->paste_truncated ||
	    (size_t)len > KEYMAP_PASTE_MAX - km->paste_len) {
		km->paste_truncated = 1;
		return;
	}
	memcpy(km->paste + km->paste_len, buf, (size_t)len);
	km->paste_len += (size_t)len;
}

/*
 * One input while pasting.  Bytes that start like the end marker are held
 * back; if the marker does not follow they were text and go in.
 */
static void
keymap_paste_input(struct keymap *km, enum keymap_input in, uint32_t value,
    struct keymap_action *out, size_t *n)
{
	size_t i;

	if (in == KEYMAP_IN_CHAR && km->marker > 0 &&
	    value == (unsigned char)keymap_paste_end[km->marker]) {
		if (++km->marker == KEYMAP_PASTE_END_LEN)
			keymap_paste_done(km, out, n);
		return;
	}
	for (i = 0; i < km->marker; i++)
		keymap_paste_add(km, (unsigned char)keymap_paste_end[i]);
	km->marker = 0;
	if (in == KEYMAP_IN_KEY) {
		/* A resize must not wait for the paste; other keys are noise.
		 */
		if (value == KEY_RESIZE)
			keymap_emit(out, n, KEYMAP_RESIZE);
		else if (value == KEY_ENTER)
			keymap_paste_add(km, '\n');
		return;
	}
	if (value == KEYMAP_ESC)
		km->marker = 1;
	else
		keymap_paste_add(km, value);
}

/* Reads "n" or "n;m" from the sequence's parameters; defaults 0 and 1. */
static void
keymap_csi_params(const struct keymap *km, unsigned *num, unsigned *mod)
{
	size_t i = 0;

	*num = 0;
	*mod = 0;
	while (i < km->csi_len && km->csi[i] >= '0' && km->csi[i] <= '9' &&
	    *num < 1000)
		*num = *num * 10 + (unsigned)(km->csi[i++] - '0');
	if (i < km->csi_len && km->csi[i] == ';') {
		i++;
		while (i < km->csi_len && km->csi[i] >= '0' &&
		    km->csi[i] <= '9' && *mod < 1000)
			*mod = *mod * 10 + (unsigned)(km->csi[i++] - '0');
	}
	if (*mod == 0)
		*mod = 1;
	/* Anything else (private markers, more parameters): unknown. */
	if (i != km->csi_len)
		*mod = 0;
}

/*
 * An arrow, Home or End key by its final byte, with an xterm modifier
 * (1 none, 2 Shift, 3 Alt, 5 Ctrl); shared by CSI and SS3.
 */
static void
keymap_cursor_key(
    uint32_t final, unsigned mod, struct keymap_action *out, size_t *n)
{
	static const char finals[] = "ABCDHF";
	static const signed char plain[] = {KEYMAP_HISTORY_PREV,
	    KEYMAP_HISTORY_NEXT, KEYMAP_RIGHT, KEYMAP_LEFT, KEYMAP_HOME,
	    KEYMAP_END};
	static const signed char alt[] = {-1, -1, KEYMAP_CHANNEL_NEXT,
	    KEYMAP_CHANNEL_PREV, KEYMAP_SCROLL_TOP, KEYMAP_SCROLL_BOTTOM};
	static const signed char ctrl[] = {
	    -1, -1, KEYMAP_WORD_RIGHT, KEYMAP_WORD_LEFT, -1, -1};
	const char *p;
	int act = -1;

	if (final == 0 || (p = strchr(finals, (int) final)) == NULL)
		return;
	if (mod == 1 || mod == 2)
		act = plain[p - finals];
	else if (mod == 3)
		act = alt[p - finals];
	else if (mod == 5)
		act = ctrl[p - finals];
	if (act >= 0)
		keymap_emit(out, n, (enum keymap_act)act);
}

/* A complete CSI sequence ending in final; unknown ones are dropped. */
static void
keymap_csi_done(
    struct keymap *km, uint32_t final, struct keymap_action *out, size_t *n)
{
	unsigned num, mod;

	km->state = KEYMAP_GROUND;
	/* The sequence did not fit: it cannot be one we know. */
	if (km->csi_len > KEYMAP_CSI_MAX)
		return;
	keymap_csi_params(km, &num, &mod);
	if (final != '~') {
		keymap_cursor_key(final, mod, out, n);
		return;
	}
	if (mod != 1)
		return;
	switch (num) {
	case 200:
		keymap_paste_begin(km, out, n);
		break;
	case 1:
	case 7:
		keymap_emit(out, n, KEYMAP_HOME);
		break;
	case 4:
	case 8:
		keymap_emit(out, n, KEYMAP_END);
		break;
	case 3:
		keymap_emit(out, n, KEYMAP_DELETE);
		break;
	case 5:
		keymap_emit(out, n, KEYMAP_PAGE_UP);
		break;
	case 6:
		keymap_emit(out, n, KEYMAP_PAGE_DOWN);
		break;
	default:
		/* Including a stray 201~ whose paste already timed out. */
		break;
	}
}

/* One input in the ground state. */
static void
keymap_ground(struct keymap *km, enum keymap_input in, uint32_t value,
    struct keymap_action *out, size_t *n)
{
	if (in == KEYMAP_IN_KEY)
		keymap_key(km, (int)value, out, n);
	else
		keymap_char(km, value, out, n);
}

/* One input after ESC. */
static void
keymap_after_esc(struct keymap *km, enum keymap_input in, uint32_t value,
    struct keymap_action *out, size_t *n)
{
	int act;

	km->state = KEYMAP_GROUND;
	if (in == KEYMAP_IN_KEY) {
		act = keymap_lookup(keymap_alt_keys,
		    sizeof(keymap_alt_keys) / sizeof(keymap_alt_keys[0]),
		    (int)value);
		if (act >= 0) {
			keymap_emit(out, n, (enum keymap_act)act);
			return;
		}
		/* Escape, then an unrelated key such as a resize. */
		keymap_emit(out, n, KEYMAP_CANCEL);
		keymap_key(km, (int)value, out, n);
		return;
	}
	if (value == KEYMAP_ESC) {
		/* The first ESC was alone; the second may start something. */
		keymap_emit(out, n, KEYMAP_CANCEL);
		km->state = KEYMAP_GOT_ESC;
		return;
	}
	if (value == '[') {
		km->state = KEYMAP_GOT_CSI;
		km->csi_len = 0;
		return;
	}
	if (value == 'O') {
		km->state = KEYMAP_GOT_SS3;
		return;
	}
	if (keymap_alt_char(value, out, n))
		return;
	/* An unbound Alt-key types nothing; Escape then a control key does. */
	if (value < 0x20) {
		keymap_emit(out, n, KEYMAP_CANCEL);
		keymap_char(km, value, out, n);
	}
}

/* One input inside ESC [ ... */
static void
keymap_in_csi(struct keymap *km, enum keymap_input in, uint32_t value,
    struct keymap_action *out, size_t *n)
{
	if (in == KEYMAP_IN_CHAR && value >= 0x20 && value <= 0x3F) {
		/* Count past the limit so that csi_done knows it overflowed. */
		if (km->csi_len < KEYMAP_CSI_MAX)
			km->csi[km->csi_len] = (char)value;
		if (km->csi_len <= KEYMAP_CSI_MAX)
			km->csi_len++;
		return;
	}
	if (in == KEYMAP_IN_CHAR && value >= 0x40 && value <= 0x7E) {
		keymap_csi_done(km, value, out, n);
		return;
	}
	/* Not a sequence after all: drop it and take the input afresh. */
	km->state = KEYMAP_GROUND;
	keymap_ground(km, in, value, out, n);
}

/* One input after ESC O. */
static void
keymap_in_ss3(struct keymap *km, enum keymap_input in, uint32_t value,
    struct keymap_action *out, size_t *n)
{
	km->state = KEYMAP_GROUND;
	if (in == KEYMAP_IN_CHAR && value >= 0x40 && value <= 0x7E) {
		keymap_cursor_key(value, 1, out, n);
		return;
	}
	keymap_ground(km, in, value, out, n);
}

size_t
keymap_feed(struct keymap *km, enum keymap_input in, uint32_t value,
    struct keymap_action out[KEYMAP_OUT_MAX])
{
	size_t n = 0;

	switch (km->state) {
	case KEYMAP_GROUND:
		keymap_ground(km, in, value, out, &n);
		break;
	case KEYMAP_GOT_ESC:
		keymap_after_esc(km, in, value, out, &n);
		break;
	case KEYMAP_GOT_CSI:
		keymap_in_csi(km, in, value, out, &n);
		break;
	case KEYMAP_GOT_SS3:
		keymap_in_ss3(km, in, value, out, &n);
		break;
	case KEYMAP_PASTING:
		keymap_paste_input(km, in, value, out, &n);
		break;
	}
	return n;
}

size_t
keymap_flush(struct keymap *km, struct keymap_action out[KEYMAP_OUT_MAX])
{
	size_t n = 0;

	if (km->state == KEYMAP_GOT_ESC) {
		km->state = KEYMAP_GROUND;
		keymap_emit(out, &n, KEYMAP_CANCEL);
	}
	return n;
}

int
keymap_waiting(const struct keymap *km)
{
	return km->state != KEYMAP_GROUND;
}

size_t
keymap_timeout(struct keymap *km, struct keymap_action out[KEYMAP_OUT_MAX])
{
	size_t n = 0;

	switch (km->state) {
	case KEYMAP_GOT_ESC:
		keymap_emit(out, &n, KEYMAP_CANCEL);
		break;
	case KEYMAP_PASTING:
		/* A partly matched end marker was most likely the marker. */
		keymap_paste_done(km, out, &n);
		break;
	case KEYMAP_GROUND:
	case KEYMAP_GOT_CSI:
	case KEYMAP_GOT_SS3:
		break;
	}
	km->state = KEYMAP_GROUND;
	return n;
}
