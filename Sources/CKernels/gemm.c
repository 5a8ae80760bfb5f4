#include "musicindex_kernels.h"

// C = A B (or C + A B) for the CRNN's products: convolutions of a few dozen output channels
// and the GRU's gate projections. No packing: a tile of 8 rows by 48 columns keeps 24
// sixteen-float accumulators in registers, and each step of the depth loop reads three
// vectors of one B row and broadcasts eight values of one A column. The depth is taken in
// chunks of 128, so that a chunk of a 48-column panel of B (24 KB) stays in the first-level
// cache while every row tile reads it; a tile's sums go through C between chunks, exactly
// (they are floats either way). Every output is one chain of fused multiply-adds over
// p = 0 ..< k in order, starting from 0 or from C.
//
// B's rows may come in groups (`musicindex_sgemm_grouped`): row p at
// b + (p / group) * ldb + (p % group) * ldb_inner. The Winograd products read their three
// kernel rows' inputs that way, from one transformed copy of each input row.

#if defined(__x86_64__)
#include <immintrin.h>

#define TILE_ROWS 8
#define TILE_VECTORS 3
#define TILE_COLUMNS (16 * TILE_VECTORS)
#define DEPTH_CHUNK 128
// A multiple of 3, for groups of three B rows.
#define DEPTH_CHUNK_3 126

// One tile of `rows` x `vectors` sixteen-column vectors (constants after inlining, so the
// accumulators live in registers); `masks` cut the columns past the matrix's last one. A's
// element (r, p) is a[r * lda + p], or a[p * lda + r] when `transposed`.
static inline __attribute__((always_inline, target("avx512f"))) void tile(
    int rows, int vectors, int transposed, int accumulate, int group, ptrdiff_t k, const float *a, ptrdiff_t lda,
    const float *b, ptrdiff_t ldb, ptrdiff_t ldb_inner, float *c, ptrdiff_t ldc, const __mmask16 masks[TILE_VECTORS]) {
    __m512 acc[TILE_ROWS][TILE_VECTORS];
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < vectors; v++)
            acc[r][v] = accumulate ? _mm512_maskz_loadu_ps(masks[v], c + r * ldc + 16 * v) : _mm512_setzero_ps();
    for (ptrdiff_t p = 0; p < k; p++) {
        const float *row = b + (p / group) * ldb + (p % group) * ldb_inner;
        __m512 x[TILE_VECTORS];
        for (int v = 0; v < vectors; v++) x[v] = _mm512_maskz_loadu_ps(masks[v], row + 16 * v);
        for (int r = 0; r < rows; r++) {
            const __m512 weight = _mm512_set1_ps(transposed ? a[p * lda + r] : a[r * lda + p]);
            for (int v = 0; v < vectors; v++) acc[r][v] = _mm512_fmadd_ps(weight, x[v], acc[r][v]);
        }
    }
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < vectors; v++) _mm512_mask_storeu_ps(c + r * ldc + 16 * v, masks[v], acc[r][v]);
}

#define TILE_CASE(R, V, T, G)                                                                               \
    case (((R) * 4 + (V)) * 2 + (T)) * 4 + (G):                                                             \
        tile((R), (V), (T), accumulate, (G), k, a, lda, b, ldb, ldb_inner, c, ldc, masks);                   \
        break;
#define TILE_CASES(R)                                                                                       \
    TILE_CASE(R, 1, 0, 1) TILE_CASE(R, 2, 0, 1) TILE_CASE(R, 3, 0, 1) TILE_CASE(R, 1, 1, 1) TILE_CASE(R, 2, 1, 1) \
    TILE_CASE(R, 3, 1, 1) TILE_CASE(R, 1, 0, 3) TILE_CASE(R, 2, 0, 3) TILE_CASE(R, 3, 0, 3)

// Any tile of 1 ... 8 rows and 1 ... 3 vectors (groups of 3 B rows only with A as stored).
static __attribute__((target("avx512f"))) void any_tile(int rows, int vectors, int transposed, int accumulate,
                                                         int group, ptrdiff_t k, const float *a, ptrdiff_t lda,
                                                         const float *b, ptrdiff_t ldb, ptrdiff_t ldb_inner, float *c,
                                                         ptrdiff_t ldc, const __mmask16 masks[TILE_VECTORS]) {
    switch (((rows * 4 + vectors) * 2 + transposed) * 4 + group) {
        TILE_CASES(1) TILE_CASES(2) TILE_CASES(3) TILE_CASES(4)
        TILE_CASES(5) TILE_CASES(6) TILE_CASES(7) TILE_CASES(8)
        default: break;
    }
}

static __attribute__((target("avx512f"))) void sgemm_avx512(int transposed, int accumulate, int group, ptrdiff_t m,
                                                             ptrdiff_t n, ptrdiff_t k, const float *a,
                                                             ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                                                             ptrdiff_t ldb_inner, float *c, ptrdiff_t ldc) {
    const ptrdiff_t chunk = group == 3 ? DEPTH_CHUNK_3 : DEPTH_CHUNK;
    for (ptrdiff_t j = 0; j < n; j += TILE_COLUMNS) {
        const ptrdiff_t width = n - j < TILE_COLUMNS ? n - j : TILE_COLUMNS;
        const int vectors = (int)((width + 15) / 16);
        __mmask16 masks[TILE_VECTORS];
        for (int v = 0; v < TILE_VECTORS; v++) {
            const ptrdiff_t left = width - 16 * v;
            masks[v] = left >= 16 ? (__mmask16)0xFFFF : left > 0 ? (__mmask16)((1u << left) - 1) : (__mmask16)0;
        }
        // Depth 0 still writes C = 0 unless accumulating.
        ptrdiff_t p = 0;
        do {
            const ptrdiff_t depth = k - p < chunk ? k - p : chunk;
            const int add = accumulate || p > 0;
            // p is a multiple of the group.
            const float *panel = b + (p / group) * ldb + j;
            for (ptrdiff_t i = 0; i < m; i += TILE_ROWS) {
                const float *rows_a = transposed ? a + p * lda + i : a + i * lda + p;
                float *rows_c = c + i * ldc + j;
                if (m - i >= TILE_ROWS && vectors == TILE_VECTORS) {
                    if (group == 3)
                        tile(TILE_ROWS, TILE_VECTORS, 0, add, 3, depth, rows_a, lda, panel, ldb, ldb_inner, rows_c,
                             ldc, masks);
                    else if (transposed)
                        tile(TILE_ROWS, TILE_VECTORS, 1, add, 1, depth, rows_a, lda, panel, ldb, 0, rows_c, ldc, masks);
                    else
                        tile(TILE_ROWS, TILE_VECTORS, 0, add, 1, depth, rows_a, lda, panel, ldb, 0, rows_c, ldc, masks);
                } else {
                    const int rows = (int)(m - i < TILE_ROWS ? m - i : TILE_ROWS);
                    any_tile(rows, vectors, transposed, add, group, depth, rows_a, lda, panel, ldb, ldb_inner, rows_c,
                             ldc, masks);
                }
            }
            p += depth;
        } while (p < k);
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

int musicindex_sgemm(int transpose_a, int accumulate, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a,
                     ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) {
        if (m > 0 && n > 0 && (k > 0 || !accumulate))
            sgemm_avx512(transpose_a ? 1 : 0, accumulate ? 1 : 0, 1, m, n, k, a, lda, b, ldb, 0, c, ldc);
        return 1;
    }
#endif
    (void)transpose_a; (void)accumulate; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)c;
    (void)ldc;
    return 0;
}

int musicindex_sgemm_grouped(int accumulate, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                             const float *b, ptrdiff_t ldb, ptrdiff_t group, ptrdiff_t ldb_inner, float *c,
                             ptrdiff_t ldc) {
#if defined(__x86_64__)
    if ((group == 1 || group == 3) && __builtin_cpu_supports("avx512f")) {
        if (m > 0 && n > 0 && (k > 0 || !accumulate))
            sgemm_avx512(0, accumulate ? 1 : 0, (int)group, m, n, k, a, lda, b, ldb, ldb_inner, c, ldc);
        return 1;
    }
#endif
    (void)accumulate; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)group;
    (void)ldb_inner; (void)c; (void)ldc;
    return 0;
}
