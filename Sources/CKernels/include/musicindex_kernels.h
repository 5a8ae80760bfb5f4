#ifndef MUSICINDEX_KERNELS_H
#define MUSICINDEX_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Inner loops whose vector shuffles the Swift compiler does not generate well, written with
/// the C compiler's vector extensions. Plain data in and out; MusicIndex wraps each in one
/// Swift type (see LoudnessMeter.swift and MelFilterbank.swift).

/// One biquad section for `musicindex_kweight_pair`: its direct form I coefficients
/// (b0, b1, b2, a1, a2 of H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2)) and its
/// two-step form (numerator n0...n4 and denominator 1 + d2 z^-2 + d4 z^-4, the same filter
/// multiplied above and below by 1 - a1 z^-1 + a2 z^-2).
typedef struct {
    double b0, b1, b2, a1, a2;
    double n0, n1, n2, n3, n4, d2, d4;
} musicindex_section;

/// Filters `count` frames of two channels, `first` and `second` (equal for a lone channel), of
/// interleaved `channels`-sample frames through the cascade `shelf` then `highpass`, and adds
/// each channel's sum of squared outputs to `sums[0]` and `sums[1]`.
///
/// Each channel's history (12 doubles: the last four inputs, shelf outputs and high-pass
/// outputs, most recent first) is read from and written back to `history_first` and
/// `history_second`, so consecutive calls continue one stream. Frames go two at a time through
/// the two-step form of both sections, four lanes (both channels at frame n, then at n + 1);
/// an odd last frame goes through the direct form. Every path does the same operations in the
/// same order, without fused multiply-adds, so results do not depend on the processor.
void musicindex_kweight_pair(const float *frames, ptrdiff_t count, ptrdiff_t channels, ptrdiff_t first,
                             ptrdiff_t second, const musicindex_section *shelf,
                             const musicindex_section *highpass, double *history_first,
                             double *history_second, double sums[2]);

/// `musicindex_kweight_pair` without the processor dispatch: the code path for processors
/// without AVX (for tests, which compare it with the dispatched one bit for bit).
void musicindex_kweight_pair_portable(const float *frames, ptrdiff_t count, ptrdiff_t channels, ptrdiff_t first,
                                      ptrdiff_t second, const musicindex_section *shelf,
                                      const musicindex_section *highpass, double *history_first,
                                      double *history_second, double sums[2]);

/// The same filtering as `musicindex_kweight_pair` over one buffered span, in time lanes: the
/// span of warmup + 8 * chunk frames is cut into eight chunks filtered side by side, each
/// channel of each chunk in its own SIMD lane, in direct form. Chunk 0 (frames 0 ..< warmup +
/// chunk) continues the stream from the histories; chunk j > 0 (frames warmup + j * chunk ..<
/// warmup + (j + 1) * chunk) starts from zero state at frame j * chunk and discards its first
/// `warmup` frames, which must be long enough for the missing start state to have decayed
/// (the caller sizes it from the filters' poles). The histories are read for chunk 0 and
/// written from the last chunk, in the layout `musicindex_kweight_pair` uses.
///
/// `edges` (sorted, each in 1 ..< warmup + 8 * chunk) cut the span into edge_count + 1
/// segments; each channel's sum of squared outputs over segment i is added to
/// energies[2 i] (first) and energies[2 i + 1] (second). On processors with AVX-512 the lanes
/// use fused multiply-adds (`musicindex_kweight_lanes_fused` says 1), elsewhere the direct
/// form's separate products and sums; the two differ by rounding (about 1e-16 relative per
/// step), as both do from the sequential kernel. Given the path, the results do not depend on
/// how the stream is cut into calls.
void musicindex_kweight_lanes(const float *frames, ptrdiff_t chunk, ptrdiff_t warmup, ptrdiff_t channels,
                              ptrdiff_t first, ptrdiff_t second, const musicindex_section *shelf,
                              const musicindex_section *highpass, double *history_first, double *history_second,
                              const ptrdiff_t *edges, ptrdiff_t edge_count, double *energies);

/// Whether `musicindex_kweight_lanes` takes the fused path on this processor (1) or not (0).
int musicindex_kweight_lanes_fused(void);

/// `musicindex_kweight_lanes` without the processor dispatch, fused multiply-adds (through
/// the C library where the processor lacks them: slow, for tests).
void musicindex_kweight_lanes_fused_portable(const float *frames, ptrdiff_t chunk, ptrdiff_t warmup,
                                             ptrdiff_t channels, ptrdiff_t first, ptrdiff_t second,
                                             const musicindex_section *shelf, const musicindex_section *highpass,
                                             double *history_first, double *history_second, const ptrdiff_t *edges,
                                             ptrdiff_t edge_count, double *energies);

/// `musicindex_kweight_lanes` without the processor dispatch and without fused multiply-adds
/// (for tests).
void musicindex_kweight_lanes_portable(const float *frames, ptrdiff_t chunk, ptrdiff_t warmup, ptrdiff_t channels,
                                       ptrdiff_t first, ptrdiff_t second, const musicindex_section *shelf,
                                       const musicindex_section *highpass, double *history_first,
                                       double *history_second, const ptrdiff_t *edges, ptrdiff_t edge_count,
                                       double *energies);

/// The sparse mel filterbank applied to up to eight frames at once, one frame per SIMD lane:
/// mel[m * stride + f] = sum over j < count[m], in order, of
/// weights[offset[m] + j] * power[f * bins + first[m] + j], for f < frames (1 ... 8) and
/// m < bands. The frames' power spectra lie `bins` apart from `power`; `scratch` holds
/// bins * 8 floats, 32-byte aligned. A frame's values do not depend on the other frames in
/// its call, nor on the path.
void musicindex_mel_block(const float *power, ptrdiff_t frames, ptrdiff_t bins, ptrdiff_t bands,
                          const int32_t *first, const int32_t *count, const int32_t *offset, const float *weights,
                          float *scratch, float *mel, ptrdiff_t stride);

/// `musicindex_mel_block` without the processor dispatch (for tests).
void musicindex_mel_block_portable(const float *power, ptrdiff_t frames, ptrdiff_t bins, ptrdiff_t bands,
                                   const int32_t *first, const int32_t *count, const int32_t *offset,
                                   const float *weights, float *scratch, float *mel, ptrdiff_t stride);

/// Winograd F(4,3) along the time axis of a 3x3, padding-1 convolution: for output pixels
/// (y, 4t ... 4t + 3), with d0 ... d5 the padded input row y + dy - 1 at columns 4t - 1 ...
/// 4t + 4 of channel c, row (c * 3 + dy), column (y - row_begin) * quads + t of the six
/// transformed inputs X_0 ... X_5 [channels * 3, (row_end - row_begin) * quads] (one after the
/// other in `expanded`; quads = ceil(floor(width / 2) / 2)) holds 4 d0 - 5 d2 + d4,
/// d3 + d4 - 4 (d1 + d2), 4 (d1 - d2) + d4 - d3, 2 (d3 - d1) + d4 - d2, 2 (d1 - d3) + d4 - d2
/// and 4 d1 - 5 d3 + d5, for output rows row_begin ..< row_end of an image
/// [channels, height, width]. `scratch` holds
/// `musicindex_winograd4_scratch_count(width, row_end - row_begin)` floats.
void musicindex_winograd4_expand(const float *input, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                                 ptrdiff_t row_begin, ptrdiff_t row_end, float *expanded, float *scratch);

/// `musicindex_winograd4_expand` without the processor dispatch (for tests).
void musicindex_winograd4_expand_portable(const float *input, ptrdiff_t channels, ptrdiff_t height,
                                          ptrdiff_t width, ptrdiff_t row_begin, ptrdiff_t row_end, float *expanded,
                                          float *scratch);

/// The same transformed values without repeating each input row for its three kernel rows:
/// T_0 ... T_5 [channels, row_end - row_begin + 2, quads] one after the other in
/// `transformed`, where line r of channel c is padded input row row_begin - 1 + r (zeros
/// outside the image). Row (c * 3 + dy) of X_j is then T_j from line dy of channel c on,
/// (row_end - row_begin) * quads values: the product reads it in place
/// (`musicindex_sgemm_grouped` with group 3, B's group stride (rows + 2) * quads and inner
/// stride quads). `scratch` as for `musicindex_winograd4_expand`.
void musicindex_winograd4_transform(const float *input, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                                    ptrdiff_t row_begin, ptrdiff_t row_end, float *transformed, float *scratch);

/// `musicindex_winograd4_transform` without the processor dispatch (for tests).
void musicindex_winograd4_transform_portable(const float *input, ptrdiff_t channels, ptrdiff_t height,
                                             ptrdiff_t width, ptrdiff_t row_begin, ptrdiff_t row_end,
                                             float *transformed, float *scratch);

/// The scratch floats `musicindex_winograd4_expand` needs for `rows` output rows of `width`
/// values.
ptrdiff_t musicindex_winograd4_scratch_count(ptrdiff_t width, ptrdiff_t rows);

/// The output transform of F(4,3) products with 2x2 max pooling, the bias and ReLU: from the
/// products M_0 ... M_5 [channels, rows * quads] of a strip of `rows` (even) output rows of a
/// `width`-wide image, outputs m0 + m1 + m2 + m3 + m4, m1 - m2 + 2 (m3 - m4),
/// m1 + m2 + 4 (m3 + m4) and m1 - m2 + 8 (m3 - m4) + m5, pooled in pairs of columns and of
/// rows: pooled row (c, first_pooled_row + y) goes to
/// destination + (c * pooled_height + first_pooled_row + y) * row_stride, floor(width / 2)
/// values.
void musicindex_winograd4_pool(const float *products, ptrdiff_t channels, ptrdiff_t rows, ptrdiff_t width,
                               const float *bias, float *destination, ptrdiff_t first_pooled_row,
                               ptrdiff_t pooled_height, ptrdiff_t row_stride);

/// `musicindex_winograd4_pool` without the processor dispatch (for tests).
void musicindex_winograd4_pool_portable(const float *products, ptrdiff_t channels, ptrdiff_t rows, ptrdiff_t width,
                                        const float *bias, float *destination, ptrdiff_t first_pooled_row,
                                        ptrdiff_t pooled_height, ptrdiff_t row_stride);

/// C = A B, or C + A B when `accumulate`, for row-major A [m, k] (row stride lda; with
/// `transpose_a`, A is stored [k, m] and element (i, p) is a[p * lda + i]), B [k, n] (ldb) and
/// C [m, n] (ldc), on processors with AVX-512F: each output is one chain of fused
/// multiply-adds over p = 0 ..< k in order, from 0 or from C; tiles of 8 rows by 48 columns,
/// the depth in chunks of 128, no packing (for products whose A rows and a panel chunk of B
/// fit the first-level cache, as the CRNN's do). Returns 1 when it computed C, 0 when the
/// processor lacks AVX-512F (C untouched; the caller then uses BLAS).
int musicindex_sgemm(int transpose_a, int accumulate, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a,
                     ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc);

/// `musicindex_sgemm` (A as stored) with B's rows in groups of `group` (1 or 3): row p of B
/// is b + (p / group) * ldb + (p % group) * ldb_inner. The same results as `musicindex_sgemm`
/// on B with its rows copied out, bit for bit. Returns 0, touching nothing, without AVX-512F
/// or for another group size.
int musicindex_sgemm_grouped(int accumulate, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                             const float *b, ptrdiff_t ldb, ptrdiff_t group, ptrdiff_t ldb_inner, float *c,
                             ptrdiff_t ldc);

/// Whether `musicindex_sgemm` runs on this processor (1) or returns 0.
int musicindex_sgemm_available(void);

/// out[i] = (float)((double)samples[i] * window[i]) for i < count: each product in double,
/// rounded once (a frame times its analysis window, as NumPy computes a float32 frame times a
/// float64 window).
void musicindex_window(const float *samples, const double *window, float *out, ptrdiff_t count);

/// `musicindex_window` without the processor dispatch (for tests).
void musicindex_window_portable(const float *samples, const double *window, float *out, ptrdiff_t count);

/// power[k] = re * re + im * im (two products and a sum, each rounded) for the `bins` complex
/// values (re, im) interleaved in `interleaved`.
void musicindex_power_spectrum(const float *interleaved, float *power, ptrdiff_t bins);

/// `musicindex_power_spectrum` without the processor dispatch (for tests).
void musicindex_power_spectrum_portable(const float *interleaved, float *power, ptrdiff_t bins);

/// destination[i] = the correctly rounded square root of source[i] (IEEE 754; NaN for
/// negative values) for i < count; `destination` may be `source`.
void musicindex_square_root(const float *source, float *destination, ptrdiff_t count);

/// `musicindex_square_root` without the processor dispatch (for tests).
void musicindex_square_root_portable(const float *source, float *destination, ptrdiff_t count);

/// Asks the processor to bring the `bytes` bytes from `start` into its caches (a hint: no
/// effect on results).
void musicindex_prefetch(const void *start, ptrdiff_t bytes);

/// One frame's spectral shape from its magnitudes m[0 ..< count] and the bins' frequencies f.
typedef struct {
    /// Σ m[k], in double.
    double total;
    /// Σ m[k] f[k] / total, or 0 when total is below the smallest normal double.
    double centroid;
    /// Σ m[k] (f[k] - centroid)² / total, or 0 when total is below the smallest normal double.
    double spread;
    /// The first bin k < count - 1 whose cumulative sum Σ m[0...k] reaches roll_percent * total,
    /// else count - 1.
    ptrdiff_t rolloff_bin;
} musicindex_shape;

/// Fills `out` for one frame (count >= 1). Sums in double over 16 lanes; the paths give the
/// same bits.
void musicindex_spectral_shape(const float *magnitude, const double *frequencies, ptrdiff_t count,
                               double roll_percent, musicindex_shape *out);

/// `musicindex_spectral_shape` without the processor dispatch (for tests).
void musicindex_spectral_shape_portable(const float *magnitude, const double *frequencies, ptrdiff_t count,
                                        double roll_percent, musicindex_shape *out);

/// power_to_db in place over whole blocks of 16 values: x = scale * ln(max(amin, x)) - offset,
/// or floor_db where x <= amin, with the logarithm of `VectorMath.log` (the same operations
/// in the same order); amin must be a normal float. Sets *done to the values converted (the
/// largest multiple of 16 up to count; the caller converts the rest) and returns their
/// largest dB value (-infinity for none).
float musicindex_decibels(float *values, ptrdiff_t count, float amin, float scale, float offset, float floor_db,
                          ptrdiff_t *done);

/// `musicindex_decibels` without the processor dispatch (for tests).
float musicindex_decibels_portable(float *values, ptrdiff_t count, float amin, float scale, float offset,
                                   float floor_db, ptrdiff_t *done);

/// values[i] = floor where values[i] < floor, for i < count.
void musicindex_raise_to(float *values, ptrdiff_t count, float floor);

#endif
