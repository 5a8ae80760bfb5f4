/// The counts and failures of one scan, as printed at the end and stored in `scans`.
public struct ScanSummary: Sendable, Codable, Equatable {
    /// Files indexed for the first time.
    public var new = 0
    /// Known files that changed and were read again.
    public var updated = 0
    /// Indexed files whose size and modification time had not changed (not opened).
    public var unchanged = 0
    /// Tracks whose files disappeared.
    public var removed = 0
    /// Files that failed in this scan.
    public var failed = 0
    /// Files that had failed before and have not changed (not opened again).
    public var stillFailing = 0
    /// Failures of this scan, sorted by path.
    public var failures: [FailureRecord] = []
    /// Folders that could not be read, and other non-fatal problems.
    public var warnings: [String] = []
    /// True when the scan was stopped before it finished (work done so far is kept).
    public var interrupted = false
    public var elapsedSeconds = 0.0
    /// Where the time went, when the scan was asked to measure it (`ScanOptions.profile`).
    public var profile: ScanProfile?

    public init() {}
}

/// The per-stage times of one scan (see `StageProfile`): stage times are summed over the
/// worker threads (and the writer, for `store`), so with N workers busy throughout, the
/// stages' wall seconds add up to about N times the scan's elapsed seconds.
public struct ScanProfile: Sendable, Codable, Equatable {
    public var stages: StageProfile
    /// Worker threads that ran the per-file stages.
    public var workers: Int
    /// The scan's wall-clock seconds, and the CPU seconds the process used up to its end
    /// (loading the model and walking the folders included).
    public var elapsedSeconds: Double
    public var processCPUSeconds: Double
    /// The OpenBLAS kernels the genre model ran on (OpenBLAS's name for them, such as
    /// "SkylakeX" or "Haswell"); nil when the scan ran no model.
    public var blasKernels: String?
    /// What runs the genre model's convolution and GRU products: "musicindex AVX-512" (its
    /// own kernel, on processors with AVX-512F) or "OpenBLAS"; nil when the scan ran no model.
    public var productKernel: String? = nil
}

/// Progress of a running scan, for a progress display.
public struct ScanProgress: Sendable {
    /// Files read so far in this scan, and how many it will read (found so far, while
    /// `walking`).
    public var done: Int
    public var total: Int
    public var elapsedSeconds: Double
    /// The walk is still finding files to read: `total` may grow.
    public var walking = false
}
