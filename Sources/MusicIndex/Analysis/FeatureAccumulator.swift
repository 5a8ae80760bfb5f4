import Foundation

/// Gathers the frame-wise descriptors of every analysed span of a track and summarises them
/// into `TrackFeatures`.
///
/// Frame descriptors (spectral shape, RMS, zero-crossing rate, MFCC, chroma) are averaged
/// over all frames of all spans. Rhythm is measured per span (beats do not continue across
/// the gaps between windows): the tempo is the median of the spans' tempos, beat strength,
/// beat-interval variation and periodicity are means over spans with beats, and the onset
/// rate is all onsets over all analysed seconds.
struct FeatureAccumulator {
    private var centroid = RunningMean(), bandwidth = RunningMean(), rolloff = RunningMean()
    private var flatness = RunningMean(), rms = RunningMean(), zcr = RunningMean()
    private var mfcc: [RunningMean] = []
    private var chroma: [RunningMean] = []
    private var tempos: [Double] = []
    private var beatStrengths: [Double] = []
    private var intervalVariations: [Double] = []
    private var periodicities: [Double] = []
    private var onsets = 0

    /// Adds one span's analysis.
    mutating func add(_ analysis: SpectralAnalysis) throws {
        centroid.add(analysis.spectral.centroid)
        bandwidth.add(analysis.spectral.bandwidth)
        rolloff.add(analysis.spectral.rolloff)
        flatness.add(analysis.spectral.flatness)
        rms.add(analysis.rms)
        zcr.add(analysis.zeroCrossingRate)
        let coefficients = try analysis.mfcc(count: 13)
        if mfcc.isEmpty { mfcc = Array(repeating: RunningMean(), count: coefficients.rows) }
        for row in 0..<coefficients.rows { mfcc[row].add(coefficients.row(row)) }
        if chroma.isEmpty { chroma = Array(repeating: RunningMean(), count: analysis.chroma.rows) }
        for row in 0..<analysis.chroma.rows { chroma[row].add(analysis.chroma.row(row)) }

        let envelope = try analysis.onsetStrength(aggregate: .median)
        let rhythm = try RhythmDescriptors(onsetEnvelope: envelope, sampleRate: Double(analysis.parameters.sampleRate),
                                           hopLength: analysis.parameters.hopLength)
        onsets += rhythm.onsetFrames.count
        if let tempo = rhythm.tempo {
            tempos.append(tempo)
            beatStrengths.append(rhythm.beatStrength)
            periodicities.append(rhythm.periodicity)
            if let variation = rhythm.beatIntervalVariation { intervalVariations.append(variation) }
        }
    }

    /// The summary, given the seconds analysed and the loudness of the decoded audio.
    func features(analysedSeconds: Double, loudness: LoudnessMeasurement?) throws -> TrackFeatures {
        let chromaMean = chroma.map(\.mean)
        let key = try KeyEstimator.estimate(chroma: chromaMean)
        let tempo = Self.median(tempos)
        let beatStrength = beatStrengths.isEmpty ? nil : Self.mean(beatStrengths)
        let onsetRate = analysedSeconds > 0 ? Double(onsets) / analysedSeconds : 0
        let scores = try PerceptualScores.compute(ScoreInputs(
            integratedLoudness: loudness?.integrated, loudnessRange: loudness?.range,
            spectralCentroid: centroid.mean, spectralFlatness: flatness.mean,
            zeroCrossingRateMean: zcr.mean, zeroCrossingRateStd: zcr.standardDeviation,
            mfccVariability: mfcc.count > 1 ? Self.mean(mfcc.dropFirst().map(\.standardDeviation)) : 0,
            onsetRate: onsetRate, tempo: tempo, beatStrength: beatStrength ?? 0,
            beatIntervalVariation: intervalVariations.isEmpty ? nil : Self.mean(intervalVariations),
            periodicity: periodicities.isEmpty ? 0 : Self.mean(periodicities)))
        return TrackFeatures(
            analysedSeconds: analysedSeconds, tempo: tempo, beatStrength: beatStrength, onsetRate: onsetRate,
            loudness: loudness?.integrated, loudnessRange: loudness?.range, rms: rms.mean,
            spectralCentroid: centroid.mean, spectralBandwidth: bandwidth.mean, spectralRolloff: rolloff.mean,
            spectralFlatness: flatness.mean, zeroCrossingRate: zcr.mean,
            mfccMean: mfcc.map(\.mean), mfccStd: mfcc.map(\.standardDeviation), chromaMean: chromaMean,
            key: key?.tonicName, mode: key?.mode.rawValue, keyConfidence: key?.confidence,
            energy: scores?.energy, danceability: scores?.danceability, acousticness: scores?.acousticness,
            instrumentalness: scores?.instrumentalness)
    }

    private static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }

    private static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// Mean and population standard deviation of a stream of values, in Double.
struct RunningMean {
    private(set) var count = 0
    private var sum = 0.0
    private var sumOfSquares = 0.0

    mutating func add<Values: Sequence>(_ values: Values) where Values.Element == Float {
        for value in values {
            let v = Double(value)
            sum += v
            sumOfSquares += v * v
            count += 1
        }
    }

    var mean: Double { count > 0 ? sum / Double(count) : 0 }
    var standardDeviation: Double {
        guard count > 0 else { return 0 }
        return max(0, sumOfSquares / Double(count) - mean * mean).squareRoot()
    }
}
