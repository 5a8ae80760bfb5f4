import Foundation

/// Onset events picked from an onset strength envelope, and how often they occur.
///
/// Port of librosa 0.11 `onset.onset_detect(onset_envelope=…, sr, hop_length,
/// backtrack=False, normalize=True, units='frames')`: the envelope is shifted to a minimum
/// of 0 and divided by its maximum (+ the smallest normal `Double`), then `PeakPicker` runs
/// with librosa's defaults, converted to frames as librosa does
/// (`int(ceil(seconds * sr // hop))`, Python floor division):
///
/// | parameter | default | frames at 22050 Hz / hop 512 |
/// |-----------|---------|------------------------------|
/// | pre_max   | 30 ms            | 1 |
/// | post_max  | 0 ms + 1 frame   | 1 |
/// | pre_avg   | 100 ms           | 4 |
/// | post_avg  | 100 ms + 1 frame | 5 |
/// | wait      | 30 ms            | 1 |
/// | delta     | 0.07 (of the normalised envelope) | |
///
/// librosa's `onset_detect` computes its own envelope with the default mean aggregation,
/// `beat_track` with the median; either can be passed here (on the fixtures both give the
/// same onsets).
public enum OnsetDetector {
    /// Onset frames (envelope indices), increasing; empty for an envelope without any
    /// variation (librosa: all zero after normalising) or with non-finite values.
    ///
    /// - Parameters:
    ///   - sampleRate: Hz of the audio, > 0.
    ///   - hopLength: samples per envelope frame, > 0.
    public static func onsets(onsetEnvelope: [Float], sampleRate: Double = 22050, hopLength: Int = 512) throws -> [Int] {
        try validate(sampleRate: sampleRate, hopLength: hopLength)
        var envelope = onsetEnvelope.map(Double.init)
        guard let low = envelope.min() else { return [] }
        for i in envelope.indices { envelope[i] -= low }
        let high = envelope.max()! + Double.leastNormalMagnitude
        for i in envelope.indices { envelope[i] /= high }
        guard envelope.contains(where: { $0 != 0 }), envelope.allSatisfy(\.isFinite) else { return [] }

        let hop = Double(hopLength)
        func frames(_ seconds: Double, plus extra: Double = 0) -> Int {
            Int((pythonFloorDivide(seconds * sampleRate, hop) + extra).rounded(.up))
        }
        return try PeakPicker.peaks(envelope,
                                    preMax: frames(0.03), postMax: frames(0.00, plus: 1),
                                    preAvg: frames(0.10), postAvg: frames(0.10, plus: 1),
                                    delta: 0.07, wait: frames(0.03))
    }

    /// Onsets per second: the number of `onsets` divided by the envelope's duration,
    /// `frames * hopLength / sampleRate` seconds. A steady 120 BPM click track reads just
    /// under 2/s (15 onsets in 8.01 s: librosa finds no onset in the very first frame).
    /// Typical music reads 1–6/s. 0 for an empty envelope.
    public static func rate(onsetEnvelope: [Float], sampleRate: Double = 22050, hopLength: Int = 512) throws -> Double {
        let count = try onsets(onsetEnvelope: onsetEnvelope, sampleRate: sampleRate, hopLength: hopLength).count
        return rate(onsetCount: count, frames: onsetEnvelope.count, sampleRate: sampleRate, hopLength: hopLength)
    }

    /// `onsetCount` per second of a `frames`-frame envelope; 0 when `frames` is 0.
    public static func rate(onsetCount: Int, frames: Int, sampleRate: Double = 22050, hopLength: Int = 512) -> Double {
        guard frames > 0 else { return 0 }
        return Double(onsetCount) / (Double(frames * hopLength) / sampleRate)
    }

    /// Python's `a // b` for floats (floor of the exact quotient, via `fmod` as CPython does).
    static func pythonFloorDivide(_ a: Double, _ b: Double) -> Double {
        let mod = fmod(a, b)
        var div = (a - mod) / b
        if mod != 0, (b < 0) != (mod < 0) { div -= 1 }
        guard div != 0 else { return 0 }
        var floored = div.rounded(.down)
        if div - floored > 0.5 { floored += 1 }
        return floored
    }

    private static func validate(sampleRate: Double, hopLength: Int) throws {
        guard sampleRate.isFinite, sampleRate > 0 else {
            throw MusicIndexError.invalidArgument("onset detection: sample rate must be positive, got \(sampleRate)")
        }
        guard hopLength > 0 else {
            throw MusicIndexError.invalidArgument("onset detection: hop length must be positive, got \(hopLength)")
        }
    }
}
