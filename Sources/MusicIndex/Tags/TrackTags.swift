/// The tag fields musicindex stores for a track, interpreted from TagLib's PropertyMap.
public struct TrackTags: Sendable, Equatable, Codable {
    public var title: String?
    public var artist: String?
    public var album: String?
    public var albumArtist: String?
    /// Every genre value, in tag order (multi-valued tags keep all of them).
    public var genres: [String]
    /// The date as tagged: "2004", "2004-05-03", ...
    public var date: String?
    public var year: Int?
    public var trackNumber: Int?
    public var trackTotal: Int?
    public var discNumber: Int?
    public var discTotal: Int?
    public var musicBrainzRecordingID: String?
    public var musicBrainzTrackID: String?
    public var musicBrainzReleaseID: String?
    public var hasCover: Bool
    /// Every property as TagLib names it (TITLE, COMMENT, ...), values in order.
    public var properties: [Property]

    public struct Property: Sendable, Equatable, Codable {
        public var key: String
        public var value: String
    }

    init(raw: RawTags) {
        let properties = raw.properties.map { Property(key: $0.key, value: $0.value) }
        // Trimmed, non-empty values per key, in tag order.
        var byKey: [String: [String]] = [:]
        for property in properties {
            let value = property.value.trimmingSpaces
            if !value.isEmpty { byKey[property.key, default: []].append(value) }
        }
        func values(_ key: String) -> [String] { byKey[key] ?? [] }
        func first(_ keys: String...) -> String? {
            for key in keys { if let value = byKey[key]?.first { return value } }
            return nil
        }
        title = first("TITLE")
        artist = byKey["ARTIST"].map { $0.joined(separator: "; ") }
        album = first("ALBUM")
        albumArtist = first("ALBUMARTIST", "ALBUM ARTIST")
        genres = values("GENRE")
        date = first("DATE", "ORIGINALDATE", "YEAR")
        year = date.flatMap(Self.year(in:))
        (trackNumber, trackTotal) = Self.numberAndTotal(first("TRACKNUMBER"), total: first("TRACKTOTAL", "TOTALTRACKS"))
        (discNumber, discTotal) = Self.numberAndTotal(first("DISCNUMBER"), total: first("DISCTOTAL", "TOTALDISCS"))
        musicBrainzRecordingID = first("MUSICBRAINZ_TRACKID")
        musicBrainzTrackID = first("MUSICBRAINZ_RELEASETRACKID")
        musicBrainzReleaseID = first("MUSICBRAINZ_ALBUMID")
        hasCover = raw.hasCover
        self.properties = properties
    }

    public init(
        title: String? = nil, artist: String? = nil, album: String? = nil, albumArtist: String? = nil,
        genres: [String] = [], date: String? = nil, year: Int? = nil, trackNumber: Int? = nil,
        trackTotal: Int? = nil, discNumber: Int? = nil, discTotal: Int? = nil,
        musicBrainzRecordingID: String? = nil, musicBrainzTrackID: String? = nil,
        musicBrainzReleaseID: String? = nil, hasCover: Bool = false, properties: [Property] = []
    ) {
        self.title = title; self.artist = artist; self.album = album; self.albumArtist = albumArtist
        self.genres = genres; self.date = date; self.year = year; self.trackNumber = trackNumber
        self.trackTotal = trackTotal; self.discNumber = discNumber; self.discTotal = discTotal
        self.musicBrainzRecordingID = musicBrainzRecordingID; self.musicBrainzTrackID = musicBrainzTrackID
        self.musicBrainzReleaseID = musicBrainzReleaseID; self.hasCover = hasCover; self.properties = properties
    }

    /// The first plausible four-digit year in a date string ("2004-05-03", "c. 1997").
    static func year(in date: String) -> Int? {
        let digits = Array(date.utf8)
        var i = 0
        while i + 4 <= digits.count {
            let run = digits[i..<(i + 4)]
            let before = i == 0 || !(0x30...0x39).contains(digits[i - 1])
            let after = i + 4 == digits.count || !(0x30...0x39).contains(digits[i + 4])
            if before, after, run.allSatisfy({ (0x30...0x39).contains($0) }),
               let value = Int(String(decoding: run, as: UTF8.self)), (1000...2999).contains(value) {
                return value
            }
            i += 1
        }
        return nil
    }

    /// "3/12" -> (3, 12); "3" with a separate total "12" -> (3, 12); junk -> nil.
    static func numberAndTotal(_ text: String?, total: String?) -> (Int?, Int?) {
        var number: Int?
        var count = total.flatMap { Int($0.trimmingSpaces) }
        if let text {
            let parts = text.split(separator: "/", maxSplits: 1).map { String($0).trimmingSpaces }
            number = parts.first.flatMap { Int($0) }
            if parts.count == 2, let value = Int(parts[1]) { count = count ?? value }
        }
        return (number.flatMap { $0 >= 0 ? $0 : nil }, count.flatMap { $0 > 0 ? $0 : nil })
    }
}

extension String {
    var trimmingSpaces: String {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace || scalar == "\u{0}" }
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return self }
        if !isSpace(first) && !isSpace(last) { return self }
        var scalars = Substring.UnicodeScalarView(unicodeScalars)
        while let first = scalars.first, first.properties.isWhitespace || first == "\u{0}" { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace || last == "\u{0}" { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
