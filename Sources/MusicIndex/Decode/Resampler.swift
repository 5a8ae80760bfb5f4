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
    func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        guard let converter else {
            output.append(contentsOf: input)
            return
        }
        guard !input.isEmpty else { return }
        run(converter, input: input.baseAddress, count: input.count, into: &output)
    }

    /// Ends the stream: appends the samples the filter still holds.
    func flush(into output: inout [Float]) {
        guard let converter else { return }
        run(converter, input: nil, count: 0, into: &output)
    }

    /// Output frames expected for `inputFrames` input frames, rounded up (librosa's length).
    func outputLength(forInput inputFrames: Int) -> Int {
        Int((Double(inputFrames) * Double(outputRate) / Double(inputRate)).rounded(.up))
    }

    private func run(_ converter: soxr_t, input: UnsafePointer<Float>?, count: Int, into output: inout [Float]) {
        var consumed = 0
        repeat {
            let room = max(4096, outputLength(forInput: count - consumed) + 64)
            if scratch.count < room { scratch = [Float](repeating: 0, count: room) }
            var used = 0
            var produced = 0
            scratch.withUnsafeMutableBufferPointer { out in
                _ = soxr_process(converter, input.map { UnsafeRawPointer($0 + consumed) }, count - consumed, &used,
                                 out.baseAddress, room, &produced)
            }
            consumed += used
            output.append(contentsOf: scratch[0..<produced])
            // Input fully taken and the filter released less than it could: done.
            if consumed >= count && produced < room { break }
        } while true
    }
}
