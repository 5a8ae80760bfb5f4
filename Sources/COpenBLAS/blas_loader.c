#include "musicindex_blas.h"

#include <cpuid.h>
#include <dlfcn.h>
#include <string.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static musicindex_blas_api api;
static const musicindex_blas_api *loaded = NULL;
static char error_text[512] = "OpenBLAS was not loaded";
static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char soname[] = "libopenblas.so.0";

static void *find(void *handle, const char *name) {
    void *symbol = dlsym(handle, name);
    if (!symbol) snprintf(error_text, sizeof error_text, "%s lacks the function %s", soname, name);
    return symbol;
}

// Whether this is an AMD processor whose AVX-512 (F, CD, BW, DQ, VL) the operating system
// has enabled. OpenBLAS up to 0.3.21 (Debian 12's) knows no AMD processor with AVX-512:
// it runs Zen 4 and Zen 5 with its Haswell (AVX2) kernels, whose SGEMM is about 30 % slower
// there than its SkylakeX kernels (measured on the genre model's convolutions).
static int amd_with_avx512(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return 0;
    char vendor[13];
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = 0;
    if (strcmp(vendor, "AuthenticAMD") != 0) return 0;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl");
}

static void load(void) {
    // OpenBLAS chooses its kernels when it loads; OPENBLAS_CORETYPE, when set, decides.
    if (!getenv("OPENBLAS_CORETYPE") && amd_with_avx512()) setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
    // OpenBLAS reads its thread count from the environment when it loads; one thread
    // starts no helper threads at all (BLAS.setThreads can add them later).
    if (!getenv("OPENBLAS_NUM_THREADS") && !getenv("GOTO_NUM_THREADS") && !getenv("OMP_NUM_THREADS")) {
        setenv("OPENBLAS_NUM_THREADS", "1", 0);
    }
    void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *reason = dlerror();
        snprintf(error_text, sizeof error_text, "cannot load %s: %s", soname, reason ? reason : "unknown reason");
        return;
    }
    if (!(*(void **)&api.sgemm = find(handle, "cblas_sgemm"))) return;
    if (!(*(void **)&api.sgemv = find(handle, "cblas_sgemv"))) return;
    if (!(*(void **)&api.set_num_threads = find(handle, "openblas_set_num_threads"))) return;
    if (!(*(void **)&api.get_num_threads = find(handle, "openblas_get_num_threads"))) return;
    if (!(*(void **)&api.get_corename = find(handle, "openblas_get_corename"))) return;
    loaded = &api;
}

const musicindex_blas_api *musicindex_blas(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *musicindex_blas_error(void) {
    pthread_once(&once, load);
    return loaded ? "" : error_text;
}
