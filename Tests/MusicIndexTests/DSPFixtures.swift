import Foundation
@testable import MusicIndex

/// The librosa reference fixtures of `Fixtures/dsp` (written by scripts/make-dsp-fixtures.sh):
/// `manifest.json` describes every array; each array is raw little-endian float32, C order.
enum DSPFixtures {
    static let folder = TestSupport.fixtures.appendingPathComponent("dsp")

    /// The mono signals at 22050 Hz with librosa feature references.
    static let signals = ["noise", "chirp", "silence", "odd", "short", "music", "click120"]
    /// The signals with onset envelopes.
    static let onsetSignals = ["music", "click120"]
    /// The signals whose |STFT| is stored.
    static let stftSignals = ["odd", "short"]

    /// One stored array: its librosa shape and values (row-major).
    struct Reference {
        let shape: [Int]
        let values: [Float]
        /// The array as a FeatureMatrix (1-D arrays become one row).
        var matrix: FeatureMatrix {
            FeatureMatrix(rows: shape.count == 2 ? shape[0] : 1, columns: shape.last ?? 0, values: values)
        }
    }

    /// The parsed manifest, loaded once. (JSONValue does not declare Sendable; the wrapper is
    /// safe because the value is immutable after its once-only static initialisation.)
    private struct Manifest: @unchecked Sendable { let object: [String: JSONValue] }
    private static let loaded: Manifest = {
        let data = try! Data(contentsOf: folder.appendingPathComponent("manifest.json"))
        guard case .object(let object) = try! JSONDecoder().decode(JSONValue.self, from: data) else {
            fatalError("manifest.json is not an object")
        }
        return Manifest(object: object)
    }()
    static var manifest: [String: JSONValue] { loaded.object }

    static func signal(_ name: String) -> [String: JSONValue] {
        guard case .object(let signals)? = manifest["signals"], case .object(let entry)? = signals[name] else {
            fatalError("no signal \(name) in the manifest")
        }
        return entry
    }

    /// The input samples of a signal.
    static func input(_ name: String) -> [Float] {
        let entry = signal(name)
        let samples = load(entry["input"]!.string!)
        precondition(samples.count == entry["n_samples"]!.int! * entry["channels"]!.int!, "\(name): sample count")
        return samples
    }

    /// A reference array of a signal ("mel", "mel_db", "onset_env", ...).
    static func reference(_ name: String, _ key: String) -> Reference {
        guard case .object(let arrays)? = signal(name)["arrays"], case .object(let array)? = arrays[key] else {
            fatalError("no array \(key) for \(name)")
        }
        return reference(array)
    }

    /// Whether a signal has a reference array.
    static func has(_ name: String, _ key: String) -> Bool {
        guard case .object(let arrays)? = signal(name)["arrays"] else { return false }
        return arrays[key] != nil
    }

    /// A filterbank or window ("mel", "chroma", "hann").
    static func filter(_ key: String) -> Reference {
        guard case .object(let filters)? = manifest["filters"], case .object(let entry)? = filters[key] else {
            fatalError("no filter \(key)")
        }
        return reference(entry)
    }

    /// librosa.mel_frequencies(130, 0, 11025) as stored in the manifest.
    static var melBandEdges: [Double] {
        guard case .object(let filters)? = manifest["filters"], case .array(let edges)? = filters["mel_band_edges_hz"] else {
            fatalError("no mel band edges")
        }
        return edges.map { $0.double! }
    }

    /// A scalar of a signal ("n_frames", "mel_max", ...).
    static func scalar(_ name: String, _ key: String) -> Double {
        guard case .object(let scalars)? = signal(name)["scalars"], let value = scalars[key]?.double else {
            fatalError("no scalar \(key) for \(name)")
        }
        return value
    }

    private static func reference(_ entry: [String: JSONValue]) -> Reference {
        guard case .array(let shape)? = entry["shape"] else { fatalError("array without shape") }
        let dims = shape.map { $0.int! }
        let values = load(entry["file"]!.string!)
        precondition(values.count == dims.reduce(1, *), "\(entry["file"]!.string!): size does not match the shape")
        return Reference(shape: dims, values: values)
    }

    /// Reads a raw little-endian float32 file.
    static func load(_ file: String) -> [Float] {
        let data = try! Data(contentsOf: folder.appendingPathComponent(file))
        precondition(data.count % 4 == 0, "\(file): not a float32 file")
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
}

/// Error statistics of a computed array against a reference.
struct DSPError: CustomStringConvertible {
    /// max |ours − ref|
    var maxAbs: Double = 0
    /// max |ours − ref| / max(|ref|, floor)
    var maxRel: Double = 0
    var count = 0

    init(_ ours: [Float], _ reference: [Float], floor: Double = 0) {
        precondition(ours.count == reference.count, "length \(ours.count) vs \(reference.count)")
        count = ours.count
        for (a, b) in zip(ours, reference) {
            let diff = abs(Double(a) - Double(b))
            maxAbs = max(maxAbs, diff)
            let scale = max(abs(Double(b)), floor)
            if scale > 0 { maxRel = max(maxRel, diff / scale) } else if diff > 0 { maxRel = .infinity }
        }
    }

    var description: String {
        String(format: "max abs %.3g, max rel %.3g over %d values", maxAbs, maxRel, count)
    }
}
