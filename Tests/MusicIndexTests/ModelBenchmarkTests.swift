import Dispatch
import Foundation
import Testing
@testable import MusicIndex

/// The Swift side of benchmarks/crnn.sh, run only when `MUSICINDEX_BENCH_CRNN` names a model
/// file (the package has no benchmark executable, and the CLI gets no hidden command).
///
/// Environment: MUSICINDEX_BENCH_CRNN (model), MUSICINDEX_BENCH_CRNN_INPUTS (raw float32 LE
/// mel dB segments [N, nMels, segmentFrames]), MUSICINDEX_BENCH_CRNN_THREADS (default 1),
/// MUSICINDEX_BENCH_CRNN_BATCH (default 32), MUSICINDEX_BENCH_CRNN_REFERENCE (optional folder
/// with PyTorch's logits.f32, embedding.f32, probabilities.f32 for the same inputs).
/// Prints `segments_per_second=` (one caller, THREADS BLAS threads), with THREADS > 1 also
/// `parallel_callers_segments_per_second=` (THREADS callers of one BLAS thread each, as a scan
/// runs), and `max_relative_error_*=` against the reference.
@Suite("Model benchmark")
struct ModelBenchmarkTests {
    static let environment = ProcessInfo.processInfo.environment

    @Test("CRNN throughput and PyTorch parity (MUSICINDEX_BENCH_CRNN)",
          .enabled(if: environment["MUSICINDEX_BENCH_CRNN"] != nil))
    func throughput() throws {
        let model = try GenreModel(path: Self.environment["MUSICINDEX_BENCH_CRNN"]!)
        let threads = Int(Self.environment["MUSICINDEX_BENCH_CRNN_THREADS"] ?? "1") ?? 1
        let batch = Int(Self.environment["MUSICINDEX_BENCH_CRNN_BATCH"] ?? "32") ?? 32
        let inputs = try Self.floats(Self.environment["MUSICINDEX_BENCH_CRNN_INPUTS"]!)
        let size = model.features.nMels * model.segmentFrames
        let segments = stride(from: 0, to: inputs.count, by: size).map {
            FeatureMatrix(rows: model.features.nMels, columns: model.segmentFrames, values: Array(inputs[$0..<($0 + size)]))
        }
        GenreModel.setBLASThreads(threads)
        _ = try model.evaluate(Array(segments.prefix(batch)), batchSize: batch)  // warm-up
        let single = try Self.medianSeconds { _ = try model.evaluate(segments, batchSize: batch) }
        print("segments_per_second=\(String(format: "%.2f", Double(segments.count) / single))")
        if threads > 1 {
            GenreModel.setBLASThreads(1)
            let shares = (0..<threads).map { share in Array(stride(from: share, to: segments.count, by: threads).map { segments[$0] }) }
            let parallel = try Self.medianSeconds {
                DispatchQueue.concurrentPerform(iterations: threads) { index in
                    _ = try? model.evaluate(shares[index], batchSize: batch)
                }
            }
            print("parallel_callers_segments_per_second=\(String(format: "%.2f", Double(segments.count) / parallel))")
        }
        if let folder = Self.environment["MUSICINDEX_BENCH_CRNN_REFERENCE"] {
            let predictions = try model.evaluate(segments, batchSize: batch)
            for (name, values) in [("logits", predictions.map(\.logits)), ("embedding", predictions.map(\.embedding)),
                                   ("probabilities", predictions.map(\.probabilities))] {
                let expected = try Self.floats(folder + "/\(name).f32")
                let width = expected.count / segments.count
                let worst = values.enumerated().map { index, row in
                    relativeError(row, Array(expected[index * width..<(index + 1) * width]))
                }.max() ?? 0
                print("max_relative_error_\(name)=\(worst)")
            }
        }
    }

    /// The median of five runs of `body`, in seconds (as benchmarks/crnn_torch.py times PyTorch).
    static func medianSeconds(_ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<5 {
            let start = ContinuousClock.now
            try body()
            let elapsed = start.duration(to: .now)
            times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        return times.sorted()[times.count / 2]
    }

    /// A raw little-endian float32 file.
    static func floats(_ path: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
}
