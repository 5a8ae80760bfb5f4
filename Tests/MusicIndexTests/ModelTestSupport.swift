import Foundation
@testable import MusicIndex

/// Uniform floats from the library's deterministic generator (SplitMix64).
extension SeededGenerator {
    mutating func uniform(_ range: ClosedRange<Float>) -> Float { Float.random(in: range, using: &self) }
}

/// A model file built in the test: metadata and tensors that can be corrupted one field at a
/// time before `bytes()` serialises them as safetensors.
struct TestModelFile {
    /// One tensor entry: the header's fields and the bytes written for it.
    struct Tensor {
        var name: String
        var dtype = "F32"
        var shape: [Int]
        var bytes: [UInt8]
        /// Replaces the computed data_offsets in the header.
        var offsets: [Int]?
        /// Bytes written before this tensor's data (a hole when not covered by offsets).
        var gap = 0
        /// Raw JSON text that replaces the whole entry.
        var rawEntry: String?

        init(name: String, shape: [Int], values: [Float]) {
            self.name = name
            self.shape = shape
            self.bytes = values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
        }

        var values: [Float] {
            stride(from: 0, to: bytes.count - 3, by: 4).map { index in
                Float(bitPattern: UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8
                      | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24)
            }
        }
    }

    var metadata: [String: String]
    /// Raw JSON text that replaces the `__metadata__` object.
    var rawMetadata: String?
    var tensors: [Tensor]
    /// Bytes appended after the last tensor.
    var trailing: [UInt8] = []

    /// The tiny model of the loader tests (channels [2, 3], hidden 4, 3 labels, 8 mels).
    static func tiny(seed: UInt64 = 1) -> TestModelFile {
        TestNetwork(channels: [2, 3], hidden: 4, labels: ["rock", "jazz", "folk"], nMels: 8).file(seed: seed)
    }

    subscript(name: String) -> Tensor {
        get {
            guard let tensor = tensors.first(where: { $0.name == name }) else { fatalError("no tensor \(name)") }
            return tensor
        }
        set {
            guard let index = tensors.firstIndex(where: { $0.name == name }) else { fatalError("no tensor \(name)") }
            tensors[index] = newValue
        }
    }

    /// Tensor values by name (for the reference implementation).
    var weights: [String: [Float]] { Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.values) }) }

    /// The safetensors header JSON.
    func header() -> String {
        var entries: [String] = []
        if let rawMetadata {
            entries.append("\"__metadata__\":\(rawMetadata)")
        } else {
            let members = metadata.keys.sorted().map { "\(Self.quote($0)):\(Self.quote(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(members.joined(separator: ","))}")
        }
        var offset = 0
        for tensor in tensors {
            offset += tensor.gap
            let offsets = tensor.offsets ?? [offset, offset + tensor.bytes.count]
            offset += tensor.bytes.count
            let entry = tensor.rawEntry ?? "{\"dtype\":\(Self.quote(tensor.dtype)),\"shape\":\(tensor.shape),\"data_offsets\":\(offsets)}"
            entries.append("\(Self.quote(tensor.name)):\(entry)")
        }
        return "{" + entries.joined(separator: ",") + "}"
    }

    /// The whole file: header length, header (padded with spaces to 8 bytes, as the Python
    /// writer does), data.
    func bytes(header: String? = nil) -> Data {
        var headerBytes = Array((header ?? self.header()).utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var file = withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian, Array.init)
        file += headerBytes
        for tensor in tensors {
            file += [UInt8](repeating: 0, count: tensor.gap)
            file += tensor.bytes
        }
        file += trailing
        return Data(file)
    }

    static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// A network's shape and the model files with random weights made from it.
struct TestNetwork {
    var channels: [Int]
    var kernel = 3
    var padding = 1
    var pool = 2
    var eps = 1e-5
    var hidden: Int
    var labels: [String]
    var nMels: Int
    var segmentFrames = 16
    var mean: Float = -40
    var std: Float = 20

    init(channels: [Int], kernel: Int = 3, padding: Int = 1, pool: Int = 2, hidden: Int, labels: [String],
         nMels: Int, segmentFrames: Int = 16) {
        self.channels = channels
        self.kernel = kernel
        self.padding = padding
        self.pool = pool
        self.hidden = hidden
        self.labels = labels
        self.nMels = nMels
        self.segmentFrames = segmentFrames
    }

    var features: SpectrogramParameters { SpectrogramParameters(nMels: nMels) }

    /// Mel bins left after the blocks.
    var bins: Int {
        var size = nMels
        for _ in channels { size = (size + 2 * padding - kernel + 1) / pool }
        return size
    }

    var metadata: [String: String] {
        let channelList = channels.map(String.init).joined(separator: ", ")
        let features = String(decoding: try! JSONEncoder().encode(self.features), as: UTF8.self)
        return [
            "format": "musicindex-crnn",
            "format_version": "1",
            "name": "test-genres",
            "version": "2026.1.0",
            "labels": "[" + labels.map { TestModelFile.quote($0) }.joined(separator: ", ") + "]",
            "architecture": """
                {"type": "crnn", "conv_channels": [\(channelList)], "conv_kernel": \(kernel), "conv_padding": \(padding), \
                "pool": \(pool), "batch_norm_eps": \(eps), "gru_hidden": \(hidden), "gru_layers": 1, "temporal_pooling": "mean"}
                """,
            "features": features,
            "segment_frames": "\(segmentFrames)",
            "normalization": "{\"mean\": \(mean), \"std\": \(std)}",
            "training_data": "random weights for tests",
            "created": "2026-01-15T12:00:00Z",
        ]
    }

    /// A model file with PyTorch-like random weights (uniform within 1/sqrt(fan_in)) and
    /// BatchNorm statistics away from the identity.
    func file(seed: UInt64) -> TestModelFile {
        var random = SeededGenerator(seed: seed)
        func values(_ count: Int, _ range: ClosedRange<Float>) -> [Float] { (0..<count).map { _ in random.uniform(range) } }
        var tensors: [TestModelFile.Tensor] = []
        var channelsIn = 1
        for (index, channelsOut) in channels.enumerated() {
            let bound = 1 / Float(channelsIn * kernel * kernel).squareRoot()
            let prefix = "blocks.\(index)."
            tensors.append(.init(name: prefix + "conv.weight", shape: [channelsOut, channelsIn, kernel, kernel],
                                 values: values(channelsOut * channelsIn * kernel * kernel, -bound...bound)))
            tensors.append(.init(name: prefix + "conv.bias", shape: [channelsOut], values: values(channelsOut, -bound...bound)))
            tensors.append(.init(name: prefix + "bn.weight", shape: [channelsOut], values: values(channelsOut, 0.5...1.5)))
            tensors.append(.init(name: prefix + "bn.bias", shape: [channelsOut], values: values(channelsOut, -0.2...0.2)))
            tensors.append(.init(name: prefix + "bn.running_mean", shape: [channelsOut], values: values(channelsOut, -0.3...0.3)))
            tensors.append(.init(name: prefix + "bn.running_var", shape: [channelsOut], values: values(channelsOut, 0.5...2)))
            channelsIn = channelsOut
        }
        let inputSize = channelsIn * bins
        let bound = 1 / Float(hidden).squareRoot()
        tensors.append(.init(name: "gru.weight_ih_l0", shape: [3 * hidden, inputSize], values: values(3 * hidden * inputSize, -bound...bound)))
        tensors.append(.init(name: "gru.weight_hh_l0", shape: [3 * hidden, hidden], values: values(3 * hidden * hidden, -bound...bound)))
        tensors.append(.init(name: "gru.bias_ih_l0", shape: [3 * hidden], values: values(3 * hidden, -bound...bound)))
        tensors.append(.init(name: "gru.bias_hh_l0", shape: [3 * hidden], values: values(3 * hidden, -bound...bound)))
        tensors.append(.init(name: "fc.weight", shape: [labels.count, hidden], values: values(labels.count * hidden, -bound...bound)))
        tensors.append(.init(name: "fc.bias", shape: [labels.count], values: values(labels.count, -bound...bound)))
        return TestModelFile(metadata: metadata, tensors: tensors)
    }

    /// Random mel dB segments [nMels, frames] in [-80, 0] dB.
    func segments(count: Int, frames: Int, seed: UInt64) -> [FeatureMatrix] {
        var random = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            FeatureMatrix(rows: nMels, columns: frames, values: (0..<nMels * frames).map { _ in random.uniform(-80...0) })
        }
    }
}
