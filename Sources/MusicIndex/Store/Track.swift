import Foundation

/// A track as stored in the library.
public struct Track: Sendable, Equatable, Codable {
    public var id: Int64
    public var path: String
    public var size: Int64
    public var mtimeNanoseconds: Int64
    /// Fingerprint of the audio payload with tags excluded (see `AudioHasher`); empty for a
    /// file that only tags-only scans have read so far (see `HashStage`).
    public var audioHash: String
    public var format: String
    public var audio: AudioProperties
    public var tags: TrackTags
    /// ISO 8601 time of the scan that last read the file.
    public var scannedAt: String
}

/// A file the scan could not index.
public struct FailureRecord: Sendable, Equatable, Codable {
    public var path: String
    public var stage: String
    public var reason: String
    public var at: String
}

/// What `stats` reports.
public struct LibraryStats: Sendable, Codable {
    public var tracks: Int
    public var failures: Int
    /// Tracks whose audio has stored engineered features.
    public var analysed: Int
    public var totalDuration: Double
    public var totalBytes: Int64
    public var byFormat: [Count]
    public var byGenreTag: [Count]
    /// Tracks by the top genre of the most recently added model's analysis, and that model.
    public var byPredictedGenre: [Count]
    public var model: String?
    public var failuresByStage: [Count]
    public var lastScan: ScanRecord?

    public struct Count: Sendable, Codable, Equatable {
        public var name: String
        public var count: Int
    }
}

/// One row of the scans table.
public struct ScanRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var startedAt: String
    public var finishedAt: String?
    public var roots: [String]
    public var status: String
    public var new: Int
    public var updated: Int
    public var unchanged: Int
    public var removed: Int
    public var failed: Int
}

enum Timestamp {
    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
