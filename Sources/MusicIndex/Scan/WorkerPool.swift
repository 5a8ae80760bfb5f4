import Foundation
import Synchronization

/// Runs `work` over `items` on `jobs` threads and delivers the results, in completion order,
/// through the returned stream, in small groups (a worker hands over what it has after
/// `groupSize` items or `groupInterval` seconds, so fast work does not pay a thread wake-up
/// per item). Workers stop taking new items once `isCancelled` is true; the stream finishes
/// when every started item is delivered.
///
/// Threads rather than tasks: the per-file stages block on file reads and long computations,
/// which must not starve Swift's cooperative thread pool.
func runConcurrently<Item: Sendable, Output: Sendable>(
    _ items: [Item], jobs: Int, isCancelled: @escaping @Sendable () -> Bool,
    groupSize: Int = 32, groupInterval: Double = 0.05,
    work: @escaping @Sendable (Item) -> Output
) -> AsyncStream<[Output]> {
    let (stream, continuation) = AsyncStream<[Output]>.makeStream()
    let workers = max(1, min(jobs, items.count))
    let state = Mutex<(next: Int, running: Int)>((0, workers))
    if items.isEmpty {
        continuation.finish()
        return stream
    }
    for _ in 0..<workers {
        let thread = Thread {
            var group: [Output] = []
            var groupStart = ContinuousClock.now
            while true {
                let index: Int? = state.withLock { state in
                    guard state.next < items.count, !isCancelled() else { return nil }
                    defer { state.next += 1 }
                    return state.next
                }
                guard let index else { break }
                if group.isEmpty { groupStart = .now }
                group.append(work(items[index]))
                if group.count >= groupSize || groupStart.duration(to: .now) > .seconds(groupInterval) {
                    continuation.yield(group)
                    group.removeAll(keepingCapacity: true)
                }
            }
            if !group.isEmpty { continuation.yield(group) }
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
