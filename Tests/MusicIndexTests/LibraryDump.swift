import Foundation
import GRDB

/// A canonical text dump of a library's content, for comparing two databases built by
/// different runs over the same files.
///
/// Every column of every table is compared, each row as one line of `column=value` pairs,
/// rows sorted. Left out, because they legitimately differ between runs over the same files:
/// - `tracks.id` and `models.id` (assigned in the order results are committed, which
///   parallel workers and interruptions change): rows that refer to them name the track by
///   its path and the model by its name and version instead;
/// - the times a row was written (`tracks.scanned_at`, `failures.at`, `features.analysed_at`,
///   `analyses.analysed_at`, `models.added_at`);
/// - the `scans` table, the history of runs (one row per run, interrupted or not).
/// A new column is compared without any change here.
enum LibraryDump {
    /// Columns not compared, by table; `nil`: the whole table.
    static let excluded: [String: Set<String>?] = [
        "tracks": ["id", "scanned_at"],
        "failures": ["at"],
        "features": ["analysed_at"],
        "analyses": ["analysed_at"],
        "models": ["id", "added_at"],
        "scans": nil,
    ]

    /// Every compared table's rows, one line per row, sorted; keyed by table.
    static func dump(_ path: String) throws -> [String: [String]] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            var tracks: [Int64: String] = [:], models: [Int64: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, path FROM tracks") {
                tracks[row[0]] = row[1]
            }
            for row in try Row.fetchAll(db, sql: "SELECT id, name || ' ' || version FROM models") {
                models[row[0]] = row[1]
            }
            var result: [String: [String]] = [:]
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            for table in tables {
                let skipped = excluded[table]
                if case .some(.none) = skipped { continue }
                let leaveOut = skipped.flatMap { $0 } ?? []
                result[table] = try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").map { row in
                    row.columnNames.filter { !leaveOut.contains($0) }.map { column -> String in
                        let value: DatabaseValue = row[column]
                        switch column {
                        case "track_id": return "track=" + (Int64.fromDatabaseValue(value).flatMap { tracks[$0] } ?? "?")
                        case "model_id": return "model=" + (Int64.fromDatabaseValue(value).flatMap { models[$0] } ?? "?")
                        default:
                            if case .blob(let data) = value.storage {
                                return "\(column)=x'" + data.map { String(format: "%02x", $0) }.joined() + "'"
                            }
                            return "\(column)=\(value)"
                        }
                    }.joined(separator: " | ")
                }.sorted()
            }
            return result
        }
    }

    /// `PRAGMA integrity_check` and `PRAGMA foreign_key_check` of a database, as text
    /// ("ok" when both find nothing).
    static func integrity(_ path: String) throws -> String {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
            let foreignKeys = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
            return foreignKeys.isEmpty ? integrity : integrity + "; foreign key violations: \(foreignKeys)"
        }
    }
}
