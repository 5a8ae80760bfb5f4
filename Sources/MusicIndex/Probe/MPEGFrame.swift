/// MPEG-1/2/2.5 audio frame headers (layers I-III), enough to recognise a stream by
/// content: a frame sync with valid fields, followed by more frames at the lengths the
/// headers give.
struct MPEGFrame: Equatable {
    let version: Int      // 1 = MPEG-1, 2 = MPEG-2, 25 = MPEG-2.5
    let layer: Int        // 1, 2 or 3
    let sampleRate: Int   // Hz
    let length: Int       // bytes, including the header

    private static let sampleRates: [Int: [Int]] = [1: [44100, 48000, 32000], 2: [22050, 24000, 16000], 25: [11025, 12000, 8000]]
    private static let bitrates: [[Int]] = [
        [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448], // V1 L1
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],    // V1 L2
        [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],     // V1 L3
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],    // V2 L1
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],         // V2 L2/L3
    ]

    /// Parses the 4-byte header at `offset`; nil when it is not a valid, fixed-bitrate header.
    init?(_ bytes: [UInt8], at offset: Int) {
        guard offset + 4 <= bytes.count, bytes[offset] == 0xFF, bytes[offset + 1] & 0xE0 == 0xE0 else { return nil }
        let b1 = bytes[offset + 1], b2 = bytes[offset + 2]
        let versionBits = (b1 >> 3) & 0x3, layerBits = (b1 >> 1) & 0x3
        guard versionBits != 1, layerBits != 0 else { return nil }
        let version = versionBits == 3 ? 1 : versionBits == 2 ? 2 : 25
        let layer = 4 - Int(layerBits)
        let bitrateIndex = Int(b2 >> 4), rateIndex = Int((b2 >> 2) & 0x3), padding = Int((b2 >> 1) & 1)
        guard bitrateIndex != 0, bitrateIndex != 15, rateIndex != 3 else { return nil }
        let table = version == 1 ? layer - 1 : (layer == 1 ? 3 : 4)
        let bitrate = Self.bitrates[table][bitrateIndex] * 1000
        let sampleRate = Self.sampleRates[version]![rateIndex]
        let length: Int
        switch layer {
        case 1: length = (12 * bitrate / sampleRate + padding) * 4
        case 3 where version != 1: length = 72 * bitrate / sampleRate + padding
        default: length = 144 * bitrate / sampleRate + padding
        }
        guard length >= 24 else { return nil }
        self.version = version
        self.layer = layer
        self.sampleRate = sampleRate
        self.length = length
    }

    /// The offset of the first of `requiredFrames` consecutive matching frames starting in
    /// the first `searchLength` bytes, or nil.
    static func findStream(in bytes: [UInt8], searchLength: Int, requiredFrames: Int) -> Int? {
        var offset = 0
        while offset < min(searchLength, bytes.count) {
            defer { offset += 1 }
            guard bytes[offset] == 0xFF, let first = MPEGFrame(bytes, at: offset) else { continue }
            var next = offset + first.length
            var found = 1
            while found < requiredFrames {
                if next >= bytes.count { break }
                guard let frame = MPEGFrame(bytes, at: next), frame.version == first.version,
                      frame.layer == first.layer, frame.sampleRate == first.sampleRate else { break }
                found += 1
                next += frame.length
            }
            if found >= requiredFrames { return offset }
        }
        return nil
    }

    /// Whether the bytes start with an AAC ADTS header (layer bits 00).
    static func isADTS(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 7 && bytes[0] == 0xFF && bytes[1] & 0xF6 == 0xF0
    }
}

/// ID3v2 tag headers: "ID3", version, flags, a 28-bit syncsafe size, optional footer.
enum ID3v2 {
    /// The whole length of an ID3v2 tag starting at `offset` (header + body + footer), or nil.
    static func length(of bytes: [UInt8], at offset: Int) -> Int? {
        guard offset + 10 <= bytes.count,
              bytes[offset] == 0x49, bytes[offset + 1] == 0x44, bytes[offset + 2] == 0x33,
              bytes[offset + 3] < 0xFF, bytes[offset + 4] < 0xFF else { return nil }
        let sizeBytes = bytes[(offset + 6)..<(offset + 10)]
        guard sizeBytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        let size = sizeBytes.reduce(0) { $0 << 7 | Int($1) }
        let footer = bytes[offset + 5] & 0x10 != 0 ? 10 : 0
        return 10 + size + footer
    }

    /// The offset just past any ID3v2 tags at the start of the file (0 when there are none).
    static func endOfLeadingTags(in file: ReadOnlyFile) throws(FileOpenError) -> Int64 {
        min(try declaredEndOfLeadingTags(in: file), file.size)
    }

    /// Where the leading ID3v2 tags say they end; past the end of the file when a size field
    /// is corrupt.
    static func declaredEndOfLeadingTags(in file: ReadOnlyFile) throws(FileOpenError) -> Int64 {
        var offset: Int64 = 0
        while offset < file.size {
            let header = try file.read(at: offset, count: 10)
            guard let length = length(of: header, at: 0) else { break }
            offset += Int64(length)
        }
        return offset
    }
}
