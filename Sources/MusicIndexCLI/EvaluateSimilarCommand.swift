import ArgumentParser
import Foundation
import MusicIndex

/// `musicindex evaluate-similar --labels FOLDER_OR_CSV`: genre-precision of `similar` per weight setting.
struct EvaluateSimilarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate-similar",
        abstract: "Measure how often similar tracks share the seed's genre label, per weight setting.",
        discussion: """
            Every labelled, analysed track is a seed in turn and the rest of the library is searched, exactly as \
            `musicindex similar` does. Prints, per weight setting: precision@k (the share of the k results with the \
            seed's label), its ceiling (below 1 when a label has k tracks or fewer), R-precision (precision at R, the \
            number of other tracks with the seed's label) and mean average precision, with the standard error of \
            precision@k over the queries, and names the best setting \
            (highest precision@k, then mean average precision, then the first given).
            """)

    @OptionGroup var library: LibraryOptions

    @Option(help: ArgumentHelp(
        "Reference labels: a folder in GTZAN layout (FOLDER/genre/file) or a CSV of path,genre rows.",
        discussion: "Paths are matched as the library stores them: scan the same folder the labels name.",
        valueName: "folder-or-csv"))
    var labels: String

    @Option(name: .customShort("k"), help: "Results per query that precision is measured over.")
    var k = 10

    @Option(name: .customLong("weights"), help: ArgumentHelp(
        "A weight setting to measure, as for similar (repeat the option for several).",
        discussion: "Default: each block alone, then the default weights.",
        valueName: "list"))
    var weightTexts: [String] = []

    @Flag(help: "Print as JSON.")
    var json = false

    func validate() throws {
        guard k >= 1 else { throw ValidationError("-k must be at least 1") }
    }

    func run() throws {
        do {
            let store = try library.open(readOnly: true)
            let reference = try TrackLabels.load(from: labels, tracks: try store.allTracks())
            if !reference.missing.isEmpty {
                FileHandle.standardError.write(Data("\(reference.missing.count) labelled paths are not in the library (first: \(reference.missing[0]))\n".utf8))
            }
            let settings = try weightSettings()
            let evaluation = SimilarityEvaluation(library: store, labels: reference.labels)
            var scores: [SimilarityEvaluation.Score] = []
            for weights in settings { scores.append(try evaluation.evaluate(weights, k: k)) }
            let best = SimilarityEvaluation.best(scores)!
            if json {
                struct Row: Encodable {
                    let weights: String; let precision: Double; let precisionStandardError: Double; let ceiling: Double
                    let rPrecision: Double; let meanAveragePrecision: Double
                }
                struct Report: Encodable {
                    let k: Int; let queries: Int; let skipped: Int; let best: String; let results: [Row]
                }
                let rows = scores.map {
                    Row(weights: $0.weights.description, precision: $0.precision,
                        precisionStandardError: $0.precisionStandardError, ceiling: $0.ceiling,
                        rPrecision: $0.rPrecision, meanAveragePrecision: $0.meanAveragePrecision)
                }
                print(try JSONOutput.string(Report(k: k, queries: scores[0].queries, skipped: scores[0].skipped,
                                                   best: scores[best].weights.description, results: rows)))
                return
            }
            print("\(scores[0].queries) queries, k = \(k)"
                  + (scores[0].skipped > 0 ? "; \(scores[0].skipped) labelled tracks skipped (no analysis, or alone with their label)" : ""))
            let width = max(7, scores.map { $0.weights.description.count }.max() ?? 0)
            print("weights".padding(toLength: width, withPad: " ", startingAt: 0)
                  + "  precision@\(k)  std.err.  ceiling  R-precision    mAP")
            for (index, score) in scores.enumerated() {
                print(score.weights.description.padding(toLength: width, withPad: " ", startingAt: 0)
                      + String(format: "  %11.3f  %8.3f  %7.3f  %11.3f  %5.3f", score.precision, score.precisionStandardError, score.ceiling,
                               score.rPrecision, score.meanAveragePrecision)
                      + (index == best ? "  best" : ""))
            }
        } catch let error as MusicIndexError {
            throw CLIError(String(describing: error))
        }
    }

    /// The settings given, or each block alone then the default; repeats measured once.
    func weightSettings() throws(MusicIndexError) -> [SimilarTracks.Weights] {
        var settings: [SimilarTracks.Weights] = []
        if weightTexts.isEmpty {
            settings = [.init(embedding: 1, features: 0, genres: 0), .init(embedding: 0, features: 1, genres: 0),
                        .init(embedding: 0, features: 0, genres: 1), .init()]
        } else {
            for text in weightTexts { settings.append(try SimilarTracks.Weights(parsing: text)) }
        }
        var unique: [SimilarTracks.Weights] = []
        for setting in settings where !unique.contains(setting) { unique.append(setting) }
        return unique
    }
}
