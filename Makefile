# jmirror: one library built from common/, one binary per cmd/*.c.
#
#   make               build every tool into $(O)/bin
#   make check         install what is missing (tests/deps.sh), build, run unit, e2e and
#                      power-loss tests
#   make check-powerloss   the power-loss suite alone (LazyFS; a skip is a failure)
#   make fsync-order   the fsync-order check alone (strace: renames and links come after the
#                      data's fsync and before the directory's)
#   make install       PREFIX=/usr/local DESTDIR=
#   make demo          see it work
#   make clean
#
# O selects the build directory, so that a sanitizer build can sit beside the normal one:
#   make check O=build-san SAN=1

.SUFFIXES:

VERSION  = 0.1.0
PREFIX   = /usr/local
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man
O        = build
CC       = cc
CFLAGS   = -O2 -g
WARN     = -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
SAN      =
# ../shared holds LazyFS (tests/powerloss). HEAVY=0 leaves the heavy suites (power loss, ...)
# out, for the sanitizer pass that runs everything else a second time.
SHARED   = ../shared
HEAVY    = 1
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# pkg-config name -> Debian package that provides it
PKGS     = libcurl:libcurl4-openssl-dev libarchive:libarchive-dev sqlite3:libsqlite3-dev \
           libcrypto:libssl-dev liblzma:liblzma-dev
PKGNAMES = libcurl libarchive sqlite3 libcrypto liblzma

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

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGNAMES) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGNAMES) 2>/dev/null) -lpthread -lm
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -DJM_VERSION='"$(VERSION)"' -Icommon \
             $(WARN) $(CFLAGS) $(EXTRA) $(PKG_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(EXTRA)

LIBSRC  = $(sort $(wildcard common/*.c))
LIBOBJ  = $(LIBSRC:common/%.c=$(O)/common/%.o)
LIB     = $(O)/libjmirror.a
TOOLSRC = $(sort $(wildcard cmd/*.c))
TOOLS   = $(TOOLSRC:cmd/%.c=$(O)/bin/%)
UNITSRC = $(sort $(wildcard tests/unit/check_*.c))
UNITOBJ = $(UNITSRC:tests/unit/%.c=$(O)/unit/%.o)
UNIT    = $(O)/unit/check_all
MANS    = $(sort $(wildcard man/*.[1-8]))
HDRS    = $(wildcard common/*.h)

TESTTOOLSRC = $(sort $(wildcard tests/tools/*.c))
TESTTOOLS = $(TESTTOOLSRC:tests/tools/%.c=$(O)/test/%)

all: $(TOOLS)

testtools: $(TESTTOOLS)

$(O)/test/%: tests/tools/%.c $(LIB) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS)

$(O)/common/%.o: common/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

$(O)/bin/%: cmd/%.c $(LIB) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS)

$(O)/unit/%.o: tests/unit/%.c $(HDRS) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit $$(pkg-config --cflags check) -c -o $@ $<

$(O)/unit/suites.inc: $(UNITSRC)
	@mkdir -p $(@D)
	for f in $(UNITSRC); do b=$${f##*/check_}; echo "SUITE($${b%.c})"; done > $@

$(O)/unit/main.o: tests/unit/main.c $(O)/unit/suites.inc tests/unit/unit.h
	$(CC) $(ALL_CFLAGS) -I$(O)/unit -Itests/unit $$(pkg-config --cflags check) -c -o $@ $<

$(UNIT): $(O)/unit/main.o $(UNITOBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $(O)/unit/main.o $(UNITOBJ) $(LIB) $(ALL_LDFLAGS) $(CHECK_LIBS) $(PKG_LIBS)

deps:
	sh tests/deps.sh

unit: $(UNIT)
	cd tests/unit && JM_BIN=$(CURDIR)/$(O)/bin $(CURDIR)/$(UNIT)

e2e: $(TOOLS) $(TESTTOOLS)
	JM_BIN=$(CURDIR)/$(O)/bin JM_TEST=$(CURDIR)/$(O)/test JM_SRC=$(CURDIR) sh tests/e2e/run $(T)

lint-man:
	@if command -v mandoc >/dev/null; then out=$$(mandoc -Tlint -Wwarning $(MANS) 2>&1); \
	  if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; fi

# check installs what it needs first, then builds in a fresh make so that pkg-config sees it.
check:
	sh tests/deps.sh
	$(MAKE) O=$(O) SAN=$(SAN) checkrun

checkrun: all $(TESTTOOLS) $(UNIT) lint-man
	$(MAKE) O=$(O) SAN=$(SAN) unit
	$(MAKE) O=$(O) SAN=$(SAN) e2e
	if [ "$(HEAVY)" = 1 ]; then $(MAKE) O=$(O) SAN=$(SAN) powerloss; fi

# LazyFS, built once into the build directory from ../shared (read-only in CI).
$(O)/lazyfs/lazyfs:
	sh $(SHARED)/tools/lazyfs/build.sh $(O)/lazyfs

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

fuzz:
	sh tests/fuzz/run

# The demo's write load and lag probe (jmload, jmlag) are test tools.
demo:
	sh tests/deps.sh
	$(MAKE) O=$(O) all testtools
	JM_BIN=$(CURDIR)/$(O)/bin JM_TEST=$(CURDIR)/$(O)/test JM_SRC=$(CURDIR) sh examples/demo.sh

bench: all $(TESTTOOLS)
	JM_BIN=$(CURDIR)/$(O)/bin JM_TEST=$(CURDIR)/$(O)/test JM_SRC=$(CURDIR) sh tests/bench/run

install: all
	mkdir -p $(DESTDIR)$(BINDIR)
	for t in $(TOOLS); do cp $$t $(DESTDIR)$(BINDIR)/ && chmod 755 $(DESTDIR)$(BINDIR)/$${t##*/}; done
	for m in $(MANS); do s=$${m##*.}; mkdir -p $(DESTDIR)$(MANDIR)/man$$s; \
	  cp $$m $(DESTDIR)$(MANDIR)/man$$s/ && chmod 644 $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done

clean:
	rm -rf build build-* tests/unit/*.tmp

.PHONY: all testtools deps unit e2e lint-man check checkrun lazyfs powerloss check-powerloss fsync-order fuzz demo bench install clean
