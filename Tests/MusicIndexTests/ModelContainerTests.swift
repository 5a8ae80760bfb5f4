import Foundation
import Testing
@testable import MusicIndex

/// The safetensors container of a model file: header length, header JSON, tensor entries,
/// dtypes, shapes against byte sizes, offsets, overlaps and holes, each refused with its own
/// `ModelFileError`.
@Suite("Model file container")
struct ModelContainerTests {
    @Test("a file shorter than the header length is truncated")
    func truncatedHeaderLength() {
        #expect(ModelLoaderTests.loadError(Data([1, 0, 0, 0, 0])) == .truncated(expected: 8, actual: 5))
        #expect(ModelLoaderTests.loadError(Data()) == .truncated(expected: 8, actual: 0))
    }

    @Test("a header length past the end of the file, or over 100 MB, is refused")
    func headerLength() {
        let data = TestModelFile.tiny().bytes()
        let cut = data.prefix(200)
        var declared: UInt64 = 0
        for index in (0..<8).reversed() { declared = declared << 8 | UInt64(data[index]) }
        #expect(ModelLoaderTests.loadError(Data(cut)) == .headerOutOfBounds(length: declared, available: 192))
        var huge = data
        huge.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(200_000_000).littleEndian, Array.init))
        #expect(ModelLoaderTests.loadError(huge) == .headerTooLarge(length: 200_000_000, limit: 100_000_000))
        var enormous = data
        enormous.replaceSubrange(0..<8, with: [UInt8](repeating: 0xFF, count: 8))
        #expect(ModelLoaderTests.loadError(enormous) == .headerTooLarge(length: UInt64.max, limit: 100_000_000))
    }

    @Test("a header that is not UTF-8, not JSON or not an object is refused")
    func headerSyntax() {
        let file = TestModelFile.tiny()
        // Invalid UTF-8 needs raw bytes (a Swift String would repair it).
        var raw = file.bytes()
        raw[8 + 20] = 0xFF
        #expect(ModelLoaderTests.loadError(raw) == .headerNotUTF8(offset: 20))

        guard case .invalidJSON(let detail)? = ModelLoaderTests.loadError(file.bytes(header: "{\"a\": [1, 2}")) else {
            Issue.record("broken JSON should be .invalidJSON")
            return
        }
        #expect(detail.contains("byte 11"))
        if case .invalidJSON(let detail)? = ModelLoaderTests.loadError(file.bytes(header: "{\"a\": {}, \"a\": {}}")) {
            #expect(detail.contains("duplicate key"))
        } else {
            Issue.record("duplicate keys should be .invalidJSON")
        }
        #expect(ModelLoaderTests.loadError(file.bytes(header: "[1, 2]")) == .headerNotObject(found: "an array"))
        #expect(ModelLoaderTests.loadError(file.bytes(header: "")) == .invalidJSON("unexpected end of JSON at byte 0"))
    }

    @Test("a tensor reaching past the data section is out of bounds")
    func tensorOutOfBounds() {
        var file = TestModelFile.tiny()
        let dataSize = file.tensors.reduce(0) { $0 + $1.bytes.count }
        file["fc.bias"].offsets = [dataSize - 12, dataSize + 4]
        #expect(ModelLoaderTests.loadError(file) == .tensorOutOfBounds(name: "fc.bias", end: dataSize + 4, dataSize: dataSize))
    }

    @Test("overlapping tensors are refused")
    func overlap() {
        var file = TestModelFile.tiny()
        // fc.weight is [3, 4] (48 bytes) right before fc.bias [3] (12 bytes): move fc.bias 8 bytes back
        // and leave the file's last 8 bytes as trailing data.
        let dataSize = file.tensors.reduce(0) { $0 + $1.bytes.count }
        file["fc.bias"].offsets = [dataSize - 20, dataSize - 8]
        #expect(ModelLoaderTests.loadError(file) == .overlappingTensors(first: "fc.weight", second: "fc.bias"))
    }

    @Test("bytes between tensors or after the last one are a hole")
    func holes() {
        var gap = TestModelFile.tiny()
        gap["gru.bias_hh_l0"].gap = 4
        let before = gap.tensors.prefix { $0.name != "gru.bias_hh_l0" }.reduce(0) { $0 + $1.bytes.count }
        #expect(ModelLoaderTests.loadError(gap) == .dataHole(offset: before, length: 4))

        var trailing = TestModelFile.tiny()
        trailing.trailing = [0, 0, 0]
        let dataSize = trailing.tensors.reduce(0) { $0 + $1.bytes.count }
        #expect(ModelLoaderTests.loadError(trailing) == .dataHole(offset: dataSize, length: 3))
    }

    @Test("dtypes: F16 is parsed but refused for a model tensor; an unknown dtype is refused")
    func dtypes() {
        var half = TestModelFile.tiny()
        half["fc.bias"].dtype = "F16"
        half["fc.bias"].bytes = Array(half["fc.bias"].bytes.prefix(6))
        #expect(ModelLoaderTests.loadError(half) == .unsupportedDType(name: "fc.bias", dtype: "F16"))

        var unknown = TestModelFile.tiny()
        unknown["fc.bias"].dtype = "F17"
        #expect(ModelLoaderTests.loadError(unknown) == .unknownDType(name: "fc.bias", dtype: "F17"))
    }

    @Test("every safetensors dtype's size is known", arguments: [
        ("BOOL", 1), ("U8", 1), ("I8", 1), ("I16", 2), ("F16", 2), ("BF16", 2), ("I32", 4), ("F32", 4), ("F64", 8), ("I64", 8),
    ])
    func dtypeSizes(dtype: String, size: Int) throws {
        // An extra tensor of this dtype with 3 elements parses (the model then refuses it as unexpected).
        var file = TestModelFile.tiny()
        var extra = TestModelFile.Tensor(name: "extra", shape: [3], values: [])
        extra.dtype = dtype
        extra.bytes = [UInt8](repeating: 1, count: 3 * size)
        file.tensors.append(extra)
        #expect(ModelLoaderTests.loadError(file) == .unexpectedTensor(name: "extra"))
        let parsed = try SafeTensors(bytes: [UInt8](file.bytes()))
        #expect(parsed.tensors["extra"]?.byteRange.count == 3 * size)
    }

    @Test("a shape whose size differs from the offsets' span is refused")
    func byteSize() {
        var file = TestModelFile.tiny()
        file["fc.weight"].shape = [3, 5]
        #expect(ModelLoaderTests.loadError(file) == .byteSizeMismatch(name: "fc.weight", shapeBytes: 60, offsetBytes: 48))
    }

    @Test("a shape whose byte size overflows is refused")
    func shapeOverflow() {
        var file = TestModelFile.tiny()
        file["fc.weight"].shape = [1 << 62, 3]
        #expect(ModelLoaderTests.loadError(file) == .shapeOverflow(name: "fc.weight", shape: [1 << 62, 3]))
        file["fc.weight"].shape = [1 << 61]  // elements fit, bytes (x 4) do not
        #expect(ModelLoaderTests.loadError(file) == .shapeOverflow(name: "fc.weight", shape: [1 << 61]))
    }

    @Test("malformed tensor entries: negative or fractional dimensions, huge integers, bad offsets, missing fields")
    func malformedEntries() {
        func error(_ entry: String) -> ModelFileError? {
            var file = TestModelFile.tiny()
            file["fc.bias"].rawEntry = entry
            return ModelLoaderTests.loadError(file)
        }
        let end = TestModelFile.tiny().tensors.reduce(0) { $0 + $1.bytes.count }
        let offsets = "[\(end - 12), \(end)]"
        #expect(error("{\"dtype\": \"F32\", \"shape\": [-3], \"data_offsets\": \(offsets)}")
                == .invalidShape(name: "fc.bias", reason: "negative dimension -3"))
        #expect(error("{\"dtype\": \"F32\", \"shape\": [3.0], \"data_offsets\": \(offsets)}")
                == .invalidShape(name: "fc.bias", reason: "dimension is not an integer that fits in 64 bits"))
        #expect(error("{\"dtype\": \"F32\", \"shape\": [99999999999999999999], \"data_offsets\": \(offsets)}")
                == .invalidShape(name: "fc.bias", reason: "dimension is not an integer that fits in 64 bits"))
        #expect(error("{\"dtype\": \"F32\", \"shape\": [\"3\"], \"data_offsets\": \(offsets)}")
                == .invalidShape(name: "fc.bias", reason: "dimension a string is not a number"))
        #expect(error("{\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [\(end), \(end - 12)]}")
                == .invalidOffsets(name: "fc.bias", begin: end, end: end - 12))
        #expect(error("{\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [-12, 0]}")
                == .invalidOffsets(name: "fc.bias", begin: -12, end: 0))
        #expect(error("{\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [\(end - 12)]}")
                == .malformedTensorEntry(name: "fc.bias", reason: "data_offsets is not an array of two integers"))
        #expect(error("{\"dtype\": \"F32\", \"data_offsets\": \(offsets)}") == .malformedTensorEntry(name: "fc.bias", reason: "no shape"))
        #expect(error("{\"shape\": [3], \"data_offsets\": \(offsets)}") == .malformedTensorEntry(name: "fc.bias", reason: "no dtype"))
        #expect(error("{\"dtype\": 32, \"shape\": [3], \"data_offsets\": \(offsets)}")
                == .malformedTensorEntry(name: "fc.bias", reason: "dtype is a number, not a string"))
        #expect(error("{\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": \(offsets), \"stride\": 1}")
                == .malformedTensorEntry(name: "fc.bias", reason: "unknown field \"stride\""))
        #expect(error("[]") == .malformedTensorEntry(name: "fc.bias", reason: "is an array, not an object"))
    }
}
