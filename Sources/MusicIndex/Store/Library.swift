import Foundation
internal import GRDB

/// The musicindex library database: opening, validation and migrations. All SQL of the
/// program lives in the `Library+*.swift` files; callers use named methods.
///
/// The database runs in WAL mode, so readers (playlist, similar, info) work while a scan
/// writes; every write is a short transaction.
public final class Library: Sendable {
    public let path: String
    let pool: DatabasePool

    /// Opens (and, unless `readOnly`, creates and migrates) the library at `path`.
    /// A file that is not a musicindex library, or whose schema is newer than this build's,
    /// is reported and never modified.
    public init(path: String, readOnly: Bool = false) throws(MusicIndexError) {
        self.path = path
        let exists = FileManager.default.fileExists(atPath: path)
        if readOnly && !exists { throw .noLibrary(path: path) }
        var storedVersion = 0
        if exists {
            try Self.checkHeader(path: path)
            storedVersion = try Self.inspect(path: path)
        }
        if readOnly && storedVersion < SchemaMigration.latestVersion {
            throw storedVersion == 0 ? .noLibrary(path: path)
                : .database(path: path, detail: "the library needs an upgrade (schema \(storedVersion) -> \(SchemaMigration.latestVersion)); run a scan once")
        }
        if !exists {
            let folder = (path as NSString).deletingLastPathComponent
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw .database(path: path, detail: "cannot create the folder \(folder): \(error.localizedDescription)")
            }
        }
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(30)
        configuration.foreignKeysEnabled = true
        configuration.label = "musicindex"
        configuration.prepareDatabase { db in
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw Self.wrap(error, path: path)
        }
        if storedVersion < SchemaMigration.latestVersion {
            do { try migrate(from: storedVersion) } catch { throw Self.wrap(error, path: path) }
        }
    }

    /// Rejects files that are not SQLite databases before SQLite touches them.
    private static func checkHeader(path: String) throws(MusicIndexError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .database(path: path, detail: "cannot open for reading")
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        if header.isEmpty { return }  // an empty file becomes a new library
        if header != Data("SQLite format 3\u{0}".utf8) {
            throw .notALibrary(path: path, detail: "not an SQLite database")
        }
    }

    /// Reads the identity and schema version of an existing file through a read-only
    /// connection, so that a file which is not ours is never changed (not even its journal mode).
    private static func inspect(path: String) throws(MusicIndexError) -> Int {
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let (applicationID, version, tableCount) = try queue.read { db in
                (try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
                 try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'") ?? 0)
            }
            try queue.close()
            if applicationID != SchemaMigration.applicationID && (applicationID != 0 || tableCount > 0) {
                throw MusicIndexError.notALibrary(
                    path: path,
                    detail: applicationID == 0 ? "an SQLite database with other tables" : "an SQLite database of another application")
            }
            let latest = SchemaMigration.latestVersion
            if version > latest { throw MusicIndexError.newerSchema(path: path, found: version, supported: latest) }
            return version
        } catch {
            throw wrap(error, path: path)
        }
    }

    /// Applies every migration newer than `version`, each in its own transaction.
    private func migrate(from version: Int) throws {
        for migration in SchemaMigration.all where migration.version > version {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction {
                    try db.execute(sql: migration.sql)
                    try db.execute(sql: "PRAGMA user_version = \(migration.version)")
                    return .commit
                }
            }
        }
    }

    /// The schema version stored in the file.
    public func schemaVersion() throws(MusicIndexError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
    }

    func read<T>(_ body: (Database) throws -> T) throws(MusicIndexError) -> T {
        do { return try pool.read(body) } catch { throw Self.wrap(error, path: path) }
    }

    func write<T>(_ body: (Database) throws -> T) throws(MusicIndexError) -> T {
        do { return try pool.write(body) } catch { throw Self.wrap(error, path: path) }
    }

    static func wrap(_ error: any Error, path: String) -> MusicIndexError {
        if let error = error as? MusicIndexError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB: return .notALibrary(path: path, detail: "not an SQLite database")
            case .SQLITE_CORRUPT: return .corruptLibrary(path: path, detail: error.message ?? "database disk image is malformed")
            case .SQLITE_CANTOPEN: return .database(path: path, detail: "cannot open the database file (\(error.message ?? "unknown reason"))")
            case .SQLITE_READONLY: return .database(path: path, detail: "the database is read-only")
            case .SQLITE_FULL: return .database(path: path, detail: "the disk is full")
            default: return .database(path: path, detail: error.message ?? "\(error.resultCode)")
            }
        }
        return .database(path: path, detail: "\(error)")
    }
}
