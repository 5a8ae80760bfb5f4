// The only file of MusicIndex that sees FFTW. Everything outside it works with Swift types:
// `RealFFT` (a plan) and `RealFFT.Workspace` (the buffers one caller transforms in).
internal import FFTWSystem
import Synchronization

/// A forward real-to-complex FFT of one size, backed by one FFTW single-precision plan
/// (`fftwf_plan_dft_r2c_1d`), the transform numpy's `rfft` computes (unnormalised,
/// `X[k] = Σ x[j] e^(-2πi jk/n)`, bins `0...n/2`).
///
/// Thread safety: FFTW's planner (plan creation and destruction) is not thread-safe, so every
/// call into it goes through `plannerLock`. Executing a plan is: the new-array interface
/// (`fftwf_execute_dft_r2c(plan, in, out)`) only reads the plan, so one plan is shared by any
/// number of threads as long as each brings its own buffers, which is what `Workspace` is.
/// The class holds nothing mutable after `init`, hence `@unchecked Sendable`.
///
/// Planning flag: `FFTW_ESTIMATE`. `FFTW_MEASURE` picks the algorithm by timing candidates,
/// so the chosen plan, and with it the last bits of every spectrum, can differ from one
/// process (or machine load) to the next; features written to a library should not. At
/// n = 2048 the measured plan was no faster here (1293 frames, FFT + power: 2.34 ms
/// measured vs 2.41 ms estimated, within run-to-run noise), nor more accurate.
///
/// Alignment: new-array execution requires buffers aligned like the ones the plan was made
/// with. The planning buffers come from `fftwf_malloc`, which gives FFTW's SIMD alignment,
/// and every `Workspace` is page-aligned (a multiple of any SIMD alignment), so the plan may
/// use SIMD code paths.
final class RealFFT: @unchecked Sendable {
    /// Transform length n (samples in); the output has n/2 + 1 complex bins.
    let size: Int
    /// Complex output bins: n/2 + 1.
    var binCount: Int { size / 2 + 1 }

    private let plan: fftwf_plan

    /// One lock for every FFTW planner call in the process.
    private static let plannerLock = Mutex<Void>(())
    /// Plans by size, created once per process (see `shared(size:)`).
    private static let cache = Mutex<[Int: RealFFT]>([:])

    /// Makes a plan for transforms of `size` samples (size >= 1).
    init(size: Int) {
        precondition(size >= 1, "FFT size must be at least 1")
        self.size = size
        let input = fftwf_malloc(MemoryLayout<Float>.stride * size)!
        let output = fftwf_malloc(MemoryLayout<Float>.stride * 2 * (size / 2 + 1))!
        defer { fftwf_free(input); fftwf_free(output) }
        // A plan is a plain C pointer (not Sendable); it only leaves the lock's closure
        // through this local.
        nonisolated(unsafe) var plan: fftwf_plan?
        Self.plannerLock.withLock { _ in
            plan = fftwf_plan_dft_r2c_1d(
                Int32(size), input.assumingMemoryBound(to: Float.self),
                output.assumingMemoryBound(to: fftwf_complex.self), UInt32(FFTW_ESTIMATE))
        }
        guard let plan else { fatalError("FFTW could not plan a real FFT of size \(size)") }
        self.plan = plan
    }

    deinit {
        let plan = self.plan
        Self.plannerLock.withLock { _ in fftwf_destroy_plan(plan) }
    }

    /// The process-wide plan for `size`, created on first use and kept for the life of the
    /// process (so a scan plans each size once, however many tracks and threads use it).
    static func shared(size: Int) -> RealFFT {
        cache.withLock { plans in
            if let plan = plans[size] { return plan }
            let plan = RealFFT(size: size)
            plans[size] = plan
            return plan
        }
    }

    /// Buffers for one caller: fill `input`, call `RealFFT.transform(_:)`, read `output`.
    /// Not shareable between threads; make one per thread (they are cheap).
    final class Workspace {
        /// n real samples.
        let input: UnsafeMutableBufferPointer<Float>
        /// n/2 + 1 complex bins, interleaved (re0, im0, re1, im1, ...).
        let output: UnsafeMutableBufferPointer<Float>

        /// Both buffers live in one page-aligned block, the output right after the input (at
        /// the next cache line). FFTW's speed in a scan differed between builds of the
        /// program (7.6 % against 4.5 % of a profile, the same plan and values); moving these
        /// buffers within their page did not change it, running eight transforms back to back
        /// did (`STFTFrames.transformGroup`).
        fileprivate init(size: Int) {
            let inputCount = size, outputCount = 2 * (size / 2 + 1)
            let floatSize = MemoryLayout<Float>.stride
            let outputOffset = (inputCount * floatSize + 63) / 64 * 64
            let block = UnsafeMutableRawPointer.allocate(
                byteCount: outputOffset + outputCount * floatSize, alignment: 4096)
            input = UnsafeMutableBufferPointer(
                start: block.bindMemory(to: Float.self, capacity: inputCount), count: inputCount)
            output = UnsafeMutableBufferPointer(
                start: (block + outputOffset).bindMemory(to: Float.self, capacity: outputCount), count: outputCount)
            input.initialize(repeating: 0)
            output.initialize(repeating: 0)
        }

        deinit {
            UnsafeMutableRawPointer(input.baseAddress!).deallocate()
        }
    }

    /// New buffers sized for this plan.
    func makeWorkspace() -> Workspace { Workspace(size: size) }

    /// Transforms `workspace.input` into `workspace.output` (the input is left unchanged:
    /// FFTW's out-of-place r2c transforms of one dimension preserve their input).
    func transform(_ workspace: Workspace) {
        precondition(workspace.input.count == size, "workspace made for another FFT size")
        fftwf_execute_dft_r2c(
            plan, workspace.input.baseAddress,
            UnsafeMutableRawPointer(workspace.output.baseAddress!).assumingMemoryBound(to: fftwf_complex.self))
    }

    /// Convenience for tests and one-off use: the spectrum of `signal` (exactly n samples) as
    /// separate real and imaginary parts, n/2 + 1 each.
    func forward(_ signal: [Float]) -> (real: [Float], imaginary: [Float]) {
        precondition(signal.count == size, "expected \(size) samples, got \(signal.count)")
        let workspace = makeWorkspace()
        _ = workspace.input.update(fromContentsOf: signal)
        transform(workspace)
        let bins = binCount
        return ((0..<bins).map { workspace.output[2 * $0] }, (0..<bins).map { workspace.output[2 * $0 + 1] })
    }
}
