#include "musicindex_kernels.h"

#include <string.h>

// The same arithmetic on every path: no contraction into fused multiply-adds.
#pragma clang fp contract(off)

typedef float v8f __attribute__((vector_size(32)));
typedef float v8f_unaligned __attribute__((vector_size(32), aligned(4)));
typedef int32_t v8i __attribute__((vector_size(32)));

// Macros rather than functions: a function taking or returning a 32-byte vector has another
// ABI with and without AVX, which the compiler warns about even when it is inlined.
#define load8(p) (*(const v8f_unaligned *)(p))
#define store8(p, v) (*(v8f_unaligned *)(p) = (v))
// b where b > a, else a (a NaN b loses, as in the scalar `larger1`).
#define larger8(a, b)                                                                                     \
    ({                                                                                                    \
        const v8f larger_a = (a), larger_b = (b);                                                         \
        const v8i take = larger_b > larger_a;                                                             \
        (v8f)(((v8i)larger_b & take) | ((v8i)larger_a & ~take));                                          \
    })

static inline __attribute__((always_inline)) float larger1(float a, float b) { return b > a ? b : a; }

ptrdiff_t musicindex_winograd4_phase_length(ptrdiff_t width) {
    const ptrdiff_t quads = (width / 2 + 1) / 2;
    return ((quads + 7) / 8) * 8 + 2;
}

ptrdiff_t musicindex_winograd4_scratch_count(ptrdiff_t width, ptrdiff_t rows) {
    // Each input row of a strip (rows + 2 with the rows either side) in four phases (every
    // fourth column), with zeros around it.
    return 4 * musicindex_winograd4_phase_length(width) * (rows + 2);
}

// phase[r * length + i] = column 4 (i - 1) + r of `row`, zero outside the row: eight i at a
// time straight from the row where all 32 columns exist, one at a time elsewhere.
static inline __attribute__((always_inline)) void deinterleave(const float *row, ptrdiff_t width, ptrdiff_t length,
                                                               float *phase) {
    phase[0] = phase[length] = phase[2 * length] = phase[3 * length] = 0;  // columns -4 ... -1
    ptrdiff_t i = 1;
    for (; i + 8 <= length && 4 * (i - 1) + 32 <= width; i += 8) {
        // 32 values, 4 x 8 transposed: phase r takes values r, r + 4, ..., r + 28.
        const float *from = row + 4 * (i - 1);
        const v8f v0 = load8(from), v1 = load8(from + 8), v2 = load8(from + 16), v3 = load8(from + 24);
        const v8f a = __builtin_shufflevector(v0, v1, 0, 4, 8, 12, 1, 5, 9, 13);
        const v8f b = __builtin_shufflevector(v2, v3, 0, 4, 8, 12, 1, 5, 9, 13);
        const v8f c = __builtin_shufflevector(v0, v1, 2, 6, 10, 14, 3, 7, 11, 15);
        const v8f d = __builtin_shufflevector(v2, v3, 2, 6, 10, 14, 3, 7, 11, 15);
        store8(phase + i, __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11));
        store8(phase + length + i, __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15));
        store8(phase + 2 * length + i, __builtin_shufflevector(c, d, 0, 1, 2, 3, 8, 9, 10, 11));
        store8(phase + 3 * length + i, __builtin_shufflevector(c, d, 4, 5, 6, 7, 12, 13, 14, 15));
    }
    for (; i < length; i++) {
        for (int r = 0; r < 4; r++) {
            const ptrdiff_t x = 4 * (i - 1) + r;
            phase[r * length + i] = x < width ? row[x] : 0.0f;
        }
    }
}

// B^T d for quads t0 ... t0 + 7 of one row in phases p0 ... p3: d0 ... d5 are the padded
// input columns 4t - 1 ... 4t + 4; x[0] ... x[5] the six transformed values.
#define TRANSFORM8(p0, p1, p2, p3, t0, x)                                                               \
    do {                                                                                                \
        const v8f d0 = load8((p3) + (t0)), d1 = load8((p0) + (t0) + 1), d2 = load8((p1) + (t0) + 1),    \
                  d3 = load8((p2) + (t0) + 1), d4 = load8((p3) + (t0) + 1), d5 = load8((p0) + (t0) + 2); \
        (x)[0] = (4.0f * d0 - 5.0f * d2) + d4;                                                          \
        (x)[1] = (d3 + d4) - 4.0f * (d1 + d2);                                                          \
        (x)[2] = 4.0f * (d1 - d2) + (d4 - d3);                                                          \
        (x)[3] = 2.0f * (d3 - d1) + (d4 - d2);                                                          \
        (x)[4] = 2.0f * (d1 - d3) + (d4 - d2);                                                          \
        (x)[5] = (4.0f * d1 - 5.0f * d3) + d5;                                                          \
    } while (0)

static inline __attribute__((always_inline)) void expand_body(const float *input, ptrdiff_t channels,
                                                              ptrdiff_t height, ptrdiff_t width,
                                                              ptrdiff_t row_begin, ptrdiff_t row_end,
                                                              float *expanded, float *scratch) {
    const ptrdiff_t quads = (width / 2 + 1) / 2;
    const ptrdiff_t rows = row_end - row_begin, columns = rows * quads, depth = channels * 3;
    const ptrdiff_t product_stride = depth * columns;
    const ptrdiff_t length = musicindex_winograd4_phase_length(width);
    for (ptrdiff_t channel = 0; channel < channels; channel++) {
        // First every input row of the strip in phases, then the transforms: reading phases
        // written just before stalls on the store buffer (the loads span several stores).
        for (ptrdiff_t yy = row_begin - 1; yy <= row_end; yy++) {
            if (yy < 0 || yy >= height) continue;
            deinterleave(input + (channel * height + yy) * width, width, length,
                         scratch + (yy - (row_begin - 1)) * 4 * length);
        }
        // Input row yy is kernel row dy of output row yy + 1 - dy: up to three lines of each
        // product take its transformed values.
        for (ptrdiff_t yy = row_begin - 1; yy <= row_end; yy++) {
            float *lines[3];
            int line_count = 0;
            for (int dy = 0; dy < 3; dy++) {
                const ptrdiff_t y = yy + 1 - dy;
                if (y < row_begin || y >= row_end) continue;
                lines[line_count++] = expanded + (channel * 3 + dy) * columns + (y - row_begin) * quads;
            }
            if (line_count == 0) continue;
            if (yy < 0 || yy >= height) {
                // A padding row.
                for (int k = 0; k < line_count; k++) {
                    for (int j = 0; j < 6; j++) memset(lines[k] + j * product_stride, 0, (size_t)quads * sizeof(float));
                }
                continue;
            }
            const float *phase = scratch + (yy - (row_begin - 1)) * 4 * length;
            const float *p0 = phase, *p1 = phase + length, *p2 = phase + 2 * length, *p3 = phase + 3 * length;
            // Quads t0 ..< t0 + 8: d0 ... d5 = padded input columns 4t - 1 ... 4t + 4.
            for (ptrdiff_t t0 = 0; t0 < quads; t0 += 8) {
                v8f x[6];
                TRANSFORM8(p0, p1, p2, p3, t0, x);
                const ptrdiff_t n = quads - t0 < 8 ? quads - t0 : 8;
                for (int k = 0; k < line_count; k++) {
                    for (int j = 0; j < 6; j++) {
                        float *line = lines[k] + j * product_stride + t0;
                        if (n == 8) {
                            store8(line, x[j]);
                        } else {
                            for (ptrdiff_t lane = 0; lane < n; lane++) line[lane] = x[j][lane];
                        }
                    }
                }
            }
        }
    }
}

// The same transformed values, each input row once: line r of channel c of T_j is the padded
// input row row_begin - 1 + r (zeros outside the image), so that the product's row
// (c * 3 + dy) for output rows row_begin ... is line dy of channel c onwards, read in place.
static inline __attribute__((always_inline)) void transform_body(const float *input, ptrdiff_t channels,
                                                                 ptrdiff_t height, ptrdiff_t width,
                                                                 ptrdiff_t row_begin, ptrdiff_t row_end,
                                                                 float *transformed, float *scratch) {
    const ptrdiff_t quads = (width / 2 + 1) / 2;
    const ptrdiff_t lines = row_end - row_begin + 2, product_stride = channels * lines * quads;
    const ptrdiff_t length = musicindex_winograd4_phase_length(width);
    for (ptrdiff_t channel = 0; channel < channels; channel++) {
        // All rows in phases first, as in `expand_body`.
        for (ptrdiff_t r = 0; r < lines; r++) {
            const ptrdiff_t yy = row_begin - 1 + r;
            if (yy < 0 || yy >= height) continue;
            deinterleave(input + (channel * height + yy) * width, width, length, scratch + r * 4 * length);
        }
        for (ptrdiff_t r = 0; r < lines; r++) {
            const ptrdiff_t yy = row_begin - 1 + r;
            float *line = transformed + (channel * lines + r) * quads;
            if (yy < 0 || yy >= height) {
                for (int j = 0; j < 6; j++) memset(line + j * product_stride, 0, (size_t)quads * sizeof(float));
                continue;
            }
            const float *phase = scratch + r * 4 * length;
            const float *p0 = phase, *p1 = phase + length, *p2 = phase + 2 * length, *p3 = phase + 3 * length;
            for (ptrdiff_t t0 = 0; t0 < quads; t0 += 8) {
                v8f x[6];
                TRANSFORM8(p0, p1, p2, p3, t0, x);
                const ptrdiff_t n = quads - t0 < 8 ? quads - t0 : 8;
                for (int j = 0; j < 6; j++) {
                    float *to = line + j * product_stride + t0;
                    if (n == 8) {
                        store8(to, x[j]);
                    } else {
                        for (ptrdiff_t lane = 0; lane < n; lane++) to[lane] = x[j][lane];
                    }
                }
            }
        }
    }
}

#define load1(p) (*(p))

// The output transform A^T m of the quad at column `i` of products m0 ... m5, its four outputs
// m0 + m1 + m2 + m3 + m4, m1 - m2 + 2 (m3 - m4), m1 + m2 + 4 (m3 + m4) and
// m1 - m2 + 8 (m3 - m4) + m5 pooled in pairs into `even` and `odd`; the same operations for
// eight quads (v8f) and for one (float).
#define OUTPUT_PAIRS(TYPE, LOAD, LARGER, i, even, odd)                                                  \
    do {                                                                                                \
        const ptrdiff_t at = (i);                                                                       \
        const TYPE a0 = LOAD(m0 + at), a1 = LOAD(m1 + at), a2 = LOAD(m2 + at), a3 = LOAD(m3 + at),       \
                   a4 = LOAD(m4 + at), a5 = LOAD(m5 + at);                                               \
        const TYPE difference = a1 - a2, sum = a1 + a2, difference34 = a3 - a4, sum34 = a3 + a4;        \
        (even) = LARGER((sum + sum34) + a0, difference + 2.0f * difference34);                          \
        (odd) = LARGER(sum + 4.0f * sum34, (difference + 8.0f * difference34) + a5);                    \
    } while (0)

static inline __attribute__((always_inline)) void pool_body(const float *products, ptrdiff_t channels,
                                                            ptrdiff_t rows, ptrdiff_t width, const float *bias,
                                                            float *destination, ptrdiff_t first_pooled_row,
                                                            ptrdiff_t pooled_height, ptrdiff_t row_stride) {
    const ptrdiff_t pairs = width / 2, quads = (pairs + 1) / 2, columns = rows * quads;
    const ptrdiff_t product_stride = channels * columns;
    const float *m0 = products, *m1 = m0 + product_stride, *m2 = m1 + product_stride, *m3 = m2 + product_stride,
                *m4 = m3 + product_stride, *m5 = m4 + product_stride;
    const v8f zero = {0, 0, 0, 0, 0, 0, 0, 0};
    for (ptrdiff_t channel = 0; channel < channels; channel++) {
        const float shift = bias[channel];
        for (ptrdiff_t y = 0; y < rows / 2; y++) {
            float *out = destination + (channel * pooled_height + first_pooled_row + y) * row_stride;
            const ptrdiff_t top = channel * columns + 2 * y * quads, bottom = top + quads;
            ptrdiff_t t = 0;
            for (; t + 8 <= quads; t += 8) {
                v8f even[2], odd[2];
                for (int half = 0; half < 2; half++) {
                    OUTPUT_PAIRS(v8f, load8, larger8, (half == 0 ? top : bottom) + t, even[half], odd[half]);
                }
                const v8f e = larger8(larger8(even[0], even[1]) + shift, zero);
                const v8f o = larger8(larger8(odd[0], odd[1]) + shift, zero);
                const v8f low = __builtin_shufflevector(e, o, 0, 8, 1, 9, 2, 10, 3, 11);
                const v8f high = __builtin_shufflevector(e, o, 4, 12, 5, 13, 6, 14, 7, 15);
                if (2 * t + 16 <= pairs) {
                    store8(out + 2 * t, low);
                    store8(out + 2 * t + 8, high);
                } else {
                    // An odd pair count: the last quad's second pool column does not exist.
                    float values[16];
                    store8(values, low);
                    store8(values + 8, high);
                    for (ptrdiff_t k = 0; 2 * t + k < pairs; k++) out[2 * t + k] = values[k];
                }
            }
            for (; t < quads; t++) {
                float even1[2], odd1[2];
                for (int half = 0; half < 2; half++) {
                    OUTPUT_PAIRS(float, load1, larger1, (half == 0 ? top : bottom) + t, even1[half], odd1[half]);
                }
                out[2 * t] = larger1(larger1(even1[0], even1[1]) + shift, 0.0f);
                if (2 * t + 1 < pairs) out[2 * t + 1] = larger1(larger1(odd1[0], odd1[1]) + shift, 0.0f);
            }
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("avx"))) static void expand_avx(const float *input, ptrdiff_t channels, ptrdiff_t height,
                                                       ptrdiff_t width, ptrdiff_t row_begin, ptrdiff_t row_end,
                                                       float *expanded, float *scratch) {
    expand_body(input, channels, height, width, row_begin, row_end, expanded, scratch);
}

__attribute__((target("avx"))) static void transform_avx(const float *input, ptrdiff_t channels, ptrdiff_t height,
                                                          ptrdiff_t width, ptrdiff_t row_begin, ptrdiff_t row_end,
                                                          float *transformed, float *scratch) {
    transform_body(input, channels, height, width, row_begin, row_end, transformed, scratch);
}

__attribute__((target("avx"))) static void pool_avx(const float *products, ptrdiff_t channels, ptrdiff_t rows,
                                                     ptrdiff_t width, const float *bias, float *destination,
                                                     ptrdiff_t first_pooled_row, ptrdiff_t pooled_height,
                                                     ptrdiff_t row_stride) {
    pool_body(products, channels, rows, width, bias, destination, first_pooled_row, pooled_height, row_stride);
}
#endif

void musicindex_winograd4_expand_portable(const float *input, ptrdiff_t channels, ptrdiff_t height,
                                          ptrdiff_t width, ptrdiff_t row_begin, ptrdiff_t row_end, float *expanded,
                                          float *scratch) {
    expand_body(input, channels, height, width, row_begin, row_end, expanded, scratch);
}

void musicindex_winograd4_expand(const float *input, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                                 ptrdiff_t row_begin, ptrdiff_t row_end, float *expanded, float *scratch) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx")) {
        expand_avx(input, channels, height, width, row_begin, row_end, expanded, scratch);
        return;
    }
#endif
    musicindex_winograd4_expand_portable(input, channels, height, width, row_begin, row_end, expanded, scratch);
}

void musicindex_winograd4_transform_portable(const float *input, ptrdiff_t channels, ptrdiff_t height,
                                             ptrdiff_t width, ptrdiff_t row_begin, ptrdiff_t row_end,
                                             float *transformed, float *scratch) {
    transform_body(input, channels, height, width, row_begin, row_end, transformed, scratch);
}

void musicindex_winograd4_transform(const float *input, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                                    ptrdiff_t row_begin, ptrdiff_t row_end, float *transformed, float *scratch) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx")) {
        transform_avx(input, channels, height, width, row_begin, row_end, transformed, scratch);
        return;
    }
#endif
    musicindex_winograd4_transform_portable(input, channels, height, width, row_begin, row_end, transformed,
                                            scratch);
}

void musicindex_winograd4_pool_portable(const float *products, ptrdiff_t channels, ptrdiff_t rows, ptrdiff_t width,
                                        const float *bias, float *destination, ptrdiff_t first_pooled_row,
                                        ptrdiff_t pooled_height, ptrdiff_t row_stride) {
    pool_body(products, channels, rows, width, bias, destination, first_pooled_row, pooled_height, row_stride);
}

void musicindex_winograd4_pool(const float *products, ptrdiff_t channels, ptrdiff_t rows, ptrdiff_t width,
                               const float *bias, float *destination, ptrdiff_t first_pooled_row,
                               ptrdiff_t pooled_height, ptrdiff_t row_stride) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx")) {
        pool_avx(products, channels, rows, width, bias, destination, first_pooled_row, pooled_height, row_stride);
        return;
    }
#endif
    musicindex_winograd4_pool_portable(products, channels, rows, width, bias, destination, first_pooled_row,
                                       pooled_height, row_stride);
}
