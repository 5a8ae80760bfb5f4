/// Why a genre-model file was refused. Each case names one violation, of the safetensors
/// container or of the musicindex model contract (training/MODEL_FORMAT.md), and carries the
/// tensor or metadata key and the sizes involved, so the message says exactly what is wrong.
///
/// Self-contained (no other module types) so that the fuzz target can compile the loader
/// alone.
public enum ModelFileError: Error, CustomStringConvertible, Equatable, Sendable {
    // MARK: Reading

    /// The file could not be read.
    case unreadable(path: String, reason: String)

    // MARK: The safetensors container

    /// The file is shorter than the 8-byte header length.
    case truncated(expected: Int, actual: Int)
    /// The header length is larger than any sane header (safetensors' own 100 MB limit).
    case headerTooLarge(length: UInt64, limit: Int)
    /// The header length points past the end of the file.
    case headerOutOfBounds(length: UInt64, available: Int)
    /// The header bytes are not valid UTF-8.
    case headerNotUTF8(offset: Int)
    /// The header is not well-formed JSON (detail: what and at which header byte).
    case invalidJSON(String)
    /// The header is JSON but not an object.
    case headerNotObject(found: String)
    /// A tensor entry is not `{"dtype": ..., "shape": [...], "data_offsets": [begin, end]}`.
    case malformedTensorEntry(name: String, reason: String)
    /// A dtype safetensors does not define.
    case unknownDType(name: String, dtype: String)
    /// A shape with a negative, fractional or oversized dimension.
    case invalidShape(name: String, reason: String)
    /// The element count or byte size of a shape overflows.
    case shapeOverflow(name: String, shape: [Int])
    /// The shape's byte size (elements x dtype size) differs from the offsets' span.
    case byteSizeMismatch(name: String, shapeBytes: Int, offsetBytes: Int)
    /// `data_offsets` with begin > end, or values that are not non-negative integers.
    case invalidOffsets(name: String, begin: Int, end: Int)
    /// A tensor's bytes extend past the end of the data section.
    case tensorOutOfBounds(name: String, end: Int, dataSize: Int)
    /// Two tensors share bytes (or a tensor starts inside another).
    case overlappingTensors(first: String, second: String)
    /// Bytes of the data section that no tensor covers (safetensors allows no holes).
    case dataHole(offset: Int, length: Int)

    // MARK: The model contract

    /// A tensor of a known dtype the model cannot use (every model tensor is F32).
    case unsupportedDType(name: String, dtype: String)
    /// A required `__metadata__` key is absent.
    case missingMetadata(key: String)
    /// A metadata value is not what the contract requires.
    case badMetadata(key: String, reason: String)
    /// `format` is not `musicindex-crnn`.
    case wrongFormat(found: String)
    /// `format_version` is not one this engine reads.
    case unsupportedFormatVersion(found: String, supported: String)
    /// A tensor the architecture requires is absent.
    case missingTensor(name: String)
    /// A tensor the architecture does not use is present.
    case unexpectedTensor(name: String)
    /// A tensor's shape differs from the one the metadata implies.
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    /// A tensor holds unusable values (NaN or infinity, a negative variance).
    case invalidWeights(name: String, reason: String)
    /// The model was trained on spectrograms made with other parameters than the front end's
    /// (each difference as "key: model value vs front-end value").
    case incompatibleFeatures(differences: [String])

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read model file \(path): \(reason)"
        case .truncated(let expected, let actual):
            "model file truncated: \(actual) bytes, at least \(expected) needed"
        case .headerTooLarge(let length, let limit):
            "model file header length \(length) exceeds the \(limit)-byte limit"
        case .headerOutOfBounds(let length, let available):
            "model file header length \(length) runs past the end of the file (\(available) bytes after the length)"
        case .headerNotUTF8(let offset):
            "model file header is not valid UTF-8 (header byte \(offset))"
        case .invalidJSON(let detail):
            "model file header is not valid JSON: \(detail)"
        case .headerNotObject(let found):
            "model file header is \(found), not a JSON object"
        case .malformedTensorEntry(let name, let reason):
            "tensor \(name): malformed entry: \(reason)"
        case .unknownDType(let name, let dtype):
            "tensor \(name): unknown dtype \(dtype)"
        case .invalidShape(let name, let reason):
            "tensor \(name): invalid shape: \(reason)"
        case .shapeOverflow(let name, let shape):
            "tensor \(name): the byte size of shape \(shape) overflows"
        case .byteSizeMismatch(let name, let shapeBytes, let offsetBytes):
            "tensor \(name): its shape needs \(shapeBytes) bytes but its offsets span \(offsetBytes)"
        case .invalidOffsets(let name, let begin, let end):
            "tensor \(name): invalid data_offsets [\(begin), \(end)]"
        case .tensorOutOfBounds(let name, let end, let dataSize):
            "tensor \(name): data ends at byte \(end), past the \(dataSize)-byte data section"
        case .overlappingTensors(let first, let second):
            "tensors \(first) and \(second) overlap"
        case .dataHole(let offset, let length):
            "\(length) bytes at data offset \(offset) belong to no tensor"
        case .unsupportedDType(let name, let dtype):
            "tensor \(name): dtype \(dtype) is not supported (model tensors are F32)"
        case .missingMetadata(let key):
            "model metadata lacks \"\(key)\""
        case .badMetadata(let key, let reason):
            "model metadata \"\(key)\": \(reason)"
        case .wrongFormat(let found):
            "not a musicindex genre model (format \"\(found)\", expected \"musicindex-crnn\")"
        case .unsupportedFormatVersion(let found, let supported):
            "model format version \"\(found)\" is not supported (this engine reads version \(supported))"
        case .missingTensor(let name):
            "model file lacks tensor \(name)"
        case .unexpectedTensor(let name):
            "model file has a tensor the architecture does not use: \(name)"
        case .shapeMismatch(let name, let expected, let found):
            "tensor \(name): shape \(found), the metadata implies \(expected)"
        case .invalidWeights(let name, let reason):
            "tensor \(name): \(reason)"
        case .incompatibleFeatures(let differences):
            "the model was trained on other spectrograms than this front end makes: "
                + differences.joined(separator: "; ")
        }
    }
}
