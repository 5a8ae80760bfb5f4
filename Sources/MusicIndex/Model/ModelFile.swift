import Foundation

/// A genre-model file read and checked against the contract (training/MODEL_FORMAT.md): the
/// safetensors container (`SafeTensors`), the metadata (`ModelMetadata`), and the tensors:
/// every one the architecture needs present, F32, of exactly the shape the metadata
/// implies, finite, and no other tensor.
///
/// The weights stay in PyTorch's layout; `CRNN` turns them into its own. No BLAS here, so
/// the fuzz target can compile the whole loader.
struct ModelFile: Sendable {
    let metadata: ModelMetadata
    /// Every tensor's values by `state_dict` name, in C order.
    let weights: [String: [Float]]

    /// Reads the file at `path`.
    init(path: String) throws(ModelFileError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        try self.init(bytes: [UInt8](data))
    }

    /// Reads a whole model file held in memory.
    init(bytes: [UInt8]) throws(ModelFileError) {
        let file = try SafeTensors(bytes: bytes)
        let metadata = try ModelMetadata(file.metadata)
        let expected = Self.expectedShapes(metadata)
        var weights: [String: [Float]] = [:]
        for (name, shape) in expected {
            guard let tensor = file.tensors[name] else { throw .missingTensor(name: name) }
            guard tensor.dtype == .f32 else { throw .unsupportedDType(name: name, dtype: tensor.dtype.rawValue) }
            guard tensor.shape == shape else { throw .shapeMismatch(name: name, expected: shape, found: tensor.shape) }
            let values = file.floats(tensor)
            guard values.allSatisfy(\.isFinite) else {
                throw .invalidWeights(name: name, reason: "holds NaN or infinite values")
            }
            if name.hasSuffix(".bn.running_var"), let negative = values.first(where: { $0 < 0 }) {
                throw .invalidWeights(name: name, reason: "negative running variance \(negative)")
            }
            weights[name] = values
        }
        let known = Set(expected.map(\.name))
        if let extra = file.tensors.keys.sorted().first(where: { !known.contains($0) }) {
            throw .unexpectedTensor(name: extra)
        }
        self.metadata = metadata
        self.weights = weights
    }

    /// Every tensor name the metadata calls for and its shape, in network order.
    static func expectedShapes(_ metadata: ModelMetadata) -> [(name: String, shape: [Int])] {
        let architecture = metadata.architecture
        let k = architecture.convKernel
        var shapes: [(name: String, shape: [Int])] = []
        var channelsIn = 1
        for (block, channelsOut) in architecture.convChannels.enumerated() {
            shapes.append(("blocks.\(block).conv.weight", [channelsOut, channelsIn, k, k]))
            for parameter in ["conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"] {
                shapes.append(("blocks.\(block).\(parameter)", [channelsOut]))
            }
            channelsIn = channelsOut
        }
        let hidden = architecture.gruHidden
        // Metadata validation guarantees a positive F within Int (channels and bins bounded).
        let inputSize = architecture.gruInputSize(nMels: metadata.features.nMels) ?? 0
        shapes.append(("gru.weight_ih_l0", [3 * hidden, inputSize]))
        shapes.append(("gru.weight_hh_l0", [3 * hidden, hidden]))
        shapes.append(("gru.bias_ih_l0", [3 * hidden]))
        shapes.append(("gru.bias_hh_l0", [3 * hidden]))
        shapes.append(("fc.weight", [metadata.labels.count, hidden]))
        shapes.append(("fc.bias", [metadata.labels.count]))
        return shapes
    }
}
