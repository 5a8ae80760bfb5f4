#ifndef MUSICINDEX_ONSET_H
#define MUSICINDEX_ONSET_H

#include <stddef.h>

/// The median aggregate of the spectral-flux onset strength (librosa's
/// `onset_strength(..., aggregate=np.median)`), for `OnsetStrength.onsetStrength(melDB:)`.
/// Plain data in and out.

/// For each j in 0 ..< count:
///
///     out[j] = median over b in 0 ..< bands of max(0, S[b * frames + j + lag] - S[b * frames + j])
///
/// where S is a row-major [bands, frames] matrix (dB) and the median is numpy's: the middle
/// value for an odd band count, `(float)(((double)lower + (double)upper) / 2)` of the two
/// middle values for an even one. Requires bands >= 1, lag >= 1, 0 <= count <= frames - lag.
///
/// An increase is kept only where it compares greater than zero, as +0.0 otherwise: never
/// -0.0, and a NaN difference (inf - inf, or a NaN in S) counts as +0.0. A +inf increase
/// is kept, so a median may be +inf (the mean of +inf and a finite value is +inf). The result
/// is therefore never NaN or negative, and it is exactly the value the scalar Swift selection
/// gives for any input.
///
/// `scratch` holds `bands` floats; it is used only for band counts above 128 and for fewer
/// than 16 frames (the scalar path), and may be NULL otherwise.
void musicindex_onset_median(const float *S, ptrdiff_t bands, ptrdiff_t frames, ptrdiff_t lag, ptrdiff_t count,
                             float *out, float *scratch);

/// `musicindex_onset_median` without the processor dispatch: the code path for processors
/// without AVX (for tests, which compare it with the dispatched one bit for bit).
void musicindex_onset_median_portable(const float *S, ptrdiff_t bands, ptrdiff_t frames, ptrdiff_t lag,
                                      ptrdiff_t count, float *out, float *scratch);

/// The SIMD path `musicindex_onset_median` takes on this processor: 512 (AVX-512), 256 (AVX)
/// or 0 (portable).
int musicindex_onset_median_path(void);

#endif
