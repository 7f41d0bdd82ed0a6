# The two README commands live here:
#   make demo   installs what is missing, builds, runs the loopback demo
#   make test   installs what is missing, builds twice (-O2 -Werror and
#               ASan+UBSan), runs the whole suite on both, the daemon's
#               threaded tests under ThreadSanitizer, fuzzes briefly
#   make check-long  the long checks (not in `make test`; hours): the full
#               fault-relay matrices (FS_RELAY_LONG=1), every daemon test under
#               ThreadSanitizer, the 1,000-round crash loop, and each fuzzer
#               for LONG_FUZZ_SECONDS (default 3600)
# Other targets: build, bench, fuzz (FUZZ_SECONDS=N), format, clean,
#   compat-snapshot [TAG=vX.Y.Z]  refreshes tests/compat/ from a release tag
#   (default: the newest v* tag); see docs/RELEASING.md.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 20
LONG_FUZZ_SECONDS ?= 3600
PKGS = build-essential cmake pkg-config clang libsqlite3-dev libuv1-dev \
       libmsgpack-dev libsodium-dev libssl-dev libcmocka-dev sqlite3 iproute2 \
       procps valgrind xz-utils

.PHONY: all deps build demo test test-release test-asan test-tsan fuzz bench format clean compat-snapshot check-long

all: build

deps:
	@missing=""; for p in $(PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

build/release/Makefile:
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DFS_WERROR=ON >/dev/null

build/asan/Makefile:
	cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DFS_WERROR=ON -DFS_SANITIZE=ON -DFS_BENCH=OFF >/dev/null

build/tsan/Makefile:
	cmake -S . -B build/tsan -DCMAKE_BUILD_TYPE=Debug -DFS_WERROR=ON -DFS_TSAN=ON -DFS_BENCH=OFF >/dev/null

build: deps build/release/Makefile
	cmake --build build/release -j $(JOBS)

demo: build
	bash tests/demo.sh build/release/bin

test-release: deps build/release/Makefile
	cmake --build build/release -j $(JOBS)
	cd build/release && ctest --output-on-failure -j $(JOBS)

test-asan: deps build/asan/Makefile
	cmake --build build/asan -j $(JOBS)
	cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

# ThreadSanitizer: only what the TSan tests run is built (tests/tsan/run.sh);
# FS_TSAN_TESTS=daemon (a ctest -R pattern) builds everything and runs those.
TSAN_TARGETS = fieldsyncd fieldsync_cli test_daemon_session test_daemon_handover test_daemon_load \
               test_daemon_client_api
test-tsan: deps build/tsan/Makefile
	cmake --build build/tsan -j $(JOBS) $(if $(FS_TSAN_TESTS),,--target $(TSAN_TARGETS))
	JOBS=$(JOBS) FS_TSAN_TESTS='$(FS_TSAN_TESTS)' bash tests/tsan/run.sh build/tsan

fuzz: deps
	cmake -S . -B build/fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
	  -DFS_SANITIZE=ON -DFS_FUZZ=ON -DFS_BENCH=OFF >/dev/null
	cmake --build build/fuzz -j $(JOBS)
	bash tests/fuzz/run.sh build/fuzz/fuzz $(FUZZ_SECONDS)

bench: build
	bash tests/bench/run.sh build/release/bench

test: test-release test-asan test-tsan fuzz
	@echo "all test stages passed"

compat-snapshot:
	bash tests/compat/snapshot.sh $(TAG)

# Each relay suite with its full matrix (every fault kind x direction x
# frame x offset under random 2G/3G shaping); FS_RELAY_SEED=N replays a run.
RELAY_SUITES = sync live handover
check-long: build
	@for t in $(RELAY_SUITES); do \
	  echo "== fault_relay_$$t (FS_RELAY_LONG=1)"; \
	  FS_BIN=$(CURDIR)/build/release/bin FS_RELAY_LONG=1 \
	    bash tests/integration/fault_relay_$$t.sh || exit 1; \
	done
	$(MAKE) test-tsan FS_TSAN_TESTS=daemon
	cd build/release && FS_CRASH_ROUNDS=1000 ctest --output-on-failure -R '^test_daemon_crashloop$$' --timeout 14400
	$(MAKE) fuzz FUZZ_SECONDS=$(LONG_FUZZ_SECONDS)
	@echo "all long checks passed"

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
