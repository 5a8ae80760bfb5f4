import Foundation
internal import GRDB

extension Library {
    /// Audio hashes whose features were computed with the given front end (and, when
    /// `full` is set, over whole tracks), so a scan analyses only what it must, with the
    /// damage found when they were (nil for payloads that decoded whole).
    func analysedHashes(frontEnd: String, full: Bool) throws(MusicIndexError) -> [String: String?] {
        try read { db in
            let sql = full
                ? "SELECT audio_hash, damage FROM features WHERE front_end = ? AND full = 1"
                : "SELECT audio_hash, damage FROM features WHERE front_end = ?"
            var hashes: [String: String?] = [:]
            let rows = try Row.fetchCursor(db, sql: sql, arguments: [frontEnd])
            while let row = try rows.next() { hashes[row[0]] = .some(row[1]) }
            return hashes
        }
    }

    /// The features stored for an audio payload, if any.
    public func features(audioHash: String) throws(MusicIndexError) -> StoredFeatures? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM features WHERE audio_hash = ?", arguments: [audioHash]) else {
                return nil
            }
            return StoredFeatures(row: row)
        }
    }

    /// Inserts or replaces the features of one audio payload (inside a write transaction).
    static func storeFeatures(_ analysis: AnalysedFeatures, audioHash: String, at time: String, db: Database) throws {
        let f = analysis.features
        let values: [(any DatabaseValueConvertible)?] = [
            audioHash, analysis.frontEnd, analysis.full, f.analysedSeconds, f.tempo, f.beatStrength, f.onsetRate,
            f.loudness, f.loudnessRange, f.rms, f.spectralCentroid, f.spectralBandwidth, f.spectralRolloff,
            f.spectralFlatness, f.zeroCrossingRate, jsonArray(f.mfccMean), jsonArray(f.mfccStd),
            jsonArray(f.chromaMean), f.key, f.mode, f.keyConfidence, f.energy, f.danceability,
            f.acousticness, f.instrumentalness, time, analysis.damage,
        ]
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO features (audio_hash, front_end, full, analysed_seconds, tempo,
                beat_strength, onset_rate, loudness, loudness_range, rms, spectral_centroid,
                spectral_bandwidth, spectral_rolloff, spectral_flatness, zero_crossing_rate,
                mfcc_mean, mfcc_std, chroma_mean, key, mode, key_confidence, energy, danceability,
                acousticness, instrumentalness, analysed_at, damage)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: StatementArguments(values))
    }

    /// Removes features no track refers to any more; returns how many went.
    @discardableResult
    func removeOrphanedFeatures() throws(MusicIndexError) -> Int {
        try write { db in
            try db.execute(sql: "DELETE FROM features WHERE audio_hash NOT IN (SELECT audio_hash FROM tracks)")
            return db.changesCount
        }
    }

    /// A JSON array of numbers, full precision, no locale.
    static func jsonArray(_ values: [Double]) -> String {
        "[" + values.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ",") + "]"
    }
}

/// Features as the analysis stage hands them to the writer.
struct AnalysedFeatures: Sendable, Equatable {
    var features: TrackFeatures
    var frontEnd: String
    var full: Bool
    /// What decoding found damaged or missing (the scan's warning), nil when nothing.
    var damage: String? = nil
}

/// Features as stored, with what they were computed with.
public struct StoredFeatures: Sendable, Equatable {
    public var features: TrackFeatures
    public var frontEnd: String
    public var full: Bool
    public var analysedAt: String
    /// What decoding found damaged or missing when these were computed (the features then
    /// describe the readable part), nil when the audio decoded whole.
    public var damage: String?

    init(row: Row) {
        func array(_ column: String) -> [Double] {
            let text: String = row[column] ?? "[]"
            return (try? JSONDecoder().decode([Double].self, from: Data(text.utf8))) ?? []
        }
        features = TrackFeatures(
            analysedSeconds: row["analysed_seconds"], tempo: row["tempo"], beatStrength: row["beat_strength"],
            onsetRate: row["onset_rate"], loudness: row["loudness"], loudnessRange: row["loudness_range"],
            rms: row["rms"], spectralCentroid: row["spectral_centroid"], spectralBandwidth: row["spectral_bandwidth"],
            spectralRolloff: row["spectral_rolloff"], spectralFlatness: row["spectral_flatness"],
            zeroCrossingRate: row["zero_crossing_rate"], mfccMean: array("mfcc_mean"), mfccStd: array("mfcc_std"),
            chromaMean: array("chroma_mean"), key: row["key"], mode: row["mode"], keyConfidence: row["key_confidence"],
            energy: row["energy"], danceability: row["danceability"], acousticness: row["acousticness"],
            instrumentalness: row["instrumentalness"])
        frontEnd = row["front_end"]
        full = row["full"]
        analysedAt = row["analysed_at"]
        damage = row["damage"]
    }
}
