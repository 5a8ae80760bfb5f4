#include "musicindex_kernels.h"

#include <stdlib.h>
#include <string.h>

// No contraction into fused multiply-adds: every path computes what its source says, so the
// sequential kernel gives the same bits everywhere, and the time lanes' fused form (AVX-512
// only, written out with explicit fma builtins) the same bits as its portable build.
#pragma clang fp contract(off)

typedef double v4d __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16), aligned(4)));

#define SPLAT(value) ((v4d){(value), (value), (value), (value)})
#define SPLAT8(value) ((v8d){(value), (value), (value), (value), (value), (value), (value), (value)})
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

// MARK: Time lanes

typedef double v8d __attribute__((vector_size(64)));
typedef uint64_t v4u __attribute__((vector_size(32), aligned(4)));
typedef float v8f __attribute__((vector_size(32), aligned(4)));

#define LANE_CHUNKS 8
#define GROUP_CHUNKS 4

// One group of four chunks, both channels: lanes (2c, 2c + 1) are chunk c's first and second
// channel. The direct form I state of both sections and the running sums of squares.
typedef struct {
    v8d x1, x2, y1, y2, k1, k2, energy;
} lane_group;

// Frame `frame` of each of a group's four chunks (`stride` frames apart), channels `first` and
// `second`.
static inline __attribute__((always_inline)) void lane_load(v8d *out, const float *frames, ptrdiff_t frame,
                                                            ptrdiff_t stride, ptrdiff_t channels, ptrdiff_t first,
                                                            ptrdiff_t second) {
    const float *p = frames + frame * channels;
    const ptrdiff_t s = stride * channels;
    v8f v = {p[first], p[second], p[s + first], p[s + second], p[2 * s + first], p[2 * s + second],
             p[3 * s + first], p[3 * s + second]};
    *out = __builtin_convertvector(v, v8d);
}

static inline __attribute__((always_inline)) uint64_t load_pair(const float *p) {
    uint64_t q;
    memcpy(&q, p, 8);
    return q;
}

// Stereo frames at p, p + s, p + 2 s and p + s3 (s3 = 3 s), as one vector of Doubles.
#define STEREO4(p, s, s3) \
    __builtin_convertvector((v8f)((v4u){load_pair(p), load_pair((p) + (s)), load_pair((p) + 2 * (s)), load_pair((p) + (s3))}), v8d)

// The sequential kernel's direct form, lane by lane: y = ((b0 x + b1 x1) + b2 x2) - (a1 y1 + a2 y2).
#define LANE_STEP(g, x)                                                                                 \
    do {                                                                                                \
        v8d y_ = ((sb0 * (x) + sb1 * (g).x1) + sb2 * (g).x2) - (sa1 * (g).y1 + sa2 * (g).y2);            \
        v8d k_ = ((hb0 * y_ + hb1 * (g).y1) + hb2 * (g).y2) - (ha1 * (g).k1 + ha2 * (g).k2);             \
        (g).energy += k_ * k_;                                                                          \
        (g).x2 = (g).x1; (g).x1 = (x);                                                                  \
        (g).y2 = (g).y1; (g).y1 = y_;                                                                   \
        (g).k2 = (g).k1; (g).k1 = k_;                                                                   \
    } while (0)

// The same filter with fused multiply-adds, for processors that have them (AVX-512 implies
// FMA): y = fma(b0, x, fma(b1, x1, b2 x2)) - fma(a1, y1, a2 y2), the energy fma(k, k, e).
// 13 vector operations a step instead of 20, and 8 cycles of dependency instead of 12; each
// result differs from the direct form's by rounding.
#define LANE_STEP_FUSED(g, x)                                                                           \
    do {                                                                                                \
        v8d y_ = __builtin_elementwise_fma(sb0, (x), __builtin_elementwise_fma(sb1, (g).x1, sb2 * (g).x2)) \
                 - __builtin_elementwise_fma(sa1, (g).y1, sa2 * (g).y2);                                \
        v8d k_ = __builtin_elementwise_fma(hb0, y_, __builtin_elementwise_fma(hb1, (g).y1, hb2 * (g).y2)) \
                 - __builtin_elementwise_fma(ha1, (g).k1, ha2 * (g).k2);                                \
        (g).energy = __builtin_elementwise_fma(k_, k_, (g).energy);                                     \
        (g).x2 = (g).x1; (g).x1 = (x);                                                                  \
        (g).y2 = (g).y1; (g).y1 = y_;                                                                   \
        (g).k2 = (g).k1; (g).k1 = k_;                                                                   \
    } while (0)

#define STEP(g, x)                                 \
    do {                                           \
        if (fused) LANE_STEP_FUSED(g, x);          \
        else LANE_STEP(g, x);                      \
    } while (0)

typedef struct {
    const float *frames;
    ptrdiff_t chunk, warmup, channels, first, second;
    int stereo;
    const ptrdiff_t *edges;
    ptrdiff_t edge_count;
    double *parts;
} lane_span;

// Stores lane pair `c` of `energy` (chunk `chunk` of the span) as that chunk's part of segment
// `segment`, and clears it. Each chunk reaches each segment once; the parts are summed over the
// chunks in order afterwards, so the sums do not depend on the order the lanes got there.
static inline void lane_flush(v8d *energy, int c, ptrdiff_t chunk, ptrdiff_t segment, double *parts) {
    parts[2 * (segment * LANE_CHUNKS + chunk)] = (*energy)[2 * c];
    parts[2 * (segment * LANE_CHUNKS + chunk) + 1] = (*energy)[2 * c + 1];
    (*energy)[2 * c] = 0;
    (*energy)[2 * c + 1] = 0;
}

// Runs `groups` groups (chunks 4 * group0 ...) through all steps of the span. Chunk j reads
// frames j * chunk + i for steps i < warmup + chunk; chunk 0 starts from the carried state and
// counts every step, chunk j > 0 starts from zero and counts from step `warmup` on.
static inline __attribute__((always_inline)) void lanes_body(const lane_span *span, int group0, int groups,
                                                             const musicindex_section *s,
                                                             const musicindex_section *h, lane_group *g,
                                                             double tail[8], int fused) {
    const v8d sb0 = SPLAT8(s->b0), sb1 = SPLAT8(s->b1), sb2 = SPLAT8(s->b2), sa1 = SPLAT8(s->a1), sa2 = SPLAT8(s->a2);
    const v8d hb0 = SPLAT8(h->b0), hb1 = SPLAT8(h->b1), hb2 = SPLAT8(h->b2), ha1 = SPLAT8(h->a1), ha2 = SPLAT8(h->a2);
    const ptrdiff_t total = span->warmup + span->chunk;
    const int chunks = GROUP_CHUNKS * groups;
    // Per chunk: the next edge it will cross (an index into edges).
    ptrdiff_t next_edge[LANE_CHUNKS];
    for (int c = 0; c < chunks; c++) {
        ptrdiff_t j = GROUP_CHUNKS * group0 + c, begin = j * span->chunk, counted = j == 0 ? 0 : span->warmup;
        ptrdiff_t e = 0;
        while (e < span->edge_count && span->edges[e] <= begin + counted) e++;
        next_edge[c] = e;
    }
    ptrdiff_t i = 0;
    while (i < total) {
        // The next step at which something happens: an edge, the end of a warm-up, the snapshot.
        ptrdiff_t stop = total - 2 > i ? total - 2 : total;
        if (span->warmup > i && span->warmup < stop) stop = span->warmup;
        for (int c = 0; c < chunks; c++) {
            ptrdiff_t j = GROUP_CHUNKS * group0 + c;
            if (next_edge[c] < span->edge_count) {
                ptrdiff_t at = span->edges[next_edge[c]] - j * span->chunk;
                if (at < stop) stop = at;
            }
        }
        if (span->stereo) {
            // Both channels of a frame are one 64-bit load; chunks lie `s` floats apart.
            const ptrdiff_t s = 2 * span->chunk, s3 = 3 * s;
            const float *p = span->frames + 2 * (GROUP_CHUNKS * group0 * span->chunk + i);
            if (groups == 2) {
                const float *q = p + 4 * s;
                for (; i < stop; i++, p += 2, q += 2) {
                    v8d x0 = STEREO4(p, s, s3), x1 = STEREO4(q, s, s3);
                    STEP(g[0], x0);
                    STEP(g[1], x1);
                }
            } else {
                for (; i < stop; i++, p += 2) {
                    v8d x0 = STEREO4(p, s, s3);
                    STEP(g[0], x0);
                }
            }
        } else if (groups == 2) {
            for (; i < stop; i++) {
                v8d x0, x1;
                lane_load(&x0, span->frames, GROUP_CHUNKS * group0 * span->chunk + i, span->chunk, span->channels,
                          span->first, span->second);
                lane_load(&x1, span->frames, (GROUP_CHUNKS * group0 + GROUP_CHUNKS) * span->chunk + i, span->chunk,
                          span->channels, span->first, span->second);
                STEP(g[0], x0);
                STEP(g[1], x1);
            }
        } else {
            for (; i < stop; i++) {
                v8d x0;
                lane_load(&x0, span->frames, GROUP_CHUNKS * group0 * span->chunk + i, span->chunk, span->channels,
                          span->first, span->second);
                STEP(g[0], x0);
            }
        }
        if (i == total) break;
        if (i == span->warmup) {
            // Chunks after the first have warmed up: what they summed so far is not theirs.
            for (int c = 0; c < chunks; c++) {
                if (GROUP_CHUNKS * group0 + c == 0) continue;
                g[c / GROUP_CHUNKS].energy[2 * (c % GROUP_CHUNKS)] = 0;
                g[c / GROUP_CHUNKS].energy[2 * (c % GROUP_CHUNKS) + 1] = 0;
            }
        }
        for (int c = 0; c < chunks; c++) {
            ptrdiff_t j = GROUP_CHUNKS * group0 + c;
            if (next_edge[c] < span->edge_count && span->edges[next_edge[c]] - j * span->chunk == i) {
                lane_flush(&g[c / GROUP_CHUNKS].energy, c % GROUP_CHUNKS, j, next_edge[c], span->parts);
                next_edge[c]++;
            }
        }
        if (i == total - 2 && group0 + groups == 2) {
            // The last chunk's shelf and high-pass outputs three and four frames before the
            // end, which the history keeps besides the two the direct form needs.
            const lane_group *last = &g[groups - 1];
            tail[0] = last->y1[6]; tail[1] = last->y1[7]; tail[2] = last->y2[6]; tail[3] = last->y2[7];
            tail[4] = last->k1[6]; tail[5] = last->k1[7]; tail[6] = last->k2[6]; tail[7] = last->k2[7];
        }
    }
    for (int c = 0; c < chunks; c++) {
        lane_flush(&g[c / GROUP_CHUNKS].energy, c % GROUP_CHUNKS, GROUP_CHUNKS * group0 + c, next_edge[c], span->parts);
    }
}

static inline __attribute__((always_inline)) void kweight_lanes_body(
    const float *frames, ptrdiff_t chunk, ptrdiff_t warmup, ptrdiff_t channels, ptrdiff_t first, ptrdiff_t second,
    const musicindex_section *s, const musicindex_section *h, double *a, double *b, const ptrdiff_t *edges,
    ptrdiff_t edge_count, double *energies, int together, int fused) {
    // Each chunk's sums per segment: [segment][chunk][channel], zero where a chunk has none.
    double *parts = calloc((size_t)(2 * LANE_CHUNKS * (edge_count + 1)), sizeof(double));
    if (!parts) abort();
    lane_span span = {frames, chunk, warmup, channels, first, second,
                      channels == 2 && first == 0 && second == 1, edges, edge_count, parts};
    lane_group g[2];
    memset(g, 0, sizeof g);
    // Chunk 0 continues the stream: lanes 0 and 1 start from the carried histories.
    g[0].x1[0] = a[0]; g[0].x1[1] = b[0]; g[0].x2[0] = a[1]; g[0].x2[1] = b[1];
    g[0].y1[0] = a[4]; g[0].y1[1] = b[4]; g[0].y2[0] = a[5]; g[0].y2[1] = b[5];
    g[0].k1[0] = a[8]; g[0].k1[1] = b[8]; g[0].k2[0] = a[9]; g[0].k2[1] = b[9];
    double tail[8];
    if (together) {
        lanes_body(&span, 0, 2, s, h, g, tail, fused);
    } else {
        lanes_body(&span, 0, 1, s, h, g, tail, fused);
        lanes_body(&span, 1, 1, s, h, g + 1, tail, fused);
    }
    for (ptrdiff_t segment = 0; segment <= edge_count; segment++) {
        for (int j = 0; j < LANE_CHUNKS; j++) {
            energies[2 * segment] += parts[2 * (segment * LANE_CHUNKS + j)];
            energies[2 * segment + 1] += parts[2 * (segment * LANE_CHUNKS + j) + 1];
        }
    }
    free(parts);
    // The last chunk (lanes 6 and 7) ends where the span ends: its state is the stream's.
    const ptrdiff_t count = warmup + LANE_CHUNKS * chunk;
    double *bases[2] = {b, a};
    for (int i = 0; i < 2; i++) {
        // The second channel first, so a lone channel (a == b) ends with its own values.
        int lane = 7 - i;
        ptrdiff_t channel = i == 0 ? second : first;
        double *base = bases[i];
        base[0] = g[1].x1[lane];
        base[1] = g[1].x2[lane];
        base[2] = frames[(count - 3) * channels + channel];
        base[3] = frames[(count - 4) * channels + channel];
        base[4] = g[1].y1[lane];
        base[5] = g[1].y2[lane];
        base[6] = tail[2 * 0 + 1 - i];
        base[7] = tail[2 * 1 + 1 - i];
        base[8] = g[1].k1[lane];
        base[9] = g[1].k2[lane];
        base[10] = tail[4 + 1 - i];
        base[11] = tail[6 + 1 - i];
    }
}

#if defined(__x86_64__)
__attribute__((target("avx512f"))) static void kweight_lanes_avx512(
    const float *frames, ptrdiff_t chunk, ptrdiff_t warmup, ptrdiff_t channels, ptrdiff_t first, ptrdiff_t second,
    const musicindex_section *s, const musicindex_section *h, double *a, double *b, const ptrdiff_t *edges,
    ptrdiff_t edge_count, double *energies) {
    kweight_lanes_body(frames, chunk, warmup, channels, first, second, s, h, a, b, edges, edge_count, energies, 1, 1);
}

__attribute__((target("avx"))) static void kweight_lanes_avx(
    const float *frames, ptrdiff_t chunk, ptrdiff_t warmup, ptrdiff_t channels, ptrdiff_t first, ptrdiff_t second,
    const musicindex_section *s, const musicindex_section *h, double *a, double *b, const ptrdiff_t *edges,
    ptrdiff_t edge_count, double *energies) {
    kweight_lanes_body(frames, chunk, warmup, channels, first, second, s, h, a, b, edges, edge_count, energies, 0, 0);
}
#endif

void musicindex_kweight_lanes_portable(const float *frames, ptrdiff_t chunk, ptrdiff_t warmup, ptrdiff_t channels,
                                       ptrdiff_t first, ptrdiff_t second, const musicindex_section *shelf,
                                       const musicindex_section *highpass, double *history_first,
                                       double *history_second, const ptrdiff_t *edges, ptrdiff_t edge_count,
                                       double *energies) {
    kweight_lanes_body(frames, chunk, warmup, channels, first, second, shelf, highpass, history_first,
                       history_second, edges, edge_count, energies, 0, 0);
}

void musicindex_kweight_lanes_fused_portable(const float *frames, ptrdiff_t chunk, ptrdiff_t warmup,
                                             ptrdiff_t channels, ptrdiff_t first, ptrdiff_t second,
                                             const musicindex_section *shelf, const musicindex_section *highpass,
                                             double *history_first, double *history_second, const ptrdiff_t *edges,
                                             ptrdiff_t edge_count, double *energies) {
    kweight_lanes_body(frames, chunk, warmup, channels, first, second, shelf, highpass, history_first,
                       history_second, edges, edge_count, energies, 0, 1);
}

int musicindex_kweight_lanes_fused(void) {
#if defined(__x86_64__)
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
#else
    return 0;
#endif
}

void musicindex_kweight_lanes(const float *frames, ptrdiff_t chunk, ptrdiff_t warmup, ptrdiff_t channels,
                              ptrdiff_t first, ptrdiff_t second, const musicindex_section *shelf,
                              const musicindex_section *highpass, double *history_first, double *history_second,
                              const ptrdiff_t *edges, ptrdiff_t edge_count, double *energies) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) {
        kweight_lanes_avx512(frames, chunk, warmup, channels, first, second, shelf, highpass, history_first,
                             history_second, edges, edge_count, energies);
        return;
    }
    if (__builtin_cpu_supports("avx")) {
        kweight_lanes_avx(frames, chunk, warmup, channels, first, second, shelf, highpass, history_first,
                          history_second, edges, edge_count, energies);
        return;
    }
#endif
    musicindex_kweight_lanes_portable(frames, chunk, warmup, channels, first, second, shelf, highpass,
                                      history_first, history_second, edges, edge_count, energies);
}
