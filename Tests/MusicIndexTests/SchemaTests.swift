import Foundation
import GRDB
import Testing
@testable import MusicIndex

@Suite struct SchemaTests {
    /// The program applies exactly the files in schema/, in order.
    @Test func embeddedMigrationsEqualTheSchemaFolder() throws {
        let folder = TestSupport.packageRoot.appendingPathComponent("schema")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.count == SchemaMigration.all.count)
        for (file, migration) in zip(files, SchemaMigration.all) {
            #expect(file == migration.name + ".sql")
            #expect(try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8) == migration.sql)
        }
        #expect(SchemaMigration.all.map(\.version) == Array(1...SchemaMigration.all.count))
    }

    /// The schema of a database, as comparable text.
    static func dump(_ path: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            try String.fetchAll(db, sql: "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name")
                + ["user_version \(try Int.fetchOne(db, sql: "PRAGMA user_version")!)",
                   "application_id \(try Int.fetchOne(db, sql: "PRAGMA application_id")!)"]
        }
    }

    /// A library upgraded from every older schema version equals a fresh one.
    @Test func upgradedDatabaseEqualsFreshOne() throws {
        let folder = try TestSupport.temporaryFolder()
        let fresh = folder + "/fresh.sqlite"
        _ = try Library(path: fresh)
        let freshSchema = try Self.dump(fresh)
        #expect(freshSchema.contains("user_version \(SchemaMigration.latestVersion)"))
        #expect(freshSchema.contains("application_id \(SchemaMigration.applicationID)"))
        for stop in 1..<max(1, SchemaMigration.latestVersion) {
            let old = folder + "/old-\(stop).sqlite"
            let queue = try DatabaseQueue(path: old)
            try queue.write { db in
                for migration in SchemaMigration.all where migration.version <= stop {
                    try db.execute(sql: migration.sql)
                    try db.execute(sql: "PRAGMA user_version = \(migration.version)")
                }
            }
            try queue.close()
            _ = try Library(path: old)
            #expect(try Self.dump(old) == freshSchema, "upgrade from version \(stop)")
        }
    }

    @Test func foreignDatabaseIsRefusedAndUntouched() throws {
        let folder = try TestSupport.temporaryFolder()
        let path = folder + "/other.sqlite"
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')") }
        try queue.close()
        let before = try TestSupport.checksum(path)
        #expect(throws: MusicIndexError.notALibrary(path: path, detail: "an SQLite database with other tables")) {
            _ = try Library(path: path)
        }
        #expect(try TestSupport.checksum(path) == before)
    }

    @Test func nonSQLiteFileIsRefusedAndUntouched() throws {
        let folder = try TestSupport.temporaryFolder()
        let path = folder + "/notes.sqlite"
        try Data("these are my notes, not a database".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: MusicIndexError.notALibrary(path: path, detail: "not an SQLite database")) {
            _ = try Library(path: path)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "these are my notes, not a database")
    }

    @Test func newerSchemaIsRefusedAndUntouched() throws {
        let folder = try TestSupport.temporaryFolder()
        let path = folder + "/future.sqlite"
        _ = try Library(path: path)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "PRAGMA user_version = 999") }
        try queue.close()
        let before = try TestSupport.checksum(path)
        #expect(throws: MusicIndexError.newerSchema(path: path, found: 999, supported: SchemaMigration.latestVersion)) {
            _ = try Library(path: path)
        }
        #expect(try TestSupport.checksum(path) == before)
    }

    @Test func readOnlyOpenOfAMissingLibrarySaysSo() throws {
        let path = try TestSupport.temporaryFolder() + "/none.sqlite"
        #expect(throws: MusicIndexError.noLibrary(path: path)) { _ = try Library(path: path, readOnly: true) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func locationFollowsFlagEnvironmentAndXDG() {
        #expect(LibraryLocation.resolve(explicit: "/x/lib.sqlite", environment: ["MUSICINDEX_DB": "/y.sqlite"]) == "/x/lib.sqlite")
        #expect(LibraryLocation.resolve(explicit: nil, environment: ["MUSICINDEX_DB": "/y.sqlite"]) == "/y.sqlite")
        #expect(LibraryLocation.resolve(explicit: nil, environment: ["XDG_DATA_HOME": "/data", "HOME": "/home/u"])
            == "/data/musicindex/library.sqlite")
        #expect(LibraryLocation.resolve(explicit: nil, environment: ["HOME": "/home/u"])
            == "/home/u/.local/share/musicindex/library.sqlite")
    }
}
