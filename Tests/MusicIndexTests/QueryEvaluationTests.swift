import Foundation
import Testing
@testable import MusicIndex

/// Genre-precision of similar tracks (`SimilarityEvaluation`) and its reference labels
/// (`TrackLabels`): the per-query metric on hand-made rankings, a synthetic library whose
/// figures are known in advance for each block, and the `evaluate-similar` command.
@Suite("Query: similarity evaluation")
struct QueryEvaluationTests {
    /// A synthetic library in `folder/library.sqlite`, tracks under `folder/music/<label>/`:
    ///
    /// - labels x and y, three tracks each. Their embeddings, (cos a, sin a, 1) at angles
    ///   x: 0, 120, 240 and y: 5, 125, 245 degrees, put each track's two nearest neighbours in
    ///   the other label, so the embedding alone ranks both of its own label third and fourth.
    ///   Their genre probabilities, x: (0.9, 0.1), (0.8, 0.2), (0.7, 0.3) and y mirrored, put
    ///   its own label first and second.
    /// - one track labelled z (alone with its label, so no query) and one in `folder/music`
    ///   itself (unlabelled): embeddings pointing away from everyone, probabilities (0.5, 0.5).
    /// No engineered features are stored.
    static func syntheticLibrary() throws -> (library: Library, music: String) {
        let folder = try TestSupport.temporaryFolder()
        let music = folder + "/music"
        let library = try Library(path: folder + "/library.sqlite")
        let model = ModelIdentity(name: "synthetic", version: "1", labels: ["x", "y"], metadata: [:])
        func degrees(_ angle: Double) -> [Float] { [Float(cos(angle * .pi / 180)), Float(sin(angle * .pi / 180)), 1] }
        let tracks: [(path: String, embedding: [Float], probabilities: [Float])] = [
            ("x/1.mp3", degrees(0), [0.9, 0.1]), ("y/1.mp3", degrees(5), [0.1, 0.9]),
            ("x/2.mp3", degrees(120), [0.8, 0.2]), ("y/2.mp3", degrees(125), [0.2, 0.8]),
            ("x/3.mp3", degrees(240), [0.7, 0.3]), ("y/3.mp3", degrees(245), [0.3, 0.7]),
            ("z/1.mp3", [0.1, 0, -1], [0.5, 0.5]), ("unlabelled.mp3", [-0.1, 0, -1], [0.5, 0.5]),
        ]
        let outcomes = tracks.enumerated().map { number, track in
            var draft = TrackDraft(file: WalkedFile(path: music + "/" + track.path, size: 1000, mtimeNanoseconds: 0))
            draft.format = .mp3
            draft.audioHash = "hash\(number)"
            draft.genres = GenreAnalysis(model: model, probabilities: track.probabilities, timeline: [track.probabilities],
                                         embedding: track.embedding)
            return FileOutcome.indexed(draft)
        }
        try library.record(outcomes, scannedAt: "2026-01-01T00:00:00Z")
        try FileManager.default.createDirectory(atPath: music, withIntermediateDirectories: true)
        return (library, music)
    }

    static let embeddingOnly = SimilarTracks.Weights(embedding: 1, features: 0, genres: 0)
    static let genresOnly = SimilarTracks.Weights(embedding: 0, features: 0, genres: 1)

    // MARK: The metric

    @Test("one query's figures from a ranking: precision@k, ceiling, R-precision, average precision")
    func queryScore() {
        // Relevant results at ranks 1, 3 and 5; R = 3, k = 4.
        let score = SimilarityEvaluation.score(ranking: ["a", "b", "a", nil, "a"], label: "a", relevant: 3, k: 4)
        #expect(score.precision == 2.0 / 4)
        #expect(score.ceiling == 3.0 / 4, "only 3 relevant tracks exist for 4 places")
        #expect(score.rPrecision == 2.0 / 3)
        #expect(abs(score.averagePrecision - (1.0 / 1 + 2.0 / 3 + 3.0 / 5) / 3) < 1e-12)

        // A ranking shorter than k and R: the missing places are misses, unreturned tracks add 0.
        let short = SimilarityEvaluation.score(ranking: ["a"], label: "a", relevant: 3, k: 10)
        #expect(short.precision == 0.1 && short.ceiling == 0.3 && short.rPrecision == 1.0 / 3 && short.averagePrecision == 1.0 / 3)

        let perfect = SimilarityEvaluation.score(ranking: ["a", "a", "b"], label: "a", relevant: 2, k: 2)
        #expect(perfect == .init(precision: 1, ceiling: 1, rPrecision: 1, averagePrecision: 1))
        let none = SimilarityEvaluation.score(ranking: [], label: "a", relevant: 2, k: 2)
        #expect(none == .init(precision: 0, ceiling: 1, rPrecision: 0, averagePrecision: 0))

        // Sample standard deviation sqrt(0.5) over sqrt(2) queries.
        #expect(abs(SimilarityEvaluation.standardError([0, 1]) - 0.5) < 1e-12)
        #expect(SimilarityEvaluation.standardError([0.3, 0.3, 0.3]) == 0 && SimilarityEvaluation.standardError([1]) == 0)
    }

    // MARK: Through the similarity engine

    @Test("known labels give known figures per block: embedding 0 and genres 1 at k = 2")
    func syntheticLibraryFigures() throws {
        let (library, music) = try Self.syntheticLibrary()
        let labels = try TrackLabels.load(from: music, tracks: try library.allTracks())
        #expect(labels.labels.count == 7 && Set(labels.labels.values) == ["x", "y", "z"], "the unlabelled track has no genre folder")
        let evaluation = SimilarityEvaluation(library: library, labels: labels.labels)

        let embedding = try evaluation.evaluate(Self.embeddingOnly, k: 2)
        #expect(embedding.queries == 6 && embedding.skipped == 1, "z is alone with its label")
        #expect(embedding.precision == 0 && embedding.precisionStandardError == 0 && embedding.rPrecision == 0 && embedding.ceiling == 1)
        // Own label third and fourth for every query: (1/3 + 2/4) / 2.
        #expect(abs(embedding.meanAveragePrecision - 5.0 / 12) < 1e-9)

        let genres = try evaluation.evaluate(Self.genresOnly, k: 2)
        #expect(genres.precision == 1 && genres.rPrecision == 1 && genres.meanAveragePrecision == 1)

        // k past R: both relevant tracks found, the ceiling says that is all there is.
        let wide = try evaluation.evaluate(Self.genresOnly, k: 4)
        #expect(wide.precision == 0.5 && wide.ceiling == 0.5 && wide.rPrecision == 1)

        #expect(SimilarityEvaluation.best([embedding, genres]) == 1)
        #expect(SimilarityEvaluation.best([genres, embedding, genres]) == 0, "ties go to the first listed")
        #expect(SimilarityEvaluation.best([]) == nil)
        #expect(throws: MusicIndexError.invalidArgument("k must be at least 1; got 0")) {
            try evaluation.evaluate(Self.genresOnly, k: 0)
        }
        let alone = SimilarityEvaluation(library: library, labels: labels.labels.filter { $0.value == "z" })
        #expect { try alone.evaluate(Self.genresOnly) } throws: { "\($0)".contains("no labelled, analysed track") }
    }

    // MARK: Labels

    @Test("labels from a path,genre CSV: header, relative paths, unknown paths reported; bad input refused")
    func csvLabels() throws {
        let (library, music) = try Self.syntheticLibrary()
        let tracks = try library.allTracks()
        let csv = music + "/labels.csv"
        try "path,genre\nx/1.mp3,rock\n\n \(music)/y/1.mp3 , jazz\nnot-scanned.mp3,pop\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let labels = try TrackLabels.load(from: csv, tracks: tracks)
        let byPath = Dictionary(uniqueKeysWithValues: tracks.map { ($0.id, $0.path) })
        #expect(Dictionary(uniqueKeysWithValues: labels.labels.map { (byPath[$0.key]!, $0.value) })
                == [music + "/x/1.mp3": "rock", music + "/y/1.mp3": "jazz"])
        #expect(labels.missing == [music + "/not-scanned.mp3"])

        func refusal(_ text: String) throws -> String {
            try text.write(toFile: csv, atomically: true, encoding: .utf8)
            do {
                _ = try TrackLabels.load(from: csv, tracks: tracks)
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(try refusal("x/1.mp3\n").contains("row 1 is not `path,genre`"))
        #expect(try refusal("x/1.mp3,rock\n./x/1.mp3,pop\n").contains("listed twice"))
        #expect(try refusal("elsewhere.mp3,rock\n").contains("no track of the library is labelled"))
        #expect { try TrackLabels.load(from: music + "/absent", tracks: tracks) } throws: { "\($0)".contains("no such folder or CSV") }
    }

    // MARK: The command

    @Test("evaluate-similar prints each setting's figures and the best, as text and JSON")
    func command() throws {
        let (_, music) = try Self.syntheticLibrary()
        let db = (music as NSString).deletingLastPathComponent + "/library.sqlite"
        let json = try CLITests.run(["evaluate-similar", "--db", db, "--labels", music, "-k", "2", "--json",
                                     "--weights", "embedding=1,features=0,genres=0", "--weights", "embedding=0,features=0,genres=1"])
        #expect(json.status == 0, "\(json.stderr)")
        let report = try CLITests.json(json.stdout)
        #expect(report["k"] as? Int == 2 && report["queries"] as? Int == 6 && report["skipped"] as? Int == 1)
        #expect(report["best"] as? String == "embedding=0,features=0,genres=1")
        let rows = try #require(report["results"] as? [[String: Any]])
        #expect(rows.map { $0["weights"] as? String } == ["embedding=1,features=0,genres=0", "embedding=0,features=0,genres=1"])
        #expect(rows.map { $0["precision"] as? Double } == [0, 1])
        #expect(rows.map { $0["precisionStandardError"] as? Double } == [0, 0])

        let text = try CLITests.run(["evaluate-similar", "--db", db, "--labels", music, "-k", "2",
                                     "--weights", "embedding=1,features=0,genres=0", "--weights", "embedding=0,features=0,genres=1"])
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "6 queries, k = 2; 1 labelled tracks skipped (no analysis, or alone with their label)")
        #expect(lines.last?.hasPrefix("embedding=0,features=0,genres=1") == true && lines.last?.hasSuffix("  best") == true)

        let bad = try CLITests.run(["evaluate-similar", "--db", db, "--labels", music, "-k", "0"])
        #expect(bad.status != 0 && bad.stderr.contains("-k must be at least 1"))
    }
}
