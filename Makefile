# hubtweet — build, install, test.
#
#   make              build every tool into bin/
#   make check        build with AddressSanitizer + UBSan and run all tests
#   make demo         the README's first command
#   make install      PREFIX=/usr/local DESTDIR=
#
# Each tool links only the libraries it uses: the webhook path starts a
# process per delivery, and libcurl alone costs milliseconds to load.

VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/hubtweet
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc

CC ?= cc
PKG_CONFIG ?= pkg-config
OPT ?= -O2 -g
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wformat=2 -Wno-unused-parameter
# SAN=1: AddressSanitizer and UndefinedBehaviorSanitizer (make check).
ifeq ($(SAN),1)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
OPT = -O1 -g
endif
CPPFLAGS += -D_GNU_SOURCE -DHT_VERSION=\"$(VERSION)\" \
	-DHT_LIBEXECDIR=\"$(LIBEXECDIR)\" -DHT_SYSCONFDIR=\"$(SYSCONFDIR)\" -Ilib \
	$(foreach p,jansson libconfig libutf8proc libpsl,$(shell $(PKG_CONFIG) --silence-errors --cflags $(p)))
ALL_CFLAGS = -std=c11 $(OPT) $(WARN) $(SANFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

# pkg-config name -> Debian package, for the message when one is missing.
PKG_jansson = libjansson-dev
PKG_libconfig = libconfig-dev
PKG_libutf8proc = libutf8proc-dev
PKG_libpsl = libpsl-dev
PKG_libcurl = libcurl4-openssl-dev
PKG_libcrypto = libssl-dev
PKG_cmocka = libcmocka-dev
need = $(if $(shell $(PKG_CONFIG) --exists $(1) && echo y),,$(error \
	$(1) not found by $(PKG_CONFIG): install $(PKG_$(1)) (scripts/deps does)))
pc_libs = $(call need,$(1))$(shell $(PKG_CONFIG) --libs $(1))

LIBS_jansson = $(call pc_libs,jansson)
LIBS_config = $(call pc_libs,libconfig)
LIBS_utf8proc = $(call pc_libs,libutf8proc)
LIBS_psl = $(call pc_libs,libpsl)
LIBS_curl = $(call pc_libs,libcurl)
LIBS_crypto = $(call pc_libs,libcrypto)
LIBS_cmocka = $(call pc_libs,cmocka)
# http-parser ships no .pc file.
LIBS_http = -lhttp_parser

B = build
# The flags a build was made with; objects are remade when they change.
FLAGSTAMP = $(B)/flags

# Library objects, by concern. Tools list what they need.
LIB_CORE = $(B)/lib/err.o $(B)/lib/log.o $(B)/lib/jstream.o $(B)/lib/conf.o \
	$(B)/lib/util.o
LIB_EVENT = $(B)/lib/event.o $(B)/lib/filter.o
# The webhook: HTTP framing (http-parser), the key (libcrypto), judgement.
LIB_HTTP = $(B)/lib/httpreq.o $(B)/lib/secret.o $(B)/lib/webhook.o
# Post text: UTF-8, X's URL rules and weights, templates, fitting.
LIB_TEXT = $(B)/lib/utf8.o $(B)/lib/tweeturl.o $(B)/lib/tweetlen.o
LIB_FORMAT = $(B)/lib/template.o $(B)/lib/fit.o $(LIB_TEXT)
# Posting: OAuth 1.0a signing, the X API client (which runs tw-send).
LIB_OAUTH = $(B)/lib/oauth.o
LIB_XAPI = $(B)/lib/xapi.o $(LIB_OAUTH)
# The durable queue (tw-post --queue, --flush): Jansson and libcrypto.
LIB_QUEUE = $(B)/lib/queue.o

TOOLS = bin/dh-parse bin/dh-format bin/tw-post
# Programs the tools run, installed in LIBEXECDIR.  The build tree mirrors
# the installed layout (libexec/hubtweet next to bin) so that bin/tw-post
# finds its helper there: see ht_xapi_helper_path in lib/xapi.h.
HELPERS = libexec/hubtweet/tw-send

OBJS_dh-parse = $(B)/cmd/dh-parse.o $(LIB_HTTP) $(LIB_EVENT) $(LIB_CORE)
LDLIBS_dh-parse = $(LIBS_jansson) $(LIBS_config) $(LIBS_http) $(LIBS_crypto)
OBJS_dh-format = $(B)/cmd/dh-format.o $(LIB_FORMAT) $(LIB_CORE)
LDLIBS_dh-format = $(LIBS_jansson) $(LIBS_config) $(LIBS_utf8proc) \
	$(LIBS_psl)
# tw-post: no libcurl (the helper tw-send holds it).
OBJS_tw-post = $(B)/cmd/tw-post.o $(LIB_XAPI) $(LIB_QUEUE) $(LIB_TEXT) \
	$(LIB_CORE)
LDLIBS_tw-post = $(LIBS_crypto) $(LIBS_utf8proc) $(LIBS_psl) \
	$(LIBS_jansson) $(LIBS_config)
OBJS_tw-send = $(B)/cmd/tw-send.o $(B)/lib/err.o $(B)/lib/log.o \
	$(B)/lib/jstream.o $(B)/lib/util.o
LDLIBS_tw-send = $(LIBS_curl) $(LIBS_jansson)

UNIT_TESTS = bin/test/jstream bin/test/event bin/test/conf bin/test/httpreq \
	bin/test/tweetlen bin/test/template bin/test/fit bin/test/oauth \
	bin/test/xapi
OBJS_test/jstream = $(B)/tests/unit/test-jstream.o $(LIB_CORE)
LDLIBS_test/jstream = $(LIBS_jansson) $(LIBS_config) $(LIBS_cmocka)
OBJS_test/event = $(B)/tests/unit/test-event.o $(LIB_EVENT) $(LIB_CORE)
LDLIBS_test/event = $(LIBS_jansson) $(LIBS_config) $(LIBS_cmocka)
OBJS_test/httpreq = $(B)/tests/unit/test-httpreq.o $(LIB_HTTP) $(LIB_EVENT) \
	$(LIB_CORE)
LDLIBS_test/httpreq = $(LIBS_jansson) $(LIBS_config) $(LIBS_http) \
	$(LIBS_crypto) $(LIBS_cmocka)
OBJS_test/conf = $(B)/tests/unit/test-conf.o $(LIB_CORE)
LDLIBS_test/conf = $(LIBS_jansson) $(LIBS_config) $(LIBS_cmocka)
# libcurl only to compare the percent-encoder with curl_easy_escape.
OBJS_test/oauth = $(B)/tests/unit/test-oauth.o $(LIB_OAUTH) $(LIB_CORE)
LDLIBS_test/oauth = $(LIBS_crypto) $(LIBS_curl) $(LIBS_jansson) \
	$(LIBS_config) $(LIBS_cmocka)
OBJS_test/xapi = $(B)/tests/unit/test-xapi.o $(LIB_XAPI) $(LIB_CORE)
LDLIBS_test/xapi = $(LIBS_crypto) $(LIBS_jansson) $(LIBS_config) \
	$(LIBS_cmocka)
UNIT_TESTS += bin/test/queue
OBJS_test/queue = $(B)/tests/unit/test-queue.o $(LIB_QUEUE) $(LIB_CORE)
LDLIBS_test/queue = $(LIBS_jansson) $(LIBS_config) $(LIBS_crypto) \
	$(LIBS_cmocka)

OBJS_test/tweetlen = $(B)/tests/unit/test-tweetlen.o $(LIB_TEXT) $(LIB_CORE)
LDLIBS_test/tweetlen = $(LIBS_utf8proc) $(LIBS_psl) $(LIBS_jansson) \
	$(LIBS_config) $(LIBS_cmocka)
OBJS_test/template = $(B)/tests/unit/test-template.o $(LIB_FORMAT) \
	$(LIB_CORE)
LDLIBS_test/template = $(LIBS_utf8proc) $(LIBS_psl) $(LIBS_jansson) \
	$(LIBS_config) $(LIBS_cmocka)
OBJS_test/fit = $(B)/tests/unit/test-fit.o $(LIB_FORMAT) $(LIB_CORE)
LDLIBS_test/fit = $(LIBS_utf8proc) $(LIBS_psl) $(LIBS_jansson) \
	$(LIBS_config) $(LIBS_cmocka)

MAN1 = man/dh-parse.1 man/dh-format.1 man/tw-post.1 man/dh-hook.1
MAN5 = man/hubtweet.conf.5
MAN7 = man/hubtweet.7
SCRIPTS = scripts/dh-hook

all: $(TOOLS) $(HELPERS)

.SECONDEXPANSION:
$(TOOLS) $(UNIT_TESTS): bin/%: $$(OBJS_$$*)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJS_$*) $(LDLIBS_$*)

$(HELPERS): libexec/hubtweet/%: $$(OBJS_$$*)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJS_$*) $(LDLIBS_$*)

$(B)/%.o: %.c $(FLAGSTAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(FLAGSTAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS)' > $@.new
	@if cmp -s $@ $@.new; then rm $@.new; else mv $@.new $@; fi

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# The packages the build and tests need (a no-op when all are there).
deps:
	@scripts/deps

check: deps
	$(MAKE) SAN=1 all $(UNIT_TESTS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	HT_TOP=$(CURDIR) HT_SAN=1 prove -v tests/*.t </dev/null

# valgrind cannot run ASan builds: rebuild without sanitizers and run the
# tw-post tests, whose valgrind checks (success path, no leak) make check
# skips.
valgrind: deps
	$(MAKE) SAN= all $(UNIT_TESTS)
	HT_TOP=$(CURDIR) prove -v tests/0003-tw-post.t </dev/null

lint-man:
	mandoc -Tlint -Wwarning $(MAN1) $(MAN5) $(MAN7)

demo: deps
	@$(MAKE) -s all
	@scripts/demo

bench: all
	@tests/bench/run

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(TOOLS) $(SCRIPTS) $(DESTDIR)$(BINDIR)
	install -d $(DESTDIR)$(LIBEXECDIR)
	install -m 755 $(HELPERS) $(DESTDIR)$(LIBEXECDIR)
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7)

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(TOOLS) $(SCRIPTS)))
	rm -f $(addprefix $(DESTDIR)$(LIBEXECDIR)/,$(notdir $(HELPERS)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(MAN7)))

clean:
	rm -rf bin libexec $(B) tests/tmp

FORCE:
.PHONY: all deps check valgrind lint-man demo bench install uninstall clean FORCE
