import Foundation

/// The Slaney mel scale (Auditory Toolbox), librosa's default (`htk=False`): linear below
/// 1 kHz (200/3 Hz per mel), logarithmic above (27 mels per factor 6.4 in frequency).
/// Computed in Double with librosa's exact arithmetic.
public enum MelScale {
    private static let linearStep = 200.0 / 3          // f_sp: Hz per mel below 1 kHz
    private static let logStartHz = 1000.0              // min_log_hz
    private static let logStartMel = (1000.0 - 0) / (200.0 / 3)  // min_log_mel = 15
    private static let logStep = log(6.4) / 27.0        // logstep: ln(Hz ratio) per mel above 1 kHz

    /// Hz → mel. Port of `librosa.hz_to_mel(f, htk=False)`.
    public static func hzToMel(_ frequency: Double) -> Double {
        if frequency >= logStartHz {
            return logStartMel + log(frequency / logStartHz) / logStep
        }
        return (frequency - 0) / linearStep
    }

    /// Mel → Hz. Port of `librosa.mel_to_hz(m, htk=False)`.
    public static func melToHz(_ mel: Double) -> Double {
        if mel >= logStartMel {
            return logStartHz * exp(logStep * (mel - logStartMel))
        }
        return 0 + linearStep * mel
    }

    /// `count` frequencies (Hz) evenly spaced on the mel scale from fMin to fMax inclusive.
    /// Port of `librosa.mel_frequencies(n_mels=count, fmin, fmax, htk=False)`, including
    /// numpy's `linspace` arithmetic (`i · step + start`, last point exactly `stop`).
    public static func melFrequencies(count: Int, fMin: Double, fMax: Double) -> [Double] {
        precondition(count >= 0, "count must be >= 0")
        let minMel = hzToMel(fMin), maxMel = hzToMel(fMax)
        let step = count > 1 ? (maxMel - minMel) / Double(count - 1) : 0
        return (0..<count).map { i in
            let mel = (count > 1 && i == count - 1) ? maxMel : Double(i) * step + minMel
            return melToHz(mel)
        }
    }
}
