import ArgumentParser
import Foundation
import MusicIndex

/// `musicindex radio SEED`: a playlist that starts at the seed and drifts through nearby tracks.
struct RadioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "radio",
        abstract: "A playlist that starts at a seed track and keeps moving through nearby tracks (no repeats, artists spaced out).")

    @OptionGroup var library: LibraryOptions

    @Argument(help: ArgumentHelp("The seed: a path, a track id, or \"artist - title\".", valueName: "seed"))
    var seed: String

    @Option(name: .short, help: "Playlist length, the seed included.")
    var n = 50

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the playlist to this M3U file (stdout without it).", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Block weights, as for similar.", valueName: "list"))
    var weights: String?

    @Flag(help: "Write paths relative to the playlist's folder.")
    var relative = false

    func validate() throws {
        guard n >= 1 else { throw ValidationError("-n must be at least 1") }
    }

    func run() throws {
        do {
            let store = try library.open(readOnly: true)
            let parsedWeights = try weights.map { text throws(MusicIndexError) in try SimilarTracks.Weights(parsing: text) } ?? .init()
            let engine = try SimilarTracks(library: store, weights: parsedWeights)
            let start = try TrackResolver(tracks: try store.allTracks()).resolve(seed)
            let tracks = try engine.radio(from: start, count: n)
            let entries = tracks.map { M3UWriter.Entry(path: $0.path, duration: $0.audio.duration, artist: $0.tags.artist, title: $0.tags.title) }
            if let output {
                try M3UWriter.write(entries, to: output, relative: relative)
                FileHandle.standardError.write(Data("\(tracks.count) tracks -> \(output)\n".utf8))
            } else {
                print(M3UWriter.text(entries, relativeTo: relative ? FileManager.default.currentDirectoryPath : nil), terminator: "")
            }
        } catch let error as MusicIndexError {
            throw CLIError(String(describing: error))
        }
    }
}
