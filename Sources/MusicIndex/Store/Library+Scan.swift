import Foundation
internal import GRDB

/// What the library knows of a path, to decide whether a scan must read the file again.
struct KnownFile: Sendable, Equatable {
    let size: Int64
    let mtimeNanoseconds: Int64
    let isFailure: Bool
    /// The stored audio hash (tracks only).
    var audioHash: String? = nil
}

/// The result of the per-file stages, as the writer stores it.
enum FileOutcome: Sendable {
    case indexed(TrackDraft)
    case failed(WalkedFile, StageFailure)
    /// The file disappeared between the walk and the read.
    case vanished(WalkedFile)
    /// Not audio, and not named like audio: not part of the library.
    case ignored(WalkedFile)

    var path: String {
        switch self {
        case .indexed(let draft): draft.file.path
        case .failed(let file, _), .vanished(let file), .ignored(let file): file.path
        }
    }
}

extension Library {
    /// Tracks and failures at or below the given roots, keyed by path.
    func knownFiles(under roots: [String]) throws(MusicIndexError) -> [String: KnownFile] {
        try read { db in
            var known: [String: KnownFile] = [:]
            for root in roots {
                let (clause, arguments) = Self.underRoot(root)
                let tracks = try Row.fetchCursor(db, sql: "SELECT path, size, mtime_ns, audio_hash FROM tracks WHERE \(clause)", arguments: arguments)
                while let row = try tracks.next() {
                    known[row[0]] = KnownFile(size: row[1], mtimeNanoseconds: row[2], isFailure: false, audioHash: row[3])
                }
                let failures = try Row.fetchCursor(db, sql: "SELECT path, size, mtime_ns FROM failures WHERE \(clause)", arguments: arguments)
                while let row = try failures.next() {
                    known[row[0]] = KnownFile(size: row[1], mtimeNanoseconds: row[2], isFailure: true)
                }
            }
            return known
        }
    }

    /// A WHERE clause matching `root` itself and every path below it, using the path index.
    static func underRoot(_ root: String) -> (String, StatementArguments) {
        let prefix = root.hasSuffix("/") ? root : root + "/"
        // Paths below `prefix` sort between it and the same text with "/" raised to "0".
        let upper = String(prefix.dropLast()) + "0"
        return ("(path = ? OR (path >= ? AND path < ?))", [root, prefix, upper])
    }

    /// Removes tracks and failures for paths that no longer exist; returns how many tracks went.
    func removeFiles(_ paths: [String]) throws(MusicIndexError) -> Int {
        guard !paths.isEmpty else { return 0 }
        return try write { db in
            var removed = 0
            let deleteTrack = try db.cachedStatement(sql: "DELETE FROM tracks WHERE path = ?")
            let deleteFailure = try db.cachedStatement(sql: "DELETE FROM failures WHERE path = ?")
            for path in paths {
                try deleteTrack.execute(arguments: [path])
                removed += db.changesCount
                try deleteFailure.execute(arguments: [path])
            }
            return removed
        }
    }

    /// Stores a batch of per-file outcomes in one transaction. `known` is what the library
    /// held before the scan, so rows that cannot exist are not deleted.
    func record(_ outcomes: [FileOutcome], known: [String: KnownFile] = [:], scannedAt: String) throws(MusicIndexError) {
        guard !outcomes.isEmpty else { return }
        try write { db in
            for outcome in outcomes {
                switch outcome {
                case .indexed(let draft):
                    let previous = known[draft.file.path]
                    try Self.upsert(draft, replacing: previous.map { !$0.isFailure } ?? true, scannedAt: scannedAt, db: db)
                    if previous?.isFailure ?? true {
                        try db.cachedStatement(sql: "DELETE FROM failures WHERE path = ?").execute(arguments: [draft.file.path])
                    }
                case .failed(let file, let failure):
                    try db.cachedStatement(sql: "DELETE FROM tracks WHERE path = ?").execute(arguments: [file.path])
                    try db.cachedStatement(sql: """
                        INSERT INTO failures (path, size, mtime_ns, stage, reason, at) VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
                            stage = excluded.stage, reason = excluded.reason, at = excluded.at
                        """).execute(arguments: [file.path, file.size, file.mtimeNanoseconds, failure.stage.rawValue, failure.reason, scannedAt])
                case .vanished(let file), .ignored(let file):
                    try db.cachedStatement(sql: "DELETE FROM tracks WHERE path = ?").execute(arguments: [file.path])
                    try db.cachedStatement(sql: "DELETE FROM failures WHERE path = ?").execute(arguments: [file.path])
                }
            }
        }
    }

    /// Inserts or updates a track; `replacing` is false when the path is known to be new, so
    /// there are no old genre and property rows to delete.
    private static func upsert(_ draft: TrackDraft, replacing: Bool, scannedAt: String, db: Database) throws {
        let t = draft.tags, a = draft.audio, f = draft.file
        let values: [(any DatabaseValueConvertible)?] = [
            f.path, f.size, f.mtimeNanoseconds, draft.audioHash ?? "", draft.format?.rawValue ?? "unknown",
            a.codec, a.duration, a.bitrateKbps, a.sampleRate, a.channels, a.bitsPerSample,
            t.title, t.artist, t.album, t.albumArtist, t.date, t.year, t.trackNumber, t.trackTotal,
            t.discNumber, t.discTotal, t.musicBrainzRecordingID, t.musicBrainzTrackID, t.musicBrainzReleaseID,
            t.hasCover, Self.propertiesJSON(t.properties), scannedAt,
        ]
        let id = try Int64.fetchOne(db.cachedStatement(sql: """
            INSERT INTO tracks (path, size, mtime_ns, audio_hash, format, codec, duration, bitrate,
                sample_rate, channels, bits_per_sample, title, artist, album, album_artist, date, year,
                track_number, track_total, disc_number, disc_total, musicbrainz_recording_id,
                musicbrainz_track_id, musicbrainz_release_id, has_cover, properties, scanned_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
                audio_hash = excluded.audio_hash, format = excluded.format, codec = excluded.codec,
                duration = excluded.duration, bitrate = excluded.bitrate, sample_rate = excluded.sample_rate,
                channels = excluded.channels, bits_per_sample = excluded.bits_per_sample,
                title = excluded.title, artist = excluded.artist, album = excluded.album,
                album_artist = excluded.album_artist, date = excluded.date, year = excluded.year,
                track_number = excluded.track_number, track_total = excluded.track_total,
                disc_number = excluded.disc_number, disc_total = excluded.disc_total,
                musicbrainz_recording_id = excluded.musicbrainz_recording_id,
                musicbrainz_track_id = excluded.musicbrainz_track_id,
                musicbrainz_release_id = excluded.musicbrainz_release_id,
                has_cover = excluded.has_cover, properties = excluded.properties, scanned_at = excluded.scanned_at
            RETURNING id
            """), arguments: StatementArguments(values))!
        if let features = draft.features, let hash = draft.audioHash {
            try storeFeatures(features, audioHash: hash, at: scannedAt, db: db)
        }
        if let genres = draft.genres, let hash = draft.audioHash {
            try storeAnalysis(genres, audioHash: hash, at: scannedAt, db: db)
        }
        if replacing {
            try db.cachedStatement(sql: "DELETE FROM track_genres WHERE track_id = ?").execute(arguments: [id])
        }
        let insertGenre = try db.cachedStatement(sql: "INSERT INTO track_genres (track_id, position, genre) VALUES (?, ?, ?)")
        for (position, genre) in t.genres.enumerated() {
            try insertGenre.execute(arguments: [id, position, genre])
        }
    }

    /// The properties as a JSON object of arrays, keys sorted, values in tag order.
    static func propertiesJSON(_ properties: [TrackTags.Property]) -> String {
        var grouped: [String: [String]] = [:]
        for property in properties { grouped[property.key, default: []].append(property.value) }
        var json = "{"
        for (index, key) in grouped.keys.sorted().enumerated() {
            if index > 0 { json += "," }
            json += jsonString(key) + ":[" + grouped[key]!.map(jsonString).joined(separator: ",") + "]"
        }
        return json + "}"
    }

    private static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Records the start of a scan and returns its id.
    func beginScan(roots: [String], at time: String) throws(MusicIndexError) -> Int64 {
        let json = String(decoding: (try? JSONEncoder().encode(roots)) ?? Data("[]".utf8), as: UTF8.self)
        return try write { db in
            try db.execute(sql: "INSERT INTO scans (started_at, roots, status) VALUES (?, ?, 'running')", arguments: [time, json])
            return db.lastInsertedRowID
        }
    }

    /// Marks scans still recorded as running as interrupted; call only while holding the
    /// `ScanLock`, which proves that they are not running. Returns how many there were.
    @discardableResult
    func markAbandonedScans() throws(MusicIndexError) -> Int {
        try write { db in
            try db.execute(sql: "UPDATE scans SET status = 'interrupted' WHERE status = 'running'")
            return db.changesCount
        }
    }

    /// Records how a scan ended.
    func finishScan(id: Int64, summary: ScanSummary, at time: String) throws(MusicIndexError) {
        try write { db in
            try db.execute(sql: """
                UPDATE scans SET finished_at = ?, status = ?, new = ?, updated = ?, unchanged = ?, removed = ?, failed = ?
                WHERE id = ?
                """, arguments: [time, summary.interrupted ? "interrupted" : "completed", summary.new, summary.updated,
                                 summary.unchanged, summary.removed, summary.failed, id])
        }
    }
}
