# musicindex: the two commands of the README are `make demo` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
BIN := .build/release/musicindex

.PHONY: deps build release demo test bench-tags model clean

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product musicindex

# Scans the bundled example music into the default library and shows what it found.
demo: release
	$(BIN) scan examples/music
	$(BIN) stats

# The whole test suite (what CI runs): the Swift tests, then the training side (Python unit
# tests and a tiny train-export-reproduce run).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest
	bash scripts/test-training.sh

# Regenerates the shipped default model from scratch (corpus, features, training, report).
model: deps
	bash scripts/train-default-model.sh

# Tag-scan benchmark: files/s, unchanged rescan, and TagLib alone on the same files.
bench-tags: release
	bash benchmarks/tag-scan.sh

clean:
	rm -rf .build
