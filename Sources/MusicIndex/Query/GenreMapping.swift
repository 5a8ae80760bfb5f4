/// Maps genre tags as people write them onto a model's labels.
///
/// The rules, in order, for one tag value:
/// 1. A tag holding several genres ("Rock; Pop", "Rock/Pop", "Rock, Pop", "Rock | Pop") is
///    split and each part mapped on its own.
/// 2. ID3v1 numeric references ("(17)", "17", "(17)Rock") become the ID3v1 genre name
///    ("Rock").
/// 3. The text is normalised: lower case, "&" read as "and", every run of characters that
///    are not letters or digits becomes one space ("Hip-Hop", "hip hop" and "HIP_HOP" all
///    read "hip hop").
/// 4. A whole-text synonym wins ("rhythm and blues" -> none, "classic rock" -> rock,
///    "hip hop" -> hiphop, "rap" -> hiphop, "bossa nova" -> jazz).
/// 5. Otherwise the words are read from the last to the first, since the last word names the
///    family ("punk rock" -> rock, "pop rock" -> rock, "country blues" -> blues, "death
///    metal" -> metal); the first word that is a label or a synonym decides.
/// 6. Otherwise the value maps to no label (it still counts under its own name in
///    `musicindex genres`).
///
/// Only labels the model has are returned, so the same tag can map differently under a model
/// with another taxonomy.
public struct GenreMapping: Sendable {
    public let labels: Set<String>

    public init(labels: [String]) {
        self.labels = Set(labels.map { $0.lowercased() })
    }

    /// The labels one tag value maps to (several for a multi-valued text), in tag order.
    public func labels(forTag tag: String) -> [String] {
        var result: [String] = []
        for part in Self.split(tag) {
            if let label = label(forSingle: part), !result.contains(label) { result.append(label) }
        }
        return result
    }

    /// The labels of all of a track's genre tags, without repeats.
    public func labels(forTags tags: [String]) -> [String] {
        var result: [String] = []
        for tag in tags { for label in labels(forTag: tag) where !result.contains(label) { result.append(label) } }
        return result
    }

    private func label(forSingle value: String) -> String? {
        let text = Self.normalise(Self.resolveID3v1(value))
        guard !text.isEmpty else { return nil }
        if let synonym = Self.phrases[text] { return synonym.flatMap(accept) }
        let compact = text.replacingOccurrences(of: " ", with: "")
        if let label = accept(compact) { return label }
        for word in text.split(separator: " ").reversed().map(String.init) {
            if let label = accept(word) { return label }
            if let synonym = Self.words[word] { return accept(synonym) }
        }
        return nil
    }

    private func accept(_ candidate: String) -> String? {
        labels.contains(candidate) ? candidate : nil
    }

    static func split(_ tag: String) -> [String] {
        tag.split(whereSeparator: { ";/,|\0".contains($0) }).map { String($0) }
    }

    static func normalise(_ text: String) -> String {
        var out = ""
        var pendingSpace = false
        for character in text.lowercased().replacingOccurrences(of: "&", with: " and ") {
            if character.isLetter || character.isNumber {
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.append(character)
            } else {
                pendingSpace = true
            }
        }
        return out
    }

    /// "(17)", "17" and "(17)Rock" -> "Rock"; anything else unchanged.
    static func resolveID3v1(_ value: String) -> String {
        let trimmed = value.trimmingSpaces
        var digits = Substring(trimmed)
        if digits.hasPrefix("(") {
            guard let close = digits.firstIndex(of: ")") else { return trimmed }
            let rest = digits[digits.index(after: close)...]
            digits = digits[digits.index(after: digits.startIndex)..<close]
            if !rest.isEmpty { return String(rest) }
        }
        guard let number = Int(digits), id3v1Genres.indices.contains(number) else { return trimmed }
        return id3v1Genres[number]
    }

    /// Whole-text synonyms; nil maps to no label on purpose.
    static let phrases: [String: String?] = [
        "rhythm and blues": nil, "r and b": nil, "rnb": nil, "classic rock": "rock", "rock and roll": "rock",
        "rock n roll": "rock", "hip hop": "hiphop", "hip hop rap": "hiphop", "rap": "hiphop", "gangsta rap": "hiphop",
        "trap": "hiphop", "boom bap": "hiphop", "bossa nova": "jazz", "big band": "jazz", "bebop": "jazz",
        "swing": "jazz", "smooth jazz": "jazz", "acid jazz": "jazz", "heavy metal": "metal", "nu metal": "metal",
        "thrash": "metal", "metalcore": "metal", "grindcore": "metal", "ska": "reggae", "dub": "reggae",
        "dancehall": "reggae", "rocksteady": "reggae", "bluegrass": "country", "americana": "country",
        "country and western": "country", "honky tonk": "country", "baroque": "classical", "opera": "classical",
        "orchestral": "classical", "symphony": "classical", "chamber music": "classical", "romantic": "classical",
        "contemporary classical": "classical", "punk": "rock", "grunge": "rock", "alternative": "rock",
        "indie": "rock", "euro disco": "disco", "nu disco": "disco", "italo disco": "disco",
        "synthpop": "pop", "electropop": "pop", "kpop": "pop", "k pop": "pop", "j pop": "pop", "jpop": "pop",
    ]

    /// Single words that name a family when read from the end of a tag.
    static let words: [String: String] = [
        "rap": "hiphop", "hiphop": "hiphop", "trap": "hiphop", "punk": "rock", "grunge": "rock",
        "bebop": "jazz", "swing": "jazz", "ska": "reggae", "dub": "reggae", "dancehall": "reggae",
        "bluegrass": "country", "baroque": "classical", "opera": "classical", "orchestral": "classical",
        "symphonic": "classical", "thrash": "metal", "metalcore": "metal", "synthpop": "pop",
    ]

    /// The ID3v1 genre table (0-79) and Winamp's extensions (80-191).
    static let id3v1Genres = [
        "Blues", "Classic Rock", "Country", "Dance", "Disco", "Funk", "Grunge", "Hip-Hop", "Jazz", "Metal",
        "New Age", "Oldies", "Other", "Pop", "R&B", "Rap", "Reggae", "Rock", "Techno", "Industrial",
        "Alternative", "Ska", "Death Metal", "Pranks", "Soundtrack", "Euro-Techno", "Ambient", "Trip-Hop",
        "Vocal", "Jazz+Funk", "Fusion", "Trance", "Classical", "Instrumental", "Acid", "House", "Game",
        "Sound Clip", "Gospel", "Noise", "AlternRock", "Bass", "Soul", "Punk", "Space", "Meditative",
        "Instrumental Pop", "Instrumental Rock", "Ethnic", "Gothic", "Darkwave", "Techno-Industrial",
        "Electronic", "Pop-Folk", "Eurodance", "Dream", "Southern Rock", "Comedy", "Cult", "Gangsta",
        "Top 40", "Christian Rap", "Pop/Funk", "Jungle", "Native American", "Cabaret", "New Wave",
        "Psychadelic", "Rave", "Showtunes", "Trailer", "Lo-Fi", "Tribal", "Acid Punk", "Acid Jazz", "Polka",
        "Retro", "Musical", "Rock & Roll", "Hard Rock", "Folk", "Folk-Rock", "National Folk", "Swing",
        "Fast Fusion", "Bebob", "Latin", "Revival", "Celtic", "Bluegrass", "Avantgarde", "Gothic Rock",
        "Progressive Rock", "Psychedelic Rock", "Symphonic Rock", "Slow Rock", "Big Band", "Chorus",
        "Easy Listening", "Acoustic", "Humour", "Speech", "Chanson", "Opera", "Chamber Music", "Sonata",
        "Symphony", "Booty Bass", "Primus", "Porn Groove", "Satire", "Slow Jam", "Club", "Tango", "Samba",
        "Folklore", "Ballad", "Power Ballad", "Rhythmic Soul", "Freestyle", "Duet", "Punk Rock", "Drum Solo",
        "A capella", "Euro-House", "Dance Hall",
    ]
}
