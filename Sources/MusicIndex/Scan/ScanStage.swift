/// One step of the per-file work of a scan. A stage reads what earlier stages put in the
/// draft, adds its own result, or throws a `StageFailure` naming itself and the reason.
/// The scanner runs stages in order and knows nothing of their insides: adding an analysis
/// step is adding one type to `LibraryScanner.stages`. A stage adds the time of its parts to
/// `profile` (see `StageProfile`; a disabled profile costs nothing).
protocol ScanStage: Sendable {
    func run(_ draft: inout TrackDraft, file: ReadOnlyFile, profile: inout StageProfile) throws(StageFailure)
}

extension ScanStage {
    /// Runs the stage without timing it.
    func run(_ draft: inout TrackDraft, file: ReadOnlyFile) throws(StageFailure) {
        var profile = StageProfile.disabled
        try run(&draft, file: file, profile: &profile)
    }
}

/// A per-file failure: the stage that failed and a specific, human-readable reason.
public struct StageFailure: Error, Sendable, Equatable {
    public enum Stage: String, Sendable, Codable {
        case open, probe, tags, decode, analysis
    }

    public let stage: Stage
    public let reason: String
    /// True when the file is not audio and its name does not claim it is: it is left out of
    /// the library without being recorded as a failure.
    let ignorable: Bool

    init(_ stage: Stage, _ reason: String, ignorable: Bool = false) {
        self.stage = stage
        self.reason = reason
        self.ignorable = ignorable
    }
}

/// What the stages build up for one file.
struct TrackDraft: Sendable {
    let file: WalkedFile
    /// The audio key the library held for this path before the scan, if any.
    let previousAudioHash: String?
    var format: AudioFormat?
    /// Where the audio lies in the file, once probed.
    var payload: AudioPayload?
    var audioHash: String?
    var audio = AudioProperties()
    var tags = TrackTags()
    /// Engineered features, when the analysis stage computed them in this scan.
    var features: AnalysedFeatures?
    /// The genre model's result, when the model stage ran in this scan.
    var genres: GenreAnalysis?
    /// Something the user should know about an indexed file (damaged frames skipped).
    var warning: String?
    /// The values the writer stores, once the stages are done (see `TrackRow`).
    var row: TrackRow?

    init(file: WalkedFile, previousAudioHash: String? = nil) {
        self.file = file
        self.previousAudioHash = previousAudioHash
    }
}

/// Stream properties of a track as its container declares them.
public struct AudioProperties: Sendable, Equatable, Codable {
    public var codec: String?
    public var duration: Double?
    public var bitrateKbps: Int?
    public var sampleRate: Int?
    public var channels: Int?
    public var bitsPerSample: Int?
}
