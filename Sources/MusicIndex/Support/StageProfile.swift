import Glibc

/// A step of the per-file work whose time `StageProfile` accounts for.
public enum ProfileStage: String, CaseIterable, Sendable, Codable {
    /// Content sniffing and hashing the audio payload.
    case probe
    /// TagLib: tags and stream properties.
    case tags
    /// Opening the decoder, seeking and decoding (file reads included).
    case decode
    /// Down-mixing to mono and resampling to the analysis rate.
    case resample
    /// STFT, mel filterbank and dB (with features: the per-frame spectral descriptors the same
    /// pass computes) and cutting the model segments.
    case spectrogram
    /// Engineered features: loudness, MFCC, onsets, beats and tempo, key, scores.
    case features
    /// The genre network (CRNN) and the track's prediction.
    case model
    /// SQLite writes (the one writer's transactions).
    case store

    /// The stage as the profile table names it.
    public var title: String {
        switch self {
        case .probe: "probe + hash"
        case .tags: "tags (TagLib)"
        case .decode: "decode"
        case .resample: "downmix + resample"
        case .spectrogram: "STFT + mel"
        case .features: "engineered features"
        case .model: "CRNN"
        case .store: "SQLite writes"
        }
    }
}

/// Where the time of a scan (or any per-file work) goes: wall-clock and thread CPU seconds per
/// `ProfileStage`, summed over every file and worker thread.
///
/// Cheap by design: a disabled profile's `measure` only calls its body; an enabled one reads
/// the monotonic clock and the thread's CPU clock before and after. Each worker fills its own
/// value (one per file) and the results are added with `merge`, so no lock is taken while
/// measuring. Stages never nest: the time of a stage does not include another stage's.
public struct StageProfile: Sendable, Equatable, Codable {
    /// The time of one stage.
    public struct Entry: Sendable, Equatable, Codable {
        public var wallSeconds = 0.0
        public var cpuSeconds = 0.0
        /// Timed sections added up (several per file for stages measured chunk by chunk).
        public var calls = 0
    }

    /// Whether `measure` records anything.
    public let isEnabled: Bool
    private var entries: [Entry]

    public init(enabled: Bool = true) {
        isEnabled = enabled
        entries = Array(repeating: Entry(), count: ProfileStage.allCases.count)
    }

    /// A profile that records nothing.
    public static let disabled = StageProfile(enabled: false)

    /// The time of `stage` so far.
    public subscript(stage: ProfileStage) -> Entry { entries[Self.index(stage)] }

    /// Wall and CPU seconds over all stages.
    public var total: Entry {
        entries.reduce(into: Entry()) { sum, entry in
            sum.wallSeconds += entry.wallSeconds
            sum.cpuSeconds += entry.cpuSeconds
            sum.calls += entry.calls
        }
    }

    /// Runs `body`, adding its time to `stage` when the profile is enabled.
    @inline(__always)
    mutating func measure<Result, Failure: Error>(_ stage: ProfileStage,
                                                  _ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        guard isEnabled else { return try body() }
        let wallStart = ContinuousClock.now
        let cpuStart = Self.threadCPUSeconds()
        defer { add(stage, wall: wallStart.duration(to: .now), cpu: Self.threadCPUSeconds() - cpuStart) }
        return try body()
    }

    /// Adds one timed section.
    mutating func add(_ stage: ProfileStage, wall: Duration, cpu: Double) {
        let (whole, fraction) = wall.components
        entries[Self.index(stage)].wallSeconds += Double(whole) + Double(fraction) / 1e18
        entries[Self.index(stage)].cpuSeconds += cpu
        entries[Self.index(stage)].calls += 1
    }

    /// Adds another profile's times (another file's or worker's) to this one.
    public mutating func merge(_ other: StageProfile) {
        guard isEnabled, other.isEnabled else { return }
        for index in entries.indices {
            entries[index].wallSeconds += other.entries[index].wallSeconds
            entries[index].cpuSeconds += other.entries[index].cpuSeconds
            entries[index].calls += other.entries[index].calls
        }
    }

    /// CPU seconds the calling thread has used.
    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// CPU seconds (user + system) the whole process has used.
    public static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    private static func index(_ stage: ProfileStage) -> Int {
        switch stage {
        case .probe: 0
        case .tags: 1
        case .decode: 2
        case .resample: 3
        case .spectrogram: 4
        case .features: 5
        case .model: 6
        case .store: 7
        }
    }
}
