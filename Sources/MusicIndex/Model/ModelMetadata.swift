import Foundation

/// What a genre-model file says about itself: its `__metadata__`, read and checked per
/// training/MODEL_FORMAT.md. Structured values are JSON text inside the string values.
///
/// Keys outside the contract are ignored (they cannot change what the engine computes);
/// within the `architecture` and `features` objects unknown keys are refused, because there
/// they could.
public struct ModelMetadata: Sendable {
    /// The only `format` value of a musicindex genre model.
    public static let format = "musicindex-crnn"
    /// The `format_version` this engine reads.
    public static let formatVersion = "1"
    /// Longest accepted `segment_frames` (about 3 hours at the default hop).
    static let maximumSegmentFrames = 1 << 20

    /// Model name, e.g. "musicindex-genres"; analyses are keyed by name + version.
    public let name: String
    /// Model version, e.g. "2026.11.1".
    public let version: String
    /// Genre names in output order (non-empty, unique, none empty).
    public let labels: [String]
    /// The network's shape.
    public let architecture: CRNNArchitecture
    /// The front-end settings the model was trained on.
    public let features: SpectrogramParameters
    /// Frames per model segment.
    public let segmentFrames: Int
    /// The network sees `(melDB - normalizationMean) / normalizationStd`.
    public let normalizationMean: Float
    /// See `normalizationMean`; finite and positive.
    public let normalizationStd: Float
    /// What the model was trained on (free text).
    public let trainingData: String
    /// Evaluation figures, JSON object text, when the file has them.
    public let metrics: String?
    /// Creation date (ISO 8601), when the file has it.
    public let created: String?

    /// Reads and checks every contract key of `metadata` (a safetensors `__metadata__`).
    init(_ metadata: [String: String]) throws(ModelFileError) {
        func value(_ key: String) throws(ModelFileError) -> String {
            guard let value = metadata[key] else { throw .missingMetadata(key: key) }
            return value
        }
        let format = try value("format")
        guard format == Self.format else { throw .wrongFormat(found: format) }
        let version = try value("format_version")
        guard version == Self.formatVersion else {
            throw .unsupportedFormatVersion(found: version, supported: Self.formatVersion)
        }
        name = try value("name")
        guard !name.isEmpty else { throw .badMetadata(key: "name", reason: "empty") }
        self.version = try value("version")
        guard !self.version.isEmpty else { throw .badMetadata(key: "version", reason: "empty") }
        labels = try Self.labels(try value("labels"))
        architecture = try CRNNArchitecture.parse(try value("architecture"))
        features = try Self.features(try value("features"))
        guard architecture.gruInputSize(nMels: features.nMels) != nil else {
            throw .badMetadata(key: "architecture", reason: "no mel bin of the \(features.nMels) bands is left "
                               + "after \(architecture.blockCount) blocks")
        }
        let framesText = try value("segment_frames")
        guard framesText.allSatisfy(\.isASCII), framesText.allSatisfy(\.isNumber), let frames = Int(framesText) else {
            throw .badMetadata(key: "segment_frames", reason: "\"\(framesText)\" is not a decimal integer")
        }
        guard frames >= architecture.minimumFrames, frames <= Self.maximumSegmentFrames else {
            throw .badMetadata(key: "segment_frames", reason: "\(frames) outside \(architecture.minimumFrames)..."
                               + "\(Self.maximumSegmentFrames) (the network needs at least \(architecture.minimumFrames))")
        }
        segmentFrames = frames
        (normalizationMean, normalizationStd) = try Self.normalization(try value("normalization"))
        trainingData = try value("training_data")
        metrics = metadata["metrics"]
        if let metrics {
            guard (try? StrictJSON.parse(metrics))?.members != nil else {
                throw .badMetadata(key: "metrics", reason: "not a JSON object")
            }
        }
        created = metadata["created"]
        if let created {
            // ISO 8601 starts with a calendar date, YYYY-MM-DD.
            let prefix = Array(created.utf8.prefix(10))
            let shape = prefix.count == 10 && prefix.indices.allSatisfy { index in
                index == 4 || index == 7 ? prefix[index] == UInt8(ascii: "-")
                    : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(prefix[index])
            }
            guard shape else { throw .badMetadata(key: "created", reason: "\"\(created)\" is not an ISO 8601 date") }
        }
    }

    private static func labels(_ text: String) throws(ModelFileError) -> [String] {
        func bad(_ reason: String) -> ModelFileError { .badMetadata(key: "labels", reason: reason) }
        let json: StrictJSON
        do { json = try StrictJSON.parse(text) } catch { throw bad("not JSON: \(error)") }
        guard let elements = json.elements else { throw bad("is \(json.kind), not an array") }
        guard !elements.isEmpty else { throw bad("no labels") }
        var labels: [String] = []
        var seen = Set<String>()
        for element in elements {
            guard let label = element.stringValue else { throw bad("entry \(element) is not a string") }
            guard !label.isEmpty else { throw bad("empty label") }
            guard seen.insert(label).inserted else { throw bad("duplicate label \"\(label)\"") }
            labels.append(label)
        }
        return labels
    }

    /// The librosa key names of `SpectrogramParameters`, taken from its own encoding so the
    /// two cannot drift.
    private static let featureKeys: Set<String> = {
        guard let data = try? JSONEncoder().encode(SpectrogramParameters()),
              let members = (try? StrictJSON.parse(data))?.members else { return [] }
        return Set(members.map(\.key))
    }()

    private static func features(_ text: String) throws(ModelFileError) -> SpectrogramParameters {
        func bad(_ reason: String) -> ModelFileError { .badMetadata(key: "features", reason: reason) }
        let json: StrictJSON
        do { json = try StrictJSON.parse(text) } catch { throw bad("not JSON: \(error)") }
        guard let members = json.members else { throw bad("is \(json.kind), not an object") }
        for (key, _) in members where !featureKeys.contains(key) { throw bad("unknown key \"\(key)\"") }
        do {
            return try JSONDecoder().decode(SpectrogramParameters.self, from: Data(text.utf8))
        } catch let error as DecodingError {
            switch error {
            case .keyNotFound(let key, _): throw bad("no \"\(key.stringValue)\"")
            case .typeMismatch(_, let context), .valueNotFound(_, let context):
                throw bad("\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)")
            case .dataCorrupted(let context): throw bad(context.debugDescription)
            @unknown default: throw bad("\(error)")
            }
        } catch {
            throw bad("\(error)")
        }
    }

    private static func normalization(_ text: String) throws(ModelFileError) -> (Float, Float) {
        func bad(_ reason: String) -> ModelFileError { .badMetadata(key: "normalization", reason: reason) }
        let json: StrictJSON
        do { json = try StrictJSON.parse(text) } catch { throw bad("not JSON: \(error)") }
        guard let members = json.members else { throw bad("is \(json.kind), not an object") }
        for (key, _) in members where key != "mean" && key != "std" { throw bad("unknown key \"\(key)\"") }
        guard let meanValue = json["mean"]?.doubleValue else { throw bad("mean is not a number") }
        guard let stdValue = json["std"]?.doubleValue else { throw bad("std is not a number") }
        let mean = Float(meanValue), std = Float(stdValue)
        guard mean.isFinite else { throw bad("mean \(meanValue) is not a finite float") }
        guard std.isFinite, std > 0 else { throw bad("std \(stdValue) is not a finite positive float") }
        return (mean, std)
    }
}
