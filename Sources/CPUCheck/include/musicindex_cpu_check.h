// The processor check of a build for this machine's vector instructions
// (scripts/build-release.sh). Only the musicindex executable links this target.
#pragma once

// The instruction level the program's Swift code was compiled for when built by
// scripts/build-release.sh: "x86-64-v4" (AVX-512 F/CD/BW/DQ/VL besides the next) or
// "x86-64-v3" (AVX2, FMA, ...) on such a processor, else "portable".
const char *_Nonnull musicindex_build_cpu_level(void);
