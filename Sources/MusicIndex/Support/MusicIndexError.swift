/// The errors the library reports to its callers. Each case names what failed and carries
/// the path and the underlying detail, so a message can say exactly what to do.
public enum MusicIndexError: Error, CustomStringConvertible, Equatable {
    /// A folder given to scan does not exist or is not a folder.
    case missingFolder(path: String)
    /// The database file exists but is not a musicindex library.
    case notALibrary(path: String, detail: String)
    /// The library was written by a newer musicindex.
    case newerSchema(path: String, found: Int, supported: Int)
    /// No library exists at the path (for commands that only read).
    case noLibrary(path: String)
    /// The library file is damaged (SQLite found its pages malformed).
    case corruptLibrary(path: String, detail: String)
    /// SQLite refused an operation (unwritable folder, full disk, ...).
    case database(path: String, detail: String)
    /// A track asked for by id or path is not in the library.
    case trackNotFound(String)
    /// A parameter is out of its valid range.
    case invalidArgument(String)
    /// A system library the operation needs cannot be loaded.
    case missingLibrary(String)

    public var description: String {
        switch self {
        case .missingFolder(let path):
            "no such folder: \(path)"
        case .notALibrary(let path, let detail):
            "\(path) is not a musicindex library (\(detail)); it was left untouched. Use --db to choose another file."
        case .newerSchema(let path, let found, let supported):
            "\(path) was written by a newer musicindex (schema version \(found); this version knows up to \(supported)); it was left untouched."
        case .noLibrary(let path):
            "no library at \(path); run `musicindex scan FOLDER` first, or pass --db"
        case .corruptLibrary(let path, let detail):
            "\(path) is a damaged musicindex library (SQLite: \(detail)); it was left untouched. Restore a backup, or move it away (or pass --db) and scan again to build a new one."
        case .database(let path, let detail):
            "database error in \(path): \(detail)"
        case .trackNotFound(let what):
            "no track matches \(what)"
        case .invalidArgument(let detail):
            detail
        case .missingLibrary(let detail):
            "\(detail); install it (scripts/install-deps.sh) and try again"
        }
    }
}
