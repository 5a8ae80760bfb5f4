import ArgumentParser
import Foundation
import MusicIndex

/// Options shared by `playlist` and `playlists`.
struct PlaylistOptions: ParsableArguments {
    @Option(help: "Where membership comes from: model, tags or both (see README).")
    var source: GenrePlaylists.Source = .model

    @Option(name: .customLong("min-prob"), help: "With the model: include tracks whose probability for the genre is at least P (default: the top genre only).")
    var minProbability: Double?

    @Option(help: "Order: prob, artist, album or random.")
    var order: GenrePlaylists.Order = .prob

    @Option(help: "At most N tracks.")
    var limit: Int?

    @Option(help: "Seed for --order random.")
    var seed: UInt64 = 0

    @Flag(help: "Write paths relative to the playlist's folder.")
    var relative = false
}

extension GenrePlaylists.Source: ExpressibleByArgument {}
extension GenrePlaylists.Order: ExpressibleByArgument {}

/// `musicindex playlist GENRE`: one genre as an extended M3U playlist.
struct PlaylistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playlist", abstract: "Write a genre's tracks as an extended M3U playlist (stdout without -o).")

    @OptionGroup var library: LibraryOptions
    @OptionGroup var options: PlaylistOptions

    @Argument(help: "A genre (musicindex genres lists them).")
    var genre: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Playlist file (.m3u8 or .m3u).", valueName: "file"))
    var output: String?

    func run() throws {
        do {
            let playlists = try GenrePlaylists(library: library.open(readOnly: true))
            let items = try playlists.playlist(genre, source: options.source, minProbability: options.minProbability,
                                               order: options.order, limit: options.limit, seed: options.seed)
            if let output {
                try M3UWriter.write(items.map(\.m3uEntry), to: output, relative: options.relative)
                FileHandle.standardError.write(Data("\(items.count) tracks -> \(output)\n".utf8))
            } else {
                let folder = options.relative ? FileManager.default.currentDirectoryPath : nil
                print(M3UWriter.text(items.map(\.m3uEntry), relativeTo: folder), terminator: "")
            }
            if options.source != .tags && playlists.unanalysed > 0 {
                FileHandle.standardError.write(Data("\(playlists.unanalysed) tracks without model analysis were skipped\n".utf8))
            }
        } catch let error as MusicIndexError {
            throw CLIError(String(describing: error))
        }
    }
}

/// `musicindex playlists --out-dir DIR`: one playlist per genre.
struct PlaylistsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playlists", abstract: "Write one extended M3U playlist per genre into a folder.")

    @OptionGroup var library: LibraryOptions
    @OptionGroup var options: PlaylistOptions

    @Option(name: .customLong("out-dir"), help: ArgumentHelp("Folder for the playlists (created if missing).", valueName: "dir"))
    var outDir: String

    func run() throws {
        do {
            let playlists = try GenrePlaylists(library: library.open(readOnly: true))
            try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
            for label in playlists.labels {
                let items = try playlists.playlist(label, source: options.source, minProbability: options.minProbability,
                                                   order: options.order, limit: options.limit, seed: options.seed)
                guard !items.isEmpty else { continue }
                let path = (outDir as NSString).appendingPathComponent("\(label).m3u8")
                try M3UWriter.write(items.map(\.m3uEntry), to: path, relative: options.relative)
                print("\(label): \(items.count) tracks -> \(path)")
            }
        } catch let error as MusicIndexError {
            throw CLIError(String(describing: error))
        }
    }
}
