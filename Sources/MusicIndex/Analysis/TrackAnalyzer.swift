import Foundation

/// What the front end makes of one track: the model-input segments and the engineered
/// features.
public struct TrackAnalysis: Sendable {
    /// The track's length in seconds, when the decoder knows it: what can be read.
    public var duration: Double?
    /// The length the file's headers declare, when known; longer than `duration` when part
    /// of the stream is missing.
    public var declaredDuration: Double?
    /// The spans that were decoded.
    public var spans: [AnalysisWindows.Span]
    /// Model-input segments, each a mel-spectrogram in dB of [nMels, segmentFrames].
    public var segments: [FeatureMatrix]
    /// Each analysed span's whole mel-spectrogram in dB, [nMels, frames] (the segments are cut
    /// from these), kept only when asked for (`keepSpectrograms`).
    public var spectrograms: [FeatureMatrix]
    /// Engineered features (nil when only segments were asked for).
    public var features: TrackFeatures?
    /// The library that decoded the file.
    public var backend: String
    /// Damaged or missing frames the decoder reported (reported, not an error: what did
    /// decode is analysed).
    public var skippedFrames: Int
}

/// The audio front end: decodes the spans `AnalysisWindows` chooses, computes their
/// librosa-exact mel-spectrograms, cuts them into model segments and summarises the
/// engineered features. Scanning, `musicindex features` and the training pipeline all go
/// through this one type, so what the model is trained on and what it sees are the same.
public struct TrackAnalyzer: Sendable {
    public let parameters: SpectrogramParameters
    public let windows: AnalysisWindows

    public init(parameters: SpectrogramParameters = .init(), windows: AnalysisWindows = .init()) throws(MusicIndexError) {
        do {
            try parameters.validate()
        } catch {
            throw .invalidArgument("spectrogram parameters: \(error)")
        }
        try windows.validate()
        self.parameters = parameters
        self.windows = windows
    }

    /// Names the front end's parameters; features computed under another identity are
    /// recomputed by the next scan.
    public var frontEndIdentity: String {
        let p = parameters
        return "v1 sr=\(p.sampleRate) n_fft=\(p.nFFT) hop=\(p.hopLength) mels=\(p.nMels) fmin=\(p.fMin) "
            + "fmax=\(p.effectiveFMax) power=\(p.power) ref=\(p.ref) amin=\(p.amin) top_db=\(p.topDB.map { "\($0)" } ?? "none") "
            + "segment=\(windows.segmentFrames)x\(windows.segmentsPerWindow) windows=\(windows.windowCount)"
    }

    /// Analyses the file at `path`. With `features` false only the segments are computed
    /// (what training and the model need), which skips the loudness meter and the spectral
    /// descriptors.
    public func analyse(path: String, features wantFeatures: Bool = true,
                        keepSpectrograms: Bool = false) throws(StageFailure) -> TrackAnalysis {
        var profile = StageProfile.disabled
        return try analyse(path: path, features: wantFeatures, keepSpectrograms: keepSpectrograms, profile: &profile)
    }

    /// `analyse(path:features:keepSpectrograms:)`, adding the time of each step to `profile`.
    public func analyse(path: String, features wantFeatures: Bool = true, keepSpectrograms: Bool = false,
                        profile: inout StageProfile) throws(StageFailure) -> TrackAnalysis {
        let reader: AudioReader
        do {
            reader = try profile.measure(.decode) { () throws(DecodeError) in try AudioReader(path: path) }
        } catch {
            throw StageFailure(.decode, error.reason)
        }
        try Self.checkReadable(reader)
        let spans = windows.spans(trackDuration: reader.duration, hopLength: parameters.hopLength,
                                  sampleRate: parameters.sampleRate)
        let meter = wantFeatures ? LoudnessSink(sampleRate: reader.nativeSampleRate, channels: reader.channels) : nil
        var segments: [FeatureMatrix] = []
        var spectrograms: [FeatureMatrix] = []
        var summary = FeatureAccumulator()
        var decodedSamples = 0
        for span in spans {
            var signal: [Float]
            do {
                signal = try reader.signal(from: span.start, duration: span.duration,
                                           sampleRate: parameters.sampleRate, native: meter, profile: &profile)
            } catch {
                throw StageFailure(.decode, error.reason)
            }
            if signal.isEmpty && spans.count > 1 { continue }
            decodedSamples += signal.count
            // A track shorter than one segment is padded with silence to one segment.
            let minimum = windows.segmentFrames * parameters.hopLength
            if signal.count < minimum { signal.append(contentsOf: repeatElement(0, count: minimum - signal.count)) }
            do {
                let melDB: FeatureMatrix
                if wantFeatures {
                    let analysis = try profile.measure(.spectrogram) {
                        try SpectralAnalysis(samples: signal, parameters: parameters)
                    }
                    melDB = analysis.melDB
                    try profile.measure(.features) { try summary.add(analysis) }
                } else {
                    melDB = try profile.measure(.spectrogram) {
                        try MelSpectrogram.melSpectrogramDB(signal, parameters: parameters)
                    }
                }
                if keepSpectrograms { spectrograms.append(melDB) }
                profile.measure(.spectrogram) {
                    for start in windows.segmentStarts(frames: melDB.columns) {
                        segments.append(melDB.columns(start..<(start + windows.segmentFrames)))
                    }
                }
            } catch {
                throw StageFailure(.analysis, "\(error)")
            }
        }
        guard decodedSamples > 0 else {
            throw StageFailure(.decode, "\(reader.backend) decoded no audio from the file")
        }
        var features: TrackFeatures?
        if wantFeatures {
            let seconds = Double(decodedSamples) / Double(parameters.sampleRate)
            do {
                features = try profile.measure(.features) {
                    try summary.features(analysedSeconds: seconds, loudness: meter?.measurement())
                }
            } catch {
                throw StageFailure(.analysis, "\(error)")
            }
        }
        // A whole-track read measured the length exactly; a header may only estimate it.
        let wholeTrack = spans.count == 1 && spans[0].start == 0 && spans[0].duration == nil
        let duration = wholeTrack ? Double(decodedSamples) / Double(parameters.sampleRate) : reader.duration
        return TrackAnalysis(duration: duration, declaredDuration: reader.declaredDuration, spans: spans, segments: segments,
                             spectrograms: spectrograms, features: features, backend: reader.backend,
                             skippedFrames: reader.skippedFrames)
    }

    /// A partly readable file with less audio than this (about one model segment) and under a
    /// quarter of its declared length is too little to analyse.
    public static let minimumReadableSeconds = 3.0

    /// A file that is only partly readable is analysed from what can be read, unless almost
    /// all of it is missing: under `minimumReadableSeconds` readable and under a quarter of
    /// the declared length. Analysing such a fragment, padded with silence, would describe
    /// the silence.
    static func checkReadable(_ reader: AudioReader) throws(StageFailure) {
        guard let readable = reader.duration, let declared = reader.declaredDuration,
              readable < minimumReadableSeconds, readable < declared / 4 else { return }
        throw StageFailure(.decode, String(format: "truncated or damaged: only %.1f s of its declared %.1f s can be decoded",
                                           readable, declared) + " (\(reader.backend))")
    }
}

/// Feeds the decoded native audio to a loudness meter.
private final class LoudnessSink: NativeAudioSink {
    private var meter: LoudnessMeter?

    init(sampleRate: Int, channels: Int) {
        meter = try? LoudnessMeter(sampleRate: sampleRate, channels: channels)
    }

    func consume(_ samples: UnsafeBufferPointer<Float>, channels: Int, sampleRate: Int) {
        try? meter?.process(samples)
    }

    func measurement() -> LoudnessMeasurement? { meter?.measurement() }
}
