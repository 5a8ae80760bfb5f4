#include "musicindex_kernels.h"

// The same arithmetic on every path: no contraction into fused multiply-adds.
#pragma clang fp contract(off)

typedef float v8f __attribute__((vector_size(32)));
typedef float v8f_unaligned __attribute__((vector_size(32), aligned(4)));

// 8 x 8 transpose: row i of the result holds element i of each of the eight rows.
#define TRANSPOSE8(r0, r1, r2, r3, r4, r5, r6, r7)                                              \
    do {                                                                                        \
        v8f t0 = __builtin_shufflevector(r0, r1, 0, 8, 1, 9, 4, 12, 5, 13);                     \
        v8f t1 = __builtin_shufflevector(r0, r1, 2, 10, 3, 11, 6, 14, 7, 15);                   \
        v8f t2 = __builtin_shufflevector(r2, r3, 0, 8, 1, 9, 4, 12, 5, 13);                     \
        v8f t3 = __builtin_shufflevector(r2, r3, 2, 10, 3, 11, 6, 14, 7, 15);                   \
        v8f t4 = __builtin_shufflevector(r4, r5, 0, 8, 1, 9, 4, 12, 5, 13);                     \
        v8f t5 = __builtin_shufflevector(r4, r5, 2, 10, 3, 11, 6, 14, 7, 15);                   \
        v8f t6 = __builtin_shufflevector(r6, r7, 0, 8, 1, 9, 4, 12, 5, 13);                     \
        v8f t7 = __builtin_shufflevector(r6, r7, 2, 10, 3, 11, 6, 14, 7, 15);                   \
        v8f u0 = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);                     \
        v8f u1 = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);                   \
        v8f u2 = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);                     \
        v8f u3 = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);                   \
        v8f u4 = __builtin_shufflevector(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13);                     \
        v8f u5 = __builtin_shufflevector(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);                   \
        v8f u6 = __builtin_shufflevector(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13);                     \
        v8f u7 = __builtin_shufflevector(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);                   \
        r0 = __builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11);                         \
        r1 = __builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11);                         \
        r2 = __builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11);                         \
        r3 = __builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11);                         \
        r4 = __builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15);                       \
        r5 = __builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15);                       \
        r6 = __builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15);                       \
        r7 = __builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15);                       \
    } while (0)

static inline __attribute__((always_inline)) void mel_body(const float *power, ptrdiff_t frames, ptrdiff_t bins,
                                                           ptrdiff_t bands, const int32_t *first,
                                                           const int32_t *count, const int32_t *offset,
                                                           const float *weights, float *scratch, float *mel,
                                                           ptrdiff_t stride) {
    // scratch[k * 8 + f] = power[f * bins + k]; frames past `frames` read as zeros.
    const v8f zero = {0, 0, 0, 0, 0, 0, 0, 0};
    ptrdiff_t k = 0;
    for (; k + 8 <= bins; k += 8) {
        v8f r[8];
        for (int f = 0; f < 8; f++) r[f] = f < frames ? *(const v8f_unaligned *)(power + f * bins + k) : zero;
        TRANSPOSE8(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
        for (int i = 0; i < 8; i++) *(v8f *)(scratch + (k + i) * 8) = r[i];
    }
    for (; k < bins; k++) {
        for (int f = 0; f < 8; f++) scratch[k * 8 + f] = f < frames ? power[f * bins + k] : 0;
    }
    for (ptrdiff_t m = 0; m < bands; m++) {
        const float *w = weights + offset[m];
        const v8f *column = (const v8f *)(scratch + (ptrdiff_t)first[m] * 8);
        v8f sum = zero;
        for (int32_t j = 0; j < count[m]; j++) sum += w[j] * column[j];
        if (frames == 8) {
            *(v8f_unaligned *)(mel + m * stride) = sum;
        } else {
            for (ptrdiff_t f = 0; f < frames; f++) mel[m * stride + f] = sum[f];
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("avx"))) static void mel_avx(const float *power, ptrdiff_t frames, ptrdiff_t bins,
                                                    ptrdiff_t bands, const int32_t *first, const int32_t *count,
                                                    const int32_t *offset, const float *weights, float *scratch,
                                                    float *mel, ptrdiff_t stride) {
    mel_body(power, frames, bins, bands, first, count, offset, weights, scratch, mel, stride);
}
#endif

void musicindex_mel_block_portable(const float *power, ptrdiff_t frames, ptrdiff_t bins, ptrdiff_t bands,
                                   const int32_t *first, const int32_t *count, const int32_t *offset,
                                   const float *weights, float *scratch, float *mel, ptrdiff_t stride) {
    mel_body(power, frames, bins, bands, first, count, offset, weights, scratch, mel, stride);
}

void musicindex_mel_block(const float *power, ptrdiff_t frames, ptrdiff_t bins, ptrdiff_t bands,
                          const int32_t *first, const int32_t *count, const int32_t *offset, const float *weights,
                          float *scratch, float *mel, ptrdiff_t stride) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx")) {
        mel_avx(power, frames, bins, bands, first, count, offset, weights, scratch, mel, stride);
        return;
    }
#endif
    musicindex_mel_block_portable(power, frames, bins, bands, first, count, offset, weights, scratch, mel, stride);
}
