#!/usr/bin/env bash
# Builds the release program, .build/release/musicindex: the one way the Makefile, the
# benchmarks and the training scripts build it, so that they all share one build (SwiftPM
# rebuilds everything when the flags change).
#
# On an x86-64 processor with AVX2 and FMA (Intel since 2013, AMD since 2015), musicindex's
# own Swift code is compiled for them (LLVM's "haswell" level): its DSP loops then work on
# eight floats per instruction instead of four. That takes about 8 % off the CPU time of a
# scan and changes no result (stored features, probabilities and embeddings are bit for bit
# those of the portable build). Where the processor also has AVX-512 (F, CD, BW, DQ, VL:
# Intel's server parts since 2017, AMD since Zen 4), it is compiled for LLVM's
# "skylake-avx512" level instead: 32 vector registers and masked loads, about 2 % less CPU
# again, the same results. The libraries it calls (FFTW, OpenBLAS, libmpg123, ...) pick
# their instructions at run time either way. Such a binary runs only on processors with those
# instructions: PORTABLE=1 builds one for any x86-64 processor, e.g. to copy elsewhere.
#
# Usage: scripts/build-release.sh [swift build arguments...]
# Prints the flags it adds with --print-flags instead of building.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

flags=()
if [ -z "${PORTABLE:-}" ] && [ "$(uname -m)" = x86_64 ] && [ -r /proc/cpuinfo ]; then
  cpu_flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  has_all() {
    local feature
    for feature in "$@"; do [[ "$cpu_flags" == *" $feature "* ]] || return 1; done
  }
  # The instruction sets of LLVM's "haswell" CPU (x86-64-v3 and a few more), then those
  # "skylake-avx512" adds that code generation uses (Sources/CPUCheck checks the same lists
  # at start-up).
  if has_all avx avx2 fma bmi1 bmi2 f16c movbe abm popcnt sse4_2 xsave; then
    if has_all avx512f avx512cd avx512bw avx512dq avx512vl; then
      flags=(-Xswiftc -target-cpu -Xswiftc skylake-avx512 -Xcc -DMUSICINDEX_CPU_X86_64_V4)
    else
      flags=(-Xswiftc -target-cpu -Xswiftc haswell -Xcc -DMUSICINDEX_CPU_X86_64_V3)
    fi
  fi
fi

if [ "${1:-}" = --print-flags ]; then
  echo "${flags[*]:-}"
  exit 0
fi
exec swift build -c release --product musicindex ${flags[@]+"${flags[@]}"} "$@"
