// The only file of MusicIndex that sees OpenBLAS. Everything outside it calls `BLAS` with
// Swift types (Float pointers, Int sizes, Bool transposes).
internal import COpenBLAS
import Foundation
import Synchronization

/// OpenBLAS's functions, loaded on first use (see COpenBLAS); nil when it cannot be loaded.
private let loadedBLAS: musicindex_blas_api? = musicindex_blas()?.pointee

/// Single-precision BLAS (OpenBLAS's CBLAS), row-major throughout.
///
/// Threads: OpenBLAS's thread count is one process-wide setting. The genre model uses 1 by
/// default (applied when the first model loads): a scan already runs one file per core, so
/// BLAS threads on top would only oversubscribe the cores. A program that runs one model call
/// at a time (a benchmark, a single-file command) can raise it with `setThreads(_:)`
/// (public as `GenreModel.setBLASThreads(_:)`), and an `OPENBLAS_NUM_THREADS` environment
/// variable is respected instead of the default. OpenBLAS may be called from several threads
/// at once; each call then uses the configured number of threads.
enum BLAS {
    /// Why OpenBLAS cannot be used, or nil when it can. Callers that are about to need BLAS
    /// (the genre model, the similarity index) check this to fail with a clear message.
    static var unavailableReason: String? {
        loadedBLAS == nil ? "OpenBLAS (libopenblas0) cannot be loaded: \(String(cString: musicindex_blas_error()))" : nil
    }

    private static var api: musicindex_blas_api {
        guard let loadedBLAS else { fatalError(unavailableReason ?? "OpenBLAS is not loaded") }
        return loadedBLAS
    }

    /// Whether the thread count was chosen (by a caller, the environment, or the default).
    private static let threadsChosen = Mutex<Bool>(false)

    /// OpenBLAS's name for the kernels it chose for this processor ("SkylakeX", "Haswell", ...).
    static var kernels: String { String(cString: api.get_corename()) }

    /// The thread count OpenBLAS uses for each call.
    static var threads: Int { Int(api.get_num_threads()) }

    /// Makes every later BLAS call use `count` threads (at least 1).
    static func setThreads(_ count: Int) {
        threadsChosen.withLock { chosen in
            api.set_num_threads(Int32(clamping: max(1, count)))
            chosen = true
        }
    }

    /// Applies the default of one thread per call unless a count was chosen already or
    /// `OPENBLAS_NUM_THREADS` is set.
    static func applyDefaultThreads() {
        threadsChosen.withLock { chosen in
            guard !chosen else { return }
            chosen = true
            if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil { api.set_num_threads(1) }
        }
    }

    private static let rowMajor = Int32(MUSICINDEX_CBLAS_ROW_MAJOR)
    private static let noTrans = Int32(MUSICINDEX_CBLAS_NO_TRANS)
    private static let trans = Int32(MUSICINDEX_CBLAS_TRANS)

    /// C = alpha * op(A) * op(B) + beta * C, all row-major: op(A) is [m, k], op(B) [k, n],
    /// C [m, n]; `transposeA` means A is stored [k, m] (so `lda` >= m), likewise B.
    static func gemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                     alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        api.sgemm(rowMajor, transposeA ? trans : noTrans, transposeB ? trans : noTrans,
                  Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// y = alpha * op(A) * x + beta * y with A row-major [m, n] (`transpose`: y has n values).
    static func gemv(transpose: Bool = false, m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                     x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>) {
        api.sgemv(rowMajor, transpose ? trans : noTrans, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }
}
