import Foundation
internal import GRDB
internal import GRDBSQLite

/// What the library knows of a path, to decide whether a scan must read the file again.
struct KnownFile: Sendable, Equatable {
    let size: Int64
    let mtimeNanoseconds: Int64
    let isFailure: Bool
    /// The stored audio hash (tracks only).
    var audioHash: String? = nil
}

/// A track's column values as the writer binds them (all but `scanned_at`, which is bound
/// last), built by the worker that read the file so that the single writer only binds and
/// steps.
struct TrackRow: Sendable {
    enum Value: Sendable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)

        init(_ value: String?) { self = value.map { .text($0) } ?? .null }
        init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
        init(_ value: Double?) { self = value.map { .real($0) } ?? .null }
    }

    let values: [Value]

    init(_ draft: TrackDraft) {
        let t = draft.tags, a = draft.audio, f = draft.file
        values = [
            .text(f.path), .integer(f.size), .integer(f.mtimeNanoseconds), .text(draft.audioHash ?? ""),
            .text(draft.format?.rawValue ?? "unknown"), Value(a.codec), Value(a.duration), Value(a.bitrateKbps),
            Value(a.sampleRate), Value(a.channels), Value(a.bitsPerSample),
            Value(t.title), Value(t.artist), Value(t.album), Value(t.albumArtist), Value(t.date), Value(t.year),
            Value(t.trackNumber), Value(t.trackTotal), Value(t.discNumber), Value(t.discTotal),
            Value(t.musicBrainzRecordingID), Value(t.musicBrainzTrackID), Value(t.musicBrainzReleaseID),
            .integer(t.hasCover ? 1 : 0), .text(Library.propertiesJSON(t.properties)),
        ]
    }

    /// Binds the values and `scannedAt` to the parameters of `statement`, in order.
    func bind(to statement: OpaquePointer, scannedAt: String) -> Int32 {
        var code = SQLITE_OK
        for (index, value) in values.enumerated() where code == SQLITE_OK {
            code = Self.bind(value, to: statement, at: Int32(index + 1))
        }
        if code == SQLITE_OK { code = Self.bind(.text(scannedAt), to: statement, at: Int32(values.count + 1)) }
        return code
    }

    private static func bind(_ value: Value, to statement: OpaquePointer, at index: Int32) -> Int32 {
        switch value {
        case .null: return sqlite3_bind_null(statement, index)
        case .integer(let number): return sqlite3_bind_int64(statement, index, number)
        case .real(let number): return sqlite3_bind_double(statement, index, number)
        case .text(let text):
            // SQLite copies the text (transient), so the pointer need only live for the call.
            let length = Int32(text.utf8.count)
            return text.withCString { sqlite3_bind_text(statement, index, $0, length, transient) }
        }
    }

    /// SQLITE_TRANSIENT, which C spells as a cast the importer does not bring over.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
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
            // Whether `failures` may hold a row for a path that is new to the scan: only if the
            // table is not empty (another scan of the same folders can add rows at any time,
            // but not inside this transaction) or this batch adds one.
            var failuresMayExist = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM failures)") ?? true
            for outcome in outcomes {
                switch outcome {
                case .indexed(let draft):
                    let previous = known[draft.file.path]
                    try Self.store(draft, knownNew: previous?.isFailure ?? true, scannedAt: scannedAt, db: db)
                    if previous?.isFailure ?? failuresMayExist {
                        try db.cachedStatement(sql: "DELETE FROM failures WHERE path = ?").execute(arguments: [draft.file.path])
                    }
                case .failed(let file, let failure):
                    try db.cachedStatement(sql: "DELETE FROM tracks WHERE path = ?").execute(arguments: [file.path])
                    try db.cachedStatement(sql: """
                        INSERT INTO failures (path, size, mtime_ns, stage, reason, at) VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
                            stage = excluded.stage, reason = excluded.reason, at = excluded.at
                        """).execute(arguments: [file.path, file.size, file.mtimeNanoseconds, failure.stage.rawValue, failure.reason, scannedAt])
                    failuresMayExist = true
                case .vanished(let file), .ignored(let file):
                    try db.cachedStatement(sql: "DELETE FROM tracks WHERE path = ?").execute(arguments: [file.path])
                    try db.cachedStatement(sql: "DELETE FROM failures WHERE path = ?").execute(arguments: [file.path])
                }
            }
        }
    }

    /// The columns of `tracks` that a scan writes, in the order of `TrackRow.values`,
    /// followed by `scanned_at`.
    private static let trackColumns = """
        path, size, mtime_ns, audio_hash, format, codec, duration, bitrate,
        sample_rate, channels, bits_per_sample, title, artist, album, album_artist, date, year,
        track_number, track_total, disc_number, disc_total, musicbrainz_recording_id,
        musicbrainz_track_id, musicbrainz_release_id, has_cover, properties, scanned_at
        """
    private static let trackPlaceholders = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"

    /// Inserts a track whose path is new to the library.
    private static let insertTrackSQL = "INSERT INTO tracks (\(trackColumns)) VALUES (\(trackPlaceholders))"

    /// Inserts a track or updates the row of its path, returning the row's id.
    private static let upsertTrackSQL = """
        INSERT INTO tracks (\(trackColumns)) VALUES (\(trackPlaceholders))
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
        """

    /// Stores a track with its genres, features and analysis. `knownNew` says that the
    /// library held no track for the path before the scan: the row is inserted, and there are
    /// no old genre rows to delete. (Should another scan have added the path meanwhile, the
    /// insert fails on the path's uniqueness and the row is updated instead.)
    private static func store(_ draft: TrackDraft, knownNew: Bool, scannedAt: String, db: Database) throws {
        let row = draft.row ?? TrackRow(draft)
        var id: Int64?
        if knownNew {
            let insert = try db.cachedStatement(sql: insertTrackSQL)
            let statement = insert.sqliteStatement
            // Bound and stepped through the C API: GRDB's argument conversion costs more per
            // row than SQLite's insert itself. The statement is only ever used here.
            sqlite3_reset(statement)
            var code = row.bind(to: statement, scannedAt: scannedAt)
            if code == SQLITE_OK { code = sqlite3_step(statement) }
            let extended = sqlite3_extended_errcode(db.sqliteConnection)
            let message = code == SQLITE_DONE ? nil : String(cString: sqlite3_errmsg(db.sqliteConnection))
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
            if code == SQLITE_DONE {
                id = db.lastInsertedRowID
            } else if ResultCode(rawValue: extended) != .SQLITE_CONSTRAINT_UNIQUE {
                throw DatabaseError(resultCode: ResultCode(rawValue: extended), message: message, sql: insertTrackSQL)
            }
        }
        let replacing = id == nil
        if id == nil {
            let upsert = try db.cachedStatement(sql: upsertTrackSQL)
            var arguments = StatementArguments(row.values.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .null: nil
                case .integer(let number): number
                case .real(let number): number
                case .text(let text): text
                }
            })
            _ = arguments.append(contentsOf: [scannedAt])
            upsert.setUncheckedArguments(arguments)
            id = try Int64.fetchOne(upsert)!
        }
        if let features = draft.features, let hash = draft.audioHash {
            try storeFeatures(features, audioHash: hash, at: scannedAt, db: db)
        }
        if let genres = draft.genres, let hash = draft.audioHash {
            try storeAnalysis(genres, audioHash: hash, at: scannedAt, db: db)
        }
        if replacing {
            try db.cachedStatement(sql: "DELETE FROM track_genres WHERE track_id = ?").execute(arguments: [id])
        }
        if !draft.tags.genres.isEmpty {
            let insertGenre = try db.cachedStatement(sql: "INSERT INTO track_genres (track_id, position, genre) VALUES (?, ?, ?)")
            for (position, genre) in draft.tags.genres.enumerated() {
                try insertGenre.execute(arguments: [id, position, genre])
            }
        }
    }

    /// The properties as a JSON object of arrays, keys sorted, values in tag order.
    static func propertiesJSON(_ properties: [TrackTags.Property]) -> String {
        // A stable sort by key groups each key's values in tag order.
        let order = properties.indices.sorted { a, b in
            properties[a].key < properties[b].key || (properties[a].key == properties[b].key && a < b)
        }
        var json = "{"
        var key: String?
        for index in order {
            let property = properties[index]
            if property.key == key {
                json += ","
            } else {
                if key != nil { json += "]," }
                appendJSONString(property.key, to: &json)
                json += ":["
                key = property.key
            }
            appendJSONString(property.value, to: &json)
        }
        if key != nil { json += "]" }
        return json + "}"
    }

    private static func appendJSONString(_ text: String, to out: inout String) {
        // Most values need no escaping: append them whole.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            out += "\""
            out += text
            out += "\""
            return
        }
        out += "\""
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
        out += "\""
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
