#include "musicindex_kernels.h"

// C = A B for the CRNN's small products (a few dozen rows, depth up to a few hundred, a few
// hundred columns): no packing, since A and a 48-column panel of B both stay in the first-level
// cache; a tile of 8 rows by 48 columns keeps 24 sixteen-float accumulators in registers, and
// each step of the depth loop reads three vectors of one B row and broadcasts eight values of
// one A column. Every output is a fused multiply-add chain over p = 0 ..< k in order.

#if defined(__x86_64__)
#include <immintrin.h>

#define TILE_ROWS 8
#define TILE_VECTORS 3
#define TILE_COLUMNS (16 * TILE_VECTORS)

// One tile of `rows` x `vectors` sixteen-column vectors (constants after inlining, so the
// accumulators live in registers); `masks` cut the columns past the matrix's last one.
static inline __attribute__((always_inline, target("avx512f"))) void tile(
    int rows, int vectors, ptrdiff_t k, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c,
    ptrdiff_t ldc, const __mmask16 masks[TILE_VECTORS]) {
    __m512 acc[TILE_ROWS][TILE_VECTORS];
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < vectors; v++) acc[r][v] = _mm512_setzero_ps();
    for (ptrdiff_t p = 0; p < k; p++) {
        const float *row = b + p * ldb;
        __m512 x[TILE_VECTORS];
        for (int v = 0; v < vectors; v++) x[v] = _mm512_maskz_loadu_ps(masks[v], row + 16 * v);
        for (int r = 0; r < rows; r++) {
            const __m512 weight = _mm512_set1_ps(a[r * lda + p]);
            for (int v = 0; v < vectors; v++) acc[r][v] = _mm512_fmadd_ps(weight, x[v], acc[r][v]);
        }
    }
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < vectors; v++) _mm512_mask_storeu_ps(c + r * ldc + 16 * v, masks[v], acc[r][v]);
}

#define TILE_CASE(R, V) \
    case (R) * 4 + (V): tile((R), (V), k, a, lda, b, ldb, c, ldc, masks); break;
#define TILE_CASES(R) TILE_CASE(R, 1) TILE_CASE(R, 2) TILE_CASE(R, 3)

static __attribute__((target("avx512f"))) void any_tile(int rows, int vectors, ptrdiff_t k, const float *a,
                                                         ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c,
                                                         ptrdiff_t ldc, const __mmask16 masks[TILE_VECTORS]) {
    switch (rows * 4 + vectors) {
        TILE_CASES(1) TILE_CASES(2) TILE_CASES(3) TILE_CASES(4)
        TILE_CASES(5) TILE_CASES(6) TILE_CASES(7) TILE_CASES(8)
        default: break;
    }
}

static __attribute__((target("avx512f"))) void sgemm_avx512(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a,
                                                             ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c,
                                                             ptrdiff_t ldc) {
    const __mmask16 full[TILE_VECTORS] = {0xFFFF, 0xFFFF, 0xFFFF};
    ptrdiff_t j = 0;
    for (; j + TILE_COLUMNS <= n; j += TILE_COLUMNS) {
        ptrdiff_t i = 0;
        for (; i + TILE_ROWS <= m; i += TILE_ROWS)
            tile(TILE_ROWS, TILE_VECTORS, k, a + i * lda, lda, b + j, ldb, c + i * ldc + j, ldc, full);
        if (i < m) any_tile((int)(m - i), TILE_VECTORS, k, a + i * lda, lda, b + j, ldb, c + i * ldc + j, ldc, full);
    }
    if (j < n) {
        const ptrdiff_t rest = n - j;
        const int vectors = (int)((rest + 15) / 16);
        __mmask16 masks[TILE_VECTORS];
        for (int v = 0; v < TILE_VECTORS; v++) {
            const ptrdiff_t left = rest - 16 * v;
            masks[v] = left >= 16 ? (__mmask16)0xFFFF : left > 0 ? (__mmask16)((1u << left) - 1) : (__mmask16)0;
        }
        for (ptrdiff_t i = 0; i < m; i += TILE_ROWS) {
            const int rows = (int)(m - i < TILE_ROWS ? m - i : TILE_ROWS);
            any_tile(rows, vectors, k, a + i * lda, lda, b + j, ldb, c + i * ldc + j, ldc, masks);
        }
    }
}
#endif

int musicindex_sgemm_available(void) {
#if defined(__x86_64__)
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
#else
    return 0;
#endif
}

int musicindex_sgemm(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda, const float *b,
                     ptrdiff_t ldb, float *c, ptrdiff_t ldc) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) {
        if (m > 0 && n > 0) sgemm_avx512(m, n, k, a, lda, b, ldb, c, ldc);
        return 1;
    }
#endif
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)c; (void)ldc;
    return 0;
}
