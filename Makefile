# Makefile - riptel: kernel modules, agent, CLI, tests, packages, demo.
# `make help` lists the targets.
#
# The folders are the components (HACKING.md):
#   src/kmod/ src/riptides_ref/ src/include/   the modules (scripts/build-kmod.sh)
#   src/shared/     libriptel-shared.a: user-space code both programs use
#   src/agent/      riptel-agent (main.c) over libriptel-agent.a
#   src/riptelctl/  riptelctl (riptelctl.c) over libriptelctl.a
# User space is built from wildcards: a new src/<component>/foo.c or
# tests/unit/<component>/test_foo.c needs no edit here.  Every unit test
# links its component's library and the shared one.

VERSION    := $(shell cat VERSION)
BUILD      ?= build
# address | undefined | thread: sanitizer build of the unit tests
SAN        ?=
comma      := ,
# a comma in a path would split make's function arguments: address-undefined
VARIANT    := $(if $(SAN),$(subst $(comma),-,$(SAN)),release)
OUT        := $(BUILD)/$(VARIANT)

CC         ?= cc
PKGS       := libprotobuf-c libcurl zlib libnl-3.0 libnl-genl-3.0 libsystemd libmicrohttpd glib-2.0
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

CFLAGS     ?= -O2 -g
# CPPFLAGS from the environment too: dpkg-buildflags puts
# -D_FORTIFY_SOURCE there (make deb)
CFLAGS     += $(CPPFLAGS) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
              -Wstrict-prototypes -Wmissing-prototypes -fno-strict-aliasing \
              -Isrc/include/uapi -Isrc/include -Isrc/shared \
              -DRIPTEL_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
ifneq ($(SAN),)
CFLAGS     += -fsanitize=$(SAN) -fno-omit-frame-pointer -O1
LDFLAGS    += -fsanitize=$(SAN)
endif
LDLIBS     += $(PKG_LIBS) -lpthread -lm

# ---- components ------------------------------------------------------------
# $(call objs,COMPONENT,SOURCES): their objects under $(OUT)/COMPONENT/
objs        = $(patsubst src/$(1)/%.c,$(OUT)/$(1)/%.o,$(2))

SHARED_SRCS := $(wildcard src/shared/*.c)
SHARED_LIB  := $(OUT)/libriptel-shared.a

AGENT_MAIN  := src/agent/main.c
AGENT_SRCS  := $(filter-out $(AGENT_MAIN),$(wildcard src/agent/*.c))
PROTOS      := $(wildcard src/agent/proto/*.proto)
PROTO_SRCS  := $(patsubst src/agent/proto/%.proto,$(OUT)/proto/%.pb-c.c,$(PROTOS))
PROTO_HDRS  := $(PROTO_SRCS:.c=.h)
AGENT_LIB   := $(OUT)/libriptel-agent.a

CTL_MAIN    := src/riptelctl/riptelctl.c
CTL_SRCS    := $(filter-out $(CTL_MAIN),$(wildcard src/riptelctl/*.c))
CTL_LIB     := $(OUT)/libriptelctl.a

PROGS       := $(OUT)/bin/riptel-agent $(OUT)/bin/riptelctl

# the public headers every user-space object may include
ABI_HDRS    := $(wildcard src/include/*.h src/include/uapi/*.h)

# unit tests: tests/unit/<component>/test_<file>.c mirrors src/<component>/<file>.c
TEST_SRCS   := $(wildcard tests/unit/*/test_*.c)
TESTS       := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(TEST_SRCS))
BENCH_SRCS  := $(wildcard tests/bench/bench_*.c)
BENCHES     := $(patsubst tests/bench/%.c,$(OUT)/bench/%,$(BENCH_SRCS))

KVER        ?= 6.1 6.12


.PHONY: benches all help kmod agent check vmtest test bench demo deps lint clean \
        dkms-install dkms-uninstall deb
all: kmod agent

help:
	@echo "make deps     install everything this project needs (apt, idempotent)"
	@echo "make          build the modules (KDIR=...), riptel-agent and riptelctl"
	@echo "make check    unit tests (SAN=address|undefined|thread for sanitizers)"
	@echo "make vmtest   kernel tests in qemu (KVER=6.1, 6.12, 6.12-rt, 6.1-cloud...; default 6.1 6.12)"
	@echo "make test     everything CI runs; ends with 'N passed, N failed, N skipped'"
	@echo "make bench    benchmarks, figures as 'BENCH ...' lines"
	@echo "make demo     boot a VM, drive connections, show the telemetry"
	@echo "make lint     checkpatch and W=1 builds of the modules on every kernel"
	@echo "make deb      the riptel-dkms and riptel-agent Debian packages, in build/deb/"

kmod:
	scripts/build-kmod.sh $(if $(KDIR),--kdir $(KDIR))

agent: $(PROGS)

# ---- generated OTLP code -----------------------------------------------------
$(OUT)/proto/%.pb-c.c $(OUT)/proto/%.pb-c.h: src/agent/proto/%.proto
	@mkdir -p $(OUT)/proto
	protoc-c --proto_path=src/agent/proto --c_out=$(OUT)/proto $<

$(OUT)/proto/%.pb-c.o: $(OUT)/proto/%.pb-c.c $(PROTO_HDRS)
	$(CC) $(filter-out -Wmissing-prototypes -Wshadow,$(CFLAGS)) -c -o $@ $<

# generated sources are kept between builds
.SECONDARY: $(PROTO_SRCS) $(PROTO_HDRS)

# ---- objects: each component sees its own headers and the shared ones -------
$(OUT)/shared/%.o: src/shared/%.c $(wildcard src/shared/*.h) $(ABI_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(OUT)/agent/%.o: src/agent/%.c $(PROTO_HDRS) $(wildcard src/agent/*.h src/shared/*.h) $(ABI_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc/agent -I$(OUT)/proto -c -o $@ $<

$(OUT)/riptelctl/%.o: src/riptelctl/%.c $(wildcard src/riptelctl/*.h src/shared/*.h) $(ABI_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc/riptelctl -c -o $@ $<

# ---- libraries and programs --------------------------------------------------
$(SHARED_LIB): $(call objs,shared,$(SHARED_SRCS))
$(AGENT_LIB): $(call objs,agent,$(AGENT_SRCS)) $(PROTO_SRCS:.c=.o)
$(CTL_LIB): $(call objs,riptelctl,$(CTL_SRCS))
$(SHARED_LIB) $(AGENT_LIB) $(CTL_LIB):
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(OUT)/bin/riptel-agent: $(call objs,agent,$(AGENT_MAIN)) $(AGENT_LIB) $(SHARED_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/bin/riptelctl: $(call objs,riptelctl,$(CTL_MAIN)) $(CTL_LIB) $(SHARED_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# ---- tests and benchmarks ----------------------------------------------------
# $(call complib,COMPONENT): the component's library, if it has one
complib     = $(if $(filter agent,$(1)),$(AGENT_LIB),$(if $(filter riptelctl,$(1)),$(CTL_LIB)))
testcomp    = $(patsubst $(OUT)/tests/%/,%,$(dir $(1)))

.SECONDEXPANSION:
$(OUT)/tests/%: tests/unit/%.c $$(call complib,$$(call testcomp,$$@)) $(SHARED_LIB) \
		$(wildcard tests/unit/*.h) $(PROTO_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc/$(call testcomp,$@) -I$(OUT)/proto -Itests/unit $(LDFLAGS) -o $@ $< \
		$(call complib,$(call testcomp,$@)) $(SHARED_LIB) $(CHECK_LIBS) $(LDLIBS)

$(OUT)/bench/%: tests/bench/%.c $(AGENT_LIB) $(SHARED_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O2 -Isrc/agent -I$(OUT)/proto $(LDFLAGS) -o $@ $< $(AGENT_LIB) $(SHARED_LIB) $(LDLIBS)

benches: $(BENCHES)

# Unit tests: each binary prints TAP; scripts/run-unit.sh counts it.
check: $(TESTS)
	@scripts/run-unit.sh $(OUT)/tests

# vmtest.sh builds the agent and, per kernel, the modules itself.
vmtest:
	scripts/vmtest.sh $(KVER)

# Installs what it needs first (idempotent), like the demo.
test: deps
	scripts/test-all.sh

bench: all benches
	scripts/bench.sh $(KVER)

demo:
	scripts/demo.sh

deps:
	scripts/deps.sh

lint:
	scripts/lint-kmod.sh

# builds in its own staged copy of the tree (build/deb/), not from build/release
deb:
	scripts/deb.sh

# DKMS: KERNELS="6.1.0-56-amd64 ..." to target others than the running one.
dkms-install:
	scripts/dkms.sh install $(KERNELS)

dkms-uninstall:
	scripts/dkms.sh uninstall

# keeps build/cache (downloaded kernels, checkpatch) and build/node_modules
clean:
	find $(BUILD) -mindepth 1 -maxdepth 1 ! -name cache ! -name node_modules \
		! -name package.json ! -name package-lock.json -exec rm -rf {} + 2>/dev/null || true
