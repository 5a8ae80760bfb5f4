# musicindex: the two commands of the README are `make demo` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
BIN := .build/release/musicindex

.PHONY: deps build release demo test bench-tags bench-e2e model clean

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

# The release program (scripts/build-release.sh: compiled for this processor's AVX2 where it has
# it; `PORTABLE=1 make release` builds a binary for any x86-64 processor).
release: deps
	bash scripts/build-release.sh

# Scans the bundled example music into the default library and shows what it found.
demo: release
	$(BIN) scan examples/music
	$(BIN) stats
	@echo; echo "Predicted genre of each clip (shipped model), next to its genre tag:"
	@find examples/music -type f \( -name '*.mp3' -o -name '*.flac' -o -name '*.ogg' \) | sort | while read -r f; do \
	  $(BIN) info "$$PWD/$$f" | awk -v f="$$f" '/^genres  / {tag=substr($$0, 18)} /^genres:/ {getline; split($$0, p, " "); pred=p[1] " (" p[2] " %)"} END {printf "  %-70s %-20s tag: %s\n", f, pred, tag}'; \
	done

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

# End-to-end benchmark: scan, --full, the seeds' Python stack and the decode floor on the
# same song-length library (made on first use in .build-bench-e2e).
bench-e2e:
	bash benchmarks/e2e.sh

clean:
	rm -rf .build
