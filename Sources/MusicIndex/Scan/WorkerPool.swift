import Foundation
import Synchronization

/// Runs `work` over `items` on `jobs` threads and delivers each result, in completion order,
/// through the returned stream. Workers stop taking new items once `isCancelled` is true;
/// the stream finishes when every started item is delivered.
///
/// Threads rather than tasks: the per-file stages block on file reads and long computations,
/// which must not starve Swift's cooperative thread pool.
func runConcurrently<Item: Sendable, Output: Sendable>(
    _ items: [Item], jobs: Int, isCancelled: @escaping @Sendable () -> Bool,
    work: @escaping @Sendable (Item) -> Output
) -> AsyncStream<Output> {
    let (stream, continuation) = AsyncStream<Output>.makeStream()
    let state = Mutex<(next: Int, running: Int)>((0, max(1, min(jobs, items.count))))
    if items.isEmpty {
        continuation.finish()
        return stream
    }
    for _ in 0..<max(1, min(jobs, items.count)) {
        let thread = Thread {
            while true {
                let index: Int? = state.withLock { state in
                    guard state.next < items.count, !isCancelled() else { return nil }
                    defer { state.next += 1 }
                    return state.next
                }
                guard let index else { break }
                continuation.yield(work(items[index]))
            }
            let last = state.withLock { state in
                state.running -= 1
                return state.running == 0
            }
            if last { continuation.finish() }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    return stream
}
