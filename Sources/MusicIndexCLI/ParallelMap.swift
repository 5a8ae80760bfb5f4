import Foundation

/// Runs `work` on indices 0..<count with up to `jobs` threads and hands each result to
/// `consume` on the calling thread, in index order, as soon as it and all before it are
/// done (so output is deterministic and streams).
enum ParallelMap {
    static func run<Output: Sendable>(count: Int, jobs: Int, work: @escaping @Sendable (Int) -> Output,
                                      consume: (Int, Output) -> Void) {
        let state = State<Output>(count: count)
        let workers = min(max(1, jobs), max(1, count))
        for _ in 0..<workers {
            Thread.detachNewThread {
                while let index = state.nextIndex() {
                    state.finish(index, work(index))
                }
            }
        }
        for index in 0..<count {
            consume(index, state.wait(for: index))
        }
    }

    private final class State<Output>: @unchecked Sendable {
        private let condition = NSCondition()
        private var next = 0
        private let count: Int
        private var results: [Int: Output] = [:]

        init(count: Int) { self.count = count }

        func nextIndex() -> Int? {
            condition.lock()
            defer { condition.unlock() }
            guard next < count else { return nil }
            next += 1
            return next - 1
        }

        func finish(_ index: Int, _ output: Output) {
            condition.lock()
            results[index] = output
            condition.broadcast()
            condition.unlock()
        }

        func wait(for index: Int) -> Output {
            condition.lock()
            defer { condition.unlock() }
            while results[index] == nil { condition.wait() }
            return results.removeValue(forKey: index)!
        }
    }
}
