internal import CKernels
import Foundation

/// What `LoudnessMeter` measured over a whole programme.
public struct LoudnessMeasurement: Sendable, Equatable {
    /// Gated integrated loudness in LUFS (ITU-R BS.1770-4 / EBU R 128), equal to pyloudnorm
    /// 0.2 `Meter(rate).integrated_loudness`. Typical music lies between -30 and -5 LUFS.
    /// nil when the programme is shorter than one 400 ms block (pyloudnorm raises) or when
    /// no block passes the gates, i.e. silence or near silence (pyloudnorm returns -inf).
    public let integrated: Double?
    /// Loudness range in LU (EBU Tech 3342), ≥ 0; nil when shorter than one 3 s window or
    /// silent. See `LoudnessRange`.
    public let range: Double?
    /// Loudness in LUFS of each 400 ms gating block, blocks starting every 100 ms (equal to
    /// pyloudnorm's `Meter.blockwise_loudness`); `-infinity` for a digitally silent block.
    public let blockLoudness: [Double]
    /// Short-term loudness in LUFS of each complete 3 s window, windows starting every
    /// 100 ms (`k * sampleRate / 10` samples, integer division); `-infinity` when silent.
    public let shortTermLoudness: [Double]
    /// Frames (samples per channel) measured.
    public let frames: Int
    /// Seconds measured.
    public let duration: Double
}

/// A streaming loudness meter: K-weighting, 400 ms gating blocks with 75 % overlap and
/// 3 s short-term windows every 100 ms, for interleaved `Float` audio at its native sample
/// rate and channel count.
///
/// Port of pyloudnorm 0.2 `Meter(rate)` with its defaults (`filter_class="K-weighting"`,
/// `block_size=0.4`, `overlap=0.75`), including its block boundaries
/// (`int(0.4 * (j * 0.25) * rate)` … `int(0.4 * (j * 0.25 + 1) * rate)`), its block count
/// (`round((T - 0.4) / 0.1) + 1`, so a last block may be cut short by the end and still be
/// divided by the full block length) and its gates (`IntegratedLoudness`). The loudness
/// range follows EBU Tech 3342 (`LoudnessRange`) on short-term loudness without the 1.5 s of
/// appended silence and the 90 ms hop that pyloudnorm's `loudness_range` uses.
///
/// The signal is filtered once, in `Double`, and squared samples are summed into segments
/// between consecutive block edges, so memory grows by a few values per 100 ms (besides one
/// span of input the time-lane kernel waits for: 6.3 s, 2.2 MB of stereo at 44.1 kHz) and a
/// five-minute stereo track costs one pass of two biquads per sample.
///
/// Channel weights (BS.1770-4 G_i) default to pyloudnorm's `[1, 1, 1, 1.41, 1.41]` for up to
/// five channels in the order L, R, C, Ls, Rs (so mono and stereo weigh 1), and to
/// `[1, 1, 1, 0, 1.41, 1.41]` for six channels in the WAV/FFmpeg 5.1 order L, R, C, LFE, Ls,
/// Rs (the LFE is left out, as BS.1770 requires). Other channel counts need explicit weights.
public struct LoudnessMeter: Sendable {
    /// Seconds per gating block (BS.1770-4 T_g).
    public static let blockDuration = 0.4
    /// Fraction of a block shared with the next one.
    public static let blockOverlap = 0.75
    /// Seconds per short-term window (EBU Tech 3341/3342).
    public static let shortTermDuration = 3
    /// Short-term windows per second (one every 100 ms).
    public static let shortTermRate = 10

    public let sampleRate: Int
    public let channels: Int
    public let channelWeights: [Double]
    public let highShelf: Biquad
    public let highPass: Biquad

    /// Filter history per channel (`historyLength` values each).
    private var state: [Double]
    /// The two biquads as the K-weighting kernel takes them (`section(_:)`), made once.
    private let sections: (shelf: musicindex_section, pass: musicindex_section)
    private var framesSeen = 0
    /// Weighted sum of squares since the last edge.
    private var openEnergy = 0.0
    /// Closed segments: the frame each ends at (exclusive) and its weighted sum of squares.
    private var segmentEnds: [Int] = []
    private var segmentEnergies: [Double] = []
    /// Next index in each edge sequence: block starts, block ends, window starts, window ends.
    private var edgeIndex = [0, 0, 0, 0]
    private var nextEdge = 0
    /// Frames waiting for the time-lane kernel: interleaved, less than one span.
    private var pending: [Float] = []
    /// The time-lane spans: `warmup` + 8 x `chunk` frames (see `laneLayout`); nil where the
    /// filters do not decay (never for K-weighting) or when the lanes are turned off.
    private let lanes: (chunk: Int, warmup: Int)?

    /// - Parameters:
    ///   - sampleRate: frames per second, > 3000 (K-weighting needs its 1500 Hz shelf below Nyquist).
    ///   - channels: interleaved channels per frame, ≥ 1.
    ///   - channelWeights: BS.1770 G_i per channel, each finite and ≥ 0; nil for the defaults above.
    public init(sampleRate: Int, channels: Int, channelWeights: [Double]? = nil) throws {
        try self.init(sampleRate: sampleRate, channels: channels, channelWeights: channelWeights, timeLanes: true)
    }

    /// `timeLanes: false` filters every frame in order through the sequential kernel (for
    /// tests, which compare the two).
    init(sampleRate: Int, channels: Int, channelWeights: [Double]?, timeLanes: Bool) throws {
        guard channels >= 1 else {
            throw MusicIndexError.invalidArgument("loudness: channel count must be at least 1, got \(channels)")
        }
        guard sampleRate > 0 else {
            throw MusicIndexError.invalidArgument("loudness: sample rate must be positive, got \(sampleRate) Hz")
        }
        let filters = try KWeighting.filters(sampleRate: Double(sampleRate))
        let weights: [Double]
        if let channelWeights {
            guard channelWeights.count == channels else {
                throw MusicIndexError.invalidArgument("loudness: \(channelWeights.count) channel weights given for \(channels) channels")
            }
            guard channelWeights.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw MusicIndexError.invalidArgument("loudness: channel weights must be finite and non-negative, got \(channelWeights)")
            }
            weights = channelWeights
        } else if let defaults = Self.defaultWeights(channels: channels) {
            weights = defaults
        } else {
            throw MusicIndexError.invalidArgument("loudness: no default BS.1770 channel weights for \(channels) channels; pass channelWeights")
        }
        self.sampleRate = sampleRate
        self.channels = channels
        self.channelWeights = weights
        self.highShelf = filters.highShelf
        self.highPass = filters.highPass
        self.state = [Double](repeating: 0, count: Self.historyLength * channels)
        self.sections = (Self.section(filters.highShelf), Self.section(filters.highPass))
        self.lanes = timeLanes ? Self.laneLayout(filters.highShelf, filters.highPass) : nil
        advanceEdges()
    }

    /// The spans the time-lane kernel takes (`musicindex_kweight_lanes`): eight chunks of at
    /// least 32768 frames filtered side by side, each after `warmup` frames that start from
    /// zero state. The warm-up is sized from the filters' slowest pole, radius r: a start
    /// state's trace decays like n^2 r^n at worst, and the warm-up lasts until that is below
    /// 1e-18 of it, under Double's rounding of 1.1e-16 (0.26 s at 44.1 kHz). So a chunk starts from
    /// the stream's state to within rounding, and the spans are cut at fixed frames of the
    /// stream, whatever the sizes it is fed in: the results are the same for any feeding.
    static func laneLayout(_ sections: Biquad...) -> (chunk: Int, warmup: Int)? {
        var radius = 0.0
        for q in sections {
            let discriminant = q.a1 * q.a1 - 4 * q.a2
            if discriminant < 0 {
                radius = max(radius, q.a2.squareRoot())
            } else {
                let root = discriminant.squareRoot()
                radius = max(radius, abs(-q.a1 + root) / 2, abs(-q.a1 - root) / 2)
            }
        }
        guard radius.isFinite, radius < 1 else { return nil }
        var warmup = 1024
        while 2 * log(Double(warmup + 1)) + Double(warmup) * log(radius) > log(1e-18) { warmup += 1024 }
        return (max(32768, warmup), warmup)
    }

    /// pyloudnorm's G for 1...5 channels; 5.1 with the LFE at index 3 weighed 0.
    public static func defaultWeights(channels: Int) -> [Double]? {
        switch channels {
        case 1...5: Array([1.0, 1.0, 1.0, 1.41, 1.41].prefix(channels))
        case 6: [1.0, 1.0, 1.0, 0.0, 1.41, 1.41]
        default: nil
        }
    }

    /// Measures a whole programme at once.
    public static func measure(interleaved samples: [Float], sampleRate: Int, channels: Int,
                               channelWeights: [Double]? = nil) throws -> LoudnessMeasurement {
        var meter = try LoudnessMeter(sampleRate: sampleRate, channels: channels, channelWeights: channelWeights)
        try meter.process(samples)
        return meter.measurement()
    }

    /// Feeds the next interleaved samples; their count must be a multiple of `channels`.
    public mutating func process(_ samples: [Float]) throws {
        try samples.withUnsafeBufferPointer { try process($0) }
    }

    /// Feeds the next interleaved samples; their count must be a multiple of `channels`.
    public mutating func process(_ samples: UnsafeBufferPointer<Float>) throws {
        guard samples.count % channels == 0 else {
            throw MusicIndexError.invalidArgument("loudness: \(samples.count) samples is not a whole number of \(channels)-channel frames")
        }
        guard let base = samples.baseAddress, !samples.isEmpty else { return }
        guard let lanes else {
            filterInOrder(base, frames: samples.count / channels)
            return
        }
        // Whole spans go through the time lanes, straight from the caller's buffer where
        // nothing is pending; the rest waits in `pending`.
        let spanSamples = (lanes.warmup + 8 * lanes.chunk) * channels
        var offset = 0
        if !pending.isEmpty {
            let take = min(samples.count, spanSamples - pending.count)
            pending.append(contentsOf: UnsafeBufferPointer(start: base, count: take))
            offset = take
            if pending.count == spanSamples {
                pending.withUnsafeBufferPointer { filterSpan($0.baseAddress!, lanes: lanes) }
                pending.removeAll(keepingCapacity: true)
            }
        }
        while samples.count - offset >= spanSamples {
            filterSpan(base + offset, lanes: lanes)
            offset += spanSamples
        }
        if offset < samples.count {
            if pending.capacity < spanSamples { pending.reserveCapacity(spanSamples) }
            pending.append(contentsOf: UnsafeBufferPointer(start: base + offset, count: samples.count - offset))
        }
    }

    /// The sequential kernel over `frames` frames from `base`, segment by segment.
    private mutating func filterInOrder(_ base: UnsafePointer<Float>, frames: Int) {
        var offset = 0
        while offset < frames {
            let run = min(frames - offset, nextEdge - framesSeen)
            // Channels in pairs, one SIMD lane each: two independent filter chains keep the
            // core busy where one chain waits on its own previous result. A last odd channel
            // fills both lanes (the same arithmetic twice, one result used).
            var channel = 0
            while channel < channels {
                let partner = min(channel + 1, channels - 1)
                let (first, second) = filterPair(base + offset * channels, count: run, first: channel, second: partner)
                openEnergy += channelWeights[channel] * first
                if partner != channel { openEnergy += channelWeights[partner] * second }
                channel += 2
            }
            framesSeen += run
            offset += run
            if framesSeen == nextEdge {
                closeSegment()
                advanceEdges()
            }
        }
    }

    /// One whole span through the time-lane kernel, channel pair by channel pair, then its
    /// segments closed at the edges inside it, as `filterInOrder` would have.
    private mutating func filterSpan(_ base: UnsafePointer<Float>, lanes: (chunk: Int, warmup: Int)) {
        let frames = lanes.warmup + 8 * lanes.chunk
        let start = framesSeen, end = start + frames
        // The edges strictly inside the span, relative to its start.
        var edges: [Int] = []
        while nextEdge < end {
            edges.append(nextEdge - start)
            framesSeen = nextEdge
            advanceEdges()
        }
        var energies = [Double](repeating: 0, count: edges.count + 1)
        var pairEnergies = [Double](repeating: 0, count: 2 * (edges.count + 1))
        var (shelf, pass) = sections
        let channels = self.channels
        var channel = 0
        while channel < channels {
            let partner = min(channel + 1, channels - 1)
            for index in pairEnergies.indices { pairEnergies[index] = 0 }
            state.withUnsafeMutableBufferPointer { history in
                let stateBase = history.baseAddress!
                edges.withUnsafeBufferPointer { edgeBuffer in
                    pairEnergies.withUnsafeMutableBufferPointer { sums in
                        musicindex_kweight_lanes(base, lanes.chunk, lanes.warmup, channels, channel, partner,
                                                 &shelf, &pass, stateBase + Self.historyLength * channel,
                                                 stateBase + Self.historyLength * partner,
                                                 edgeBuffer.baseAddress, edges.count, sums.baseAddress!)
                    }
                }
            }
            for segment in energies.indices {
                energies[segment] += channelWeights[channel] * pairEnergies[2 * segment]
                if partner != channel { energies[segment] += channelWeights[partner] * pairEnergies[2 * segment + 1] }
            }
            channel += 2
        }
        for (index, edge) in edges.enumerated() {
            openEnergy += energies[index]
            framesSeen = start + edge
            closeSegment()
        }
        openEnergy += energies[edges.count]
        framesSeen = end
        if framesSeen == nextEdge {
            closeSegment()
            advanceEdges()
        }
    }

    /// Filter history per channel in `state`: the last four inputs, shelf outputs and
    /// high-pass outputs, most recent first (see `musicindex_kweight_pair`).
    private static let historyLength = 12

    /// One biquad, H(z) = (b0 + b1 z⁻¹ + b2 z⁻²) / (1 + a1 z⁻¹ + a2 z⁻²), with its two-step
    /// form: multiplying numerator and denominator by 1 − a1 z⁻¹ + a2 z⁻² gives the same
    /// filter with denominator 1 + d2 z⁻² + d4 z⁻⁴ (d2 = 2 a2 − a1², d4 = a2²) and numerator
    /// n0 ... n4, so y[n] depends on y[n − 2] and y[n − 4] only: even and odd samples form two
    /// independent recursions that run side by side in SIMD lanes, each sample waiting on one
    /// multiply and one subtract every two samples. (The added poles at −p are cancelled by
    /// the added zeros; in Double the mismatch stays near 1e-14 of the signal.)
    static func section(_ biquad: Biquad) -> musicindex_section {
        let (b0, b1, b2, a1, a2) = (biquad.b0, biquad.b1, biquad.b2, biquad.a1, biquad.a2)
        return musicindex_section(b0: b0, b1: b1, b2: b2, a1: a1, a2: a2,
                                  n0: b0, n1: b1 - a1 * b0, n2: b2 - a1 * b1 + a2 * b0, n3: a2 * b1 - a1 * b2,
                                  n4: a2 * b2, d2: 2 * a2 - a1 * a1, d4: a2 * a2)
    }

    /// K-weights `count` frames of channels `first` and `second` (interleaved frames of
    /// `channels` samples from `frames`) and returns each channel's sum of squares. `second`
    /// may equal `first`. The loop is C (`musicindex_kweight_pair`): two frames per pass in
    /// four lanes, which needs vector shuffles the Swift compiler turns into scalar code.
    private mutating func filterPair(_ frames: UnsafePointer<Float>, count: Int, first: Int, second: Int) -> (Double, Double) {
        var sums = (0.0, 0.0)
        var (shelf, pass) = sections
        let channels = self.channels
        state.withUnsafeMutableBufferPointer { history in
            let base = history.baseAddress!
            withUnsafeMutablePointer(to: &sums) { sums in
                sums.withMemoryRebound(to: Double.self, capacity: 2) { sums in
                    musicindex_kweight_pair(frames, count, channels, first, second, &shelf, &pass,
                                            base + Self.historyLength * first, base + Self.historyLength * second, sums)
                }
            }
        }
        return sums
    }

    // MARK: Block edges

    private var blockSamples: Double { Self.blockDuration * Double(sampleRate) }

    /// pyloudnorm's lower bound of block j: `int(T_g * (j * step) * rate)`.
    private func blockStart(_ j: Int) -> Int {
        Int(Self.blockDuration * (Double(j) * (1.0 - Self.blockOverlap)) * Double(sampleRate))
    }

    /// pyloudnorm's upper bound of block j: `int(T_g * (j * step + 1) * rate)`.
    private func blockEnd(_ j: Int) -> Int {
        Int(Self.blockDuration * (Double(j) * (1.0 - Self.blockOverlap) + 1) * Double(sampleRate))
    }

    private func windowStart(_ k: Int) -> Int { k * sampleRate / Self.shortTermRate }
    private func windowEnd(_ k: Int) -> Int { windowStart(k) + Self.shortTermDuration * sampleRate }

    private func edge(_ sequence: Int, _ index: Int) -> Int {
        switch sequence {
        case 0: blockStart(index)
        case 1: blockEnd(index)
        case 2: windowStart(index)
        default: windowEnd(index)
        }
    }

    /// Moves every edge sequence past `framesSeen` and sets `nextEdge` to the nearest edge.
    private mutating func advanceEdges() {
        var nearest = Int.max
        for sequence in 0..<4 {
            while edge(sequence, edgeIndex[sequence]) <= framesSeen { edgeIndex[sequence] += 1 }
            nearest = min(nearest, edge(sequence, edgeIndex[sequence]))
        }
        nextEdge = nearest
    }

    private mutating func closeSegment() {
        guard framesSeen > (segmentEnds.last ?? 0) else { return }
        segmentEnds.append(framesSeen)
        segmentEnergies.append(openEnergy)
        openEnergy = 0
    }

    // MARK: Results

    /// The measurement of everything fed so far (the meter can keep going afterwards).
    public func measurement() -> LoudnessMeasurement {
        guard pending.isEmpty else {
            // What waits for a whole span goes through the sequential kernel, in a copy.
            var meter = self
            meter.pending = []
            pending.withUnsafeBufferPointer { meter.filterInOrder($0.baseAddress!, frames: $0.count / channels) }
            return meter.measurement()
        }
        var ends = segmentEnds, energies = segmentEnergies
        if framesSeen > (ends.last ?? 0) { ends.append(framesSeen); energies.append(openEnergy) }
        let n = framesSeen

        /// Weighted sum of squares over [lower, upper), both edges (or `n`).
        func energy(_ lower: Int, _ upper: Int) -> Double {
            // First segment ending after `lower` starts at `lower`, since `lower` is an edge.
            var low = 0, high = ends.count
            while low < high {
                let mid = (low + high) / 2
                if ends[mid] <= lower { low = mid + 1 } else { high = mid }
            }
            var sum = 0.0, index = low
            while index < ends.count, ends[index] <= upper { sum += energies[index]; index += 1 }
            return sum
        }

        // Gating blocks, as pyloudnorm counts them; none below one full block.
        var blockMeanSquares: [Double] = []
        if Double(n) >= blockSamples {
            let t = Double(n) / Double(sampleRate)
            let step = Self.blockDuration * (1.0 - Self.blockOverlap)
            let count = Int(((t - Self.blockDuration) / step).rounded(.toNearestOrEven)) + 1
            let scale = 1.0 / blockSamples
            blockMeanSquares = (0..<max(count, 0)).map { j in
                scale * energy(blockStart(j), min(blockEnd(j), n))
            }
        }
        var shortTerm: [Double] = []
        var k = 0
        let windowSamples = Double(Self.shortTermDuration * sampleRate)
        while windowEnd(k) <= n {
            shortTerm.append(IntegratedLoudness.loudness(meanSquare: energy(windowStart(k), windowEnd(k)) / windowSamples))
            k += 1
        }
        return LoudnessMeasurement(
            integrated: IntegratedLoudness.gated(blockMeanSquares: blockMeanSquares),
            range: LoudnessRange.range(shortTermLoudness: shortTerm),
            blockLoudness: blockMeanSquares.map { IntegratedLoudness.loudness(meanSquare: $0) },
            shortTermLoudness: shortTerm,
            frames: n,
            duration: Double(n) / Double(sampleRate))
    }
}
