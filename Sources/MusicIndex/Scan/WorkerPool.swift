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
    let queue = WorkQueue<Item>()
    queue.append(contentsOf: items)
    queue.close()
    return runConcurrently(queue, jobs: max(1, min(jobs, items.count)), isCancelled: isCancelled, groupSize: groupSize,
                           groupInterval: groupInterval, cancellationPoll: cancellationPoll, work: work)
}

/// The same over items that arrive while the work runs (a folder walk feeding the workers):
/// the stream finishes once `queue` is closed and every item is delivered. All `jobs`
/// threads start at once and wait for items.
func runConcurrently<Item: Sendable, Output: Sendable>(
    _ queue: WorkQueue<Item>, jobs: Int, isCancelled: @escaping @Sendable () -> Bool,
    groupSize: Int = 32, groupInterval: Double = 0.05, cancellationPoll: Double = 0.05,
    work: @escaping @Sendable (Item) -> Output
) -> AsyncStream<[Output]> {
    let (stream, continuation) = AsyncStream<[Output]>.makeStream()
    if queue.isClosedAndEmpty {
        continuation.finish()
        return stream
    }
    let workers = max(1, jobs)
    // Results not yet handed over are held here rather than in the workers, so that a
    // cancellation can deliver them while their workers are busy with the next item. The
    // stream is only fed and finished under this lock.
    let state = Mutex(PoolState<Output>(workers: workers))

    for worker in 0..<workers {
        let thread = Thread {
            while true {
                guard !state.withLock({ $0.finished }), let item = queue.next(isCancelled: isCancelled, poll: cancellationPoll) else {
                    break
                }
                let output = work(item)
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

/// Items for `runConcurrently`'s workers, appended while they work; `close` says that no
/// more will come.
final class WorkQueue<Item: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var items: [Item] = []
    private var taken = 0
    private var closed = false

    /// Items appended so far.
    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count
    }

    var isClosedAndEmpty: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed && taken == items.count
    }

    func append(_ item: Item) {
        condition.lock()
        items.append(item)
        condition.signal()
        condition.unlock()
    }

    func append(contentsOf more: [Item]) {
        condition.lock()
        items.append(contentsOf: more)
        condition.broadcast()
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next item, waiting for one to be appended; nil once the queue is closed and
    /// empty, or once `isCancelled` (asked at least every `poll` seconds while waiting).
    func next(isCancelled: () -> Bool, poll: Double) -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if isCancelled() { return nil }
            if taken < items.count {
                taken += 1
                return items[taken - 1]
            }
            if closed { return nil }
            _ = condition.wait(until: Date(timeIntervalSinceNow: poll))
        }
    }
}

/// What the workers of `runConcurrently` share.
private struct PoolState<Output: Sendable> {
    /// The workers still running, and whether the stream has ended.
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
