# Makefile: builds txt-chatd, txt-chat and their tests; one file, no recursion
# except to build the sanitizer variant into its own directory.

CC = cc
PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
SBINDIR = $(PREFIX)/sbin
MANDIR = $(PREFIX)/share/man
DESTDIR =
PKG_CONFIG = pkg-config

# User flags stay apart from the project's own.
CFLAGS = -O2 -g
LDFLAGS =
WERROR = -Werror

# B is the build directory; SAN=1 builds with AddressSanitizer and UBSan.
B = build
SAN =
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer

WARNINGS = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wdeclaration-after-statement -Wformat=2 \
	-Wno-unused-parameter $(WERROR)
PROJECT_CFLAGS = -std=c11 $(WARNINGS) -Iproto $(if $(SAN),$(SANFLAGS))
PROJECT_LDFLAGS = $(if $(SAN),$(SANFLAGS))

UV_CFLAGS = $$($(PKG_CONFIG) --cflags libuv)
UV_LIBS = $$($(PKG_CONFIG) --libs libuv)
CURSES_CFLAGS = $$($(PKG_CONFIG) --cflags ncursesw)
CURSES_LIBS = $$($(PKG_CONFIG) --libs ncursesw)
CMOCKA_CFLAGS = $$($(PKG_CONFIG) --cflags cmocka)
CMOCKA_LIBS = $$($(PKG_CONFIG) --libs cmocka)
SQLITE_CFLAGS = $$($(PKG_CONFIG) --cflags sqlite3)
SQLITE_LIBS = $$($(PKG_CONFIG) --libs sqlite3) -pthread
SSL_CFLAGS = $$($(PKG_CONFIG) --cflags openssl)
SSL_LIBS = $$($(PKG_CONFIG) --libs openssl)
SODIUM_CFLAGS = $$($(PKG_CONFIG) --cflags libsodium)
SODIUM_LIBS = $$($(PKG_CONFIG) --libs libsodium)
REDIS_CFLAGS = $$($(PKG_CONFIG) --cflags hiredis)
REDIS_LIBS = $$($(PKG_CONFIG) --libs hiredis)

PROTO_SRC = $(sort $(wildcard proto/*.c))
SERVER_SRC = $(sort $(filter-out server/main.c,$(wildcard server/*.c)))
TUI_SRC = $(sort $(filter-out tui/main.c,$(wildcard tui/*.c)))
TESTLIB_SRC = $(sort $(wildcard tests/lib/*.c))
TEST_SRC = $(sort $(wildcard tests/test_*.c tests/it_*.c))
TEST_BIN = $(patsubst tests/%.c,$(B)/tests/%,$(TEST_SRC))
TOOL_SRC = $(sort $(wildcard tests/tools/*.c))
TOOL_BIN = $(patsubst tests/tools/%.c,$(B)/tools/%,$(TOOL_SRC))
BENCH_SRC = $(sort $(wildcard tests/bench/*.c))
BENCH_BIN = $(patsubst tests/bench/%.c,$(B)/bench/%,$(BENCH_SRC))

PROTO_LIB = $(B)/libproto.a
SERVER_LIB = $(B)/libserver.a
TUI_LIB = $(B)/libtui.a
TESTLIB = $(B)/libtesthelp.a

# The installed programs live beside their sources, as the README says;
# the sanitizer build keeps its own copies under $(B).
ifeq ($(B),build)
SERVER_BIN = server/txt-chatd
TUI_BIN = tui/txt-chat
else
SERVER_BIN = $(B)/txt-chatd
TUI_BIN = $(B)/txt-chat
endif

MANPAGES = man/txt-chat.1 man/txt-chatd.8 man/txt-chat-protocol.7

.PHONY: all clean install uninstall test tests deps deps-test run lint \
	format bench fuzz valgrind soak
.SUFFIXES:
# Keep objects of test programs: they are intermediate files to make.
.SECONDARY:

all: $(SERVER_BIN) $(if $(wildcard tui/main.c),$(TUI_BIN))

$(B)/proto/%.o: proto/%.c
	@mkdir -p $(@D)
	$(CC) $(PROJECT_CFLAGS) -D_POSIX_C_SOURCE=200809L $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/server/%.o: server/%.c
	@mkdir -p $(@D)
	$(CC) $(PROJECT_CFLAGS) -D_DEFAULT_SOURCE $(SQLITE_CFLAGS) $(SSL_CFLAGS) $(SODIUM_CFLAGS) $(REDIS_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tui/%.o: tui/%.c
	@mkdir -p $(@D)
	$(CC) $(PROJECT_CFLAGS) $(CURSES_CFLAGS) $(UV_CFLAGS) $(SSL_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(PROJECT_CFLAGS) -D_DEFAULT_SOURCE -Iserver -Itui -Itests/lib $(CMOCKA_CFLAGS) $(SQLITE_CFLAGS) $(SSL_CFLAGS) $(SODIUM_CFLAGS) $(REDIS_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tools/%.o: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(PROJECT_CFLAGS) -D_DEFAULT_SOURCE -Iserver -Itui -Itests/lib $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tools/%: $(B)/tools/%.o $(TESTLIB) $(PROTO_LIB)
	$(CC) $(PROJECT_LDFLAGS) $(LDFLAGS) -o $@ $< $(filter %.a,$^) \
	    $(CMOCKA_LIBS) -lm

$(B)/bench/%.o: tests/bench/%.c
	@mkdir -p $(@D)
	$(CC) $(PROJECT_CFLAGS) -D_DEFAULT_SOURCE -Iserver -Itests/lib $(SSL_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(PROTO_LIB): $(PROTO_SRC:%.c=$(B)/%.o)
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(SERVER_LIB): $(SERVER_SRC:%.c=$(B)/%.o)
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(TUI_LIB): $(TUI_SRC:%.c=$(B)/%.o)
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(TESTLIB): $(TESTLIB_SRC:%.c=$(B)/%.o)
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(SERVER_BIN): $(B)/server/main.o $(SERVER_LIB) $(PROTO_LIB)
	$(CC) $(PROJECT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(SQLITE_LIBS) $(SSL_LIBS) $(SODIUM_LIBS) $(REDIS_LIBS)

$(TUI_BIN): $(B)/tui/main.o $(TUI_LIB) $(PROTO_LIB)
	$(CC) $(PROJECT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(CURSES_LIBS) $(UV_LIBS) $(SSL_LIBS) -lm

# Every test links every library; the linker takes only what it uses.
$(B)/tests/%: $(B)/tests/%.o $(TESTLIB) $(if $(TUI_SRC),$(TUI_LIB)) $(SERVER_LIB) $(PROTO_LIB)
	$(CC) $(PROJECT_LDFLAGS) $(LDFLAGS) -o $@ $< -Wl,--start-group \
	    $(filter %.a,$^) -Wl,--end-group $(CMOCKA_LIBS) $(CURSES_LIBS) $(UV_LIBS) \
	    $(SQLITE_LIBS) $(SSL_LIBS) $(SODIUM_LIBS) $(REDIS_LIBS) -lm

$(B)/bench/%: $(B)/bench/%.o $(TESTLIB) $(PROTO_LIB)
	$(CC) $(PROJECT_LDFLAGS) $(LDFLAGS) -o $@ $< $(filter %.a,$^) $(SSL_LIBS) -lm

tests: all $(TEST_BIN) $(TOOL_BIN)

# make test: install what is missing, build with sanitizers, run everything.
test: deps-test
	$(MAKE) --no-print-directory B=build/san SAN=1 tests
	@sh tests/run.sh build/san

deps:
	@sh .ci/deps build

deps-test:
	@sh .ci/deps test

# make run: install what is missing, build, start a local server if none
# is listening, open the client.
run: deps
	$(MAKE) --no-print-directory all
	@sh .ci/chat

# Long runs, each in its own target and script (not part of make test).
FUZZ_TIME = 180
SOAK_TIME = 300

fuzz: deps-test
	@sh tests/fuzz/run.sh $(FUZZ_TIME)

bench: deps-test
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory B=build/bench-tools CFLAGS="-O2 -g" \
	    $(patsubst tests/bench/%.c,build/bench-tools/bench/%,$(BENCH_SRC))
	@sh tests/bench/run.sh

valgrind:
	@sh .ci/deps valgrind
	$(MAKE) --no-print-directory B=build/vg CFLAGS="-O1 -g" tests
	@TXT_VALGRIND=1 sh tests/run.sh build/vg it_

soak: deps-test
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory B=build/bench-tools CFLAGS="-O2 -g" \
	    $(patsubst tests/bench/%.c,build/bench-tools/bench/%,$(BENCH_SRC))
	@sh tests/bench/soak.sh $(SOAK_TIME)

install: all
	mkdir -p $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(SERVER_BIN) $(DESTDIR)$(SBINDIR)/txt-chatd
	install -m 644 man/txt-chatd.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 man/txt-chat-protocol.7 $(DESTDIR)$(MANDIR)/man7/
	if [ -f $(TUI_BIN) ]; then \
	    mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 && \
	    install -m 755 $(TUI_BIN) $(DESTDIR)$(BINDIR)/txt-chat && \
	    install -m 644 man/txt-chat.1 $(DESTDIR)$(MANDIR)/man1/; fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/txt-chatd $(DESTDIR)$(BINDIR)/txt-chat \
	    $(DESTDIR)$(MANDIR)/man8/txt-chatd.8 \
	    $(DESTDIR)$(MANDIR)/man7/txt-chat-protocol.7 \
	    $(DESTDIR)$(MANDIR)/man1/txt-chat.1

C_FILES = $(wildcard proto/*.[ch] server/*.[ch] tui/*.[ch] tests/*.c tests/lib/*.[ch] tests/bench/*.[ch] tests/fuzz/*.c)

lint:
	@sh .ci/lint $(wildcard $(MANPAGES)) -- $(C_FILES)

format:
	clang-format -i $(C_FILES)

clean:
	rm -rf build server/txt-chatd tui/txt-chat

-include $(wildcard $(B)/*/*.d $(B)/*/*/*.d $(B)/*/*/*/*.d)
