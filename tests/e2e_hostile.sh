#!/bin/sh
# e2e_hostile.sh: the real client in tmux against a hostile fake server
# (tools/fakesrv): escape sequences, broken UTF-8, wide characters, over-long
# lines, junk lines and a flood must neither crash it, nor reach the
# terminal, nor break the screen.  TAP output.
# Usage: sh tests/e2e_hostile.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib/e2e.sh"
e2e_init "${1:-}" hostile
e2e_plan 34
# OSC 52 would fill a tmux buffer if it got through: make that visible.
e2e_tmux set -g set-clipboard on >/dev/null
# What the client may use at most after the flood, in KiB.
RSS_MAX_KIB=$((64 * 1024))
P=""

# --- the steps every scenario shares -----------------------------------

# The channel a scenario shows in window 4 (the client joins it by id, as
# it takes no join it did not ask for), or nothing.
extra_chan() {
	case $1 in
	escapes) echo bad-chan-id ;;
	utf8) echo cut-chan-id ;;
	wide) echo wide-chan-id ;;
	long) echo biglines ;;
	esac
}

# start SCENARIO [FLOOD-LINES]: the fake server and a client shown its
# channel "hostile" with the marker line; then "go" plays the scenario.
start() {
	SC=$1
	EXTRA=$(extra_chan "$SC")
	e2e_fakesrv "$@" || return 1
	P=$(e2e_client "$SC" -s "127.0.0.1:$E2E_FAKE_PORT" -n victim) &&
	    e2e_wait_for "$P" '^ \[online\] victim \| status' &&
	    e2e_say "$P" "/join hostile" &&
	    e2e_wait_for "$P" '^ 3 hostile' || return 1
	if [ -n "$EXTRA" ]; then
		e2e_say "$P" "/join $EXTRA" &&
		    e2e_wait_for "$P" '^ 4 ' || return 1
	fi
	e2e_wait_for "$P" '^ 3 hostile' &&
	    e2e_keys "$P" M-3 &&
	    e2e_wait_for "$P" '^ \[online\] victim \| hostile \(2\)' &&
	    e2e_wait_for "$P" "evil say go to play $SC\$" &&
	    e2e_tmux select-pane -t "$P" -T e2e-title &&
	    e2e_wait_title e2e-title || return 1
	WIN=$(e2e_winname "$P")
}

e2e_wait_title() {
	end=$(($(e2e_now_ms) + E2E_WAIT * 1000))
	until [ "$(e2e_title "$P")" = "$1" ]; do
		[ "$(e2e_now_ms)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

play() {
	e2e_say "$P" go &&
	    e2e_wait_for "$P" "evil MARK-AFTER $SC done\$"
}

# Nothing changed the pane's title, the window's name or tmux's buffers.
# The client's own title, its unread count (txt-chat(1), Notifications),
# is the one change allowed.
untouched() {
	e2e_t=$(e2e_title "$P")
	if [ "$e2e_t" != e2e-title ] &&
	    ! printf '%s\n' "$e2e_t" | grep -Eqx '(\([0-9]+\+?\) )?txt-chat'; then
		e2e_diag "pane title: got '$e2e_t', want e2e-title or the unread count"
		return 1
	fi
	e2e_same "window name" "$(e2e_winname "$P")" "$WIN" &&
	    e2e_same "tmux buffers" "$(e2e_tmux list-buffers)" ""
}

# The screen is whole: the marker line, the status and input lines in the
# last two rows, no row wider than the pane and, with the channel list,
# its border in column 20 (column 14 below 80 columns) of every row above
# the status line.  Says why not in $E2E_TMP/why.
whole() {
	cols=$(e2e_tmux display -p -t "$P" '#{pane_width}')
	rows=$(e2e_tmux display -p -t "$P" '#{pane_height}')
	e2e_capture "$P" >"$E2E_TMP/screen"
	: >"$E2E_TMP/why"
	# (In a narrow pane the marker line wraps.)
	grep -q 'evil MARK-BEFORE' "$E2E_TMP/screen" &&
	    grep -q ' intact$' "$E2E_TMP/screen" ||
	    echo "the marker line is gone or damaged" >>"$E2E_TMP/why"
	sed -n "$((rows - 1))p" "$E2E_TMP/screen" |
	    grep -Eq '^ \[online\] victim \| hostile' ||
	    echo "no status line in row $((rows - 1))" >>"$E2E_TMP/why"
	sed -n "${rows}p" "$E2E_TMP/screen" | grep -Eq '^\[hostile\]' ||
	    echo "no input line in row $rows" >>"$E2E_TMP/why"
	[ "$(wc -L <"$E2E_TMP/screen")" -le "$cols" ] ||
	    echo "a row is wider than $cols columns" >>"$E2E_TMP/why"
	if [ "$cols" -ge 60 ]; then
		list=19
		[ "$cols" -ge 80 ] || list=13
		head -n $((rows - 2)) "$E2E_TMP/screen" >"$E2E_TMP/body"
		[ "$(grep -c '│' "$E2E_TMP/body")" -eq $((rows - 2)) ] &&
		    [ "$(sed 's/│.*//' "$E2E_TMP/body" | wc -L)" -eq "$list" ] ||
		    echo "the channel list's border is broken" >>"$E2E_TMP/why"
	fi
	[ ! -s "$E2E_TMP/why" ]
}

intact() {
	whole && return 0
	sed 's/^/# /' "$E2E_TMP/why"
	e2e_show "$P"
	return 1
}

# Every fixed string given is shown on the screen.
shows() {
	e2e_capture "$P" >"$E2E_TMP/screen"
	for s in "$@"; do
		if ! grep -qF -- "$s" "$E2E_TMP/screen"; then
			e2e_diag "not shown: $s"
			e2e_show "$P"
			return 1
		fi
	done
}

alive() {
	e2e_alive_pane "$P" hostile
}

# /quit: a clean exit; the fake server then leaves too.
finish() {
	e2e_quit_client "$P" &&
	    e2e_wait_exit "$E2E_FAKE_PID" &&
	    e2e_untrack "$E2E_FAKE_PID"
}

# --- escape sequences and controls ---------------------------------------

t_escapes() {
	start escapes && play
}

t_escapes_shown() {
	shows '␛]2;pwned␇osc-title' \
	    'clear␛[2Jscreen␛[H␛[10;10Hmoved␛[Aup␛[K' \
	    'cr-before␍CR-AFTER' 'bs-abc␈␈␈XYZ' \
	    '␛Ptmux;␛␛]2;pwned␇␛\dcs-passthrough' \
	    '␛]52;c;cHduZWQ=␇osc52-clipboard' '␛kpwned␛\window-name' \
	    '�2Jc1-csi' '�bidi-override' 'bell␇␇bell' \
	    'tab␉here del␡end' 'ev␛]2;pwned␇il name-with-osc' \
	    'n␛[2Jx␍Z name-with-clear' '* evil ␛]0;pwned␇waves' \
	    'j␛[2Joiner joined' 'error␛[2Jtext' ' 4 bad␛]2;pwned␇na+' \
	    ' 5!d␛]2;pwned␇m'
}

e2e_check "escapes: the client gets online and plays the scenario" t_escapes
e2e_check "escapes: ESC, BEL, CR, BS, DEL show as placeholders in texts, names, the list" t_escapes_shown
e2e_check "escapes: no title, window name or clipboard change" untouched
e2e_check "escapes: no line overwritten, screen layout whole" intact
e2e_check "escapes: the client lives and echoes a typed key" alive
e2e_check "escapes: /quit exits cleanly" finish

# --- broken UTF-8 --------------------------------------------------------

t_utf8() {
	start utf8 && play
}

t_utf8_shown() {
	e2e_wait_for "$P" 'evil�+ text-after-cut-name$' &&
	    e2e_wait_for "$P" ' �+ emoji-cut-name$' &&
	    e2e_wait_for "$P" 'evil text-cut-at-end �+$' &&
	    e2e_wait_for "$P" 'evil overlong �+ surrogate �+ ff �+ big �+ end$' &&
	    e2e_wait_for "$P" '^ 4 chan�+ +│'
}

e2e_check "utf8: the client gets online and plays the scenario" t_utf8
e2e_check "utf8: invalid UTF-8 in names and texts shows as U+FFFD" t_utf8_shown
e2e_check "utf8: no line overwritten, screen layout whole" intact
e2e_check "utf8: the client lives and echoes a typed key" alive
e2e_check "utf8: /quit exits cleanly" finish

# --- wide characters -----------------------------------------------------

# count_of TEXT: how many times TEXT is on the screen.
count_of() {
	e2e_capture "$P" | grep -oF -- "$1" | wc -l
}

# Until the screen holds all 160 CJK and 60 emoji characters sent, whole:
# that is, the client has drawn for the new size, and all of it.
all_wide() {
	end=$(($(e2e_now_ms) + E2E_WAIT * 1000))
	while :; do
		cjk=$(count_of 一)
		emoji=$(count_of 😀)
		[ "$cjk" -eq 160 ] && [ "$emoji" -eq 60 ] && whole && return 0
		if [ "$(e2e_now_ms)" -ge "$end" ]; then
			e2e_diag "$1 columns: $cjk of 160 CJK, $emoji of 60 emoji shown"
			sed 's/^/# /' "$E2E_TMP/why"
			e2e_show "$P"
			return 1
		fi
		sleep 0.05
	done
}

t_wide() {
	start wide &&
	    e2e_tmux resize-window -t "$P" -y 60 &&
	    play &&
	    all_wide 100
}

t_wide_widths() {
	ok=0
	for w in 99 80 61 60 59 58 41 40 39 38 31 30; do
		e2e_tmux resize-window -t "$P" -x "$w" &&
		    all_wide "$w" || { ok=1; break; }
	done
	e2e_tmux resize-window -t "$P" -x "$E2E_COLS" -y "$E2E_ROWS"
	return $ok
}

t_wide_names() {
	e2e_wait_for "$P" '^ 4 频道名称很长的\+ │' &&
	    e2e_wait_for "$P" ' 名前 cjk-name$' &&
	    e2e_wait_for "$P" "$(printf 'combining e\314\201 and a\314\210 end$')"
}

e2e_check "wide: all CJK and emoji shown at 100 columns" t_wide
e2e_check "wide: all shown, nothing overwritten, at 12 widths from 99 to 30" t_wide_widths
e2e_check "wide: CJK names, a long CJK channel name cut whole, combining marks" t_wide_names
e2e_check "wide: no line overwritten, screen layout whole" intact
e2e_check "wide: the client lives and echoes a typed key" alive
e2e_check "wide: /quit exits cleanly" finish

# --- over-long lines -----------------------------------------------------

t_long() {
	start long && play
}

t_long_dropped() {
	e2e_wait_for "$P" 'evil after-the-long-lines$' &&
	    e2e_no_match "$P" 'LLLLLLLLLL|OOOOOOOOOO' &&
	    e2e_wait_for "$P" '^ 4 biglines +1│' &&
	    e2e_keys "$P" M-1 &&
	    e2e_wait_for "$P" 'the server sent a line longer than 4096 bytes; it was dropped$' || return 1
	n=$(e2e_capture "$P" | grep -c 'longer than 4096 bytes; it was dropped$')
	e2e_same "notices of dropped lines" "$n" 2 &&
	    e2e_keys "$P" M-4 &&
	    e2e_wait_for "$P" '^ \[online\] victim \| biglines' &&
	    e2e_wait_for "$P" '│ +Z{61}$' &&
	    e2e_no_match "$P" ' evil Z' &&
	    e2e_keys "$P" M-Home &&
	    e2e_wait_for "$P" '[0-9] +evil Z{61}$' &&
	    e2e_keys "$P" M-End &&
	    e2e_wait_gone "$P" ' evil Z' &&
	    e2e_keys "$P" M-3 &&
	    e2e_wait_for "$P" '^ \[online\] victim \| hostile'
}

e2e_check "long: the client gets online and plays the scenario" t_long
e2e_check "long: 100 KiB and 4097-byte lines dropped with a notice; 4096 shown, Alt-Home/End" t_long_dropped
e2e_check "long: no line overwritten, screen layout whole" intact
e2e_check "long: the client lives and echoes a typed key" alive
e2e_check "long: /quit exits cleanly" finish

# --- junk lines ----------------------------------------------------------

t_junk() {
	start junk && play
}

t_junk_noted() {
	e2e_wait_for "$P" 'evil after-the-junk$' &&
	    e2e_keys "$P" M-1 &&
	    e2e_wait_for "$P" 'server sent an unknown line: frobnicate$' &&
	    e2e_wait_for "$P" 'server sent a malformed line: msg$' &&
	    e2e_keys "$P" M-3 &&
	    e2e_wait_for "$P" '^ \[online\] victim \| hostile'
}

e2e_check "junk: the client gets online and plays the scenario" t_junk
e2e_check "junk: missing fields and unknown kinds are noted, not shown" t_junk_noted
e2e_check "junk: no line overwritten, screen layout whole" intact
e2e_check "junk: the client lives and echoes a typed key" alive
e2e_check "junk: /quit exits cleanly" finish

# --- a flood -------------------------------------------------------------

FLOOD=100000

t_flood_keys() {
	start flood "$FLOOD" || return 1
	pid=$(e2e_client_pid "$P")
	rss0=$(e2e_rss_kib "$pid")
	e2e_say "$P" go &&
	    e2e_wait_for "$P" 'flooder flood line [0-9]+ of the burst$' ||
	    return 1
	t0=$(e2e_now_ms)
	e2e_type "$P" "typed during" &&
	    e2e_wait_for "$P" '^\[hostile\] typed during$' || return 1
	t1=$(e2e_now_ms)
	if grep -q 'flood of' "$E2E_FAKE_LOG"; then
		e2e_diag "the key echoed in $((t1 - t0)) ms, after the burst was sent"
	else
		e2e_diag "the key echoed in $((t1 - t0)) ms, during the burst"
	fi
	e2e_keys "$P" C-u
}

t_flood_last() {
	e2e_wait_for "$P" "flooder flood line $FLOOD LAST\$" 60 &&
	    e2e_wait_for "$P" "evil MARK-AFTER flood done\$" || return 1
	e2e_diag "$(tail -n 1 "$E2E_FAKE_LOG")"
}

t_flood_rss() {
	rss=$(e2e_rss_kib "$pid")
	e2e_diag "client RSS: $rss0 KiB before the flood, $rss KiB after (limit $RSS_MAX_KIB)"
	[ -n "$rss" ] && [ "$rss" -lt "$RSS_MAX_KIB" ]
}

# The default scrollback keeps the newest 4000 lines: Alt-Home shows the
# oldest kept, from the last 4000 of the flood.
t_flood_scrollback() {
	e2e_keys "$P" M-Home &&
	    e2e_wait_for "$P" 'flooder flood line 9[67][0-9]{3} of the burst$' &&
	    e2e_no_match "$P" 'MARK-BEFORE|flood line [1-8]?[0-9]{1,4} of' &&
	    e2e_keys "$P" M-End &&
	    e2e_wait_gone "$P" 'more below' &&
	    e2e_wait_for "$P" "evil MARK-AFTER flood done\$"
}

e2e_check "flood: a typed key echoes while $FLOOD lines arrive" t_flood_keys
e2e_check "flood: the last message becomes visible" t_flood_last
e2e_check "flood: the client's memory stays under 64 MiB" t_flood_rss
e2e_check "flood: the scrollback keeps the newest lines only" t_flood_scrollback
e2e_check "flood: no title, window name or clipboard change" untouched
e2e_check "flood: the client lives and echoes a typed key" alive
e2e_check "flood: /quit exits cleanly" finish
e2e_done
