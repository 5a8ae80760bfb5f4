/// Where a file's audio lives, with its tag blocks left out: the part of the file that a
/// tag editor never touches.
///
/// - MP3, WavPack, APE, Musepack, TTA: after leading ID3v2 tags, before trailing ID3v1,
///   APEv2 and Lyrics3v2 tags.
/// - FLAC: after the metadata blocks (and any ID3v2), before trailing tags.
/// - Ogg: from the first audio page (header pages, which hold the comments, are skipped).
/// - MP4: the `mdat` atoms. WAV: the `data` chunk. AIFF: the `SSND` chunk.
/// - ASF: after the header object.
struct AudioPayload {
    /// Byte ranges of the audio, in file order.
    let ranges: [Range<Int64>]

    var length: Int64 { ranges.reduce(0) { $0 + Int64($1.count) } }

    static func locate(in file: ReadOnlyFile, format: AudioFormat) throws(FileOpenError) -> AudioPayload {
        let whole = 0..<file.size
        let ranges: [Range<Int64>]
        switch format {
        case .mp3, .wavPack, .ape, .musepack, .trueAudio:
            let start = try ID3v2.endOfLeadingTags(in: file)
            ranges = [start..<max(start, try endBeforeTrailingTags(in: file))]
        case .flac:
            let start = try flacAudioStart(in: file)
            ranges = [start..<max(start, try endBeforeTrailingTags(in: file))]
        case .oggVorbis, .opus, .oggFlac, .speex:
            let start = try oggAudioStart(in: file)
            ranges = [start..<file.size]
        case .mp4:
            let atoms = try chunks(in: file, from: 0, end: file.size, bigEndian: true, headerOnlyIDs: [])
            let mdat = atoms.filter { $0.id == "mdat" }.map(\.body)
            ranges = mdat.isEmpty ? [whole] : mdat
        case .wav:
            let list = try chunks(in: file, from: 12, end: file.size, bigEndian: false, headerOnlyIDs: [])
            ranges = list.first { $0.id == "data" }.map { [$0.body] } ?? [whole]
        case .aiff:
            let list = try chunks(in: file, from: 12, end: file.size, bigEndian: true, headerOnlyIDs: [])
            ranges = list.first { $0.id == "SSND" }.map { [$0.body] } ?? [whole]
        case .asf:
            let header = try file.read(at: 16, count: 8)
            let size = header.count == 8 ? Int64(littleEndian: header) : 0
            ranges = size > 0 && size < file.size ? [size..<file.size] : [whole]
        }
        return AudioPayload(ranges: ranges.filter { !$0.isEmpty })
    }

    /// The end of the file less any ID3v1, APEv2 and Lyrics3v2 tags, in whatever order they
    /// were appended.
    static func endBeforeTrailingTags(in file: ReadOnlyFile) throws(FileOpenError) -> Int64 {
        var end = file.size
        while true {
            if end >= 128, try file.read(at: end - 128, count: 3) == Array("TAG".utf8) {
                end -= 128
                continue
            }
            if end >= 32 {
                let footer = try file.read(at: end - 32, count: 32)
                if footer.count == 32, footer.starts(with: Array("APETAGEX".utf8)) {
                    let size = Int64(UInt32(littleEndian: footer, at: 12))
                    let hasHeader = footer[23] & 0x80 != 0
                    let total = size + (hasHeader ? 32 : 0)
                    if total > 0, total <= end { end -= total; continue }
                }
            }
            if end >= 15 {
                let trailer = try file.read(at: end - 15, count: 15)
                if trailer.count == 15, trailer[6...].elementsEqual("LYRICS200".utf8),
                   let size = Int64(String(decoding: trailer[0..<6], as: UTF8.self)), size + 15 <= end {
                    end -= size + 15
                    continue
                }
            }
            return end
        }
    }

    private static func flacAudioStart(in file: ReadOnlyFile) throws(FileOpenError) -> Int64 {
        var offset = try ID3v2.endOfLeadingTags(in: file)
        guard try file.read(at: offset, count: 4) == Array("fLaC".utf8) else { return offset }
        offset += 4
        while offset < file.size {
            let header = try file.read(at: offset, count: 4)
            guard header.count == 4 else { break }
            let length = Int64(header[1]) << 16 | Int64(header[2]) << 8 | Int64(header[3])
            offset += 4 + length
            if header[0] & 0x80 != 0 { break }
        }
        return min(offset, file.size)
    }

    /// The offset of the first Ogg page after the header pages. Header pages end no packet
    /// (granule -1) or end header packets (granule 0); audio pages carry a real position.
    private static func oggAudioStart(in file: ReadOnlyFile) throws(FileOpenError) -> Int64 {
        var offset: Int64 = 0
        while offset < file.size {
            guard let page = try OggPage.header(in: file, at: offset) else { return offset }
            if page.granule != 0 && page.granule != -1 { return offset }
            offset += Int64(page.headerLength + page.bodyLength)
        }
        return min(offset, file.size)
    }

    struct Chunk {
        let id: String
        let body: Range<Int64>
    }

    /// RIFF/IFF chunks or MP4 atoms between `from` and `end` (top level only).
    private static func chunks(
        in file: ReadOnlyFile, from: Int64, end: Int64, bigEndian: Bool, headerOnlyIDs: Set<String>
    ) throws(FileOpenError) -> [Chunk] {
        var result: [Chunk] = []
        var offset = from
        while offset + 8 <= end {
            let header = try file.read(at: offset, count: 16)
            guard header.count >= 8 else { break }
            let isAtom = bigEndian && from == 0  // MP4: size first, then id
            let id = String(decoding: isAtom ? header[4..<8] : header[0..<4], as: UTF8.self)
            let sizeField = isAtom ? UInt32(bigEndian: header, at: 0)
                : bigEndian ? UInt32(bigEndian: header, at: 4) : UInt32(littleEndian: header, at: 4)
            var headerLength: Int64 = 8
            var total: Int64
            if isAtom {
                total = Int64(sizeField)
                if sizeField == 1, header.count == 16 {
                    total = Int64(bitPattern: UInt64(bigEndian: header, at: 8))
                    headerLength = 16
                } else if sizeField == 0 {
                    total = end - offset
                }
            } else {
                total = 8 + Int64(sizeField)
            }
            guard total >= headerLength else { break }
            let bodyEnd = min(offset + total, end)
            result.append(Chunk(id: id, body: (offset + headerLength)..<max(offset + headerLength, bodyEnd)))
            // RIFF and IFF chunks are padded to an even length.
            offset += total + (!isAtom && total % 2 == 1 ? 1 : 0)
        }
        return result
    }
}

/// An Ogg page header: capture pattern, granule position and the lengths from the segment table.
struct OggPage {
    let granule: Int64
    let headerLength: Int
    let bodyLength: Int

    static func header(in file: ReadOnlyFile, at offset: Int64) throws(FileOpenError) -> OggPage? {
        let bytes = try file.read(at: offset, count: 27 + 255)
        return parse(bytes, at: 0)
    }

    static func parse(_ bytes: [UInt8], at offset: Int) -> OggPage? {
        guard offset + 27 <= bytes.count, bytes[offset..<(offset + 4)].elementsEqual("OggS".utf8) else { return nil }
        let segments = Int(bytes[offset + 26])
        guard offset + 27 + segments <= bytes.count else { return nil }
        let body = bytes[(offset + 27)..<(offset + 27 + segments)].reduce(0) { $0 + Int($1) }
        let granule = Int64(bitPattern: UInt64(littleEndian: bytes, at: offset + 6))
        return OggPage(granule: granule, headerLength: 27 + segments, bodyLength: body)
    }
}

extension FixedWidthInteger {
    init(littleEndian bytes: [UInt8], at offset: Int = 0) {
        var value: Self = 0
        for i in 0..<(Self.bitWidth / 8) where offset + i < bytes.count {
            value |= Self(bytes[offset + i]) << (8 * i)
        }
        self = value
    }

    init(bigEndian bytes: [UInt8], at offset: Int = 0) {
        var value: Self = 0
        for i in 0..<(Self.bitWidth / 8) where offset + i < bytes.count {
            value = value << 8 | Self(bytes[offset + i])
        }
        self = value
    }
}
