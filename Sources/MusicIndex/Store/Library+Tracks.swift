import Foundation
internal import GRDB

extension Library {
    /// The track with this id, or nil.
    public func track(id: Int64) throws(MusicIndexError) -> Track? {
        try read { db in try Self.fetchTracks(db, where: "id = ?", arguments: [id]).first }
    }

    /// The track at this path (normalised to an absolute path), or nil.
    public func track(path: String) throws(MusicIndexError) -> Track? {
        let absolute = PathNormalizer.absolute(path)
        return try read { db in try Self.fetchTracks(db, where: "path = ?", arguments: [absolute]).first }
    }

    /// Every track, ordered by path.
    public func allTracks() throws(MusicIndexError) -> [Track] {
        try read { db in try Self.fetchTracks(db, where: "1", arguments: []) }
    }

    /// The stored failure for a path, or nil.
    public func failure(path: String) throws(MusicIndexError) -> FailureRecord? {
        let absolute = PathNormalizer.absolute(path)
        return try read { db in
            try Row.fetchOne(db, sql: "SELECT path, stage, reason, at FROM failures WHERE path = ?", arguments: [absolute])
                .map { FailureRecord(path: $0[0], stage: $0[1], reason: $0[2], at: $0[3]) }
        }
    }

    /// Every stored failure, ordered by path.
    public func allFailures() throws(MusicIndexError) -> [FailureRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT path, stage, reason, at FROM failures ORDER BY path")
                .map { FailureRecord(path: $0[0], stage: $0[1], reason: $0[2], at: $0[3]) }
        }
    }

    public func stats() throws(MusicIndexError) -> LibraryStats {
        try read { db in
            func counts(_ sql: String) throws -> [LibraryStats.Count] {
                try Row.fetchAll(db, sql: sql).map { LibraryStats.Count(name: $0[0], count: $0[1]) }
            }
            let totals = try Row.fetchOne(db, sql: "SELECT count(*), coalesce(sum(duration), 0), coalesce(sum(size), 0) FROM tracks")!
            let lastScan = try Row.fetchOne(db, sql: """
                SELECT id, started_at, finished_at, roots, status, new, updated, unchanged, removed, failed
                FROM scans ORDER BY id DESC LIMIT 1
                """).map { row in
                ScanRecord(
                    id: row[0], startedAt: row[1], finishedAt: row[2],
                    roots: (try? JSONDecoder().decode([String].self, from: Data((row[3] as String).utf8))) ?? [],
                    status: row[4], new: row[5], updated: row[6], unchanged: row[7], removed: row[8], failed: row[9])
            }
            return LibraryStats(
                tracks: totals[0], failures: try Int.fetchOne(db, sql: "SELECT count(*) FROM failures") ?? 0,
                analysed: try Int.fetchOne(db, sql: "SELECT count(*) FROM tracks WHERE audio_hash IN (SELECT audio_hash FROM features)") ?? 0,
                totalDuration: totals[1], totalBytes: totals[2],
                byFormat: try counts("SELECT format, count(*) AS n FROM tracks GROUP BY format ORDER BY n DESC, format"),
                byGenreTag: try counts("""
                    SELECT genre, count(DISTINCT track_id) AS n FROM track_genres
                    GROUP BY genre COLLATE NOCASE ORDER BY n DESC, genre COLLATE NOCASE
                    """),
                byPredictedGenre: try counts("""
                    SELECT a.top_label, count(*) AS n FROM tracks t
                    JOIN analyses a ON a.audio_hash = t.audio_hash
                    WHERE a.model_id = (SELECT max(id) FROM models)
                    GROUP BY a.top_label ORDER BY n DESC, a.top_label
                    """),
                model: try String.fetchOne(db, sql: "SELECT name || ' ' || version FROM models ORDER BY id DESC LIMIT 1"),
                failuresByStage: try counts("SELECT stage, count(*) AS n FROM failures GROUP BY stage ORDER BY n DESC, stage"),
                lastScan: lastScan)
        }
    }

    static func fetchTracks(_ db: Database, where clause: String, arguments: StatementArguments) throws -> [Track] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, path, size, mtime_ns, audio_hash, format, codec, duration, bitrate, sample_rate,
                channels, bits_per_sample, title, artist, album, album_artist, date, year, track_number,
                track_total, disc_number, disc_total, musicbrainz_recording_id, musicbrainz_track_id,
                musicbrainz_release_id, has_cover, properties, scanned_at
            FROM tracks WHERE \(clause) ORDER BY path
            """, arguments: arguments)
        return try rows.map { row in
            let id: Int64 = row["id"]
            let genres = try String.fetchAll(db, sql: "SELECT genre FROM track_genres WHERE track_id = ? ORDER BY position", arguments: [id])
            let json: String = row["properties"]
            let grouped = (try? JSONDecoder().decode([String: [String]].self, from: Data(json.utf8))) ?? [:]
            let properties = grouped.keys.sorted().flatMap { key in grouped[key]!.map { TrackTags.Property(key: key, value: $0) } }
            return Track(
                id: id, path: row["path"], size: row["size"], mtimeNanoseconds: row["mtime_ns"],
                audioHash: row["audio_hash"], format: row["format"],
                audio: AudioProperties(
                    codec: row["codec"], duration: row["duration"], bitrateKbps: row["bitrate"],
                    sampleRate: row["sample_rate"], channels: row["channels"], bitsPerSample: row["bits_per_sample"]),
                tags: TrackTags(
                    title: row["title"], artist: row["artist"], album: row["album"], albumArtist: row["album_artist"],
                    genres: genres, date: row["date"], year: row["year"], trackNumber: row["track_number"],
                    trackTotal: row["track_total"], discNumber: row["disc_number"], discTotal: row["disc_total"],
                    musicBrainzRecordingID: row["musicbrainz_recording_id"], musicBrainzTrackID: row["musicbrainz_track_id"],
                    musicBrainzReleaseID: row["musicbrainz_release_id"], hasCover: row["has_cover"], properties: properties),
                scannedAt: row["scanned_at"])
        }
    }
}
