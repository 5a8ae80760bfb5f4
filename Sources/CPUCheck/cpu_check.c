#include "musicindex_cpu_check.h"

#include <stdio.h>
#include <unistd.h>

#if (defined(MUSICINDEX_CPU_X86_64_V3) || defined(MUSICINDEX_CPU_X86_64_V4)) && defined(__x86_64__)

#if defined(MUSICINDEX_CPU_X86_64_V4)
const char *musicindex_build_cpu_level(void) { return "x86-64-v4"; }
#else
const char *musicindex_build_cpu_level(void) { return "x86-64-v3"; }
#endif

// Runs before any Swift code of the program (this file is compiled for any x86-64 processor;
// only the Swift code uses the wider instructions). On a processor without them the program
// would die of SIGILL somewhere in a scan; it stops here with the remedy instead.
__attribute__((constructor)) static void musicindex_check_cpu(void) {
    __builtin_cpu_init();
    // The instruction sets of LLVM's "haswell" level that code generation uses (the ones
    // scripts/build-release.sh requires), and for a "skylake-avx512" build its AVX-512 ones.
    int supported = __builtin_cpu_supports("avx") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
                    __builtin_cpu_supports("f16c") && __builtin_cpu_supports("movbe") &&
                    __builtin_cpu_supports("lzcnt") && __builtin_cpu_supports("popcnt") &&
                    __builtin_cpu_supports("sse4.2");
#if defined(MUSICINDEX_CPU_X86_64_V4)
    supported = supported && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
                __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                __builtin_cpu_supports("avx512vl");
    static const char message[] =
        "musicindex: this binary was built for processors with AVX-512 (x86-64-v4), which this one "
        "lacks. Build one for this processor with `make release`, or for any x86-64 processor with "
        "`PORTABLE=1 make release`.\n";
#else
    static const char message[] =
        "musicindex: this binary was built for processors with AVX2 and FMA (x86-64-v3), which this "
        "one lacks. Build one for any x86-64 processor with `PORTABLE=1 make release`.\n";
#endif
    if (supported) return;
    ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
    (void)ignored;
    _exit(1);
}

#else

const char *musicindex_build_cpu_level(void) { return "portable"; }

#endif
