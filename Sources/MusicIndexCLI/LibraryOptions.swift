import ArgumentParser
import MusicIndex

/// The --db option shared by every command.
struct LibraryOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The library database.",
        discussion: "Default: $MUSICINDEX_DB, else $XDG_DATA_HOME/musicindex/library.sqlite (~/.local/share/musicindex/library.sqlite).",
        valueName: "path"))
    var db: String?

    var databasePath: String { LibraryLocation.resolve(explicit: db) }

    func open(readOnly: Bool = false) throws -> Library {
        do {
            return try Library(path: databasePath, readOnly: readOnly)
        } catch {
            throw CLIError(String(describing: error))
        }
    }
}

/// A fatal error: printed as "musicindex: message", exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
