/// Classifies whole tracks: runs a `GenreModel` on a track's segments (`TrackAnalysis.segments`)
/// and summarises them in a `TrackPrediction`.
///
/// Made with the front end's parameters, it refuses a model trained on other spectrograms,
/// so training and inference cannot drift apart silently.
public struct GenreClassifier: Sendable {
    public let model: GenreModel
    /// Segments per network call (see `GenreModel.evaluate`). The default, 128, takes all of
    /// a 6-minute track's segments in one call when the whole track is analysed: each GRU step
    /// is then one product over every segment, and OpenBLAS packs the 3 MB of recurrent
    /// weights once per step rather than once per 32 segments (about 3 % of the network's
    /// time). The call's buffers grow by about 6 MB (the input projections).
    public let batchSize: Int

    /// Pairs `model` with a front end making spectrograms with `frontEnd`; throws
    /// `.incompatibleFeatures` when the model was trained on other ones.
    public init(model: GenreModel, frontEnd: SpectrogramParameters, batchSize: Int = 128) throws(ModelFileError) {
        try model.checkCompatible(with: frontEnd)
        self.model = model
        self.batchSize = max(1, batchSize)
    }

    /// The track's prediction from its segments (mel dB, [nMels, frames] each).
    public func classify(_ segments: [FeatureMatrix]) throws(ModelInputError) -> TrackPrediction {
        guard !segments.isEmpty else { throw .noSegments }
        let predictions = try model.evaluate(segments, batchSize: batchSize)
        return TrackPrediction(labels: model.labels, segments: predictions)
    }
}

/// A track's genre prediction: the mean of its segments' probability vectors and
/// embeddings, and each segment's probabilities in track order.
public struct TrackPrediction: Sendable, Equatable {
    /// Genre names, in the order of `probabilities`.
    public let labels: [String]
    /// Mean of the segments' probability vectors (sums to 1).
    public let probabilities: [Float]
    /// Mean of the segments' embeddings.
    public let embedding: [Float]
    /// Each segment's probabilities, in segment order.
    public let timeline: [[Float]]

    /// Averages `segments` (at least one), accumulating in Double.
    init(labels: [String], segments: [SegmentPrediction]) {
        precondition(!segments.isEmpty, "a track prediction needs at least one segment")
        func mean(_ vectors: [[Float]]) -> [Float] {
            var sums = [Double](repeating: 0, count: vectors[0].count)
            for vector in vectors {
                for (index, value) in vector.enumerated() { sums[index] += Double(value) }
            }
            return sums.map { Float($0 / Double(vectors.count)) }
        }
        self.labels = labels
        self.timeline = segments.map(\.probabilities)
        self.probabilities = mean(timeline)
        self.embedding = mean(segments.map(\.embedding))
    }

    /// The index of the most probable label (the first one on a tie).
    public var topIndex: Int {
        probabilities.indices.max { probabilities[$0] < probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 > $1) } ?? 0
    }

    /// The most probable label.
    public var topLabel: String { labels[topIndex] }

    /// Labels with their probabilities, most probable first (ties in label order).
    public var ranked: [(label: String, probability: Float)] {
        labels.indices.sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
            .map { (labels[$0], probabilities[$0]) }
    }
}
