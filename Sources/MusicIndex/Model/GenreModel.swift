import Foundation

/// A loaded genre model: the checked contents of a model file (training/MODEL_FORMAT.md) and
/// the network ready to run. Loading checks everything (container, metadata, every tensor's
/// dtype and shape), so a model that loads runs on any segment of the right size.
///
/// Immutable and `Sendable`: one model serves any number of threads at once, each call with
/// its own buffers. BLAS uses one thread per call unless `setBLASThreads(_:)` says otherwise
/// (see `BLAS`).
public struct GenreModel: Sendable {
    /// Everything the file's metadata says.
    public let metadata: ModelMetadata
    let network: CRNN

    /// Loads and checks the model file at `path`.
    public init(path: String) throws(ModelFileError) {
        try self.init(ModelFile(path: path))
    }

    /// Loads and checks a model file held in memory.
    public init(data: Data) throws(ModelFileError) {
        try self.init(ModelFile(bytes: [UInt8](data)))
    }

    init(_ file: ModelFile) {
        BLAS.applyDefaultThreads()
        metadata = file.metadata
        network = CRNN(file)
    }

    /// Model name, e.g. "musicindex-genres".
    public var name: String { metadata.name }
    /// Model version, e.g. "2026.11.1".
    public var version: String { metadata.version }
    /// Genre names in output order.
    public var labels: [String] { metadata.labels }
    /// The front-end settings the model was trained on.
    public var features: SpectrogramParameters { metadata.features }
    /// Frames per segment the model was trained on.
    public var segmentFrames: Int { metadata.segmentFrames }
    /// The shortest segment the network accepts (2^B frames for the default network).
    public var minimumFrames: Int { metadata.architecture.minimumFrames }
    /// Length of an embedding (the GRU's hidden size).
    public var embeddingSize: Int { metadata.architecture.gruHidden }
    /// What the model was trained on.
    public var trainingData: String { metadata.trainingData }

    /// Throws `.incompatibleFeatures` listing every setting in which `frontEnd` differs from
    /// the spectrograms the model was trained on (fmax compared as the effective frequency,
    /// so nil and the Nyquist frequency agree).
    public func checkCompatible(with frontEnd: SpectrogramParameters) throws(ModelFileError) {
        let model = features
        var differences: [String] = []
        func compare<Value: Equatable>(_ key: String, _ a: Value, _ b: Value) {
            if a != b { differences.append("\(key): model \(a) vs front end \(b)") }
        }
        compare("sample_rate", model.sampleRate, frontEnd.sampleRate)
        compare("n_fft", model.nFFT, frontEnd.nFFT)
        compare("hop_length", model.hopLength, frontEnd.hopLength)
        compare("n_mels", model.nMels, frontEnd.nMels)
        compare("fmin", model.fMin, frontEnd.fMin)
        compare("fmax", model.effectiveFMax, frontEnd.effectiveFMax)
        compare("power", model.power, frontEnd.power)
        compare("ref", model.ref, frontEnd.ref)
        compare("amin", model.amin, frontEnd.amin)
        compare("top_db", model.topDB.map { "\($0)" } ?? "none", frontEnd.topDB.map { "\($0)" } ?? "none")
        if !differences.isEmpty { throw .incompatibleFeatures(differences: differences) }
    }

    /// Makes every later BLAS call of the process use `count` threads (default 1). For a
    /// program that runs one model call at a time; a scan, which runs one file per core,
    /// should keep 1.
    public static func setBLASThreads(_ count: Int) { BLAS.setThreads(count) }

    /// The thread count BLAS uses per call.
    public static var blasThreads: Int { BLAS.threads }

    /// OpenBLAS's name for the kernels it runs on this processor ("SkylakeX", "Haswell", ...).
    public static var blasKernels: String { BLAS.kernels }

    /// What runs the network's convolution and GRU products: "musicindex AVX-512" (its own
    /// kernel, on processors with AVX-512F, whatever OpenBLAS chose) or "OpenBLAS".
    public static var productKernel: String { CRNN.ownProductKernel ? "musicindex AVX-512" : "OpenBLAS" }

    /// Runs the network on each segment (mel dB [nMels, frames], frames >= `minimumFrames`;
    /// segments may differ in length). Consecutive segments of equal length run together in
    /// batches of up to `batchSize`; the results do not depend on the batching beyond
    /// rounding (OpenBLAS may block products of other sizes differently: about 1e-7).
    public func evaluate(_ segments: [FeatureMatrix], batchSize: Int = 32) throws(ModelInputError) -> [SegmentPrediction] {
        for (index, segment) in segments.enumerated() {
            guard segment.rows == features.nMels else {
                throw .wrongMelBands(segment: index, expected: features.nMels, found: segment.rows)
            }
            guard segment.columns >= minimumFrames else {
                throw .tooFewFrames(segment: index, minimum: minimumFrames, found: segment.columns)
            }
        }
        var predictions: [SegmentPrediction] = []
        predictions.reserveCapacity(segments.count)
        var start = 0
        while start < segments.count {
            let frames = segments[start].columns
            var end = start + 1
            while end < segments.count && end - start < max(1, batchSize) && segments[end].columns == frames { end += 1 }
            let outputs = Self.withBuffers(segments[start..<end]) { buffers in
                network.forward(buffers, frames: frames, mean: metadata.normalizationMean, std: metadata.normalizationStd)
            }
            predictions += outputs.map {
                SegmentPrediction(logits: $0.logits, embedding: $0.embedding, probabilities: $0.probabilities)
            }
            start = end
        }
        return predictions
    }

    /// Calls `body` with the segments' storage.
    private static func withBuffers<Result>(_ segments: ArraySlice<FeatureMatrix>,
                                            _ body: ([UnsafeBufferPointer<Float>]) -> Result) -> Result {
        func nest(_ index: Int, _ collected: [UnsafeBufferPointer<Float>]) -> Result {
            guard index < segments.endIndex else { return body(collected) }
            return segments[index].values.withUnsafeBufferPointer { nest(index + 1, collected + [$0]) }
        }
        return nest(segments.startIndex, [])
    }
}

/// What the network makes of one segment.
public struct SegmentPrediction: Sendable, Equatable {
    /// The classifier's outputs, one per label.
    public let logits: [Float]
    /// The mean of the GRU states (the penultimate layer), `embeddingSize` values.
    public let embedding: [Float]
    /// softmax(logits).
    public let probabilities: [Float]
}

/// Why segments were refused by the network.
public enum ModelInputError: Error, CustomStringConvertible, Equatable, Sendable {
    /// No segment to classify.
    case noSegments
    /// A segment's row count is not the model's mel band count.
    case wrongMelBands(segment: Int, expected: Int, found: Int)
    /// A segment is shorter than the network's minimum.
    case tooFewFrames(segment: Int, minimum: Int, found: Int)

    public var description: String {
        switch self {
        case .noSegments:
            "no segment to classify"
        case .wrongMelBands(let segment, let expected, let found):
            "segment \(segment) has \(found) mel bands, the model takes \(expected)"
        case .tooFewFrames(let segment, let minimum, let found):
            "segment \(segment) has \(found) frames, the model needs at least \(minimum)"
        }
    }
}
