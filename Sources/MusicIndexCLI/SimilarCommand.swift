import ArgumentParser
import Foundation
import MusicIndex

/// `musicindex similar SEED...`: tracks that sound like the seeds.
struct SimilarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similar", abstract: "Tracks most like one or more seed tracks (path, id, or \"artist - title\").")

    @OptionGroup var library: LibraryOptions

    @Argument(help: ArgumentHelp("Seed tracks: a path, a track id, or text such as \"artist - title\".", valueName: "seed"))
    var seeds: [String]

    @Option(name: .short, help: "Number of results.")
    var n = 20

    @Option(name: .shortAndLong, help: ArgumentHelp("Also write the results as an M3U playlist.", valueName: "file"))
    var output: String?

    @Flag(help: "Print as JSON.")
    var json = false

    @Flag(name: .customLong("exclude-same-artist"), help: "Leave out tracks by a seed's artist.")
    var excludeSameArtist = false

    @Flag(name: .customLong("exclude-same-album"), help: "Leave out tracks from a seed's album.")
    var excludeSameAlbum = false

    @Option(help: "Only tracks whose predicted genre is this one.")
    var genre: String?

    @Option(help: ArgumentHelp("Only tracks with a tempo in this range, e.g. 90..130.", valueName: "min..max"))
    var bpm: String?

    @Option(help: ArgumentHelp("Only tracks with a duration in seconds in this range, e.g. 120..420.", valueName: "min..max"))
    var duration: String?

    @Option(help: ArgumentHelp("Block weights, e.g. embedding=1,features=0.5,genres=0.5 (default embedding=1,features=0,genres=1; a block not named weighs 0).", valueName: "list"))
    var weights: String?

    func validate() throws {
        guard n >= 1 else { throw ValidationError("-n must be at least 1") }
        guard !seeds.isEmpty else { throw ValidationError("give at least one seed track") }
    }

    func run() throws {
        do {
            let store = try library.open(readOnly: true)
            let parsedWeights = try weights.map { text throws(MusicIndexError) in try SimilarTracks.Weights(parsing: text) } ?? .init()
            let engine = try SimilarTracks(library: store, weights: parsedWeights)
            let resolver = TrackResolver(tracks: try store.allTracks())
            var resolved: [Track] = []
            for seed in seeds { resolved.append(try resolver.resolve(seed)) }
            var filters = SimilarTracks.Filters()
            filters.genre = genre
            filters.bpm = try bpm.map { try Self.range($0, name: "--bpm") }
            filters.duration = try duration.map { try Self.range($0, name: "--duration") }
            filters.excludeSameArtist = excludeSameArtist
            filters.excludeSameAlbum = excludeSameAlbum
            let results = try engine.similar(to: resolved, count: n, filters: filters)
            if let output {
                try M3UWriter.write(results.map { M3UWriter.Entry(path: $0.track.path, duration: $0.track.audio.duration,
                                                                  artist: $0.track.tags.artist, title: $0.track.tags.title) },
                                    to: output, relative: false)
            }
            if json {
                struct Item: Encodable {
                    let id: Int64; let path: String; let artist: String?; let title: String?
                    let score: Double; let genre: String?; let tempo: Double?; let why: [String: Double]
                }
                let items = results.map { r in
                    Item(id: r.track.id, path: r.track.path, artist: r.track.tags.artist, title: r.track.tags.title,
                         score: r.score, genre: r.genre, tempo: r.tempo,
                         why: Dictionary(uniqueKeysWithValues: r.why.map { ($0.block, $0.part) }))
                }
                print(try JSONOutput.string(items))
                return
            }
            for (rank, r) in results.enumerated() {
                let name = "\(r.track.tags.artist ?? "?") - \(r.track.tags.title ?? (r.track.path as NSString).lastPathComponent)"
                let why = r.why.map { String(format: "%@ %.2f", $0.block, $0.part) }.joined(separator: ", ")
                print(String(format: "%2d. %.3f  ", rank + 1, r.score) + name
                      + "  [\(r.genre ?? "?")\(r.tempo.map { String(format: ", %.0f BPM", $0) } ?? "")]  (\(why))")
            }
            if results.isEmpty { print("no track passes the filters") }
            if engine.unanalysed > 0 {
                FileHandle.standardError.write(Data("\(engine.unanalysed) tracks without model analysis were skipped\n".utf8))
            }
        } catch let error as MusicIndexError {
            throw CLIError(String(describing: error))
        }
    }

    static func range(_ text: String, name: String) throws(MusicIndexError) -> ClosedRange<Double> {
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2, let low = Double(parts[0]), let high = Double(parts[1]), low <= high else {
            throw .invalidArgument("\(name) takes MIN..MAX, e.g. 90..130 (got \(text))")
        }
        return low...high
    }
}
