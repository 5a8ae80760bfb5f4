#include "musicindex_kernels.h"

#include <float.h>

// The per-frame loops of the STFT pass (window, power spectrum, magnitudes, spectral shape)
// and power_to_db, each compiled for AVX-512, AVX and the baseline and chosen at run time.
// The same arithmetic on every path: no contraction into fused multiply-adds, and IEEE
// square roots (correctly rounded), so every path gives the same bits.
#pragma clang fp contract(off)

typedef float v8f __attribute__((vector_size(32)));
typedef float v8f_unaligned __attribute__((vector_size(32), aligned(4)));
typedef float v16f __attribute__((vector_size(64)));
typedef float v16f_unaligned __attribute__((vector_size(64), aligned(4)));
typedef double v8d __attribute__((vector_size(64)));
typedef double v8d_unaligned __attribute__((vector_size(64), aligned(8)));
typedef uint32_t v16u __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));

#define SPLAT16(x) ((v16f){(x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x), (x)})

static inline __attribute__((always_inline)) void window_body(const float *samples, const double *window, float *out,
                                                              ptrdiff_t count) {
    ptrdiff_t i = 0;
    for (; i + 8 <= count; i += 8) {
        v8d x = __builtin_convertvector(*(const v8f_unaligned *)(samples + i), v8d);
        *(v8f_unaligned *)(out + i) = __builtin_convertvector(x * *(const v8d_unaligned *)(window + i), v8f);
    }
    for (; i < count; i++) out[i] = (float)((double)samples[i] * window[i]);
}

static inline __attribute__((always_inline)) void power_body(const float *interleaved, float *power,
                                                             ptrdiff_t bins) {
    ptrdiff_t k = 0;
    for (; k + 16 <= bins; k += 16) {
        v16f a = *(const v16f_unaligned *)(interleaved + 2 * k);
        v16f b = *(const v16f_unaligned *)(interleaved + 2 * k + 16);
        a = a * a;
        b = b * b;
        v16f re = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        v16f im = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        *(v16f_unaligned *)(power + k) = re + im;
    }
    for (; k < bins; k++) {
        float re = interleaved[2 * k], im = interleaved[2 * k + 1];
        power[k] = re * re + im * im;
    }
}

static inline __attribute__((always_inline)) void root_body(const float *source, float *destination,
                                                            ptrdiff_t count) {
    ptrdiff_t i = 0;
    for (; i + 16 <= count; i += 16) {
        *(v16f_unaligned *)(destination + i) = __builtin_elementwise_sqrt(*(const v16f_unaligned *)(source + i));
    }
    for (; i < count; i++) destination[i] = __builtin_sqrtf(source[i]);
}

static inline __attribute__((always_inline)) double sum8(v8d v) {
    return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
}

static inline __attribute__((always_inline)) void shape_body(const float *m, const double *f, ptrdiff_t count,
                                                             double roll_percent, musicindex_shape *out) {
    v8d s0 = {0}, s1 = {0}, w0 = {0}, w1 = {0};
    ptrdiff_t k = 0;
    for (; k + 16 <= count; k += 16) {
        v8d a = __builtin_convertvector(*(const v8f_unaligned *)(m + k), v8d);
        v8d b = __builtin_convertvector(*(const v8f_unaligned *)(m + k + 8), v8d);
        s0 += a;
        s1 += b;
        w0 += a * *(const v8d_unaligned *)(f + k);
        w1 += b * *(const v8d_unaligned *)(f + k + 8);
    }
    double total = sum8(s0 + s1), weighted = sum8(w0 + w1);
    for (ptrdiff_t i = k; i < count; i++) {
        total += (double)m[i];
        weighted += (double)m[i] * f[i];
    }
    out->total = total;
    out->centroid = 0;
    out->spread = 0;
    if (total >= DBL_MIN) {  // librosa leaves a column summing to less unnormalised
        double centroid = weighted / total;
        v8d c = {centroid, centroid, centroid, centroid, centroid, centroid, centroid, centroid};
        v8d d0 = {0}, d1 = {0};
        k = 0;
        for (; k + 16 <= count; k += 16) {
            v8d a = __builtin_convertvector(*(const v8f_unaligned *)(m + k), v8d);
            v8d b = __builtin_convertvector(*(const v8f_unaligned *)(m + k + 8), v8d);
            v8d x = *(const v8d_unaligned *)(f + k) - c, y = *(const v8d_unaligned *)(f + k + 8) - c;
            d0 += a * x * x;
            d1 += b * y * y;
        }
        double deviation = sum8(d0 + d1);
        for (ptrdiff_t i = k; i < count; i++) {
            double x = f[i] - centroid;
            deviation += (double)m[i] * x * x;
        }
        out->centroid = centroid;
        out->spread = deviation / total;
    }
    // The first bin whose cumulative sum reaches the threshold (the last bin if none does
    // before it): whole blocks of 16 below it are skipped, then bin by bin.
    double threshold = roll_percent * total, cumulative = 0;
    ptrdiff_t bin = 0;
    while (bin + 16 <= count - 1) {
        v8d a = __builtin_convertvector(*(const v8f_unaligned *)(m + bin), v8d);
        v8d b = __builtin_convertvector(*(const v8f_unaligned *)(m + bin + 8), v8d);
        double block = sum8(a + b);
        if (cumulative + block >= threshold) break;
        cumulative += block;
        bin += 16;
    }
    while (bin < count - 1) {
        cumulative += (double)m[bin];
        if (cumulative >= threshold) break;
        bin++;
    }
    out->rolloff_bin = bin;
}

// ln x of 16 positive normal floats: musl's logf range reduction and Cephes' logf polynomial,
// the operations of `VectorMath.log` in the same order (so both give the same bits).
static inline __attribute__((always_inline)) v16f log16(v16f x) {
    const v16u ix = (v16u)x + (0x3F800000u - 0x3F3504F3u);
    const v16f k = (v16f)((ix >> 23) + (0x4B400000u - 0x7Fu)) - 12582912.0f;
    const v16f m = (v16f)((ix & 0x007FFFFFu) + 0x3F3504F3u);
    const v16f f = m - 1.0f;
    const v16f z = f * f;
    v16f y = 7.0376836292e-2f * f - 1.1514610310e-1f;
    y = y * f + 1.1676998740e-1f;
    y = y * f - 1.2420140846e-1f;
    y = y * f + 1.4249322787e-1f;
    y = y * f - 1.6668057665e-1f;
    y = y * f + 2.0000714765e-1f;
    y = y * f - 2.4999993993e-1f;
    y = y * f + 3.3333331174e-1f;
    y = y * f * z;
    y += -2.12194440e-4f * k;
    y += -0.5f * z;
    return f + y + 0.693359375f * k;
}

static inline __attribute__((always_inline)) float decibels_body(float *x, ptrdiff_t count, float amin, float scale,
                                                                 float offset, float floor_db, ptrdiff_t *done) {
    const v16f floor = SPLAT16(amin), floor_lanes = SPLAT16(floor_db);
    v16f maximum = SPLAT16(-__builtin_inff());
    ptrdiff_t i = 0;
    for (; i + 16 <= count; i += 16) {
        const v16f power = *(const v16f_unaligned *)(x + i);
        const v16i below = floor > power, at_floor = power <= floor;
        const v16f clamped = (v16f)(((v16i)floor & below) | ((v16i)power & ~below));
        v16f db = scale * log16(clamped) - offset;
        db = (v16f)(((v16i)floor_lanes & at_floor) | ((v16i)db & ~at_floor));
        *(v16f_unaligned *)(x + i) = db;
        const v16i larger = db >= maximum;
        maximum = (v16f)(((v16i)db & larger) | ((v16i)maximum & ~larger));
    }
    *done = i;
    float result = -__builtin_inff();
    for (int lane = 0; lane < 16; lane++) result = maximum[lane] >= result ? maximum[lane] : result;
    return result;
}

static inline __attribute__((always_inline)) void raise_body(float *x, ptrdiff_t count, float floor) {
    ptrdiff_t i = 0;
    const v16f lanes = SPLAT16(floor);
    for (; i + 16 <= count; i += 16) {
        const v16f v = *(const v16f_unaligned *)(x + i);
        const v16i below = v < lanes;
        *(v16f_unaligned *)(x + i) = (v16f)(((v16i)lanes & below) | ((v16i)v & ~below));
    }
    for (; i < count; i++) if (x[i] < floor) x[i] = floor;
}

#if defined(__x86_64__)
__attribute__((target("avx512f"))) static float decibels_avx512(float *x, ptrdiff_t count, float amin, float scale,
                                                                float offset, float floor_db, ptrdiff_t *done) {
    return decibels_body(x, count, amin, scale, offset, floor_db, done);
}
__attribute__((target("avx"))) static float decibels_avx(float *x, ptrdiff_t count, float amin, float scale,
                                                         float offset, float floor_db, ptrdiff_t *done) {
    return decibels_body(x, count, amin, scale, offset, floor_db, done);
}
__attribute__((target("avx512f"))) static void raise_avx512(float *x, ptrdiff_t count, float floor) {
    raise_body(x, count, floor);
}
__attribute__((target("avx"))) static void raise_avx(float *x, ptrdiff_t count, float floor) {
    raise_body(x, count, floor);
}
__attribute__((target("avx512f"))) static void shape_avx512(const float *m, const double *f, ptrdiff_t count,
                                                            double roll_percent, musicindex_shape *out) {
    shape_body(m, f, count, roll_percent, out);
}
__attribute__((target("avx"))) static void shape_avx(const float *m, const double *f, ptrdiff_t count,
                                                     double roll_percent, musicindex_shape *out) {
    shape_body(m, f, count, roll_percent, out);
}
__attribute__((target("avx512f"))) static void window_avx512(const float *samples, const double *window, float *out,
                                                             ptrdiff_t count) {
    window_body(samples, window, out, count);
}
__attribute__((target("avx"))) static void window_avx(const float *samples, const double *window, float *out,
                                                      ptrdiff_t count) {
    window_body(samples, window, out, count);
}
__attribute__((target("avx512f"))) static void power_avx512(const float *interleaved, float *power, ptrdiff_t bins) {
    power_body(interleaved, power, bins);
}
__attribute__((target("avx"))) static void power_avx(const float *interleaved, float *power, ptrdiff_t bins) {
    power_body(interleaved, power, bins);
}
__attribute__((target("avx512f"))) static void root_avx512(const float *source, float *destination, ptrdiff_t count) {
    root_body(source, destination, count);
}
__attribute__((target("avx"))) static void root_avx(const float *source, float *destination, ptrdiff_t count) {
    root_body(source, destination, count);
}
#endif

void musicindex_window_portable(const float *samples, const double *window, float *out, ptrdiff_t count) {
    window_body(samples, window, out, count);
}

void musicindex_window(const float *samples, const double *window, float *out, ptrdiff_t count) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) return window_avx512(samples, window, out, count);
    if (__builtin_cpu_supports("avx")) return window_avx(samples, window, out, count);
#endif
    musicindex_window_portable(samples, window, out, count);
}

void musicindex_power_spectrum_portable(const float *interleaved, float *power, ptrdiff_t bins) {
    power_body(interleaved, power, bins);
}

void musicindex_power_spectrum(const float *interleaved, float *power, ptrdiff_t bins) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) return power_avx512(interleaved, power, bins);
    if (__builtin_cpu_supports("avx")) return power_avx(interleaved, power, bins);
#endif
    musicindex_power_spectrum_portable(interleaved, power, bins);
}

void musicindex_square_root_portable(const float *source, float *destination, ptrdiff_t count) {
    root_body(source, destination, count);
}

void musicindex_square_root(const float *source, float *destination, ptrdiff_t count) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) return root_avx512(source, destination, count);
    if (__builtin_cpu_supports("avx")) return root_avx(source, destination, count);
#endif
    musicindex_square_root_portable(source, destination, count);
}

void musicindex_prefetch(const void *start, ptrdiff_t bytes) {
    const char *p = (const char *)start;
    for (ptrdiff_t offset = 0; offset < bytes; offset += 64) __builtin_prefetch(p + offset, 0, 3);
}

void musicindex_spectral_shape_portable(const float *magnitude, const double *frequencies, ptrdiff_t count,
                                        double roll_percent, musicindex_shape *out) {
    shape_body(magnitude, frequencies, count, roll_percent, out);
}

void musicindex_spectral_shape(const float *magnitude, const double *frequencies, ptrdiff_t count,
                               double roll_percent, musicindex_shape *out) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) return shape_avx512(magnitude, frequencies, count, roll_percent, out);
    if (__builtin_cpu_supports("avx")) return shape_avx(magnitude, frequencies, count, roll_percent, out);
#endif
    musicindex_spectral_shape_portable(magnitude, frequencies, count, roll_percent, out);
}

float musicindex_decibels_portable(float *values, ptrdiff_t count, float amin, float scale, float offset,
                                   float floor_db, ptrdiff_t *done) {
    return decibels_body(values, count, amin, scale, offset, floor_db, done);
}

float musicindex_decibels(float *values, ptrdiff_t count, float amin, float scale, float offset, float floor_db,
                          ptrdiff_t *done) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) return decibels_avx512(values, count, amin, scale, offset, floor_db, done);
    if (__builtin_cpu_supports("avx")) return decibels_avx(values, count, amin, scale, offset, floor_db, done);
#endif
    return musicindex_decibels_portable(values, count, amin, scale, offset, floor_db, done);
}

void musicindex_raise_to(float *values, ptrdiff_t count, float floor) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) return raise_avx512(values, count, floor);
    if (__builtin_cpu_supports("avx")) return raise_avx(values, count, floor);
#endif
    raise_body(values, count, floor);
}
