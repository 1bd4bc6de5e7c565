# SPDX-License-Identifier: BSD-3-Clause
# The two commands of the README (make demo, make test) and a few more. Each installs the
# Debian packages it needs first (tools/install-deps.sh), then drives CMake.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
SHARED ?= $(abspath ../shared/datasets)

.PHONY: all deps build demo test test-asan bench clean

all: build

deps:
	@sh tools/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTMESH_SHARED_DATASETS=$(SHARED) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@sh tools/demo.sh $(BUILD)

test: build
	@sh tools/run-tests.sh $(BUILD) "$(SHARED)"

test-asan: deps
	@cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DTMESH_SANITIZE=ON -DTMESH_SHARED_DATASETS=$(SHARED) >/dev/null
	@cmake --build $(BUILD)-asan -j $(JOBS)
	@sh tools/run-tests.sh $(BUILD)-asan "$(SHARED)"

bench: build
	@sh tools/install-deps.sh --bench
	@sh bench/run.sh $(BUILD)
	@sh bench/seg_bench.sh $(BUILD)
	@sh bench/mesh_bench.sh $(BUILD)
	@sh bench/render_bench.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD)-asan
