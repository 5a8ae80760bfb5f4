import Foundation
internal import GRDB

/// "More like this": nearest neighbours of one or more seed tracks.
///
/// Each analysed track is described by three blocks, each scaled to unit length:
/// - `embedding`: the genre model's embedding (its penultimate layer), L2-normalised;
/// - `features`: the engineered features standardised over the library (z-scores of tempo,
///   loudness, loudness range, RMS, spectral centroid, bandwidth, roll-off, flatness,
///   zero-crossing rate, onset rate, beat strength, the four scores and the 13 MFCC means;
///   a missing value counts as the library mean);
/// - `genres`: the genre probability vector.
///
/// With weights w, the fused vector is the blocks scaled by sqrt(w) side by side, so the
/// cosine of two tracks is `sum(w_b * cos_b) / sum(w_b)`: a weighted mean of the blocks'
/// cosines. Each result reports those per-block parts ("why"). The default weights,
/// embedding 1 and genres 1, were chosen on the generated corpus's validation split by
/// genre-precision@10 (`benchmarks/similarity-quality.sh`, figures in the README). The search is exact
/// (`EmbeddingIndex`). Several seeds search from the mean of their fused vectors.
///
/// Never returned: the seeds, tracks with the same artist and title as a seed, and copies of a
/// seed: the same audio payload, or an embedding at cosine 0.9999 or more to the seed's (a
/// re-encoding). Copies are judged on the embedding alone, whatever the weights: distinct
/// tracks the model is equally sure about have near-identical genre vectors.
public struct SimilarTracks: Sendable {
    public struct Weights: Sendable, Equatable, Codable, CustomStringConvertible {
        public var embedding: Double
        public var features: Double
        public var genres: Double

        /// The defaults are the measured ones (see the type's notes).
        public init(embedding: Double = 1, features: Double = 0, genres: Double = 1) {
            self.embedding = embedding
            self.features = features
            self.genres = genres
        }

        /// Parses "embedding=1,features=0.5,genres=0.2". A block not named weighs 0, so
        /// "embedding=1" means the embedding alone.
        public init(parsing text: String) throws(MusicIndexError) {
            self.init(embedding: 0, features: 0, genres: 0)
            for part in text.split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, let value = Double(pair[1]), value >= 0, value.isFinite else {
                    throw .invalidArgument("--weights: \"\(part)\" is not name=value with a value >= 0")
                }
                switch pair[0] {
                case "embedding": embedding = value
                case "features": features = value
                case "genres", "genre": genres = value
                default: throw .invalidArgument("--weights: unknown block \"\(pair[0])\"; use embedding, features, genres")
                }
            }
            guard embedding + features + genres > 0 else { throw .invalidArgument("--weights: at least one weight must be positive") }
        }

        /// The form `init(parsing:)` reads, every block named: "embedding=1,features=0.5,genres=0".
        public var description: String {
            [("embedding", embedding), ("features", features), ("genres", genres)]
                .map { "\($0.0)=\(String(format: "%g", $0.1))" }.joined(separator: ",")
        }
    }

    /// Restrictions on the results.
    public struct Filters: Sendable {
        public var genre: String?
        public var bpm: ClosedRange<Double>?
        public var duration: ClosedRange<Double>?
        public var excludeSameArtist = false
        public var excludeSameAlbum = false
        public init() {}
    }

    public struct Result: Sendable, Equatable {
        public var track: Track
        public var score: Double
        public var genre: String?
        public var tempo: Double?
        /// Each block's part of the score, largest first.
        public var why: [(block: String, part: Double)]

        public static func == (a: Self, b: Self) -> Bool { a.track == b.track && a.score == b.score }
    }

    let tracks: [Int64: Track]
    let labels: [String]
    let probabilities: [Int64: [Float]]
    let tempos: [Int64: Double]
    let blocks: [Int64: [[Float]]]
    public let weights: Weights
    let index: EmbeddingIndex
    /// Tracks that could not take part (no model analysis).
    public let unanalysed: Int

    /// Loads the library's analysed tracks (newest model) and builds the fused index.
    public init(library: Library, weights: Weights = Weights()) throws(MusicIndexError) {
        if let reason = BLAS.unavailableReason { throw .missingLibrary(reason) }
        let loaded = try library.read { db -> ([Track], [String], [String: (probabilities: [Float], embedding: [Float])], [String: [Double?]]) in
            let tracks = try Library.fetchTracks(db, where: "1", arguments: [])
            var labels: [String] = []
            var analyses: [String: (probabilities: [Float], embedding: [Float])] = [:]
            if let model = try Row.fetchOne(db, sql: "SELECT id, labels FROM models ORDER BY id DESC LIMIT 1") {
                labels = (try? JSONDecoder().decode([String].self, from: Data((model[1] as String).utf8))) ?? []
                let rows = try Row.fetchCursor(db, sql: "SELECT audio_hash, probabilities, embedding FROM analyses WHERE model_id = ?",
                                               arguments: [model[0] as Int64])
                while let row = try rows.next() { analyses[row[0]] = (Library.floats(row[1]), Library.floats(row[2])) }
            }
            var features: [String: [Double?]] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT audio_hash, \(Self.featureColumns.joined(separator: ", ")), mfcc_mean FROM features")
            while let row = try rows.next() {
                var values: [Double?] = Self.featureColumns.indices.map { row[$0 + 1] }
                let mfcc = (try? JSONDecoder().decode([Double?].self, from: Data((row[Self.featureColumns.count + 1] as String).utf8))) ?? []
                values += (0..<13).map { $0 < mfcc.count ? mfcc[$0] : nil }
                features[row[0]] = values
            }
            return (tracks, labels, analyses, features)
        }
        let (allTracks, labels, analyses, features) = loaded
        guard !allTracks.isEmpty else { throw .invalidArgument("the library is empty; run `musicindex scan FOLDER` first") }
        let analysed = allTracks.filter { analyses[$0.audioHash] != nil }
        guard !analysed.isEmpty else {
            throw .invalidArgument("no track has a genre-model analysis; scan with a model (the shipped one is used by default)")
        }
        // Library statistics of every engineered value, for z-scores.
        let width = Self.featureColumns.count + 13
        var sums = [Double](repeating: 0, count: width), squares = sums, counts = sums
        for track in analysed {
            for (i, value) in (features[track.audioHash] ?? []).enumerated() {
                if let value, value.isFinite { sums[i] += value; squares[i] += value * value; counts[i] += 1 }
            }
        }
        let means = (0..<width).map { counts[$0] > 0 ? sums[$0] / counts[$0] : 0 }
        let deviations = (0..<width).map { i -> Double in
            guard counts[i] > 1 else { return 1 }
            let variance = squares[i] / counts[i] - means[i] * means[i]
            return variance > 1e-12 ? variance.squareRoot() : 1
        }

        var blocks: [Int64: [[Float]]] = [:]
        var probabilities: [Int64: [Float]] = [:]
        var tempos: [Int64: Double] = [:]
        var ids: [Int64] = []
        var fused: [Float] = []
        let scales = [weights.embedding, weights.features, weights.genres].map { Float($0.squareRoot()) }
        for track in analysed {
            let analysis = analyses[track.audioHash]!
            let values = features[track.audioHash] ?? Array(repeating: nil, count: width)
            let z = (0..<width).map { i in Float(values.indices.contains(i) ? ((values[i] ?? means[i]) - means[i]) / deviations[i] : 0) }
            let parts = [Self.unit(analysis.embedding), Self.unit(z), Self.unit(analysis.probabilities)]
            blocks[track.id] = parts
            probabilities[track.id] = analysis.probabilities
            if let tempo = values.first ?? nil { tempos[track.id] = tempo }
            ids.append(track.id)
            for (part, scale) in zip(parts, scales) { fused += part.map { $0 * scale } }
        }
        do {
            index = try EmbeddingIndex(ids: ids, rowMajor: fused, dimension: fused.count / ids.count, normalize: true)
        } catch {
            throw .invalidArgument("cannot build the similarity index: \(error)")
        }
        self.tracks = Dictionary(uniqueKeysWithValues: allTracks.map { ($0.id, $0) })
        self.labels = labels
        self.probabilities = probabilities
        self.tempos = tempos
        self.blocks = blocks
        self.weights = weights
        self.unanalysed = allTracks.count - analysed.count
    }

    /// The `count` tracks most like `seeds`, best first.
    public func similar(to seeds: [Track], count: Int = 20, filters: Filters = Filters(),
                        excluding: Set<Int64> = []) throws(MusicIndexError) -> [Result] {
        guard count >= 0 else { throw .invalidArgument("-n must be at least 0") }
        for seed in seeds where blocks[seed.id] == nil {
            throw .invalidArgument("\(seed.path) has no genre-model analysis yet; scan it with a model first")
        }
        if let genre = filters.genre, !labels.contains(where: { $0.caseInsensitiveCompare(genre) == .orderedSame }) {
            throw .invalidArgument("unknown genre \"\(genre)\"; the genres are: \(labels.joined(separator: ", "))")
        }
        let seedIDs = Set(seeds.map(\.id))
        let excluded = seedIDs.union(excluding)
        let seedNames = Set(seeds.map(Self.identity))
        let seedArtists = Set(seeds.compactMap { $0.tags.artist.map(TrackResolver.fold) })
        let seedAlbums = Set(seeds.compactMap { $0.tags.album.map(TrackResolver.fold) })
        let seedHashes = Set(seeds.map(\.audioHash).filter { !$0.isEmpty })
        let seedEmbeddings = seeds.compactMap { blocks[$0.id]?[0] }
        let genreIndex = filters.genre.flatMap { g in labels.firstIndex { $0.caseInsensitiveCompare(g) == .orderedSame } }

        let accept: (Int64) -> Bool = { id in
            guard let track = tracks[id] else { return false }
            if seedNames.contains(Self.identity(track)) { return false }
            if filters.excludeSameArtist, let artist = track.tags.artist, seedArtists.contains(TrackResolver.fold(artist)) { return false }
            if filters.excludeSameAlbum, let album = track.tags.album, seedAlbums.contains(TrackResolver.fold(album)) { return false }
            if let genreIndex, let p = probabilities[id], GenrePlaylists.topIndex(p) != genreIndex { return false }
            if let bpm = filters.bpm { guard let tempo = tempos[id], bpm.contains(tempo) else { return false } }
            if let range = filters.duration { guard let d = track.audio.duration, range.contains(d) else { return false } }
            // Copies of a seed: the same payload, or a re-encoding (its embedding scores ~1).
            if seedHashes.contains(track.audioHash) { return false }
            if let embedding = blocks[id]?[0], seedEmbeddings.contains(where: { Self.dot($0, embedding) >= 0.9999 }) { return false }
            return true
        }
        let neighbours: [EmbeddingIndex.Neighbor]
        do {
            neighbours = try index.search(seeds: Array(seedIDs), k: count, excluding: excluded, filter: accept)
        } catch {
            throw .invalidArgument("similarity search failed: \(error)")
        }
        let total = weights.embedding + weights.features + weights.genres
        let seedBlocks = seeds.compactMap { blocks[$0.id] }
        return neighbours.compactMap { neighbour in
            guard let track = tracks[neighbour.id], let own = blocks[neighbour.id] else { return nil }
            let names = ["embedding", "features", "genres"]
            let blockWeights = [weights.embedding, weights.features, weights.genres]
            var why: [(String, Double)] = []
            for b in 0..<3 where blockWeights[b] > 0 {
                let mean = seedBlocks.map { Double(Self.dot($0[b], own[b])) }.reduce(0, +) / Double(max(1, seedBlocks.count))
                why.append((names[b], blockWeights[b] * mean / total))
            }
            why.sort { $0.1 > $1.1 }
            let genre = probabilities[neighbour.id].map { labels.indices.contains(GenrePlaylists.topIndex($0)) ? labels[GenrePlaylists.topIndex($0)] : "" }
            return Result(track: track, score: Double(neighbour.score), genre: genre, tempo: tempos[neighbour.id], why: why)
        }
    }

    static let featureColumns = [
        "tempo", "loudness", "loudness_range", "rms", "spectral_centroid", "spectral_bandwidth", "spectral_rolloff",
        "spectral_flatness", "zero_crossing_rate", "onset_rate", "beat_strength", "energy", "danceability",
        "acousticness", "instrumentalness",
    ]

    static func identity(_ track: Track) -> String {
        TrackResolver.fold(track.tags.artist ?? "") + "\u{1}" + TrackResolver.fold(track.tags.title ?? track.path)
    }

    static func unit(_ values: [Float]) -> [Float] {
        let norm = values.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        return norm > 0 ? values.map { Float(Double($0) / norm) } : values.map { _ in 0 }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        var sum: Float = 0
        for i in 0..<min(a.count, b.count) { sum += a[i] * b[i] }
        return sum
    }

    /// A radio playlist: starts at `seed`, then each next track is the nearest unplayed
    /// neighbour of the current one (so the list drifts through the library), never
    /// repeating a track or a copy of one, and keeping the same artist at least
    /// `artistSpacing` tracks apart when any other candidate exists among the 25 nearest.
    public func radio(from seed: Track, count: Int = 50, artistSpacing: Int = 3,
                      filters: Filters = Filters()) throws(MusicIndexError) -> [Track] {
        guard count >= 1 else { throw .invalidArgument("-n must be at least 1") }
        var playlist = [seed]
        var played: Set<Int64> = [seed.id]
        var names: Set<String> = [Self.identity(seed)]
        var current = seed
        while playlist.count < count {
            let candidates = try similar(to: [current], count: 25, filters: filters, excluding: played)
                .filter { !names.contains(Self.identity($0.track)) }
            guard !candidates.isEmpty else { break }
            let recent = Set(playlist.suffix(artistSpacing).compactMap { $0.tags.artist.map(TrackResolver.fold) })
            let next = candidates.first { candidate in
                guard let artist = candidate.track.tags.artist else { return true }
                return !recent.contains(TrackResolver.fold(artist))
            } ?? candidates[0]
            playlist.append(next.track)
            played.insert(next.track.id)
            names.insert(Self.identity(next.track))
            current = next.track
        }
        return playlist
    }
}
