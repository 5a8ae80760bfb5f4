#include "musicindex_kernels.h"

#include <string.h>

// The same arithmetic on every path: no contraction into fused multiply-adds.
#pragma clang fp contract(off)

typedef double v4d __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16), aligned(4)));

#define SPLAT(value) ((v4d){(value), (value), (value), (value)})
// (value k back at lanes 0, 1; value k - 1 back at lanes 2, 3) of the histories at `offset`.
#define PAIR(a, b, offset, older) \
    ((v4d){(a)[(offset) + (older)], (b)[(offset) + (older)], (a)[(offset) + (older) - 1], (b)[(offset) + (older) - 1]})

static inline __attribute__((always_inline)) double step(const musicindex_section *s, double x, double x1, double x2,
                                                         double y1, double y2) {
    return (s->b0 * x + s->b1 * x1 + s->b2 * x2) - (s->a1 * y1 + s->a2 * y2);
}

static inline __attribute__((always_inline)) void kweight_body(const float *frames, ptrdiff_t count, ptrdiff_t channels,
                                                               ptrdiff_t first, ptrdiff_t second,
                                                               const musicindex_section *s, const musicindex_section *h,
                                                               double *a, double *b, double sums[2]) {
    ptrdiff_t n = 0;
    double sum0 = 0, sum1 = 0;
    if (count >= 2) {
        v4d x1 = PAIR(a, b, 0, 1), x2 = PAIR(a, b, 0, 3), xs1 = PAIR(a, b, 0, 2);
        v4d y1 = PAIR(a, b, 4, 1), y2 = PAIR(a, b, 4, 3), ys1 = PAIR(a, b, 4, 2);
        v4d k1 = PAIR(a, b, 8, 1), k2 = PAIR(a, b, 8, 3);
        const v4d sn0 = SPLAT(s->n0), sn1 = SPLAT(s->n1), sn2 = SPLAT(s->n2), sn3 = SPLAT(s->n3), sn4 = SPLAT(s->n4);
        const v4d sd2 = SPLAT(s->d2), sd4 = SPLAT(s->d4);
        const v4d hn0 = SPLAT(h->n0), hn1 = SPLAT(h->n1), hn2 = SPLAT(h->n2), hn3 = SPLAT(h->n3), hn4 = SPLAT(h->n4);
        const v4d hd2 = SPLAT(h->d2), hd4 = SPLAT(h->d4);
        v4d energy = SPLAT(0);
        const int stereo = channels == 2 && first == 0 && second == 1;
        const float *p = frames;
        // One loop per case, so that the test does not run per frame.
#define PAIRS(STEREO)                                                                                      \
        for (; n + 2 <= count; n += 2, p += 2 * channels) {                                                \
            v4d x = (STEREO) ? __builtin_convertvector(*(const v4f *)p, v4d)                               \
                             : (v4d){p[first], p[second], p[channels + first], p[channels + second]};     \
            v4d xs = __builtin_shufflevector(x1, x, 2, 3, 4, 5);                                           \
            v4d y = ((sn0 * x + sn1 * xs) + (sn2 * x1 + sn3 * xs1) + sn4 * x2 - sd4 * y2) - sd2 * y1;    \
            v4d ys = __builtin_shufflevector(y1, y, 2, 3, 4, 5);                                           \
            v4d k = ((hn0 * y + hn1 * ys) + (hn2 * y1 + hn3 * ys1) + hn4 * y2 - hd4 * k2) - hd2 * k1;    \
            energy += k * k;                                                                               \
            x2 = x1; x1 = x; xs1 = xs;                                                                     \
            y2 = y1; y1 = y; ys1 = ys;                                                                     \
            k2 = k1; k1 = k;                                                                               \
        }
        if (stereo) {
            PAIRS(1)
        } else {
            PAIRS(0)
        }
#undef PAIRS
        sum0 = energy[0] + energy[2];
        sum1 = energy[1] + energy[3];
        // Back to per-channel histories, most recent first (the second channel first, so a
        // lone channel in both lanes ends with its own values either way).
        double *bases[2] = {b, a};
        for (int i = 0; i < 2; i++) {
            int lane = 1 - i;
            double *base = bases[i];
            v4d recents[3] = {x1, y1, k1}, olders[3] = {x2, y2, k2};
            for (int j = 0; j < 3; j++) {
                base[4 * j] = recents[j][lane + 2];
                base[4 * j + 1] = recents[j][lane];
                base[4 * j + 2] = olders[j][lane + 2];
                base[4 * j + 3] = olders[j][lane];
            }
        }
    }
    for (; n < count; n++) {
        for (int lane = 0; lane < 2; lane++) {
            if (lane == 1 && second == first) break;
            double *base = lane == 0 ? a : b;
            double x = frames[n * channels + (lane == 0 ? first : second)];
            double y = step(s, x, base[0], base[1], base[4], base[5]);
            double k = step(h, y, base[4], base[5], base[8], base[9]);
            memmove(base + 1, base, 3 * sizeof(double));
            memmove(base + 5, base + 4, 3 * sizeof(double));
            memmove(base + 9, base + 8, 3 * sizeof(double));
            base[0] = x;
            base[4] = y;
            base[8] = k;
            if (lane == 0) sum0 += k * k; else sum1 += k * k;
        }
    }
    if (second == first) sum1 = sum0;
    sums[0] += sum0;
    sums[1] += sum1;
}

#if defined(__x86_64__)
__attribute__((target("avx"))) static void kweight_avx(const float *frames, ptrdiff_t count, ptrdiff_t channels,
                                                        ptrdiff_t first, ptrdiff_t second, const musicindex_section *s,
                                                        const musicindex_section *h, double *a, double *b,
                                                        double sums[2]) {
    kweight_body(frames, count, channels, first, second, s, h, a, b, sums);
}
#endif

void musicindex_kweight_pair_portable(const float *frames, ptrdiff_t count, ptrdiff_t channels, ptrdiff_t first,
                            ptrdiff_t second, const musicindex_section *s, const musicindex_section *h, double *a,
                            double *b, double sums[2]) {
    kweight_body(frames, count, channels, first, second, s, h, a, b, sums);
}

void musicindex_kweight_pair(const float *frames, ptrdiff_t count, ptrdiff_t channels, ptrdiff_t first,
                             ptrdiff_t second, const musicindex_section *shelf, const musicindex_section *highpass,
                             double *history_first, double *history_second, double sums[2]) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx")) {
        kweight_avx(frames, count, channels, first, second, shelf, highpass, history_first, history_second, sums);
        return;
    }
#endif
    musicindex_kweight_pair_portable(frames, count, channels, first, second, shelf, highpass, history_first,
                                     history_second, sums);
}
