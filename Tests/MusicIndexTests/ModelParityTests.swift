import Foundation
import Testing
@testable import MusicIndex

/// The engine against PyTorch: the fixtures of `Fixtures/model` (scripts/make-model-fixtures.sh)
/// hold three random-weight model files (`tiny`: 3x3 kernels, 32 mels; `wide`: 5x5 kernels,
/// eps 1e-3, fmax 8 kHz, 18 mels; `deep`: blocks of 12 and 16 input channels, which run as
/// Winograd products), mel dB inputs of several lengths, and what PyTorch's eval mode
/// computes from them in float64, rounded to float32.
@Suite("Model parity with PyTorch")
struct ModelParityTests {
    static let folder = TestSupport.fixtures.appendingPathComponent("model")

    /// Largest accepted difference relative to the largest magnitude of each reference vector.
    /// PyTorch's own float32 pass deviates from the float64 reference by up to 5.6e-7
    /// (manifest.json, float32_max_abs_deviation); the engine's figures are of that order.
    static let tolerance = 1e-5

    /// The manifest's `models` object (read on each use: it is small).
    static var manifest: [String: JSONValue] {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("manifest.json")),
              case .object(let root)? = try? JSONDecoder().decode(JSONValue.self, from: data),
              case .object(let models)? = root["models"] else { return [:] }
        return models
    }

    static func entry(_ model: String) -> [String: JSONValue] {
        guard case .object(let entry)? = manifest[model] else { fatalError("no model \(model) in manifest.json") }
        return entry
    }

    static func object(_ value: JSONValue?) -> [String: JSONValue] {
        guard case .object(let object)? = value else { fatalError("expected an object") }
        return object
    }

    /// A fixture array (`{"file": ..., "shape": [...]}`) as floats and its shape.
    static func array(_ value: JSONValue?) throws -> (values: [Float], shape: [Int]) {
        let description = object(value)
        guard let file = description["file"]?.string, case .array(let dimensions)? = description["shape"] else {
            fatalError("malformed array entry")
        }
        let data = try Data(contentsOf: folder.appendingPathComponent(file))
        let values = data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
        let shape = dimensions.compactMap(\.int)
        precondition(values.count == shape.reduce(1, *), "\(file): \(values.count) values for shape \(shape)")
        return (values, shape)
    }

    static func model(_ name: String) throws -> GenreModel {
        try GenreModel(path: folder.appendingPathComponent(entry(name)["file"]!.string!).path)
    }

    @Test("the fixture models load with the manifest's metadata", arguments: ["tiny", "wide", "deep"])
    func metadata(name: String) throws {
        let entry = Self.entry(name)
        let model = try Self.model(name)
        #expect(model.name == entry["name"]?.string)
        #expect(model.version == entry["version"]?.string)
        #expect(model.labels == entry["labels"]?.strings)
        #expect(model.segmentFrames == entry["segment_frames"]?.int)
        #expect(model.minimumFrames == entry["min_frames"]?.int)
        #expect(model.network.inputSize == entry["gru_input"]?.int)
        #expect(model.embeddingSize == Self.object(entry["architecture"])["gru_hidden"]?.int)
        let features = Self.object(entry["features"])
        #expect(model.features.nMels == features["n_mels"]?.int)
        #expect(model.features.fMax == features["fmax"]?.double)
    }

    @Test("logits, embedding and probabilities match PyTorch for every input length", arguments: ["tiny", "wide", "deep"])
    func segments(name: String) throws {
        let model = try Self.model(name)
        guard case .array(let inputs)? = Self.entry(name)["inputs"] else { fatalError("no inputs") }
        #expect(inputs.count >= 4)
        for case .object(let input) in inputs {
            let (values, shape) = try Self.array(input["input"])
            let segment = FeatureMatrix(rows: shape[0], columns: shape[1], values: values)
            let prediction = try model.evaluate([segment])[0]
            for (key, actual) in [("logits", prediction.logits), ("embedding", prediction.embedding),
                                  ("probabilities", prediction.probabilities)] {
                let expected = try Self.array(input[key]).values
                let error = relativeError(actual, expected)
                #expect(error < Self.tolerance, "\(name), \(shape[1]) frames, \(key): relative error \(error)")
            }
        }
    }

    @Test("a three-segment track: per-segment outputs, mean probabilities and mean embedding", arguments: ["tiny", "wide", "deep"])
    func track(name: String) throws {
        let model = try Self.model(name)
        let track = Self.object(Self.entry(name)["track"])
        let (values, shape) = try Self.array(track["input"])
        let frames = track["segment_frames"]!.int!
        let whole = FeatureMatrix(rows: shape[0], columns: shape[1], values: values)
        let segments = (0..<track["segments"]!.int!).map { whole.columns($0 * frames ..< ($0 + 1) * frames) }
        // The fixture's own front end: the model's parameters.
        let classifier = try GenreClassifier(model: model, frontEnd: model.features)
        let prediction = try classifier.classify(segments)
        let each = try model.evaluate(segments)
        let expectedLogits = try Self.array(track["logits"])
        let expectedEmbeddings = try Self.array(track["embedding"])
        let expectedProbabilities = try Self.array(track["probabilities"])
        for (index, segment) in each.enumerated() {
            func row(_ array: (values: [Float], shape: [Int])) -> [Float] {
                Array(array.values[index * array.shape[1] ..< (index + 1) * array.shape[1]])
            }
            #expect(relativeError(segment.logits, row(expectedLogits)) < Self.tolerance)
            #expect(relativeError(segment.embedding, row(expectedEmbeddings)) < Self.tolerance)
            #expect(relativeError(prediction.timeline[index], row(expectedProbabilities)) < Self.tolerance)
        }
        #expect(relativeError(prediction.probabilities, try Self.array(track["mean_probabilities"]).values) < Self.tolerance)
        #expect(relativeError(prediction.embedding, try Self.array(track["mean_embedding"]).values) < Self.tolerance)
    }

    @Test("the wide model (fmax 8 kHz, 18 mels) refuses the default front end")
    func frontEnd() throws {
        let model = try Self.model("wide")
        #expect(throws: ModelFileError.self) { try GenreClassifier(model: model, frontEnd: SpectrogramParameters()) }
        _ = try GenreClassifier(model: model, frontEnd: SpectrogramParameters(nMels: 18, fMax: 8000))
    }
}
