#include "musicindex_blas.h"

#include <dlfcn.h>
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

static void load(void) {
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
