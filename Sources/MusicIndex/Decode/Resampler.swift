internal import SoxrSystem

/// Streaming mono sample-rate conversion through libsoxr at its "high quality" recipe
/// (`SOXR_HQ`, linear phase), the same recipe as `librosa.resample(res_type="soxr_hq")`:
/// the one owner of a `soxr_t`.
///
/// libsoxr compensates its own filter delay, so output sample `k` corresponds to input
/// time `k / outputRate`; `flush` returns the tail held back by the filter. When the two
/// rates are equal, samples pass through untouched.
final class Resampler {
    let inputRate: Int
    let outputRate: Int
    private let converter: soxr_t?
    private var scratch = [Float]()

    init(from inputRate: Int, to outputRate: Int) throws(DecodeError) {
        guard inputRate > 0, outputRate > 0 else {
            throw DecodeError(.corrupt, "cannot resample from \(inputRate) Hz to \(outputRate) Hz")
        }
        self.inputRate = inputRate
        self.outputRate = outputRate
        if inputRate == outputRate {
            converter = nil
            return
        }
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
        // One thread per converter: a scan already runs one file per core.
        var runtime = soxr_runtime_spec(1)
        var error: soxr_error_t?
        let converter = soxr_create(Double(inputRate), Double(outputRate), 1, &error, &io, &quality, &runtime)
        guard error == nil, let converter else {
            throw DecodeError(.io, "libsoxr cannot convert \(inputRate) Hz to \(outputRate) Hz: \(error.map { String(cString: $0) } ?? "unknown error")")
        }
        self.converter = converter
    }

    deinit {
        if let converter { soxr_delete(converter) }
    }

    /// Converts `input` and appends what the filter releases to `output`.
    func process(_ input: UnsafeBufferPointer<Float>, into output: inout ResampledOutput) {
        guard let converter else {
            output.append(input)
            return
        }
        guard !input.isEmpty else { return }
        run(converter, input: input.baseAddress, count: input.count, into: &output)
    }

    /// Ends the stream: appends the samples the filter still holds.
    func flush(into output: inout ResampledOutput) {
        guard let converter else { return }
        run(converter, input: nil, count: 0, into: &output)
    }

    /// Output frames expected for `inputFrames` input frames, rounded up (librosa's length).
    func outputLength(forInput inputFrames: Int) -> Int {
        Int((Double(inputFrames) * Double(outputRate) / Double(inputRate)).rounded(.up))
    }

    private func run(_ converter: soxr_t, input: UnsafePointer<Float>?, count: Int, into output: inout ResampledOutput) {
        var consumed = 0
        repeat {
            var used = 0
            var produced = 0
            let room: Int
            // libsoxr writes straight into the caller's storage while it has room; after
            // that, through a scratch buffer onto the overflow.
            if let target = output.room(atLeast: 256) {
                room = target.count
                _ = soxr_process(converter, input.map { UnsafeRawPointer($0 + consumed) }, count - consumed, &used,
                                 target.baseAddress, room, &produced)
                output.didWrite(produced)
            } else {
                room = max(4096, outputLength(forInput: count - consumed) + 64)
                if scratch.count < room { scratch = [Float](repeating: 0, count: room) }
                scratch.withUnsafeMutableBufferPointer { out in
                    _ = soxr_process(converter, input.map { UnsafeRawPointer($0 + consumed) }, count - consumed, &used,
                                     out.baseAddress, room, &produced)
                }
                scratch.withUnsafeBufferPointer { output.append(UnsafeBufferPointer(rebasing: $0[0..<produced])) }
            }
            consumed += used
            // Input fully taken and the filter released less than it could: done.
            if consumed >= count && produced < room { break }
        } while true
    }
}

/// The resampled signal as it grows: written in place into storage the caller allocated
/// for the expected length (no copy per chunk), continued in an array when the stream
/// turns out longer than expected.
struct ResampledOutput {
    private let storage: UnsafeMutableBufferPointer<Float>
    /// Samples written into `storage`.
    private(set) var stored = 0
    /// Samples after the first `stored`, once `storage` was full.
    private(set) var overflow: [Float] = []

    init(storage: UnsafeMutableBufferPointer<Float>) {
        self.storage = storage
    }

    /// Samples so far.
    var count: Int { stored + overflow.count }

    mutating func append(_ samples: UnsafeBufferPointer<Float>) {
        guard !samples.isEmpty else { return }
        if overflow.isEmpty {
            let take = min(samples.count, storage.count - stored)
            if take > 0 {
                (storage.baseAddress! + stored).initialize(from: samples.baseAddress!, count: take)
                stored += take
            }
            if take < samples.count { overflow.append(contentsOf: UnsafeBufferPointer(rebasing: samples[take...])) }
        } else {
            overflow.append(contentsOf: samples)
        }
    }

    /// The free storage after the samples so far, when it holds at least `minimum` samples
    /// and nothing has overflowed yet; `didWrite` then counts what was written into it.
    fileprivate func room(atLeast minimum: Int) -> UnsafeMutableBufferPointer<Float>? {
        guard overflow.isEmpty, storage.count - stored >= minimum else { return nil }
        return UnsafeMutableBufferPointer(rebasing: storage[stored...])
    }

    fileprivate mutating func didWrite(_ count: Int) {
        stored += count
    }
}
