# Makefile - riptel: kernel module, agent, tests, demo.  `make help` lists targets.
#
# User space is built here from wildcards: every agent/*.c except the
# programs' mains goes into build/<variant>/libriptel.a, every
# tests/unit/test_*.c becomes its own Check binary.  The module is built by
# scripts/build-kmod.sh against KDIR into build/kmod/<kernel release>/.

VERSION    := $(shell cat VERSION)
BUILD      ?= build
# address | undefined | thread: sanitizer build of the unit tests
SAN        ?=
comma      := ,
# a comma in a path would split make's function arguments: address-undefined
VARIANT    := $(if $(SAN),$(subst $(comma),-,$(SAN)),release)
OUT        := $(BUILD)/$(VARIANT)

CC         ?= cc
PKGS       := libprotobuf-c libcurl zlib libnl-3.0 libnl-genl-3.0 libsystemd libmicrohttpd inih
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

CFLAGS     ?= -O2 -g
CFLAGS     += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
              -Wstrict-prototypes -Wmissing-prototypes -fno-strict-aliasing \
              -Ikmod/include/uapi -Ikmod -Iagent -I$(OUT)/proto \
              -DRIPTEL_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
ifneq ($(SAN),)
CFLAGS     += -fsanitize=$(SAN) -fno-omit-frame-pointer -O1
LDFLAGS    += -fsanitize=$(SAN)
endif
LDLIBS     += $(PKG_LIBS) -lpthread -lm

MAINS      := agent/main.c agent/riptelctl.c
LIB_SRCS   := $(filter-out $(MAINS),$(wildcard agent/*.c))
PROTOS     := $(wildcard proto/*.proto)
PROTO_SRCS := $(patsubst proto/%.proto,$(OUT)/proto/%.pb-c.c,$(PROTOS))
PROTO_HDRS := $(PROTO_SRCS:.c=.h)
LIB_OBJS   := $(patsubst agent/%.c,$(OUT)/agent/%.o,$(LIB_SRCS)) $(PROTO_SRCS:.c=.o)
LIB        := $(OUT)/libriptel.a
PROGS      := $(patsubst agent/%.c,$(OUT)/bin/%,$(filter $(MAINS),$(wildcard agent/*.c)))
# agent/main.c builds riptel-agent; other mains keep their file name
PROGS      := $(patsubst $(OUT)/bin/main,$(OUT)/bin/riptel-agent,$(PROGS))
TEST_SRCS  := $(wildcard tests/unit/test_*.c)
TESTS      := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(TEST_SRCS))
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCHES    := $(patsubst tests/bench/%.c,$(OUT)/bench/%,$(BENCH_SRCS))

KVER       ?= 6.1 6.12


.PHONY: benches all help kmod agent check vmtest test bench demo deps lint clean \
        dkms-install dkms-uninstall
all: kmod agent

help:
	@echo "make deps     install everything this project needs (apt, idempotent)"
	@echo "make          build the module (KDIR=...) and the agent"
	@echo "make check    unit tests (SAN=address|undefined|thread for sanitizers)"
	@echo "make vmtest   kernel tests in qemu (KVER=6.1 or KVER=6.12, default both)"
	@echo "make test     everything CI runs; ends with 'N passed, N failed'"
	@echo "make bench    benchmarks, figures as 'BENCH ...' lines"
	@echo "make demo     boot a VM, drive connections, show the telemetry"
	@echo "make lint     checkpatch and W=1 builds of the module on both kernels"

kmod:
	scripts/build-kmod.sh $(if $(KDIR),--kdir $(KDIR))

agent: $(PROGS)

$(OUT)/proto/%.pb-c.c $(OUT)/proto/%.pb-c.h: proto/%.proto
	@mkdir -p $(OUT)/proto
	protoc-c --proto_path=proto --c_out=$(OUT)/proto $<

$(OUT)/proto/%.pb-c.o: $(OUT)/proto/%.pb-c.c $(PROTO_HDRS)
	$(CC) $(filter-out -Wmissing-prototypes -Wshadow,$(CFLAGS)) -c -o $@ $<

$(OUT)/agent/%.o: agent/%.c $(PROTO_HDRS) $(wildcard agent/*.h) kmod/include/uapi/riptel.h kmod/ring_core.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# generated sources are kept between builds
.SECONDARY: $(PROTO_SRCS) $(PROTO_HDRS)

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(OUT)/bin/riptel-agent: $(OUT)/agent/main.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(OUT)/bin/%: $(OUT)/agent/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(OUT)/tests/%: tests/unit/%.c $(LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LIB) $(CHECK_LIBS) $(LDLIBS)

$(OUT)/bench/%: tests/bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O2 $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

benches: $(BENCHES)

# Unit tests: each binary prints TAP; scripts/run-suite.sh counts it.
check: $(TESTS)
	@scripts/run-unit.sh $(OUT)/tests

# vmtest.sh builds the agent and, per kernel, the module itself.
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

# DKMS: KERNELS="6.1.0-56-amd64 ..." to target others than the running one.
dkms-install:
	scripts/dkms.sh install $(KERNELS)

dkms-uninstall:
	scripts/dkms.sh uninstall

# keeps build/cache (downloaded kernels, checkpatch) and build/node_modules
clean:
	find $(BUILD) -mindepth 1 -maxdepth 1 ! -name cache ! -name node_modules \
		! -name package.json ! -name package-lock.json -exec rm -rf {} + 2>/dev/null || true
	rm -f kmod/*.o kmod/*.ko kmod/*.mod kmod/*.mod.c kmod/.*.cmd \
	      kmod/modules.order kmod/Module.symvers
