import Foundation
import GRDB

/// A canonical text dump of a library's content, for comparing two databases built by
/// different runs over the same files.
///
/// Every table of the schema is listed, each row as one line, in a fixed order. Left out,
/// because they legitimately differ between runs over the same files:
/// - `tracks.id` (assigned in the order results are committed, which parallel workers and
///   interruptions change): `track_genres` rows name their track by path instead;
/// - `models.id` likewise: `analyses` rows name their model by name and version;
/// - the times a row was written (`tracks.scanned_at`, `failures.at`, `features.analysed_at`,
///   `analyses.analysed_at`, `models.added_at`);
/// - the `scans` table, the history of runs (one row per run, interrupted or not).
/// A table this dump does not know makes it fail, so a new table cannot slip past a
/// comparison.
enum LibraryDump {
    static let queries: [(table: String, sql: String)] = [
        ("tracks", """
            SELECT path, size, mtime_ns, audio_hash, format, codec, duration, bitrate, sample_rate, channels,
                   bits_per_sample, title, artist, album, album_artist, date, year, track_number, track_total,
                   disc_number, disc_total, musicbrainz_recording_id, musicbrainz_track_id,
                   musicbrainz_release_id, has_cover, properties
            FROM tracks ORDER BY path
            """),
        ("track_genres", """
            SELECT t.path, g.position, g.genre FROM track_genres g JOIN tracks t ON t.id = g.track_id
            ORDER BY t.path, g.position
            """),
        ("failures", "SELECT path, size, mtime_ns, stage, reason FROM failures ORDER BY path"),
        ("features", """
            SELECT audio_hash, front_end, full, analysed_seconds, tempo, beat_strength, onset_rate, loudness,
                   loudness_range, rms, spectral_centroid, spectral_bandwidth, spectral_rolloff,
                   spectral_flatness, zero_crossing_rate, mfcc_mean, mfcc_std, chroma_mean, key, mode,
                   key_confidence, energy, danceability, acousticness, instrumentalness
            FROM features ORDER BY audio_hash
            """),
        ("models", "SELECT name, version, labels, metadata FROM models ORDER BY name, version"),
        ("analyses", """
            SELECT a.audio_hash, m.name, m.version, a.top_label, a.top_probability, hex(a.probabilities),
                   a.segments, hex(a.timeline), hex(a.embedding)
            FROM analyses a JOIN models m ON m.id = a.model_id ORDER BY a.audio_hash, m.name, m.version
            """),
    ]
    /// Tables deliberately not compared (see above).
    static let history: Set<String> = ["scans"]

    struct UnknownTable: Error, CustomStringConvertible {
        let name: String
        var description: String { "the dump does not cover the table \(name)" }
    }

    /// Every compared table's rows, one line per row, tables in a fixed order.
    static func dump(_ path: String) throws -> [String: [String]] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            let covered = Set(queries.map(\.table)).union(history)
            if let unknown = tables.first(where: { !covered.contains($0) }) { throw UnknownTable(name: unknown) }
            var result: [String: [String]] = [:]
            for (table, sql) in queries {
                result[table] = try Row.fetchAll(db, sql: sql).map { row in
                    row.databaseValues.map { $0.description }.joined(separator: " | ")
                }
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
