# hubtweet — build, install, test.  This Makefile needs GNU make (gmake on a BSD).
#
# A BSD make stops on the next lines, with a message: GNU make skips the
# else branch unread, a BSD make reads ".error" as its own directive.
ifeq (,)
else
.error hubtweet's Makefile needs GNU make: run gmake
endif
#
#   make              build every tool into bin/
#   make check        build with AddressSanitizer + UBSan and run all tests
#   make demo         the README's first command
#   make install      PREFIX=/usr/local DESTDIR=
#   make deb          hubtweet_VERSION-REV_ARCH.deb (dpkg-deb, dpkg-shlibdeps)
#
# Each tool links only the libraries it uses: the webhook path starts a
# process per delivery, and libcurl alone costs milliseconds to load.

VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/hubtweet
MANDIR ?= $(PREFIX)/share/man
# The launcher recipes, to copy and adapt (hubtweet(7)).
RECIPEDIR ?= $(PREFIX)/share/hubtweet
# The systemd units: recipes beside the others for make install (to copy
# to /etc/systemd/system); where systemd finds them in make deb's package.
UNITDIR ?= $(RECIPEDIR)
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var

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
	-DHT_LIBEXECDIR=\"$(LIBEXECDIR)\" -DHT_SYSCONFDIR=\"$(SYSCONFDIR)\" \
	-DHT_LOCALSTATEDIR=\"$(LOCALSTATEDIR)\" -Ilib \
	$(foreach p,jansson libconfig libutf8proc libpsl nettle,$(shell $(PKG_CONFIG) --silence-errors --cflags $(p)))
ALL_CFLAGS = -std=c11 $(OPT) $(WARN) $(SANFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

# pkg-config name -> Debian package, for the message when one is missing.
PKG_jansson = libjansson-dev
PKG_libconfig = libconfig-dev
PKG_libutf8proc = libutf8proc-dev
PKG_libpsl = libpsl-dev
PKG_libcurl = libcurl4-openssl-dev
PKG_nettle = nettle-dev
PKG_cmocka = libcmocka-dev
need = $(if $(shell $(PKG_CONFIG) --exists $(1) && echo y),,$(error \
	$(1) not found by $(PKG_CONFIG): install $(PKG_$(1)) (scripts/deps does)))
pc_libs = $(call need,$(1))$(shell $(PKG_CONFIG) --libs $(1))

LIBS_jansson = $(call pc_libs,jansson)
LIBS_config = $(call pc_libs,libconfig)
LIBS_utf8proc = $(call pc_libs,libutf8proc)
LIBS_psl = $(call pc_libs,libpsl)
LIBS_curl = $(call pc_libs,libcurl)
LIBS_nettle = $(call pc_libs,nettle)
LIBS_cmocka = $(call pc_libs,cmocka)
# http-parser ships no .pc file.
LIBS_http = -lhttp_parser

# STATIC=1 (the default): the tools started once per webhook delivery
# (dh-parse, dh-format, tw-post) link the libraries that Debian ships as
# archives statically, libc staying shared: loading a shared library costs
# more at start-up than the work of a delivery.  STATIC=0 links everything
# shared, as a distribution package wants.  tw-send keeps libcurl (and its
# thirty dependencies) shared, and the unit tests link shared.
STATIC ?= 1
# $(call archive,NAME): the path of libNAME.a when the compiler finds one.
archive = $(filter /%,$(shell $(CC) -print-file-name=lib$(1).a))
ifeq ($(STATIC),1)
A_jansson := $(call archive,jansson)
A_config := $(call archive,config)
A_utf8proc := $(call archive,utf8proc)
A_http := $(call archive,http_parser)
A_nettle := $(call archive,nettle)
A_psl := $(call archive,psl)
A_idn2 := $(call archive,idn2)
A_unistring := $(call archive,unistring)
endif
TLIBS_jansson = $(or $(A_jansson),$(LIBS_jansson))
TLIBS_config = $(or $(A_config),$(LIBS_config))
TLIBS_utf8proc = $(or $(A_utf8proc),$(LIBS_utf8proc))
TLIBS_http = $(or $(A_http),$(LIBS_http))
TLIBS_nettle = $(or $(A_nettle),$(LIBS_nettle))
# libpsl's archive needs libidn2's and libunistring's (libunistring-dev):
# all three, or libpsl shared.
TLIBS_psl = $(if $(and $(A_psl),$(A_idn2),$(A_unistring)),$(A_psl) \
	$(A_idn2) $(A_unistring),$(LIBS_psl))

B = build
# The flags a build was made with; objects are remade when they change.
FLAGSTAMP = $(B)/flags

# Library objects, by concern. Tools list what they need.
LIB_CORE = $(B)/lib/err.o $(B)/lib/log.o $(B)/lib/jstream.o $(B)/lib/conf.o \
	$(B)/lib/util.o
# Payloads: Docker Hub's (event), the other registries' (src-*), told
# apart by source.
LIB_EVENT = $(B)/lib/event.o $(B)/lib/reader.o $(B)/lib/source.o \
	$(B)/lib/src-github.o $(B)/lib/src-harbor.o $(B)/lib/src-quay.o \
	$(B)/lib/src-registry.o $(B)/lib/filter.o
# The webhook's spool; grouping a release's deliveries into one event and
# the memory of releases announced (group, pure), that memory on disk.
LIB_SPOOL = $(B)/lib/spool.o $(B)/lib/group.o $(B)/lib/releases.o
# SHA-256 (Nettle), for the spool's groups, the queue's keys, the slots
# and the post keys: listed by each tool that has one of those.
LIB_HASH = $(B)/lib/hash.o
# The webhook: HTTP framing (http-parser), the key (Nettle's constant time
# comparison), judgement.
LIB_HTTP = $(B)/lib/httpreq.o $(B)/lib/secret.o $(B)/lib/webhook.o \
	$(B)/lib/slot.o
# Post text: UTF-8, X's URL rules and weights, templates, fitting.
LIB_TEXT = $(B)/lib/utf8.o $(B)/lib/tweeturl.o $(B)/lib/tweetlen.o \
	$(B)/lib/postlen.o
LIB_FORMAT = $(B)/lib/template.o $(B)/lib/fit.o $(LIB_TEXT)
# Posting: the engine (post), the helper's client (sender, which runs
# tw-send), the networks (net, net-x) and OAuth 1.0a signing (Nettle).
LIB_OAUTH = $(B)/lib/oauth.o
LIB_NET = $(B)/lib/net.o $(B)/lib/net-x.o $(LIB_OAUTH)
LIB_POST = $(B)/lib/post.o $(B)/lib/sender.o $(LIB_NET)
# Mastodon and Bluesky: post keys (LIB_HASH), Bluesky's link facets and
# session file; the two networks of the posting engine.
LIB_BSKY = $(B)/lib/postkey.o $(B)/lib/bsky.o
# A Mastodon instance's own limits, kept by mastodon-post --check and read
# by dh-format too.
LIB_INSTANCE = $(B)/lib/instance.o $(B)/lib/net.o
LIB_MASTODON = $(B)/lib/net-mastodon.o $(B)/lib/postkey.o $(B)/lib/instance.o
LIB_BLUESKY = $(B)/lib/net-bsky.o $(LIB_BSKY)
LIB_NETS = $(B)/lib/net-mastodon.o $(B)/lib/net-bsky.o \
	$(LIB_BSKY)
# The durable queue (tw-post --queue, --flush): Jansson and LIB_HASH.
LIB_QUEUE = $(B)/lib/queue.o $(B)/lib/queue-recover.o

TOOLS = bin/dh-parse bin/dh-format bin/tw-post bin/mastodon-post bin/bsky-post
# Programs the tools run, installed in LIBEXECDIR.  The build tree mirrors
# the installed layout (libexec/hubtweet next to bin) so that bin/tw-post
# finds its helper there: see ht_sender_path in lib/sender.h.
HELPERS = libexec/hubtweet/tw-send

OBJS_dh-parse = $(B)/cmd/dh-parse.o $(B)/cmd/drain.o $(LIB_HTTP) $(LIB_SPOOL) $(LIB_EVENT) \
	$(LIB_HASH) $(LIB_CORE)
LDLIBS_dh-parse = $(TLIBS_jansson) $(TLIBS_config) $(TLIBS_http) \
	$(TLIBS_nettle)
OBJS_dh-format = $(B)/cmd/dh-format.o $(B)/lib/event.o $(B)/lib/reader.o \
	$(LIB_FORMAT) $(B)/lib/bsky.o $(LIB_INSTANCE) $(LIB_CORE)
LDLIBS_dh-format = $(TLIBS_jansson) $(TLIBS_config) $(TLIBS_utf8proc) \
	$(TLIBS_psl)
# The command side the posting tools share (cmd/poster.h).
CMD_POSTER = $(B)/cmd/poster.o $(B)/cmd/poster-queue.o
# tw-post: no libcurl (the helper tw-send holds it).
OBJS_tw-post = $(B)/cmd/tw-post.o $(CMD_POSTER) $(LIB_POST) $(LIB_QUEUE) \
	$(LIB_TEXT) $(LIB_HASH) $(LIB_CORE)
LDLIBS_tw-post = $(TLIBS_nettle) $(TLIBS_utf8proc) $(TLIBS_psl) \
	$(TLIBS_jansson) $(TLIBS_config)
# mastodon-post and bsky-post: tw-post's interface (cmd/poster.c) on the
# posting engine; no libcurl either.
OBJS_mastodon-post = $(B)/cmd/mastodon-post.o $(B)/cmd/poster-main.o \
	$(CMD_POSTER) $(LIB_MASTODON) $(LIB_POST) $(LIB_QUEUE) $(LIB_TEXT) \
	$(LIB_HASH) $(LIB_CORE)
LDLIBS_mastodon-post = $(LDLIBS_tw-post)
OBJS_bsky-post = $(B)/cmd/bsky-post.o $(B)/cmd/poster-main.o \
	$(CMD_POSTER) $(LIB_BLUESKY) $(LIB_POST) $(LIB_QUEUE) $(LIB_TEXT) \
	$(LIB_HASH) $(LIB_CORE)
LDLIBS_bsky-post = $(LDLIBS_tw-post)
OBJS_tw-send = $(B)/cmd/tw-send.o $(B)/lib/err.o $(B)/lib/log.o \
	$(B)/lib/jstream.o $(B)/lib/util.o
LDLIBS_tw-send = $(LIBS_curl) $(LIBS_jansson)

UNIT_TESTS = bin/test/jstream bin/test/event bin/test/conf bin/test/httpreq \
	bin/test/tweetlen bin/test/template bin/test/fit bin/test/oauth \
	bin/test/net-x bin/test/queue bin/test/postlen bin/test/networks \
	bin/test/spool bin/test/group
OBJS_test/group = $(B)/tests/unit/test-group.o $(B)/lib/group.o $(B)/lib/err.o
LDLIBS_test/group = $(LIBS_jansson) $(LIBS_cmocka)
OBJS_test/jstream = $(B)/tests/unit/test-jstream.o $(LIB_CORE)
LDLIBS_test/jstream = $(LIBS_jansson) $(LIBS_config) $(LIBS_cmocka)
OBJS_test/event = $(B)/tests/unit/test-event.o $(LIB_EVENT) $(LIB_CORE)
LDLIBS_test/event = $(LIBS_jansson) $(LIBS_config) $(LIBS_cmocka)
OBJS_test/httpreq = $(B)/tests/unit/test-httpreq.o $(LIB_HTTP) $(LIB_EVENT) \
	$(LIB_HASH) $(LIB_CORE)
LDLIBS_test/httpreq = $(LIBS_jansson) $(LIBS_config) $(LIBS_http) \
	$(LIBS_nettle) $(LIBS_cmocka)
OBJS_test/conf = $(B)/tests/unit/test-conf.o $(LIB_CORE)
LDLIBS_test/conf = $(LIBS_jansson) $(LIBS_config) $(LIBS_cmocka)
# libcurl only to compare the percent-encoder with curl_easy_escape.
OBJS_test/oauth = $(B)/tests/unit/test-oauth.o $(LIB_OAUTH) $(LIB_CORE)
LDLIBS_test/oauth = $(LIBS_nettle) $(LIBS_curl) $(LIBS_jansson) \
	$(LIBS_config) $(LIBS_cmocka)
OBJS_test/net-x = $(B)/tests/unit/test-net-x.o $(B)/lib/sender.o \
	$(LIB_NET) $(LIB_CORE)
LDLIBS_test/net-x = $(LIBS_nettle) $(LIBS_jansson) $(LIBS_config) \
	$(LIBS_cmocka)
OBJS_test/spool = $(B)/tests/unit/test-spool.o $(LIB_SPOOL) $(LIB_EVENT) \
	$(LIB_HASH) $(LIB_CORE)
LDLIBS_test/spool = $(LIBS_jansson) $(LIBS_config) $(LIBS_nettle) \
	$(LIBS_cmocka)
OBJS_test/queue = $(B)/tests/unit/test-queue.o $(LIB_QUEUE) $(B)/lib/post.o \
	$(B)/lib/sender.o $(B)/lib/net.o $(LIB_HASH) $(LIB_CORE)
LDLIBS_test/queue = $(LIBS_jansson) $(LIBS_config) $(LIBS_nettle) \
	$(LIBS_cmocka)

OBJS_test/tweetlen = $(B)/tests/unit/test-tweetlen.o $(LIB_TEXT) $(LIB_CORE)
LDLIBS_test/tweetlen = $(LIBS_utf8proc) $(LIBS_psl) $(LIBS_jansson) \
	$(LIBS_config) $(LIBS_cmocka)
OBJS_test/template = $(B)/tests/unit/test-template.o $(LIB_FORMAT) \
	$(LIB_CORE)
LDLIBS_test/template = $(LIBS_utf8proc) $(LIBS_psl) $(LIBS_jansson) \
	$(LIBS_config) $(LIBS_cmocka)
OBJS_test/postlen = $(B)/tests/unit/test-postlen.o $(LIB_FORMAT) \
	$(LIB_BSKY) $(LIB_INSTANCE) $(LIB_HASH) $(LIB_CORE)
LDLIBS_test/postlen = $(LIBS_utf8proc) $(LIBS_psl) $(LIBS_jansson) \
	$(LIBS_config) $(LIBS_nettle) $(LIBS_cmocka)
OBJS_test/networks = $(B)/tests/unit/test-networks.o $(LIB_NETS) \
	$(LIB_POST) $(LIB_QUEUE) $(LIB_TEXT) $(LIB_HASH) $(LIB_CORE)
LDLIBS_test/networks = $(LDLIBS_test/postlen)
OBJS_test/fit = $(B)/tests/unit/test-fit.o $(LIB_FORMAT) $(LIB_CORE)
LDLIBS_test/fit = $(LIBS_utf8proc) $(LIBS_psl) $(LIBS_jansson) \
	$(LIBS_config) $(LIBS_cmocka)

# Fuzz targets: tests/fuzz/<target>.c, seeds in tests/fuzz/<target>/.
# bin/fuzz/<target> is the harness with a plain main() (tests/fuzz/replay.c)
# that make check builds with its sanitizers and runs over the seeds;
# bin/libfuzzer/<target> is the same harness with clang's libFuzzer, which
# make fuzz runs for FUZZ_TIME seconds each.
FUZZ = payload conf template tweetlen http postlen queue-item \
	spool-delivery group bsky-session x-answer mastodon-answer bsky-answer \
	mastodon-instance github harbor quay registry
FUZZ_REPLAY = $(FUZZ:%=bin/fuzz/%)
FUZZ_BIN = $(FUZZ:%=bin/libfuzzer/%)
OBJS_fuzz/payload = $(B)/tests/fuzz/payload.o $(B)/tests/fuzz/replay.o \
	$(LIB_EVENT) $(LIB_CORE)
LDLIBS_fuzz/payload = $(LIBS_jansson) $(LIBS_config)
# The registries' payloads: one target per source, one harness (source.c).
FUZZ_SOURCES = github harbor quay registry
$(foreach t,$(FUZZ_SOURCES),$(eval OBJS_fuzz/$(t) = $(B)/tests/fuzz/$(t).o \
	$(B)/tests/fuzz/source.o $(B)/tests/fuzz/replay.o $(LIB_EVENT) \
	$(LIB_CORE)))
$(foreach t,$(FUZZ_SOURCES),$(eval LDLIBS_fuzz/$(t) = $(LIBS_jansson) \
	$(LIBS_config)))
OBJS_fuzz/conf = $(B)/tests/fuzz/conf.o $(B)/tests/fuzz/replay.o $(LIB_CORE)
LDLIBS_fuzz/conf = $(LIBS_jansson) $(LIBS_config)
OBJS_fuzz/template = $(B)/tests/fuzz/template.o $(B)/tests/fuzz/replay.o \
	$(LIB_FORMAT) $(LIB_CORE)
LDLIBS_fuzz/template = $(LIBS_jansson) $(LIBS_config) $(LIBS_utf8proc) \
	$(LIBS_psl)
OBJS_fuzz/tweetlen = $(B)/tests/fuzz/tweetlen.o $(B)/tests/fuzz/replay.o \
	$(LIB_FORMAT) $(LIB_CORE)
LDLIBS_fuzz/tweetlen = $(LIBS_jansson) $(LIBS_config) $(LIBS_utf8proc) \
	$(LIBS_psl)
OBJS_fuzz/postlen = $(B)/tests/fuzz/postlen.o $(B)/tests/fuzz/replay.o \
	$(LIB_FORMAT) $(LIB_BSKY) $(LIB_HASH) $(LIB_CORE)
LDLIBS_fuzz/postlen = $(LIBS_jansson) $(LIBS_config) $(LIBS_utf8proc) \
	$(LIBS_psl) $(LIBS_nettle)
OBJS_fuzz/http = $(B)/tests/fuzz/http.o $(B)/tests/fuzz/replay.o \
	$(LIB_HTTP) $(LIB_EVENT) $(LIB_HASH) $(LIB_CORE)
LDLIBS_fuzz/http = $(LIBS_jansson) $(LIBS_config) $(LIBS_http) $(LIBS_nettle)
# The files of the queue and of the spool, as read back; the grouping.
OBJS_fuzz/queue-item = $(B)/tests/fuzz/queue-item.o $(B)/tests/fuzz/replay.o \
	$(LIB_QUEUE) $(LIB_HASH) $(LIB_CORE)
LDLIBS_fuzz/queue-item = $(LIBS_jansson) $(LIBS_config) $(LIBS_nettle)
OBJS_fuzz/spool-delivery = $(B)/tests/fuzz/spool-delivery.o \
	$(B)/tests/fuzz/replay.o $(LIB_SPOOL) $(LIB_HASH) $(LIB_CORE)
LDLIBS_fuzz/spool-delivery = $(LDLIBS_fuzz/queue-item)
OBJS_fuzz/group = $(B)/tests/fuzz/group.o $(B)/tests/fuzz/replay.o \
	$(LIB_SPOOL) $(LIB_HASH) $(LIB_CORE)
LDLIBS_fuzz/group = $(LDLIBS_fuzz/queue-item)
# Bluesky's session file; the networks' answers, as the sender returns them.
OBJS_fuzz/bsky-session = $(B)/tests/fuzz/bsky-session.o \
	$(B)/tests/fuzz/replay.o $(LIB_BSKY) $(LIB_TEXT) $(LIB_HASH) $(LIB_CORE)
LDLIBS_fuzz/bsky-session = $(LIBS_jansson) $(LIBS_config) $(LIBS_utf8proc) \
	$(LIBS_psl) $(LIBS_nettle)
OBJS_fuzz/x-answer = $(B)/tests/fuzz/x-answer.o $(B)/tests/fuzz/replay.o \
	$(B)/lib/sender.o $(LIB_NET) $(LIB_CORE)
LDLIBS_fuzz/x-answer = $(LIBS_jansson) $(LIBS_config) $(LIBS_nettle)
OBJS_fuzz/mastodon-answer = $(B)/tests/fuzz/mastodon-answer.o \
	$(B)/tests/fuzz/replay.o $(B)/lib/sender.o $(B)/lib/net.o \
	$(LIB_MASTODON) $(LIB_HASH) $(LIB_CORE)
LDLIBS_fuzz/mastodon-answer = $(LDLIBS_fuzz/x-answer)
OBJS_fuzz/bsky-answer = $(B)/tests/fuzz/bsky-answer.o \
	$(B)/tests/fuzz/replay.o $(B)/lib/sender.o $(B)/lib/net.o \
	$(LIB_BLUESKY) $(LIB_TEXT) $(LIB_HASH) $(LIB_CORE)
LDLIBS_fuzz/bsky-answer = $(LDLIBS_fuzz/bsky-session)
OBJS_fuzz/mastodon-instance = $(B)/tests/fuzz/mastodon-instance.o \
	$(B)/tests/fuzz/replay.o $(LIB_INSTANCE) $(LIB_CORE)
LDLIBS_fuzz/mastodon-instance = $(LIBS_jansson) $(LIBS_config)

MAN1 = man/dh-parse.1 man/dh-format.1 man/tw-post.1 man/dh-hook.1 \
	man/hubtweet-check.1 man/mastodon-post.1 man/bsky-post.1
MAN5 = man/hubtweet.conf.5
MAN7 = man/hubtweet.7
SCRIPTS = scripts/dh-hook scripts/hubtweet-check
RECIPES = scripts/hubtweet-socat scripts/hubtweet-tcpserver \
	scripts/inetd.conf scripts/xinetd.hubtweet
UNITS = scripts/hubtweet.socket scripts/hubtweet@.service \
	scripts/hubtweet-flush.service scripts/hubtweet-flush.timer \
	scripts/hubtweet-tls.service

all: $(TOOLS) $(HELPERS)

.SECONDEXPANSION:
$(TOOLS) $(UNIT_TESTS) $(FUZZ_REPLAY): bin/%: $$(OBJS_$$*)
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
	@echo '$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) STATIC=$(STATIC)' > $@.new
	@if cmp -s $@ $@.new; then rm $@.new; else mv $@.new $@; fi

# (Not those of make deb's own build, under $(DEBDIR).)
-include $(shell find $(B) -path $(DEBDIR) -prune -o -name '*.d' -print \
	2>/dev/null)

# The packages the build and tests need (a no-op when all are there).
deps:
	@scripts/deps

# The test files run in parallel, CHECK_JOBS at a time: each has its own
# temporary directory and ports, and none writes to the tree.  They mostly
# wait (for mocks, deadlines, backoff), so twice the number of CPUs (at
# least 2).  The longest start first.  CHECK_ALONE run after them, one at
# a time and alone: 0031-burst kills a delivery's processes, which it
# finds by a scan of /proc, before their group's window ends, and the load
# of other tests can make it too late.  prove prints a line per file with its time and, for a
# file that fails, its failed tests and their diagnostics.  To run one
# file: make SAN=1 all && HT_TOP=$PWD HT_SAN=1 prove -v tests/NAME.t
CHECK_JOBS ?= $(shell n=$$(nproc 2>/dev/null) || n=1; echo $$((n * 2)))
CHECK_FIRST = $(wildcard tests/0005-queue.t tests/0006-hook.t \
	tests/0004-http.t tests/0014-x-costs.t tests/0003-tw-post.t \
	tests/0022-hook-networks.t)
CHECK_ALONE = $(wildcard tests/0031-burst.t)
CHECK_FILES = $(CHECK_FIRST) $(filter-out $(CHECK_FIRST),$(wildcard tests/*.t))
comma = ,
space = $(subst x, ,x)
# One prove rule: the files that may run in parallel, as {a,b,...}.
CHECK_RULES = --rules='par={$(subst $(space),$(comma),$(strip \
	$(filter-out $(CHECK_ALONE),$(CHECK_FILES))))}'
check: deps
	$(MAKE) SAN=1 all $(UNIT_TESTS) $(FUZZ_REPLAY)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	HT_TOP=$(CURDIR) HT_SAN=1 prove -j$(CHECK_JOBS) --timer -f -o \
	    $(CHECK_RULES) $(CHECK_FILES) </dev/null

# The extra corpus of real payloads alone (tests/0013-corpus.t), with
# HT_FIXTURES=DIR; make check runs it too when ../shared/fixtures is there.
check-corpus: deps
	$(MAKE) SAN=1 all
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	HT_TOP=$(CURDIR) HT_SAN=1 prove -v tests/0013-corpus.t </dev/null

# Static analysis (.ci/run runs it after make check).  The file lists are
# globs, so a new tool, library file, page or script is linted without
# editing this.  Checks and the reasons for what is left out: .clang-tidy.
LINT_C = $(wildcard cmd/*.c lib/*.c)
LINT_MAN = $(wildcard man/*.[1-9])
# Shell scripts: every file under scripts/ and tests/ whose #! line names
# a Bourne-style shell (fuzz corpora and data skipped), and tests/lib.sh,
# which has none (sh).  Settings and their reasons: .shellcheckrc.
LINT_SH = $(shell find scripts tests -type f \
	! -path 'tests/fuzz/*' ! -path 'tests/data/*' ! -path 'tests/tmp/*' \
	-exec sh -c 'head -n1 "$$1" | grep -Eq "^\#!.*[/ ](ba|da)?sh( |$$)"' \
	sh {} \; -print 2>/dev/null | sort)
LINT_CPPFLAGS = -std=c11 $(CPPFLAGS)
# command -> Debian package, for the message when a linter is missing.
need_cmd = @command -v $(1) >/dev/null || { echo "lint: $(1) not found:" \
	"install $(2) (scripts/deps does)" >&2; exit 1; }

lint: lint-cppcheck lint-tidy lint-man lint-sh

# Off: variableScope, as declarations at the top of a function are the
# house style (STYLE 18); duplicateAssignExpression, which flags two
# indexes deliberately started at the same place (j = i + 1, last = i + 1).
lint-cppcheck:
	$(call need_cmd,cppcheck,cppcheck)
	cppcheck --quiet --error-exitcode=1 --inline-suppr --std=c11 \
		--enable=warning,style,performance,portability \
		--suppress=variableScope \
		--suppress=duplicateAssignExpression -D_GNU_SOURCE -DHT_VERSION=\"0\" \
		-Ilib $(LINT_C)

# One clang-tidy process per file (see .clang-tidy); make -j runs them in
# parallel.  Diagnostics go to stdout; stderr only counts the warnings it
# hid in system headers.
LINT_TIDY = $(LINT_C:%=lint-tidy/%)
lint-tidy: $(LINT_TIDY)
$(LINT_TIDY): lint-tidy/%:
	$(call need_cmd,clang-tidy,clang-tidy)
	clang-tidy --quiet $* -- $(LINT_CPPFLAGS) 2>/dev/null

# valgrind cannot run ASan builds: rebuild without sanitizers and run the
# tw-post tests, whose valgrind checks (success path, no leak) make check
# skips.
valgrind: deps
	$(MAKE) SAN= all $(UNIT_TESTS)
	HT_TOP=$(CURDIR) prove -v tests/0003-tw-post.t </dev/null

lint-man:
	$(call need_cmd,mandoc,mandoc)
	mandoc -Tlint -Wwarning $(LINT_MAN)

lint-sh:
	$(call need_cmd,shellcheck,shellcheck)
	shellcheck -s sh -x -P SCRIPTDIR tests/lib.sh
	shellcheck -x -P SCRIPTDIR $(LINT_SH)

# libFuzzer needs clang; the harness is compiled with the library sources
# it uses (the objects of bin/fuzz/<target> but replay.o), instrumented.
FUZZ_CC = clang
FUZZ_CFLAGS = -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_TIME = 60
FUZZ_SRCS = $(patsubst $(B)/%.o,%.c,$(filter-out %/replay.o,$(OBJS_fuzz/$(1))))
$(FUZZ_BIN): bin/libfuzzer/%: $$(call FUZZ_SRCS,$$*) $$(wildcard lib/*.h) \
	    $$(wildcard tests/fuzz/*.h)
	@command -v $(FUZZ_CC) >/dev/null || { echo "fuzz: $(FUZZ_CC) not" \
		"found: install clang libclang-rt-14-dev (scripts/deps" \
		"does)" >&2; exit 1; }
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -o $@ $(call FUZZ_SRCS,$*) \
		$(LDLIBS_fuzz/$*)

# Each target for FUZZ_TIME seconds, from its kept corpus (the payload
# target also from tests/data/payloads, a registry's from its directory
# there); what it learns goes
# to build/fuzz/corpus/, crashes to build/fuzz/<target>-crash-*.  Keep a
# crashing input as a seed once the bug is fixed: make check replays it.
# FUZZ_ARGS adds libFuzzer's options (a campaign: FUZZ_TIME=1800
# FUZZ_ARGS=-runs=1000000, tests/fuzz/README.md); make fuzz-merge then
# adds to each kept corpus the inputs that reach what it does not.
FUZZ_ARGS =
fuzz: $(FUZZ_BIN)
	@mkdir -p $(B)/fuzz
	@for t in $(FUZZ); do \
		mkdir -p $(B)/fuzz/corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_TIME) s"; \
		dict=; [ -f tests/fuzz/$$t.dict ] && \
		    dict=-dict=tests/fuzz/$$t.dict; \
		export LSAN_OPTIONS=suppressions=tests/lsan.supp:print_suppressions=0; \
		seeds=tests/fuzz/$$t; [ $$t = payload ] && \
		    seeds="$$seeds tests/data/payloads"; \
		[ -d tests/data/payloads/$$t ] && \
		    seeds="$$seeds tests/data/payloads/$$t"; \
		bin/libfuzzer/$$t -max_total_time=$(FUZZ_TIME) -timeout=10 \
		    -max_len=16384 -print_final_stats=1 $(FUZZ_ARGS) $$dict \
		    -artifact_prefix=$(B)/fuzz/$$t- \
		    $(B)/fuzz/corpus/$$t $$seeds 2>$(B)/fuzz/$$t.log || \
		    { tail -n 60 $(B)/fuzz/$$t.log; exit 1; }; \
		grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' \
		    $(B)/fuzz/$$t.log | tr '\n' ' '; echo; \
	done

fuzz-merge: $(FUZZ_BIN)
	@for t in $(FUZZ); do \
		[ -d $(B)/fuzz/corpus/$$t ] || continue; \
		LSAN_OPTIONS=suppressions=tests/lsan.supp:print_suppressions=0 \
		bin/libfuzzer/$$t -merge=1 -max_len=16384 tests/fuzz/$$t \
		    $(B)/fuzz/corpus/$$t 2>$(B)/fuzz/$$t-merge.log || \
		    { tail -n 20 $(B)/fuzz/$$t-merge.log; exit 1; }; \
		echo "fuzz-merge: $$t: $$(ls tests/fuzz/$$t | wc -l) files"; \
	done

demo: deps
	@$(MAKE) -s all
	@scripts/demo

bench: all
	@tests/bench/run

# The scripts and recipes name the default paths (/usr/local/bin,
# /etc/hubtweet, /var/lib/hubtweet); they are installed with the ones this
# build uses, which the tools have compiled in.
SUBST = sed -e 's|/usr/local/bin|$(BINDIR)|g' \
	-e 's|/etc/hubtweet|$(SYSCONFDIR)/hubtweet|g' \
	-e 's|/var/lib/hubtweet|$(LOCALSTATEDIR)/lib/hubtweet|g'

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)
	for f in $(SCRIPTS); do \
		$(SUBST) $$f >$(DESTDIR)$(BINDIR)/$${f##*/} && \
		chmod 755 $(DESTDIR)$(BINDIR)/$${f##*/} || exit 1; \
	done
	install -d $(DESTDIR)$(LIBEXECDIR)
	install -m 755 $(HELPERS) $(DESTDIR)$(LIBEXECDIR)
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7)
	install -d $(DESTDIR)$(RECIPEDIR)
	for f in $(RECIPES); do \
		$(SUBST) $$f >$(DESTDIR)$(RECIPEDIR)/$${f##*/} && \
		chmod 644 $(DESTDIR)$(RECIPEDIR)/$${f##*/} || exit 1; \
	done
	chmod 755 $(DESTDIR)$(RECIPEDIR)/hubtweet-socat \
		$(DESTDIR)$(RECIPEDIR)/hubtweet-tcpserver
	install -d $(DESTDIR)$(UNITDIR)
	for f in $(UNITS); do \
		$(SUBST) $$f >$(DESTDIR)$(UNITDIR)/$${f##*/} && \
		chmod 644 $(DESTDIR)$(UNITDIR)/$${f##*/} || exit 1; \
	done

# The Debian package hubtweet_VERSION-REV_ARCH.deb, in this directory.  The
# tools are built with PREFIX=/usr, every library shared (STATIC=0, as
# Debian wants: a security update of a library then reaches them) and
# Debian's hardening flags (dpkg-buildflags), from a copy of the sources
# in $(DEBDIR)/src, so that bin/ and its build flags (make check's
# sanitized build) are left alone; installed with make install
# DESTDIR=$(DEBDIR)/debian/hubtweet, the units in /lib/systemd/system
# (shipped disabled: the key comes first); then scripts/mkdeb adds the
# docs, the copyright and changelog files, computes Depends with dpkg-shlibdeps and runs dpkg-deb.  Install it
# with apt install ./hubtweet_*.deb.
DEBDIR = $(B)/deb
DEB_ARCH = $(shell dpkg --print-architecture 2>/dev/null)
# The packaging's revision: the package's version is VERSION-DEB_REVISION,
# as for any package of an upstream release (its changelog is then
# changelog.Debian.gz).
DEB_REVISION = 1
DEB_VERSION = $(VERSION)-$(DEB_REVISION)
DEB = hubtweet_$(DEB_VERSION)_$(DEB_ARCH).deb
# The package's Maintainer (and its changelog's signature), from here
# alone: by default the identity the project's commits carry; whoever
# distributes the package sets their own (make deb DEB_MAINTAINER='Name
# <address>').
DEB_MAINTAINER ?= hubtweet authors <maintainers@users.noreply.b-seed-7b373573.example>
DEB_FLAGS = DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get

deb: $(DEB)
$(DEB): FORCE
	$(call need_cmd,dpkg-buildflags,dpkg-dev)
	rm -rf $(DEBDIR)
	mkdir -p $(DEBDIR)/src
	cp -pR Makefile cmd lib man scripts $(DEBDIR)/src/
	cd $(DEBDIR)/src && $(MAKE) -s SAN= STATIC=0 PREFIX=/usr \
		CFLAGS="$$($(DEB_FLAGS) CFLAGS) $$($(DEB_FLAGS) CPPFLAGS)" \
		LDFLAGS="$$($(DEB_FLAGS) LDFLAGS)" \
		UNITDIR=/lib/systemd/system \
		install DESTDIR=$(CURDIR)/$(DEBDIR)/debian/hubtweet
	scripts/mkdeb $(DEBDIR) $(DEB_VERSION) $(DEB_ARCH) "$(DEB_MAINTAINER)" $@

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(TOOLS) $(SCRIPTS)))
	rm -f $(addprefix $(DESTDIR)$(LIBEXECDIR)/,$(notdir $(HELPERS)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(MAN7)))
	rm -f $(addprefix $(DESTDIR)$(RECIPEDIR)/,$(notdir $(RECIPES)))
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS)))
	-rmdir $(DESTDIR)$(RECIPEDIR) $(DESTDIR)$(LIBEXECDIR) 2>/dev/null

clean:
	rm -rf bin libexec $(B) tests/tmp hubtweet_*.deb

FORCE:
.PHONY: all deps check check-corpus deb valgrind fuzz fuzz-merge lint lint-cppcheck lint-tidy $(LINT_TIDY) lint-man lint-sh demo bench install uninstall clean FORCE
