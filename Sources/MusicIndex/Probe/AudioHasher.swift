/// The content key of a track: a 128-bit hash of the audio payload (tags excluded), so a
/// tag edit, a move or a rename keeps the key and the analysis stored under it.
///
/// Payloads up to `wholeLimit` bytes are hashed whole. Longer ones are hashed from
/// `sampleCount` blocks of `blockLength` bytes spread evenly from the first byte to the
/// last, plus the payload length: reading 64 KiB per file keeps a scan from reading whole
/// collections, and two different encodings that agree on the length and on every sampled
/// block do not occur in practice. Ogg pages are hashed without their sequence numbers and
/// checksums, which tag editors rewrite when the header pages change size.
///
/// The hash is two XXH64 passes with different seeds over the collected bytes ("v1:" and
/// 32 hex digits): the key identifies content, it is not a defence against forgery.
enum AudioHasher {
    static let scheme = "v1"
    static let blockLength = 4 * 1024
    static let sampleCount = 16
    static let wholeLimit: Int64 = 64 * 1024

    static func hash(of file: ReadOnlyFile, format: AudioFormat, payload: AudioPayload) throws(FileOpenError) -> String {
        let total = payload.length
        var collected: [UInt8] = []
        collected.reserveCapacity(Int(min(total, wholeLimit)) + 16)
        appendInteger(UInt64(total), to: &collected)
        if format.isOgg {
            try collectOggPages(file, payload: payload, into: &collected)
        } else if total <= wholeLimit {
            for range in payload.ranges {
                collected += try file.read(at: range.lowerBound, count: range.count)
            }
        } else {
            for index in 0..<sampleCount {
                let position = (total - Int64(blockLength)) * Int64(index) / Int64(sampleCount - 1)
                collected += try read(file, payload: payload, at: position, count: blockLength)
            }
        }
        let high = XXH64.hash(collected, seed: 0)
        let low = XXH64.hash(collected, seed: 0x9E37_79B9_7F4A_7C15)
        return scheme + ":" + high.hex16 + low.hex16
    }

    private static func appendInteger(_ value: UInt64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
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

    /// Collects granule positions and page bodies of Ogg pages: all of them for short
    /// streams, else the pages found at `sampleCount` evenly spread positions.
    private static func collectOggPages(_ file: ReadOnlyFile, payload: AudioPayload, into collected: inout [UInt8]) throws(FileOpenError) {
        guard let range = payload.ranges.first else { return }
        if payload.length <= wholeLimit {
            var offset = range.lowerBound
            while offset < range.upperBound {
                guard let page = try OggPage.header(in: file, at: offset) else {
                    collected += try file.read(at: offset, count: Int(range.upperBound - offset))
                    return
                }
                try collectPage(file, at: offset, page: page, into: &collected)
                offset += Int64(page.headerLength + page.bodyLength)
            }
            return
        }
        for index in 0..<sampleCount {
            let position = range.lowerBound + (payload.length - 1) * Int64(index) / Int64(sampleCount - 1)
            // The next page boundary at or after the position: pages are a few KiB, at most
            // 64 KiB, so a short look usually finds one.
            var found = false
            for windowLength in [16 * 1024, 65_307 + 27] where !found {
                let window = try file.read(at: position, count: windowLength)
                var i = 0
                while i + 27 <= window.count {
                    if window[i] == 0x4F, let page = OggPage.parse(window, at: i) {
                        try collectPage(file, at: position + Int64(i), page: page, into: &collected)
                        found = true
                        break
                    }
                    i += 1
                }
                if !found && (windowLength > 16 * 1024 || window.count < windowLength) { collected += window.prefix(blockLength) }
                if window.count < windowLength { break }
            }
        }
    }

    private static func collectPage(_ file: ReadOnlyFile, at offset: Int64, page: OggPage, into collected: inout [UInt8]) throws(FileOpenError) {
        appendInteger(UInt64(bitPattern: page.granule), to: &collected)
        collected += try file.read(at: offset + Int64(page.headerLength), count: min(page.bodyLength, blockLength))
    }
}
