/// A strictly checked reading of a safetensors file
/// (https://huggingface.co/docs/safetensors, format of safetensors 0.4): an 8-byte
/// little-endian header length N, N bytes of UTF-8 JSON header, then the data section.
///
/// The header is an object: the optional `__metadata__` (string -> string) and one entry per
/// tensor, `{"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}` with the
/// offsets relative to the data section. Every rule of the format is checked, each with its
/// own `ModelFileError`: the header length is sane and inside the file; the header is UTF-8
/// JSON (no duplicate keys); every entry has exactly those three fields, a known dtype, a
/// shape of non-negative integers whose element count times the dtype size equals
/// end - begin (checked arithmetic); the tensors lie inside the data section, do not overlap
/// and cover it exactly, with no holes or trailing bytes.
///
/// Nothing here trusts the input: sizes are checked before use, arithmetic reports overflow,
/// and the tensor bytes are only read by `floats(_:)` after these checks. Self-contained
/// (standard library only) for the fuzz target.
struct SafeTensors: Sendable {
    /// The element types safetensors defines, with their sizes in bytes.
    enum DType: String, CaseIterable, Sendable {
        case bool = "BOOL", u8 = "U8", i8 = "I8", f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3"
        case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
        case i32 = "I32", u32 = "U32", f32 = "F32"
        case f64 = "F64", i64 = "I64", u64 = "U64"

        var size: Int {
            switch self {
            case .bool, .u8, .i8, .f8e5m2, .f8e4m3: 1
            case .i16, .u16, .f16, .bf16: 2
            case .i32, .u32, .f32: 4
            case .f64, .i64, .u64: 8
            }
        }
    }

    /// One tensor's entry, checked against the file.
    struct Tensor: Sendable, Equatable {
        let name: String
        let dtype: DType
        let shape: [Int]
        /// Byte range in the data section.
        let byteRange: Range<Int>
        /// Product of the shape (1 for a scalar).
        let elementCount: Int
    }

    /// The header's largest accepted length (safetensors' own limit).
    static let maximumHeaderLength = 100_000_000

    /// `__metadata__`, empty when absent.
    let metadata: [String: String]
    /// Every tensor, by name.
    let tensors: [String: Tensor]
    /// The whole file.
    private let bytes: [UInt8]
    /// Where the data section starts in `bytes`: 8 + N.
    private let dataStart: Int

    /// Parses and checks `bytes`, a whole safetensors file.
    init(bytes: [UInt8]) throws(ModelFileError) {
        guard bytes.count >= 8 else { throw .truncated(expected: 8, actual: bytes.count) }
        var length: UInt64 = 0
        for index in (0..<8).reversed() { length = length << 8 | UInt64(bytes[index]) }
        guard length <= UInt64(Self.maximumHeaderLength) else {
            throw .headerTooLarge(length: length, limit: Self.maximumHeaderLength)
        }
        let headerLength = Int(length)
        guard headerLength <= bytes.count - 8 else {
            throw .headerOutOfBounds(length: length, available: bytes.count - 8)
        }
        let header = bytes[8..<(8 + headerLength)]
        if let offset = Self.firstInvalidUTF8(header) { throw .headerNotUTF8(offset: offset) }
        let json: StrictJSON
        do {
            json = try StrictJSON.parse(header)
        } catch {
            throw .invalidJSON(error.description)
        }
        guard let members = json.members else { throw .headerNotObject(found: json.kind) }

        let dataSize = bytes.count - 8 - headerLength
        var metadata: [String: String] = [:]
        var tensors: [String: Tensor] = [:]
        for (key, value) in members {
            if key == "__metadata__" {
                metadata = try Self.metadata(value)
            } else {
                tensors[key] = try Self.tensor(named: key, value, dataSize: dataSize)
            }
        }
        try Self.checkLayout(Array(tensors.values), dataSize: dataSize)
        self.metadata = metadata
        self.tensors = tensors
        self.bytes = bytes
        self.dataStart = 8 + headerLength
    }

    /// The values of an F32 tensor (little-endian in the file), in C order.
    func floats(_ tensor: Tensor) -> [Float] {
        precondition(tensor.dtype == .f32 && tensors[tensor.name] == tensor, "not an F32 tensor of this file")
        let start = dataStart + tensor.byteRange.lowerBound
        return bytes.withUnsafeBytes { raw in
            (0..<tensor.elementCount).map { index in
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * index, as: UInt32.self)))
            }
        }
    }

    // MARK: Checks

    /// The offset of the first byte that is not part of valid UTF-8, nil when all are.
    private static func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> Int? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    private static func metadata(_ value: StrictJSON) throws(ModelFileError) -> [String: String] {
        guard let members = value.members else {
            throw .badMetadata(key: "__metadata__", reason: "is \(value.kind), not an object of strings")
        }
        var metadata: [String: String] = [:]
        for (key, value) in members {
            guard let string = value.stringValue else {
                throw .badMetadata(key: key, reason: "value is \(value.kind), safetensors metadata values are strings")
            }
            metadata[key] = string
        }
        return metadata
    }

    /// Checks one tensor entry on its own: fields, dtype, shape, size against the offsets,
    /// offsets inside the data section.
    private static func tensor(named name: String, _ value: StrictJSON, dataSize: Int) throws(ModelFileError) -> Tensor {
        guard let members = value.members else {
            throw .malformedTensorEntry(name: name, reason: "is \(value.kind), not an object")
        }
        let expectedKeys: Set = ["dtype", "shape", "data_offsets"]
        for (key, _) in members where !expectedKeys.contains(key) {
            throw .malformedTensorEntry(name: name, reason: "unknown field \"\(key)\"")
        }
        guard let dtypeValue = value["dtype"] else { throw .malformedTensorEntry(name: name, reason: "no dtype") }
        guard let shapeValue = value["shape"] else { throw .malformedTensorEntry(name: name, reason: "no shape") }
        guard let offsetsValue = value["data_offsets"] else { throw .malformedTensorEntry(name: name, reason: "no data_offsets") }

        guard let dtypeName = dtypeValue.stringValue else {
            throw .malformedTensorEntry(name: name, reason: "dtype is \(dtypeValue.kind), not a string")
        }
        guard let dtype = DType(rawValue: dtypeName) else { throw .unknownDType(name: name, dtype: dtypeName) }

        guard let dimensions = shapeValue.elements else {
            throw .malformedTensorEntry(name: name, reason: "shape is \(shapeValue.kind), not an array")
        }
        var shape: [Int] = []
        for dimension in dimensions {
            guard case .number = dimension else {
                throw .invalidShape(name: name, reason: "dimension \(dimension.kind) is not a number")
            }
            guard let size = dimension.intValue else {
                throw .invalidShape(name: name, reason: "dimension is not an integer that fits in 64 bits")
            }
            guard size >= 0 else { throw .invalidShape(name: name, reason: "negative dimension \(size)") }
            shape.append(size)
        }
        var elementCount = 1
        for size in shape {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            guard !overflow else { throw .shapeOverflow(name: name, shape: shape) }
            elementCount = product
        }
        let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: dtype.size)
        guard !overflow else { throw .shapeOverflow(name: name, shape: shape) }

        guard let offsets = offsetsValue.elements, offsets.count == 2 else {
            throw .malformedTensorEntry(name: name, reason: "data_offsets is not an array of two integers")
        }
        guard let begin = offsets[0].intValue, let end = offsets[1].intValue else {
            throw .malformedTensorEntry(name: name, reason: "data_offsets are not integers that fit in 64 bits")
        }
        guard begin >= 0, end >= begin else { throw .invalidOffsets(name: name, begin: begin, end: end) }
        guard end <= dataSize else { throw .tensorOutOfBounds(name: name, end: end, dataSize: dataSize) }
        guard end - begin == byteCount else {
            throw .byteSizeMismatch(name: name, shapeBytes: byteCount, offsetBytes: end - begin)
        }
        return Tensor(name: name, dtype: dtype, shape: shape, byteRange: begin..<end, elementCount: elementCount)
    }

    /// The tensors, in offset order, must tile the data section: each starts where the one
    /// before ended (earlier: overlap; later: hole) and the last ends at the section's end.
    private static func checkLayout(_ tensors: [Tensor], dataSize: Int) throws(ModelFileError) {
        let ordered = tensors.sorted {
            ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name) < ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name)
        }
        var cursor = 0
        var previous: String?
        for tensor in ordered {
            if tensor.byteRange.lowerBound < cursor, let previous {
                throw .overlappingTensors(first: previous, second: tensor.name)
            }
            if tensor.byteRange.lowerBound > cursor {
                throw .dataHole(offset: cursor, length: tensor.byteRange.lowerBound - cursor)
            }
            cursor = tensor.byteRange.upperBound
            previous = tensor.name
        }
        if cursor < dataSize { throw .dataHole(offset: cursor, length: dataSize - cursor) }
    }
}
