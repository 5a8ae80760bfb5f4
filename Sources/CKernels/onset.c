#include "musicindex_onset.h"

#include <stdint.h>

// The median aggregate of the onset strength envelope: for each frame j, the median over the
// bands b of max(0, S[b, j + lag] - S[b, j]), S row-major [bands, frames].
//
// A frame's values lie down a column of S (one per row, `frames` apart), and a scalar
// selection on them branches unpredictably. Here 16 consecutive frames go side by side, one
// per SIMD lane: band b's increases for frames j ..< j + 16 are two contiguous loads and a
// subtraction, and the 16 medians come out of one selection network applied to the 128
// vectors with vertical min/max, no branches and no gather.
//
// The network is Batcher's odd-even merge sort of 128 wires, written recursively (sort each
// half, then merge the evens and the odds and compare neighbours) so that the comparators
// come in depth-first order: with AVX-512's 32 registers a sort of 16 wires stays in
// registers and little spills. Only the two middle wires (63 and 64) are read at the end;
// once the loops are unrolled the compiler drops every comparator (and every min or max)
// that does not lead to them, keeping about 2,300 of the full sort's 2,942 min/max. Fewer
// bands than 128 are padded with -inf below and +inf above, as many of each as puts the
// middle values of the real bands on wires 63 and 64. (128 bands x 11,600 frames: about
// 0.33 ms with AVX-512, against 3.5 to 5 ms for the scalar selection.)
//
// min and max are exact, so every path (AVX-512, AVX, baseline, scalar) gives the same
// bits, those of the scalar selection in Swift. An increase is kept as (d > 0 ? d : +0.0):
// never -0.0, and NaN (inf - inf, or NaN in S) becomes +0.0, so the bands' wires hold only
// +0.0, positive numbers and +inf, whose order is total and whose order statistics are
// unique bit patterns (and min/max never see a NaN). The even-count median is
// (float)(((double)lower + (double)upper) / 2), as in Swift: +inf if either is +inf.
//
// Band counts above 128 and runs of fewer than 16 frames take a scalar path (quickselect,
// as in Swift) with the same results. A last partial group of frames is computed as the 16
// frames ending at the last one, recomputing (identically) some already written.
#pragma clang fp contract(off)

typedef float v16f __attribute__((vector_size(64)));
typedef float v16f_unaligned __attribute__((vector_size(64), aligned(4)));
typedef int32_t v16i __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef double v8d __attribute__((vector_size(64)));

#define INLINE static inline __attribute__((always_inline))
#define SPLAT16(x) ((v16f){(x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x)})
// Lane by lane, a where mask is set, else b. With these masks, MIN16 and MAX16 are the
// x86 minps/maxps (b when the comparison is false).
#define SELECT16(mask, a, b) ((v16f)(((mask) & (v16i)(a)) | (~(mask) & (v16i)(b))))
#define MIN16(a, b) SELECT16((a) < (b), a, b)
#define MAX16(a, b) SELECT16((a) > (b), a, b)

// The comparator of wires a < b: the smaller value to a, the larger to b.
#define EXCHANGE(x, a, b)                                                                       \
    do {                                                                                        \
        const v16f low_ = MIN16((x)[a], (x)[b]), high_ = MAX16((x)[a], (x)[b]);                 \
        (x)[a] = low_;                                                                          \
        (x)[b] = high_;                                                                         \
    } while (0)

// Network wires: the largest band count the vector path takes.
#define WIRES 128

// mergeN(x, lo, r): merges the wires lo, lo + r, ..., lo + (N - 1) r, whose halves (the first
// and the last N / 2) are each sorted, into one sorted sequence (Batcher's odd-even merge).
INLINE void merge2(v16f *x, int lo, int r) { EXCHANGE(x, lo, lo + r); }
#define DEFINE_MERGE(n, half)                                                                   \
    INLINE void merge##n(v16f *x, int lo, int r) {                                              \
        merge##half(x, lo, 2 * r);                                                              \
        merge##half(x, lo + r, 2 * r);                                                          \
        _Pragma("clang loop unroll(full)")                                                      \
        for (int i = 1; i < n - 1; i += 2) EXCHANGE(x, lo + i * r, lo + (i + 1) * r);          \
    }
DEFINE_MERGE(4, 2)
DEFINE_MERGE(8, 4)
DEFINE_MERGE(16, 8)
DEFINE_MERGE(32, 16)
DEFINE_MERGE(64, 32)
DEFINE_MERGE(128, 64)

// sortN(x, lo): sorts the wires lo ..< lo + N.
INLINE void sort1(v16f *x, int lo) {
    (void)x;
    (void)lo;
}
#define DEFINE_SORT(n, half)                                                                    \
    INLINE void sort##n(v16f *x, int lo) {                                                      \
        sort##half(x, lo);                                                                      \
        sort##half(x, lo + half);                                                               \
        merge##n(x, lo, 1);                                                                     \
    }
DEFINE_SORT(2, 1)
DEFINE_SORT(4, 2)
DEFINE_SORT(8, 4)
DEFINE_SORT(16, 8)
DEFINE_SORT(32, 16)
DEFINE_SORT(64, 32)
DEFINE_SORT(128, 64)

// Hoare's quickselect with a median-of-three pivot (`OnsetStrength.select` in Swift):
// reorders v so that v[k] is its k-th smallest value, with v[k + 1 ..< n] >= v[k], and
// returns it. The values must not be NaN.
static float select_kth(float *v, ptrdiff_t n, ptrdiff_t k) {
    ptrdiff_t lo = 0, hi = n - 1;
    while (lo < hi) {
        const float a = v[lo], b = v[(lo + hi) / 2], c = v[hi];
        const float ab_min = a < b ? a : b, ab_max = a < b ? b : a;
        const float upper = ab_max < c ? ab_max : c;
        const float pivot = ab_min > upper ? ab_min : upper;
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                const float t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                j--;
            }
        }
        if (k <= j) {
            hi = j;
        } else if (k >= i) {
            lo = i;
        } else {
            return v[k];
        }
    }
    return v[k];
}

// The median of frame j, one band at a time (any band count), `v` holding `bands` floats: the
// scalar Swift code. Only the positive increases are stored (packed at the front); the others
// are zeros, the smallest values, so a middle index below their count reads 0 and the
// positives are searched otherwise.
static float median_scalar(const float *S, ptrdiff_t bands, ptrdiff_t frames, ptrdiff_t lag, ptrdiff_t j,
                           float *v) {
    ptrdiff_t positives = 0;
    for (ptrdiff_t b = 0; b < bands; b++) {
        const float d = S[b * frames + j + lag] - S[b * frames + j];
        v[positives] = d;
        positives += d > 0 ? 1 : 0;
    }
    const ptrdiff_t zeros = bands - positives, middle = bands / 2;
    if (bands % 2 == 1) return middle < zeros ? 0.0f : select_kth(v, positives, middle - zeros);
    if (middle < zeros) return 0.0f;
    float lower, upper;
    ptrdiff_t rest;
    if (middle - 1 < zeros) {
        lower = 0.0f;
        rest = 0;
    } else {
        lower = select_kth(v, positives, middle - 1 - zeros);
        rest = middle - zeros;
    }
    // The smallest positive not below the lower middle one (>= it after the selection).
    upper = v[rest];
    for (ptrdiff_t i = rest + 1; i < positives; i++) upper = v[i] < upper ? v[i] : upper;
    return (float)(((double)lower + (double)upper) / 2);
}

INLINE void median_body(const float *S, ptrdiff_t bands, ptrdiff_t frames, ptrdiff_t lag, ptrdiff_t count,
                        float *out, float *scratch) {
    if (bands > WIRES || count < 16) {
        for (ptrdiff_t j = 0; j < count; j++) out[j] = median_scalar(S, bands, frames, lag, j, scratch);
        return;
    }
    // Wires below ..< below + bands hold the bands, then the middle value of an odd count is on
    // wire 64 and the two of an even count on wires 63 and 64.
    const ptrdiff_t below = WIRES / 2 - bands / 2, above = below + bands;
    const v16f zero = SPLAT16(0.0f);
    v16f input[WIRES] __attribute__((aligned(64)));
    for (ptrdiff_t w = 0; w < below; w++) input[w] = SPLAT16(-__builtin_inff());
    for (ptrdiff_t w = above; w < WIRES; w++) input[w] = SPLAT16(__builtin_inff());
    for (ptrdiff_t start = 0; start < count; start += 16) {
        const ptrdiff_t j = start + 16 <= count ? start : count - 16;
        for (ptrdiff_t b = 0; b < bands; b++) {
            const float *row = S + b * frames + j;
            const v16f d = *(const v16f_unaligned *)(row + lag) - *(const v16f_unaligned *)row;
            input[below + b] = SELECT16(d > zero, d, zero);
        }
        v16f x[WIRES];
#pragma clang loop unroll(full)
        for (int w = 0; w < WIRES; w++) x[w] = input[w];
        sort128(x, 0);
        v16f median = x[WIRES / 2];
        if (bands % 2 == 0) {
            const v16f lower = x[WIRES / 2 - 1], upper = median;
            const v8d l0 = __builtin_convertvector(__builtin_shufflevector(lower, lower, 0, 1, 2, 3, 4, 5, 6, 7), v8d);
            const v8d l1 =
                __builtin_convertvector(__builtin_shufflevector(lower, lower, 8, 9, 10, 11, 12, 13, 14, 15), v8d);
            const v8d u0 = __builtin_convertvector(__builtin_shufflevector(upper, upper, 0, 1, 2, 3, 4, 5, 6, 7), v8d);
            const v8d u1 =
                __builtin_convertvector(__builtin_shufflevector(upper, upper, 8, 9, 10, 11, 12, 13, 14, 15), v8d);
            const v8f m0 = __builtin_convertvector((l0 + u0) / 2, v8f);
            const v8f m1 = __builtin_convertvector((l1 + u1) / 2, v8f);
            median = __builtin_shufflevector(m0, m1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        }
        *(v16f_unaligned *)(out + j) = median;
    }
}

#if defined(__x86_64__)
__attribute__((target("avx512f"))) static void median_avx512(const float *S, ptrdiff_t bands, ptrdiff_t frames,
                                                             ptrdiff_t lag, ptrdiff_t count, float *out,
                                                             float *scratch) {
    median_body(S, bands, frames, lag, count, out, scratch);
}
__attribute__((target("avx"))) static void median_avx(const float *S, ptrdiff_t bands, ptrdiff_t frames,
                                                      ptrdiff_t lag, ptrdiff_t count, float *out, float *scratch) {
    median_body(S, bands, frames, lag, count, out, scratch);
}
#endif

void musicindex_onset_median_portable(const float *S, ptrdiff_t bands, ptrdiff_t frames, ptrdiff_t lag,
                                      ptrdiff_t count, float *out, float *scratch) {
    median_body(S, bands, frames, lag, count, out, scratch);
}

int musicindex_onset_median_path(void) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) return 512;
    if (__builtin_cpu_supports("avx")) return 256;
#endif
    return 0;
}

void musicindex_onset_median(const float *S, ptrdiff_t bands, ptrdiff_t frames, ptrdiff_t lag, ptrdiff_t count,
                             float *out, float *scratch) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) {
        median_avx512(S, bands, frames, lag, count, out, scratch);
        return;
    }
    if (__builtin_cpu_supports("avx")) {
        median_avx(S, bands, frames, lag, count, out, scratch);
        return;
    }
#endif
    musicindex_onset_median_portable(S, bands, frames, lag, count, out, scratch);
}
