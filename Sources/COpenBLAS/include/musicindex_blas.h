// OpenBLAS, loaded on first use.
//
// Linked normally, OpenBLAS starts a thread per core when the program starts and lets it
// spin for a while, competing with the scan's own threads for every run of every command,
// although only the genre model and similarity search call it. So the program does not link
// OpenBLAS: the first call to musicindex_blas() loads it with dlopen, set to one thread
// unless OPENBLAS_NUM_THREADS (or GOTO_NUM_THREADS, OMP_NUM_THREADS) says otherwise, and
// with its AVX-512 kernels on AMD processors that have AVX-512, which OpenBLAS 0.3.21 does not
// recognise, unless OPENBLAS_CORETYPE says otherwise.
// Only MusicIndex/Model/BLAS.swift uses this.
#pragma once

// The CBLAS constants (fixed by the CBLAS standard).
enum {
    MUSICINDEX_CBLAS_ROW_MAJOR = 101,
    MUSICINDEX_CBLAS_NO_TRANS = 111,
    MUSICINDEX_CBLAS_TRANS = 112,
};

// The functions the program calls, with CBLAS's signatures (32-bit integers, as Debian's
// libopenblas0 is built).
typedef struct musicindex_blas_api {
    void (*_Nonnull sgemm)(int order, int transposeA, int transposeB, int m, int n, int k, float alpha,
                           const float *_Nonnull a, int lda, const float *_Nonnull b, int ldb, float beta,
                           float *_Nonnull c, int ldc);
    void (*_Nonnull sgemv)(int order, int transpose, int m, int n, float alpha, const float *_Nonnull a, int lda,
                           const float *_Nonnull x, int incx, float beta, float *_Nonnull y, int incy);
    void (*_Nonnull set_num_threads)(int count);
    int (*_Nonnull get_num_threads)(void);
    char *_Nonnull (*_Nonnull get_corename)(void);
} musicindex_blas_api;

// Loads OpenBLAS once (thread-safe) and returns its functions, or NULL when the library or
// a function is missing; musicindex_blas_error() then says which.
const musicindex_blas_api *_Nullable musicindex_blas(void);
const char *_Nonnull musicindex_blas_error(void);
