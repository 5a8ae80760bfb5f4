/// The content key of a track: a SHA-256 over the audio payload (tags excluded), so a tag
/// edit, a move or a rename keeps the key and the analysis stored under it.
///
/// Payloads up to `wholeLimit` bytes are hashed whole. Longer ones are hashed from
/// `sampleCount` blocks of `blockLength` bytes spread evenly from the first byte to the
/// last, plus the payload length: reading 256 KiB per file keeps a scan from reading
/// whole collections, and two different encodings agreeing on the length and on every
/// sampled block do not occur in practice. Ogg pages are hashed without their sequence
/// numbers and checksums, which tag editors rewrite when the header pages change size.
enum AudioHasher {
    static let scheme = "v1"
    static let blockLength = 16 * 1024
    static let sampleCount = 16
    static let wholeLimit: Int64 = 256 * 1024

    static func hash(of file: ReadOnlyFile, format: AudioFormat, payload: AudioPayload) throws(FileOpenError) -> String {
        var hasher = SHA256()
        let total = payload.length
        hasher.update(integer: UInt64(total))
        if format.isOgg {
            try hashOggPages(file, payload: payload, into: &hasher)
        } else if total <= wholeLimit {
            for range in payload.ranges {
                hasher.update(try file.read(at: range.lowerBound, count: range.count))
            }
        } else {
            for index in 0..<sampleCount {
                let position = (total - Int64(blockLength)) * Int64(index) / Int64(sampleCount - 1)
                hasher.update(try read(file, payload: payload, at: position, count: blockLength))
            }
        }
        return scheme + ":" + Array(hasher.finalize().prefix(20)).hexString
    }

    /// Reads `count` bytes at a position of the concatenated payload ranges.
    private static func read(_ file: ReadOnlyFile, payload: AudioPayload, at position: Int64, count: Int) throws(FileOpenError) -> [UInt8] {
        var remaining = count
        var skip = position
        var out: [UInt8] = []
        for range in payload.ranges where remaining > 0 {
            if skip >= Int64(range.count) { skip -= Int64(range.count); continue }
            let take = Int(min(Int64(remaining), Int64(range.count) - skip))
            out += try file.read(at: range.lowerBound + skip, count: take)
            remaining -= take
            skip = 0
        }
        return out
    }

    /// Hashes granule positions and page bodies of Ogg pages: all of them for short
    /// streams, else the pages found at `sampleCount` evenly spread positions.
    private static func hashOggPages(_ file: ReadOnlyFile, payload: AudioPayload, into hasher: inout SHA256) throws(FileOpenError) {
        guard let range = payload.ranges.first else { return }
        let positions: [Int64]
        if payload.length <= wholeLimit {
            positions = []
            var offset = range.lowerBound
            while offset < range.upperBound {
                guard let page = try OggPage.header(in: file, at: offset) else {
                    hasher.update(try file.read(at: offset, count: Int(range.upperBound - offset)))
                    return
                }
                try hashPage(file, at: offset, page: page, into: &hasher)
                offset += Int64(page.headerLength + page.bodyLength)
            }
        } else {
            positions = (0..<sampleCount).map { range.lowerBound + (payload.length - 1) * Int64($0) / Int64(sampleCount - 1) }
        }
        for position in positions {
            // Find the next page boundary at or after the position.
            let window = try file.read(at: position, count: 64 * 1024)
            var found = false
            var i = 0
            while i + 27 <= window.count {
                if window[i] == 0x4F, let page = OggPage.parse(window, at: i) {
                    try hashPage(file, at: position + Int64(i), page: page, into: &hasher)
                    found = true
                    break
                }
                i += 1
            }
            if !found { hasher.update(window.prefix(blockLength)) }
        }
    }

    private static func hashPage(_ file: ReadOnlyFile, at offset: Int64, page: OggPage, into hasher: inout SHA256) throws(FileOpenError) {
        hasher.update(integer: UInt64(bitPattern: page.granule))
        hasher.update(try file.read(at: offset + Int64(page.headerLength), count: min(page.bodyLength, blockLength)))
    }
}
