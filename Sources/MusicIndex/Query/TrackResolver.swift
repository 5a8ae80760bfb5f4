import Foundation

/// Finds the track a user means: a file path, a track id, or text such as "artist - title".
///
/// Text is matched loosely: case, accents and punctuation are ignored, and every word of the
/// query must occur in the track's "artist album title" (with " - " the part before names the
/// artist, the part after the title). An exact artist and title match wins over a partial
/// one; if several tracks remain equally good, the error lists them so the user can pick one
/// by id or path.
public struct TrackResolver: Sendable {
    public let tracks: [Track]

    public init(tracks: [Track]) {
        self.tracks = tracks
    }

    /// The track `seed` names. Throws `.trackNotFound` with a specific message when nothing
    /// or more than one track matches.
    public func resolve(_ seed: String) throws(MusicIndexError) -> Track {
        let absolute = PathNormalizer.absolute(seed)
        if let byPath = tracks.first(where: { $0.path == absolute }) { return byPath }
        if FileManager.default.fileExists(atPath: absolute) {
            throw .trackNotFound("\(seed) is not in the library (scan its folder first)")
        }
        if let id = Int64(seed), let byID = tracks.first(where: { $0.id == id }) { return byID }

        let query = Self.fold(seed)
        guard !query.isEmpty else { throw .trackNotFound("empty query") }
        var scored: [(Int, Track)] = []
        let parts = seed.components(separatedBy: " - ")
        let artistQuery = parts.count >= 2 ? Self.fold(parts[0]) : nil
        let titleQuery = parts.count >= 2 ? Self.fold(parts.dropFirst().joined(separator: " - ")) : nil
        for track in tracks {
            let artist = Self.fold(track.tags.artist ?? "")
            let title = Self.fold(track.tags.title ?? ((track.path as NSString).lastPathComponent as NSString).deletingPathExtension)
            let haystack = [artist, Self.fold(track.tags.album ?? ""), title].joined(separator: " ")
            var score = 0
            if let artistQuery, let titleQuery {
                if artist == artistQuery && title == titleQuery { score = 3 }
                else if artist.contains(artistQuery) && title.contains(titleQuery) { score = 2 }
            }
            if score == 0 {
                if title == query { score = 2 }
                else if query.split(separator: " ").allSatisfy({ haystack.contains($0) }) { score = 1 }
            }
            if score > 0 { scored.append((score, track)) }
        }
        guard let best = scored.map(\.0).max() else {
            throw .trackNotFound("no track matches \"\(seed)\" (try a path, an id from `musicindex info`, or \"artist - title\")")
        }
        let winners = scored.filter { $0.0 == best }.map(\.1).sorted { $0.path < $1.path }
        if winners.count == 1 { return winners[0] }
        let list = winners.prefix(10).map { "  \($0.id): \($0.tags.artist ?? "?") - \($0.tags.title ?? "?") (\($0.path))" }
        throw .trackNotFound("\"\(seed)\" matches \(winners.count) tracks; give an id or a path:\n" + list.joined(separator: "\n"))
    }

    /// Lower case, accents removed, punctuation as spaces, single spaces.
    static func fold(_ text: String) -> String {
        let plain = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil).lowercased()
        var out = ""
        var space = false
        for character in plain {
            if character.isLetter || character.isNumber {
                if space && !out.isEmpty { out.append(" ") }
                space = false
                out.append(character)
            } else {
                space = true
            }
        }
        return out
    }
}
