# jmirror: one library built from common/, one binary per cmd/*.c.
#
#   make               build every tool into $(O)/bin
#   make check         install what is missing (tests/deps.sh), build, run unit, e2e and
#                      power-loss tests
#   make check-powerloss   the power-loss suite alone (LazyFS; a skip is a failure)
#   make fsync-order   the fsync-order check alone (strace: renames and links come after the
#                      data's fsync and before the directory's)
#   make install       PREFIX=/usr/local DESTDIR=
#   make uninstall     PREFIX=/usr/local DESTDIR=  (removes what install put there)
#   make fuzz          build the libFuzzer targets (clang); tests/fuzz/run fuzzes them
#   make demo          see it work
#   make clean         remove $(O) and build-san
#
# O selects the build directory, so that a sanitizer build can sit beside the normal one:
#   make check O=build-san SAN=1
# CPPFLAGS, CFLAGS and LDFLAGS are honoured. Warnings are errors (WERROR=-Werror); a packager
# with a newer compiler may say WERROR= for make and make install, never for make check.

.SUFFIXES:
# keep the objects between the sources and the binaries (intermediate files otherwise)
.SECONDARY:

VERSION  = 0.1.0
PREFIX   = /usr/local
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man
O        = build
CC       = cc
CFLAGS   = -O2 -g
WERROR   = -Werror
WARN     = -Wall -Wextra $(WERROR) -Wshadow -Wno-unused-parameter -Wformat=2 -Wmissing-prototypes
SAN      =
# ../shared holds LazyFS (tests/powerloss). HEAVY=0 leaves the heavy suites (power loss, ...)
# out, for the sanitizer pass that runs everything else a second time.
SHARED   = ../shared
HEAVY    = 1
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# pkg-config name -> Debian package that provides it
PKGS     = libcurl:libcurl4-openssl-dev libarchive:libarchive-dev sqlite3:libsqlite3-dev \
           libcrypto:libssl-dev liblzma:liblzma-dev libpq:libpq-dev
PKGNAMES = libcurl libarchive sqlite3 libcrypto liblzma libpq

PKGCHECK := $(shell for p in $(PKGS); do n=$${p%%:*}; d=$${p##*:}; \
	pkg-config --exists $$n 2>/dev/null || printf '%s ' "$$d"; done)
ifneq ($(strip $(PKGCHECK)),)
ifeq ($(filter deps clean,$(MAKECMDGOALS)),)
ifeq ($(filter check demo,$(MAKECMDGOALS)),)
$(error missing libraries: install the Debian packages: $(strip $(PKGCHECK)) (or run tests/deps.sh as root))
endif
endif
endif

ifneq ($(SAN),)
EXTRA   = $(SANFLAGS)
endif
ifneq ($(filter check checkrun,$(MAKECMDGOALS)),)
override WERROR = -Werror
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGNAMES) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGNAMES) 2>/dev/null) -lpthread -lm
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

ALL_CPPFLAGS = -D_GNU_SOURCE -DJM_VERSION='"$(VERSION)"' -Icommon $(CPPFLAGS)
ALL_CFLAGS = -std=gnu11 $(ALL_CPPFLAGS) $(WARN) $(CFLAGS) $(EXTRA) $(PKG_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(EXTRA)
# Each object records the headers it includes ($(O)/.../x.d), so that a header change
# rebuilds exactly what uses it; -MP keeps make going when a header is removed.
DEPFLAGS = -MMD -MP

LIBSRC  = $(sort $(wildcard common/*.c))
LIBOBJ  = $(LIBSRC:common/%.c=$(O)/common/%.o)
LIB     = $(O)/libjmirror.a
TOOLSRC = $(sort $(wildcard cmd/*.c))
# cmd/util/ is what tools share that common/ must not do: printing diagnostics, exiting.
UTILSRC = $(sort $(wildcard cmd/util/*.c))
UTILOBJ = $(UTILSRC:cmd/util/%.c=$(O)/cmd/util/%.o)
UTILLIB = $(O)/libjmtool.a
TOOL_CPPFLAGS = -Icmd/util
TOOLOBJ = $(TOOLSRC:cmd/%.c=$(O)/cmd/%.o)
TOOLS   = $(TOOLSRC:cmd/%.c=$(O)/bin/%)
UNITSRC = $(sort $(wildcard tests/unit/check_*.c))
UNITOBJ = $(UNITSRC:tests/unit/%.c=$(O)/unit/%.o)
UNIT    = $(O)/unit/check_all
MANS    = $(sort $(wildcard man/*.[1-8]))

TESTTOOLSRC = $(sort $(wildcard tests/tools/*.c))
TESTTOOLOBJ = $(TESTTOOLSRC:tests/tools/%.c=$(O)/tools/%.o)
TESTTOOLS = $(TESTTOOLSRC:tests/tools/%.c=$(O)/test/%)

all: $(TOOLS)

testtools: $(TESTTOOLS)

$(O)/common/%.o: common/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(LIB): $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

$(UTILLIB): $(UTILOBJ)
	rm -f $@
	ar rcs $@ $(UTILOBJ)

$(O)/cmd/%.o: cmd/%.c
	@mkdir -p $(@D)
	$(CC) $(TOOL_CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(O)/bin/%: $(O)/cmd/%.o $(UTILLIB) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(UTILLIB) $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS)

$(O)/tools/%.o: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(TOOL_CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(O)/test/%: $(O)/tools/%.o $(UTILLIB) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(UTILLIB) $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS)

# suites.inc lists SUITE(module) for every check_module.c; unit.h turns it into the
# prototypes and main.c into the run list. It is rewritten only when the list changes, so
# that editing one suite does not rebuild the others.
$(O)/unit/suites.inc: $(UNITSRC)
	@mkdir -p $(@D)
	@for f in $(UNITSRC); do b=$${f##*/check_}; echo "SUITE($${b%.c})"; done > $@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

$(O)/unit/%.o: tests/unit/%.c $(O)/unit/suites.inc
	@mkdir -p $(@D)
	$(CC) $(TOOL_CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) -I$(O)/unit -Itests/unit $$(pkg-config --cflags check) -c -o $@ $<

$(UNIT): $(O)/unit/main.o $(UNITOBJ) $(UTILLIB) $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $(O)/unit/main.o $(UNITOBJ) $(UTILLIB) $(LIB) $(ALL_LDFLAGS) $(CHECK_LIBS) $(PKG_LIBS)

deps:
	sh tests/deps.sh

unit: $(UNIT)
	cd tests/unit && JM_BIN=$(CURDIR)/$(O)/bin $(CURDIR)/$(UNIT)

e2e: $(TOOLS) $(TESTTOOLS)
	JM_HEAVY=$(HEAVY) JM_BIN=$(CURDIR)/$(O)/bin JM_TEST=$(CURDIR)/$(O)/test JM_SRC=$(CURDIR) sh tests/e2e/run $(T)

lint-man:
	@if command -v mandoc >/dev/null; then out=$$(mandoc -Tlint -Wwarning $(MANS) 2>&1); \
	  if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; fi

# check installs what it needs first, then builds in a fresh make so that pkg-config sees it.
check:
	sh tests/deps.sh
	$(MAKE) O=$(O) SAN=$(SAN) WERROR=-Werror checkrun

checkrun: all $(TESTTOOLS) $(UNIT) lint-man
	$(MAKE) O=$(O) SAN=$(SAN) WERROR=-Werror unit
	$(MAKE) O=$(O) SAN=$(SAN) WERROR=-Werror e2e
	if [ "$(HEAVY)" = 1 ]; then $(MAKE) O=$(O) SAN=$(SAN) WERROR=-Werror powerloss; fi

# LazyFS, built once into the build directory from a copy of ../shared's (read-only in
# CI) with the change tests/powerloss/lazyfs-hard-remove.patch explains.
$(O)/lazyfs/lazyfs: tests/powerloss/lazyfs-hard-remove.patch
	rm -rf $(O)/lazyfs-src && mkdir -p $(O) && cp -R $(SHARED)/tools/lazyfs $(O)/lazyfs-src
	chmod -R u+w $(O)/lazyfs-src
	patch -s -d $(O)/lazyfs-src -p1 <tests/powerloss/lazyfs-hard-remove.patch
	sh $(O)/lazyfs-src/build.sh $(O)/lazyfs

lazyfs: $(O)/lazyfs/lazyfs

powerloss: $(TOOLS) $(TESTTOOLS) $(O)/lazyfs/lazyfs
	JM_BIN=$(CURDIR)/$(O)/bin JM_TEST=$(CURDIR)/$(O)/test JM_SRC=$(CURDIR) \
	  JM_SHARED=$(abspath $(SHARED)) sh tests/powerloss/run $(T)

check-powerloss:
	sh tests/deps.sh
	$(MAKE) O=$(O) SAN=$(SAN) all testtools powerloss

fsync-order: $(TOOLS) $(TESTTOOLS)
	JM_BIN=$(CURDIR)/$(O)/bin JM_TEST=$(CURDIR)/$(O)/test JM_SRC=$(CURDIR) \
	  sh tests/powerloss/run 09

# libFuzzer targets (tests/fuzz/fuzz_*.c): the library is built a second time with clang,
# instrumented for coverage and checked by AddressSanitizer and UBSan, with the same
# warnings as everything else. tests/fuzz/run [SECONDS] builds them and runs each.
FUZZ_CC    = clang
FUZZ_SAN   = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -std=gnu11 $(ALL_CPPFLAGS) $(WARN) -g -O1 $(FUZZ_SAN) $(PKG_CFLAGS)
FUZZSRC    = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS    = $(FUZZSRC:tests/fuzz/%.c=$(O)/fuzz/%)
FUZZLIBOBJ = $(LIBSRC:common/%.c=$(O)/fuzz/common/%.o)
FUZZLIB    = $(O)/fuzz/libjmirror.a

$(O)/fuzz/common/%.o: common/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(DEPFLAGS) -c -o $@ $<

$(FUZZLIB): $(FUZZLIBOBJ)
	rm -f $@
	ar rcs $@ $(FUZZLIBOBJ)

$(O)/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(DEPFLAGS) -c -o $@ $<

$(O)/fuzz/%: $(O)/fuzz/%.o $(FUZZLIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZLIB) $(LDFLAGS) $(PKG_LIBS)

fuzz: $(FUZZERS)

# The demo's write load and lag probe (jmload, jmlag) are test tools.
demo:
	sh tests/deps.sh
	$(MAKE) O=$(O) all testtools
	JM_BIN=$(CURDIR)/$(O)/bin JM_TEST=$(CURDIR)/$(O)/test JM_SRC=$(CURDIR) sh examples/demo.sh

bench: all $(TESTTOOLS)
	JM_BIN=$(CURDIR)/$(O)/bin JM_TEST=$(CURDIR)/$(O)/test JM_SRC=$(CURDIR) sh tests/bench/run

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)/
	for m in $(MANS); do s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s && \
	  install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; done

# Removes exactly the files install puts in place, nothing else (not the directories).
uninstall:
	for t in $(TOOLSRC); do b=$${t##*/}; rm -f $(DESTDIR)$(BINDIR)/$${b%.c}; done
	for m in $(MANS); do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; done

clean:
	rm -rf $(O) build-san tests/unit/*.tmp

-include $(LIBOBJ:.o=.d) $(TOOLOBJ:.o=.d) $(TESTTOOLOBJ:.o=.d) $(UNITOBJ:.o=.d) \
	$(O)/unit/main.d $(FUZZLIBOBJ:.o=.d) $(FUZZERS:=.d)

.PHONY: all testtools deps unit e2e lint-man check checkrun lazyfs powerloss check-powerloss \
	fsync-order fuzz demo bench install uninstall clean
