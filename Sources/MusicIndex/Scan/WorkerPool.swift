import Foundation
import Synchronization

/// Runs `work` over `items` on `jobs` threads and delivers the results, in completion order,
/// through the returned stream, in small groups (a worker hands over what it has after
/// `groupSize` items or `groupInterval` seconds, so fast work does not pay a thread wake-up
/// per item). The stream finishes when every item is delivered.
///
/// Once `isCancelled` is true, workers take no new item, and within `cancellationPoll`
/// seconds the stream delivers every finished result and ends, without waiting for the
/// items in progress: their results are dropped (each worker finishes its item in the
/// background and exits), so one long item cannot hold up an interrupted caller.
///
/// Threads rather than tasks: the per-file stages block on file reads and long computations,
/// which must not starve Swift's cooperative thread pool.
func runConcurrently<Item: Sendable, Output: Sendable>(
    _ items: [Item], jobs: Int, isCancelled: @escaping @Sendable () -> Bool,
    groupSize: Int = 32, groupInterval: Double = 0.05, cancellationPoll: Double = 0.05,
    work: @escaping @Sendable (Item) -> Output
) -> AsyncStream<[Output]> {
    let (stream, continuation) = AsyncStream<[Output]>.makeStream()
    if items.isEmpty {
        continuation.finish()
        return stream
    }
    let workers = max(1, min(jobs, items.count))
    // Results not yet handed over are held here rather than in the workers, so that a
    // cancellation can deliver them while their workers are busy with the next item. The
    // stream is only fed and finished under this lock.
    let state = Mutex(PoolState<Output>(workers: workers))

    for worker in 0..<workers {
        let thread = Thread {
            while true {
                let index: Int? = state.withLock { state in
                    guard state.next < items.count, !state.finished, !isCancelled() else { return nil }
                    defer { state.next += 1 }
                    return state.next
                }
                guard let index else { break }
                let output = work(items[index])
                state.withLock { state in
                    guard !state.finished else { return }
                    if state.held[worker].isEmpty { state.groupStarts[worker] = .now }
                    state.held[worker].append(output)
                    if state.held[worker].count >= groupSize || isCancelled()
                        || state.groupStarts[worker].duration(to: .now) > .seconds(groupInterval) {
                        state.handOver(worker, to: continuation)
                    }
                }
            }
            state.withLock { state in
                state.running -= 1
                guard !state.finished else { return }
                state.handOver(worker, to: continuation)
                if state.running == 0 {
                    state.finished = true
                    continuation.finish()
                }
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    // Ends the stream once cancelled, with every finished result; leaves when it has ended.
    Thread {
        while true {
            let ended = state.withLock { state in
                if !state.finished && isCancelled() {
                    for worker in 0..<workers { state.handOver(worker, to: continuation) }
                    state.finished = true
                    continuation.finish()
                }
                return state.finished
            }
            if ended { return }
            Thread.sleep(forTimeInterval: cancellationPoll)
        }
    }.start()
    return stream
}

/// What the workers of `runConcurrently` share.
private struct PoolState<Output: Sendable> {
    /// The next item to take, the workers still running, and whether the stream has ended.
    var next = 0
    var running: Int
    var finished = false
    /// Each worker's results not yet handed over, and when the oldest of them was added.
    var held: [[Output]]
    var groupStarts: [ContinuousClock.Instant]

    init(workers: Int) {
        running = workers
        held = Array(repeating: [], count: workers)
        groupStarts = Array(repeating: .now, count: workers)
    }

    /// Delivers what `worker` holds.
    mutating func handOver(_ worker: Int, to continuation: AsyncStream<[Output]>.Continuation) {
        guard !held[worker].isEmpty else { return }
        continuation.yield(held[worker])
        held[worker].removeAll(keepingCapacity: true)
    }
}
