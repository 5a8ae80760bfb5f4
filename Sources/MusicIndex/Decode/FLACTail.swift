/// Whether a FLAC file still holds its last frame, read from the file's bytes: the header
/// of the last frame near the end of the file (found by its sync code and checked by its
/// CRC-8) says at which sample it starts and how long it is. A whole file's last frame ends
/// at the length STREAMINFO declares; a truncated one's does not.
///
/// This costs one read of the file's end, where asking libsndfile to seek to the last
/// declared sample of a file without a seek table decodes its way there.
enum FLACTail {
    /// How far from the end of the audio the last frame header is looked for: FLAC frames
    /// are at most a few tens of KiB.
    static let searchLength = 64 * 1024

    /// True when the last frame found ends at (or past) `declaredFrames`; false when it ends
    /// earlier, or when no frame header can be found (the caller then measures otherwise).
    static func reachesEnd(path: String, declaredFrames: Int) -> Bool {
        guard let file = try? ReadOnlyFile(path: path),
              let blockSize = try? fixedBlockSize(file),
              let end = try? AudioPayload.endBeforeTrailingTags(in: file) else { return false }
        let start = max(0, end - Int64(searchLength))
        guard let tail = try? file.read(at: start, count: Int(end - start)), tail.count >= 16 else { return false }
        var index = tail.count - 6
        while index >= 0 {
            if tail[index] == 0xFF, tail[index + 1] & 0xFE == 0xF8,
               let frame = header(tail, at: index, fixedBlockSize: blockSize) {
                return frame.start + frame.length >= declaredFrames
            }
            index -= 1
        }
        return false
    }

    /// STREAMINFO's block size when minimum and maximum agree (a fixed-block-size stream
    /// numbers its frames, not its samples); nil otherwise.
    private static func fixedBlockSize(_ file: ReadOnlyFile) throws(FileOpenError) -> Int? {
        let offset = try ID3v2.endOfLeadingTags(in: file)
        let bytes = try file.read(at: offset, count: 12)
        guard bytes.count == 12, bytes[0..<4].elementsEqual("fLaC".utf8), bytes[4] & 0x7F == 0 else { return nil }
        let minimum = Int(bytes[8]) << 8 | Int(bytes[9])
        let maximum = Int(bytes[10]) << 8 | Int(bytes[11])
        return minimum == maximum && minimum > 0 ? minimum : nil
    }

    /// The first sample and the length of the frame whose header starts at `index`, when
    /// the bytes there are a valid frame header (reserved bits clear, CRC-8 right).
    static func header(_ bytes: [UInt8], at index: Int, fixedBlockSize: Int?) -> (start: Int, length: Int)? {
        var i = index + 2
        guard i + 2 <= bytes.count else { return nil }
        let blockCode = Int(bytes[i] >> 4), rateCode = Int(bytes[i] & 0x0F)
        let channelCode = Int(bytes[i + 1] >> 4), sizeCode = Int(bytes[i + 1] >> 1) & 0x07
        guard blockCode != 0, rateCode != 15, channelCode <= 10, sizeCode != 3, bytes[i + 1] & 1 == 0 else { return nil }
        i += 2
        // The frame (fixed block size) or sample (variable) number, UTF-8-style coded.
        guard i < bytes.count else { return nil }
        let lead = bytes[i]
        let extra: Int
        var number: Int
        switch lead {
        case 0x00...0x7F: extra = 0; number = Int(lead)
        case 0xC0...0xDF: extra = 1; number = Int(lead & 0x1F)
        case 0xE0...0xEF: extra = 2; number = Int(lead & 0x0F)
        case 0xF0...0xF7: extra = 3; number = Int(lead & 0x07)
        case 0xF8...0xFB: extra = 4; number = Int(lead & 0x03)
        case 0xFC...0xFD: extra = 5; number = Int(lead & 0x01)
        case 0xFE: extra = 6; number = 0
        default: return nil
        }
        guard i + 1 + extra <= bytes.count else { return nil }
        for k in 0..<extra {
            let byte = bytes[i + 1 + k]
            guard byte & 0xC0 == 0x80 else { return nil }
            number = number << 6 | Int(byte & 0x3F)
        }
        i += 1 + extra
        let length: Int
        switch blockCode {
        case 1: length = 192
        case 2...5: length = 576 << (blockCode - 2)
        case 6:
            guard i < bytes.count else { return nil }
            length = Int(bytes[i]) + 1; i += 1
        case 7:
            guard i + 1 < bytes.count else { return nil }
            length = (Int(bytes[i]) << 8 | Int(bytes[i + 1])) + 1; i += 2
        default: length = 256 << (blockCode - 8)
        }
        switch rateCode {
        case 12: i += 1
        case 13, 14: i += 2
        default: break
        }
        guard i < bytes.count, crc8(bytes[index..<i]) == bytes[i] else { return nil }
        let variable = bytes[index + 1] & 1 == 1
        if variable { return (number, length) }
        guard let fixedBlockSize else { return nil }
        return (number * fixedBlockSize, length)
    }

    /// FLAC's header CRC-8 (polynomial x^8 + x^2 + x + 1, initial value 0).
    static func crc8(_ bytes: ArraySlice<UInt8>) -> UInt8 {
        var crc: UInt8 = 0
        for byte in bytes {
            crc ^= byte
            for _ in 0..<8 { crc = crc & 0x80 != 0 ? (crc << 1) ^ 0x07 : crc << 1 }
        }
        return crc
    }
}
