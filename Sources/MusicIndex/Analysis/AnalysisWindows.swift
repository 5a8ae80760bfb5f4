/// Which spans of a track are analysed.
///
/// The model sees fixed-length **segments** of `segmentFrames` spectrogram frames
/// (`segmentFrames * hop / sampleRate` seconds; 128 frames = 2.97 s at the defaults). A
/// **window** is `segmentsPerWindow` consecutive segments decoded in one piece.
///
/// The default (windowed) policy, for a track of duration D seconds and window length W:
/// - D unknown, or D < 2 · windowCount · W: the whole track is analysed, as in full mode
///   (a 60 s track at the defaults).
/// - otherwise `windowCount` windows centred at D·k/(windowCount+1), k = 1...windowCount
///   (25 %, 50 %, 75 % for three), which skips intros and outros and never overlaps.
///
/// Full mode (`full = true`) analyses the whole track as consecutive segments.
///
/// Segmenting a span's frames: consecutive, non-overlapping segments from the span's start;
/// a remainder of at least half a segment becomes one more segment ending at the span's
/// last frame (overlapping the one before); a smaller remainder is dropped. A track shorter
/// than one segment is padded with digital silence at its end to one segment
/// (`librosa.util.fix_length`), so every decodable track yields at least one segment.
/// Silence is analysed like anything else; it is not an error.
public struct AnalysisWindows: Sendable, Hashable, Codable {
    public var segmentFrames: Int
    public var segmentsPerWindow: Int
    public var windowCount: Int
    public var full: Bool

    public init(segmentFrames: Int = 128, segmentsPerWindow: Int = 3, windowCount: Int = 3, full: Bool = false) {
        self.segmentFrames = segmentFrames
        self.segmentsPerWindow = segmentsPerWindow
        self.windowCount = windowCount
        self.full = full
    }

    /// Rejects values the policy cannot work with.
    public func validate() throws(MusicIndexError) {
        guard segmentFrames >= 1 else { throw .invalidArgument("segment length must be at least 1 frame, got \(segmentFrames)") }
        guard segmentsPerWindow >= 1 else { throw .invalidArgument("a window needs at least 1 segment, got \(segmentsPerWindow)") }
        guard windowCount >= 1 else { throw .invalidArgument("at least 1 analysis window is needed, got \(windowCount)") }
    }

    /// A span of the track in seconds; `duration` nil means "to the end".
    public struct Span: Sendable, Hashable, Codable {
        public var start: Double
        public var duration: Double?
    }

    /// Seconds of one window at the given spectrogram hop and rate.
    public func windowSeconds(hopLength: Int, sampleRate: Int) -> Double {
        Double(segmentFrames * segmentsPerWindow * hopLength) / Double(sampleRate)
    }

    /// The spans to decode for a track of `duration` seconds (nil when unknown).
    public func spans(trackDuration duration: Double?, hopLength: Int, sampleRate: Int) -> [Span] {
        let window = windowSeconds(hopLength: hopLength, sampleRate: sampleRate)
        guard !full, let duration, duration >= 2 * Double(windowCount) * window else {
            return [Span(start: 0, duration: nil)]
        }
        return (1...windowCount).map { k in
            let centre = duration * Double(k) / Double(windowCount + 1)
            return Span(start: centre - window / 2, duration: window)
        }
    }

    /// Start frames of the segments cut from a span of `frames` spectrogram frames.
    public func segmentStarts(frames: Int) -> [Int] {
        guard frames > segmentFrames else { return [0] }
        var starts = Array(stride(from: 0, through: frames - segmentFrames, by: segmentFrames))
        let remainder = frames - (starts.last! + segmentFrames)
        if remainder * 2 >= segmentFrames { starts.append(frames - segmentFrames) }
        return starts
    }

    /// Samples one window's signal needs so that its spectrogram has at least
    /// `segmentFrames * segmentsPerWindow` frames (centred frames: 1 + n / hop).
    public func windowSamples(hopLength: Int) -> Int {
        segmentFrames * segmentsPerWindow * hopLength
    }
}
