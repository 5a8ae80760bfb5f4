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

/// Times as the library stores them: ISO 8601 in UTC with milliseconds,
/// "2026-01-31T12:34:56.789Z".
enum Timestamp {
    static func now() -> String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return format(seconds: Int(time.tv_sec), milliseconds: Int(time.tv_nsec) / 1_000_000)
    }

    /// Formatted by hand: an ISO8601DateFormatter costs more to make than a scan's batch
    /// costs to store.
    static func format(seconds: Int, milliseconds: Int) -> String {
        var whole = time_t(seconds)
        var parts = tm()
        gmtime_r(&whole, &parts)
        func digits(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return digits(parts.tm_year + 1900, 4) + "-" + digits(parts.tm_mon + 1, 2) + "-" + digits(parts.tm_mday, 2)
            + "T" + digits(parts.tm_hour, 2) + ":" + digits(parts.tm_min, 2) + ":" + digits(parts.tm_sec, 2)
            + "." + digits(Int32(milliseconds), 3) + "Z"
    }
}
