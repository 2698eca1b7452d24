#!/bin/sh
# build.sh: builds the libFuzzer targets with clang, rebuilding only what changed.
# Usage: sh tests/fuzz/build.sh OUT_DIR [TARGET...]
# Exits 0 when built, 77 when clang or its fuzzer runtime is missing,
# 1 when a build fails.
set -u
out=${1:?usage: build.sh OUT_DIR [TARGET...]}
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
CLANG=${CLANG:-clang}

# Each target is one tests/fuzz/<target>.c linked with the project sources
# it drives: pure modules only, no sockets, terminal or event loop.
sources_of() {
	case "$1" in
	fuzz_framer) echo proto/line.c proto/cmd.c proto/valid.c proto/utf8.c \
	    proto/proto.c ;;
	fuzz_event) echo proto/event.c proto/cmd.c proto/valid.c proto/utf8.c \
	    proto/proto.c proto/hmap.c tui/client.c tui/client_event.c \
	    tui/client_cmd.c tui/keyhelp.c tui/model.c tui/layout.c \
	    tui/sanitize.c tui/width.c tui/wrap.c tui/slash.c \
	    tui/client_account.c tui/account.c \
	    tui/client_habits.c tui/filter.c tui/stamp.c \
	    tui/url.c ;;
	fuzz_display) echo tui/sanitize.c tui/width.c tui/wrap.c proto/utf8.c \
	    proto/valid.c ;;
	fuzz_chat) echo server/chat.c server/history.c server/store_sqlite.c \
	    server/faillimit.c \
	    server/ban.c \
	    server/clock.c \
	    proto/cmd.c \
	    proto/event.c proto/valid.c proto/utf8.c proto/proto.c \
	    proto/registry.c proto/hmap.c ;;
	*) return 1 ;;
	esac
}
ALL_TARGETS="fuzz_framer fuzz_event fuzz_display fuzz_chat"

# Targets that make allocations fail wrap the allocator.
ldflags_of() {
	case "$1" in
	fuzz_chat | fuzz_event) echo -Wl,--wrap=malloc -Wl,--wrap=calloc \
	    -Wl,--wrap=realloc ;;
	esac
}

# Libraries after the objects (the chat links the store, hence SQLite).
libs_of() {
	case "$1" in
	fuzz_chat) echo "$(pkg-config --libs sqlite3) -pthread" ;;
	esac
}

# The defines the Makefile gives each directory (tui's come from ncursesw's
# pkg-config flags, which the pure modules need only for wcwidth).
defines_of() {
	case "$1" in
	proto/*) echo -D_POSIX_C_SOURCE=200809L ;;
	server/*) echo -D_DEFAULT_SOURCE ;;
	*) echo -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=600 ;;
	esac
}

WARN="-Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
-Wmissing-prototypes -Wdeclaration-after-statement -Wformat=2 \
-Wno-unused-parameter"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
COMMON="-std=c11 -g -O1 -fno-omit-frame-pointer -Iproto -Iserver -Itui $SAN"

if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "build.sh: $CLANG not found" >&2
	exit 77
fi
mkdir -p "$out/obj" || exit 1
probe=$out/obj/probe
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
    '{ return (int)(d == NULL && n > 0); }' >"$probe.c"
if ! "$CLANG" -fsanitize=fuzzer,address,undefined -o "$probe" "$probe.c" \
    >/dev/null 2>&1; then
	echo "build.sh: $CLANG cannot link with -fsanitize=fuzzer" >&2
	exit 77
fi
rm -f "$probe" "$probe.c"

# A file is stale when it is missing or older than anything it is made of;
# any header counts, which rebuilds a little more than needed.
stale() {
	target=$1
	shift
	[ -f "$target" ] || return 0
	[ -n "$(find "$@" proto/*.h server/*.h tui/*.h tests/fuzz/build.sh \
	    -newer "$target" 2>/dev/null)" ]
}

compile() {
	src=$1
	obj=$2
	extra=$3
	stale "$obj" "$src" || return 0
	echo "  CC  $src"
	# shellcheck disable=SC2046,SC2086
	"$CLANG" $COMMON $WARN $extra $(defines_of "$src") \
	    -fsanitize=fuzzer-no-link -c -o "$obj" "$src"
}

targets=${*:-$ALL_TARGETS}
status=0
for t in $targets; do
	srcs=$(sources_of "$t") || {
		echo "build.sh: unknown target $t (have: $ALL_TARGETS)" >&2
		status=1
		continue
	}
	objs=""
	ok=1
	for src in $srcs; do
		obj=$out/obj/$(echo "$src" | tr / _).o
		# Our code must build clean under clang as well as gcc;
		# this is where make test sees clang's extra warnings.
		compile "$src" "$obj" -Werror || ok=0
		objs="$objs $obj"
	done
	compile "tests/fuzz/$t.c" "$out/obj/$t.o" -Werror || ok=0
	if [ "$ok" -eq 1 ]; then
		# shellcheck disable=SC2086
		if stale "$out/$t" "$out/obj/$t.o" $objs; then
			echo "  LD  $out/$t"
			# shellcheck disable=SC2046,SC2086
			"$CLANG" -fsanitize=fuzzer,address,undefined \
			    $(ldflags_of "$t") -o "$out/$t" "$out/obj/$t.o" \
			    $objs $(libs_of "$t") || ok=0
		fi
	fi
	[ "$ok" -eq 1 ] || {
		echo "build.sh: $t failed to build" >&2
		status=1
	}
done
exit "$status"
