import Foundation
internal import GRDB

/// Genre playlists over a library: which tracks belong to a genre, by the genre model's
/// prediction, by their genre tags (mapped with `GenreMapping`), or both.
///
/// - `model`: a track belongs to G when G is its top label (or, with a minimum probability,
///   when its probability for G is at least that); it is ranked by that probability.
/// - `tags`: a track belongs to G when one of its genre tags maps to G; rank 1.
/// - `both`: a track belongs to G when either says so; its rank is the mean of the model's
///   probability for G (0 without analysis) and the tag's vote (1 when a tag maps to G,
///   else 0), so tracks both agree on come first.
///
/// The model is the library's most recently added one.
public struct GenrePlaylists: Sendable {
    public enum Source: String, Sendable, CaseIterable, Codable { case model, tags, both }
    public enum Order: String, Sendable, CaseIterable, Codable { case prob, artist, album, random }

    /// One candidate track with what the query needs.
    public struct Item: Sendable, Equatable {
        public var track: Track
        /// The model's probabilities (label order of `labels`), nil without analysis.
        public var probabilities: [Float]?
        /// The model labels its genre tags map to.
        public var tagLabels: [String]
        public var score: Double = 0
    }

    public let labels: [String]
    public let model: String?
    public let items: [Item]

    /// Loads every track with its newest-model analysis. Throws when the library is empty.
    public init(library: Library) throws(MusicIndexError) {
        let loaded = try library.read { db -> ([String], String?, [Item]) in
            let modelRow = try Row.fetchOne(db, sql: "SELECT id, name || ' ' || version, labels FROM models ORDER BY id DESC LIMIT 1")
            let labels = modelRow.flatMap { row -> [String]? in
                try? JSONDecoder().decode([String].self, from: Data((row[2] as String).utf8))
            } ?? []
            let modelID: Int64? = modelRow?[0]
            var probabilities: [String: [Float]] = [:]
            if let modelID {
                let rows = try Row.fetchCursor(db, sql: "SELECT audio_hash, probabilities FROM analyses WHERE model_id = ?", arguments: [modelID])
                while let row = try rows.next() { probabilities[row[0]] = Library.floats(row[1]) }
            }
            let mapping = GenreMapping(labels: labels.isEmpty ? Self.defaultLabels : labels)
            let tracks = try Library.fetchTracks(db, where: "1", arguments: [])
            let items = tracks.map { track in
                Item(track: track, probabilities: probabilities[track.audioHash], tagLabels: mapping.labels(forTags: track.tags.genres))
            }
            return (labels, modelRow?[1], items)
        }
        guard !loaded.2.isEmpty else { throw .invalidArgument("the library is empty; run `musicindex scan FOLDER` first") }
        labels = loaded.0.isEmpty ? Self.defaultLabels : loaded.0
        model = loaded.1
        items = loaded.2
    }

    /// The taxonomy used for tags when the library has no model yet (the shipped model's).
    public static let defaultLabels = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]

    /// Per label: tracks the model puts there (top label) and tracks tagged with it.
    public func counts() -> [(label: String, model: Int, tags: Int)] {
        labels.enumerated().map { index, label in
            let byModel = items.filter { item in item.probabilities.map { Self.topIndex($0) == index } ?? false }.count
            let byTags = items.filter { $0.tagLabels.contains(label) }.count
            return (label, byModel, byTags)
        }
    }

    /// Tracks without a model analysis.
    public var unanalysed: Int { items.filter { $0.probabilities == nil }.count }

    /// The playlist for `genre`. Throws for an unknown genre, listing the valid ones.
    public func playlist(_ genre: String, source: Source = .model, minProbability: Double? = nil,
                         order: Order = .prob, limit: Int? = nil, seed: UInt64 = 0) throws(MusicIndexError) -> [Item] {
        guard let index = labels.firstIndex(where: { $0.caseInsensitiveCompare(genre) == .orderedSame }) else {
            throw .invalidArgument("unknown genre \"\(genre)\"; the genres are: \(labels.joined(separator: ", "))")
        }
        if let minProbability, !(0...1).contains(minProbability) {
            throw .invalidArgument("--min-prob must be between 0 and 1, got \(minProbability)")
        }
        let label = labels[index]
        var chosen: [Item] = []
        for var item in items {
            let probability = item.probabilities.map { Double($0[index]) }
            let byModel: Bool = {
                guard let probabilities = item.probabilities else { return false }
                if let minProbability { return Double(probabilities[index]) >= minProbability }
                return Self.topIndex(probabilities) == index
            }()
            let byTag = item.tagLabels.contains(label)
            switch source {
            case .model:
                guard byModel else { continue }
                item.score = probability ?? 0
            case .tags:
                guard byTag else { continue }
                item.score = 1
            case .both:
                guard byModel || byTag else { continue }
                item.score = ((probability ?? 0) + (byTag ? 1 : 0)) / 2
            }
            chosen.append(item)
        }
        sort(&chosen, by: order, seed: seed)
        if let limit { chosen = Array(chosen.prefix(max(0, limit))) }
        return chosen
    }

    private func sort(_ items: inout [Item], by order: Order, seed: UInt64) {
        func text(_ value: String?) -> String { (value ?? "").lowercased() }
        func albumKey(_ t: Track) -> (String, Int, Int, String) {
            (text(t.tags.album), t.tags.discNumber ?? 0, t.tags.trackNumber ?? 0, t.path)
        }
        switch order {
        case .prob:
            items.sort { a, b in a.score != b.score ? a.score > b.score : a.track.path < b.track.path }
        case .artist:
            items.sort { a, b in
                let x = (text(a.track.tags.albumArtist ?? a.track.tags.artist), albumKey(a.track))
                let y = (text(b.track.tags.albumArtist ?? b.track.tags.artist), albumKey(b.track))
                return x.0 != y.0 ? x.0 < y.0 : x.1 < y.1
            }
        case .album:
            items.sort { a, b in albumKey(a.track) < albumKey(b.track) }
        case .random:
            // Seeded, so the same seed gives the same playlist (SplitMix64 over a shuffle).
            var generator = SeededGenerator(seed: seed)
            items.sort { $0.track.path < $1.track.path }
            items.shuffle(using: &generator)
        }
    }

    static func topIndex(_ probabilities: [Float]) -> Int {
        probabilities.indices.max { probabilities[$0] < probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 > $1) } ?? 0
    }
}

extension GenrePlaylists.Item {
    /// The playlist entry of this item.
    public var m3uEntry: M3UWriter.Entry {
        M3UWriter.Entry(path: track.path, duration: track.audio.duration, artist: track.tags.artist, title: track.tags.title)
    }
}
