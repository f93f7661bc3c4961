SHELL := /bin/bash
# libzmq-rs: `make` builds libzmq.so.5, zmq.h and libzmq.pc and runs the demo;
# `make test` runs every test; `make bench` compares against Debian's libzmq.
PREFIX ?= /usr/local
CARGO  ?= cargo
REL    := target/release
SOVER  := 5.2.5

.PHONY: all build header pc demo deps install test test-rust test-capi lint bench soak clean

all: build pc demo

build:
	$(CARGO) build --release
	@# cbindgen writes the header into OUT_DIR; show where it is for `make header`.
	ln -sf libzmq.so $(REL)/libzmq.so.5
	@ls -t $(REL)/build/libzmq-rs-*/out/zmq.h | head -n 1 > $(REL)/zmq.h.path

# Regenerate the checked-in include/zmq.h from the Rust sources: build.rs
# writes it into this build's OUT_DIR, which cargo reports in its JSON output.
header:
	set -o pipefail; $(CARGO) build --release --message-format=json-render-diagnostics \
	  | sed -n 's|.*"reason":"build-script-executed","package_id":"[^"]*#libzmq-rs@[^"]*".*"out_dir":"\([^"]*\)".*|\1|p' \
	  > $(REL)/zmq.h.outdir
	test -s $(REL)/zmq.h.outdir
	cp "$$(tail -n 1 $(REL)/zmq.h.outdir)/zmq.h" include/zmq.h

pc: build
	mkdir -p $(REL)/pkgconfig
	sed -e 's|@prefix@|$(CURDIR)|' -e 's|@libdir@|$(CURDIR)/$(REL)|' \
	    -e 's|@includedir@|$(CURDIR)/include|' -e 's|@version@|4.3.5|' \
	    pkgconfig/libzmq.pc.in > $(REL)/pkgconfig/libzmq.pc

demo: build
	gcc -std=c99 -Wall -Wextra -Iinclude examples/demo.c -o $(REL)/demo \
	    -L$(REL) -Wl,-rpath,$(CURDIR)/$(REL) -lzmq
	$(REL)/demo
	@scripts/demo-swap.sh

install: build
	@# include/, lib/ (libzmq.so.$(SOVER) and its links, libzmq.a),
	@# lib/pkgconfig/libzmq.pc and lib/cmake/ZeroMQ/.
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 755 $(REL)/libzmq.so $(DESTDIR)$(PREFIX)/lib/libzmq.so.$(SOVER)
	ln -sf libzmq.so.$(SOVER) $(DESTDIR)$(PREFIX)/lib/libzmq.so.5
	ln -sf libzmq.so.5 $(DESTDIR)$(PREFIX)/lib/libzmq.so
	install -m 644 $(REL)/libzmq.a $(DESTDIR)$(PREFIX)/lib/libzmq.a
	install -m 644 include/zmq.h include/zmq_utils.h $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@prefix@|$(PREFIX)|' -e 's|@libdir@|$${prefix}/lib|' \
	    -e 's|@includedir@|$${prefix}/include|' -e 's|@version@|4.3.5|' \
	    pkgconfig/libzmq.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libzmq.pc
	@# find_package(ZeroMQ): the files and imported targets (libzmq,
	@# libzmq-static) libzmq 4.3.5's CMake install provides.
	install -d $(DESTDIR)$(PREFIX)/lib/cmake/ZeroMQ
	install -m 644 cmake/ZeroMQConfig.cmake $(DESTDIR)$(PREFIX)/lib/cmake/ZeroMQ/
	sed -e 's|@SOVER@|$(SOVER)|' cmake/ZeroMQTargets.cmake > $(DESTDIR)$(PREFIX)/lib/cmake/ZeroMQ/ZeroMQTargets.cmake
	sed -e 's|@VERSION@|4.3.5|' cmake/ZeroMQConfigVersion.cmake > $(DESTDIR)$(PREFIX)/lib/cmake/ZeroMQ/ZeroMQConfigVersion.cmake

# scripts/deps.sh first: installs the Debian packages the stages need when we
# are root, or stops at once with the command to run (never halfway through).
test: deps build
	$(CARGO) test --release 2>&1 | tee $(REL)/cargo-test.log; test $${PIPESTATUS[0]} -eq 0
	scripts/loom.sh
	scripts/capi-tests.sh
	scripts/tsan.sh
	scripts/scale.sh
	scripts/check-options.sh
	scripts/check-header.sh
	scripts/check-symbols.sh
	scripts/check-install.sh
	scripts/check-swap.sh
	scripts/libzmq-tests.sh
	scripts/interop.sh
	scripts/pgm-tests.sh
	scripts/ws-browser.sh
	scripts/gssapi-tests.sh
	scripts/fuzz-smoke.sh
	scripts/pyzmq-tests.sh
	SOAK_SECONDS=90 scripts/soak.sh

deps:
	scripts/deps.sh

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --release --all-targets -- -D warnings

# inproc, then tcp and ipc (local/remote_thr, local/remote_lat), CURVE, then
# the scenarios of scripts/bench-scenarios.sh (one process, PUB fan-out,
# fan-in, broker, 1,000 DEALERs, memory) against Debian's libzmq, and ws
# against libzmq 4.3.5 (scripts/bench-ws.sh; skipped while ours has no ws); writes
# target/bench/results.csv, docs/bench.csv and docs/bench.png.
# BENCH_SCENARIOS="tcp fanout" runs some, BENCH_NET_RUNS / BENCH_SCEN_RUNS
# set the runs per figure, BENCH_SCEN_SCALE the counts, BENCH_IR=0 skips
# the instruction counts, BENCH_PROFILE=1 (top functions of ours over tcp):
# see scripts/bench.sh and scripts/bench-scenarios.sh.
bench: build
	scripts/bench.sh

# Chaos soak over three network namespaces (root): SOAK_SECONDS (default
# 600), SOAK_SEED to replay, SOAK_LIB=libzmq for Debian's; see scripts/soak.sh.
soak: build
	scripts/soak.sh

clean:
	$(CARGO) clean
