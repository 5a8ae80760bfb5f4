import Foundation

/// Genre-precision of "more like this": how often the tracks `SimilarTracks` ranks nearest to
/// a seed share the seed's reference label, for one or more weight settings.
///
/// Leave-one-out: every analysed, labelled track with at least one other analysed track of its
/// label is a query; it is the seed and the rest of the library is searched, through the same
/// `SimilarTracks.similar(to:)` call `musicindex similar` makes (no filters), so its exclusions
/// apply (tracks with the seed's artist and title, copies of the seed). Unlabelled
/// tracks stay in the library and count as misses when they are returned.
///
/// Per query, with R the number of other analysed tracks carrying its label and hits(n) the
/// number of them among the first n results:
/// - precision@k = hits(k) / k (fewer than k results count the missing ones as misses);
/// - ceiling@k = min(k, R) / k, the best precision@k the library allows (below 1 when a label
///   has k tracks or fewer);
/// - R-precision = hits(R) / R, which every query can bring to 1;
/// - average precision = the mean, over the R relevant tracks, of hits(n) / n at the rank n
///   where each is returned (0 for one never returned).
/// Each figure is the mean over the queries.
public struct SimilarityEvaluation: Sendable {
    /// One weight setting's figures.
    public struct Score: Sendable, Equatable, Codable {
        public var weights: SimilarTracks.Weights
        public var k: Int
        /// Queries measured.
        public var queries: Int
        /// Labelled tracks that were no query: no model analysis, or no other analysed track
        /// with their label.
        public var skipped: Int
        public var precision: Double
        /// The standard error of `precision`: the queries' sample standard deviation / sqrt(queries).
        public var precisionStandardError: Double
        public var ceiling: Double
        public var rPrecision: Double
        public var meanAveragePrecision: Double
    }

    /// One query's figures (see the type's notes).
    struct QueryScore: Equatable {
        var precision: Double
        var ceiling: Double
        var rPrecision: Double
        var averagePrecision: Double
    }

    public let library: Library
    public let labels: [Int64: String]

    /// Measures `library` against `labels` (track id -> label).
    public init(library: Library, labels: [Int64: String]) {
        self.library = library
        self.labels = labels
    }

    /// The figures of `weights` at cutoff `k`. Throws `.invalidArgument` when k < 1, the
    /// library has no analysed tracks, or no labelled track has an analysed neighbour with
    /// its label.
    public func evaluate(_ weights: SimilarTracks.Weights, k: Int = 10) throws(MusicIndexError) -> Score {
        guard k >= 1 else { throw .invalidArgument("k must be at least 1; got \(k)") }
        let engine = try SimilarTracks(library: library, weights: weights)
        let analysed = labels.keys.filter { engine.blocks[$0] != nil }.sorted()
        var perLabel: [String: Int] = [:]
        for id in analysed { perLabel[labels[id]!, default: 0] += 1 }
        var scores: [QueryScore] = []
        for id in analysed {
            let label = labels[id]!, relevant = perLabel[label]! - 1
            guard relevant > 0, let seed = engine.tracks[id] else { continue }
            let ranking = try engine.similar(to: [seed], count: engine.index.count).map { labels[$0.track.id] }
            scores.append(Self.score(ranking: ranking, label: label, relevant: relevant, k: k))
        }
        guard !scores.isEmpty else {
            throw .invalidArgument("no labelled, analysed track has another analysed track with its label to find")
        }
        let mean = { (value: (QueryScore) -> Double) in scores.map(value).reduce(0, +) / Double(scores.count) }
        return Score(weights: weights, k: k, queries: scores.count, skipped: labels.count - scores.count, precision: mean(\.precision),
                     precisionStandardError: Self.standardError(scores.map(\.precision)), ceiling: mean(\.ceiling),
                     rPrecision: mean(\.rPrecision), meanAveragePrecision: mean(\.averagePrecision))
    }

    /// The best of `scores`: the highest precision@k, then the highest mean average precision,
    /// then the first listed. Nil for no scores.
    public static func best(_ scores: [Score]) -> Int? {
        scores.indices.min { a, b in
            let (x, y) = (scores[a], scores[b])
            if x.precision != y.precision { return x.precision > y.precision }
            if x.meanAveragePrecision != y.meanAveragePrecision { return x.meanAveragePrecision > y.meanAveragePrecision }
            return a < b
        }
    }

    /// The standard error of the mean of `values`: sample standard deviation (n - 1) / sqrt(n);
    /// 0 for fewer than two values.
    static func standardError(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        return (variance / n).squareRoot()
    }

    /// One query's figures from the labels of its results in rank order (nil: unlabelled).
    /// `relevant` (R) >= 1 is how many tracks with `label` the library holds besides the seed.
    static func score(ranking: [String?], label: String, relevant: Int, k: Int) -> QueryScore {
        var hits = 0, hitsAtK = 0, hitsAtR = 0
        var precisionSum = 0.0
        for (rank, result) in ranking.enumerated() {
            if result == label {
                hits += 1
                precisionSum += Double(hits) / Double(rank + 1)
            }
            if rank + 1 == k { hitsAtK = hits }
            if rank + 1 == relevant { hitsAtR = hits }
        }
        // Rankings shorter than k or R: every result counted.
        if ranking.count < k { hitsAtK = hits }
        if ranking.count < relevant { hitsAtR = hits }
        return QueryScore(precision: Double(hitsAtK) / Double(k),
                          ceiling: Double(min(k, relevant)) / Double(k),
                          rPrecision: Double(hitsAtR) / Double(relevant),
                          averagePrecision: precisionSum / Double(relevant))
    }
}
