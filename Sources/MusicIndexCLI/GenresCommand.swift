import ArgumentParser
import Foundation
import MusicIndex

/// `musicindex genres`: every genre with its track count by model prediction and by tag.
struct GenresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genres", abstract: "Every genre with its track count by model prediction and by tag.")

    @OptionGroup var library: LibraryOptions

    @Flag(help: "Print as JSON.")
    var json = false

    func run() throws {
        let playlists: GenrePlaylists
        do {
            playlists = try GenrePlaylists(library: library.open(readOnly: true))
        } catch let error as MusicIndexError {
            throw CLIError(String(describing: error))
        }
        let counts = playlists.counts()
        if json {
            struct Row: Encodable { let genre: String; let model: Int; let tags: Int }
            struct Document: Encodable { let model: String?; let unanalysed: Int; let genres: [Row] }
            print(try JSONOutput.string(Document(model: playlists.model, unanalysed: playlists.unanalysed,
                                                 genres: counts.map { Row(genre: $0.label, model: $0.model, tags: $0.tags) })))
            return
        }
        print("model: \(playlists.model ?? "none (scan with a model to get predictions)")")
        print("genre".padding(toLength: 14, withPad: " ", startingAt: 0) + "  model   tags")
        for row in counts {
            print(row.label.padding(toLength: 14, withPad: " ", startingAt: 0)
                + String(format: "  %5d  %5d", row.model, row.tags))
        }
        if playlists.unanalysed > 0 { print("\(playlists.unanalysed) tracks have no model analysis (skipped by model counts)") }
    }
}
