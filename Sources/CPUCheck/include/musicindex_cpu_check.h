// The processor check of a build for this machine's vector instructions
// (scripts/build-release.sh). Only the musicindex executable links this target.
#pragma once

// The instruction level the program's Swift code was compiled for: "x86-64-v3" (AVX2, FMA,
// ...) when built by scripts/build-release.sh on such a processor, else "portable".
const char *_Nonnull musicindex_build_cpu_level(void);
