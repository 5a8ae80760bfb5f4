// The only file of MusicIndex that sees OpenBLAS. Everything outside it calls `BLAS` with
// Swift types (Float pointers, Int sizes, Bool transposes).
internal import OpenBLASSystem
import Foundation
import Synchronization

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
    /// Whether the thread count was chosen (by a caller, the environment, or the default).
    private static let threadsChosen = Mutex<Bool>(false)

    /// The thread count OpenBLAS uses for each call.
    static var threads: Int { Int(openblas_get_num_threads()) }

    /// Makes every later BLAS call use `count` threads (at least 1).
    static func setThreads(_ count: Int) {
        threadsChosen.withLock { chosen in
            openblas_set_num_threads(Int32(clamping: max(1, count)))
            chosen = true
        }
    }

    /// Applies the default of one thread per call unless a count was chosen already or
    /// `OPENBLAS_NUM_THREADS` is set.
    static func applyDefaultThreads() {
        threadsChosen.withLock { chosen in
            guard !chosen else { return }
            chosen = true
            if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil { openblas_set_num_threads(1) }
        }
    }

    /// C = alpha * op(A) * op(B) + beta * C, all row-major: op(A) is [m, k], op(B) [k, n],
    /// C [m, n]; `transposeA` means A is stored [k, m] (so `lda` >= m), likewise B.
    static func gemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                     alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// y = alpha * op(A) * x + beta * y with A row-major [m, n] (`transpose`: y has n values).
    static func gemv(transpose: Bool = false, m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                     x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>) {
        cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, blasint(m), blasint(n), alpha, a,
                    blasint(lda), x, 1, beta, y, 1)
    }
}
