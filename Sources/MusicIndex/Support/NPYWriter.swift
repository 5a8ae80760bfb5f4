import Foundation

/// Writes arrays in NumPy's `.npy` format (version 1.0, little-endian float32, C order), the
/// format the training pipeline reads with `numpy.load`.
enum NPYWriter {
    /// The bytes of a float32 array of the given shape; `values.count` must equal the
    /// product of `shape`.
    static func data(values: [Float], shape: [Int]) -> Data {
        precondition(values.count == shape.reduce(1, *), "shape does not match the values")
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // Magic (6) + version (2) + header length (2) + header, padded with spaces so the
        // data starts on a 64-byte boundary, ending in a newline.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        guard !values.isEmpty else { return data }
        values.withUnsafeBufferPointer { buffer in
            // Float is little-endian on every platform Swift runs on here.
            data.append(UnsafeBufferPointer(start: UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt8.self),
                                            count: buffer.count * 4))
        }
        return data
    }

    /// Writes the array to `path` atomically.
    static func write(values: [Float], shape: [Int], to path: String) throws {
        try data(values: values, shape: shape).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
