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
///
/// Without a priority, items are taken in the order they were appended. With one, the
/// waiting item of highest priority is taken first (ties in the order appended): a scan
/// takes its largest files first, so that the workers do not finish one long file each
/// while the others wait at the end.
final class WorkQueue<Item: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private let priority: (@Sendable (Item) -> Int64)?
    // Guarded by `condition`. Without a priority, `waiting` is a FIFO read from `taken`; with
    // one, a binary max-heap on (priority, -sequence).
    private var waiting: [(item: Item, priority: Int64, sequence: Int)] = []
    private var taken = 0
    private var appended = 0
    private var closed = false

    init(priority: (@Sendable (Item) -> Int64)? = nil) {
        self.priority = priority
    }

    /// Items appended so far.
    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return appended
    }

    var isClosedAndEmpty: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed && isEmpty
    }

    /// Guarded by `condition`.
    private var isEmpty: Bool { priority == nil ? taken == waiting.count : waiting.isEmpty }

    func append(_ item: Item) {
        condition.lock()
        insert(item)
        condition.signal()
        condition.unlock()
    }

    func append(contentsOf more: [Item]) {
        condition.lock()
        for item in more { insert(item) }
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
            if !isEmpty { return removeFirst() }
            if closed { return nil }
            _ = condition.wait(until: Date(timeIntervalSinceNow: poll))
        }
    }

    /// The item `next` would return now, left in the queue (nil when none is waiting).
    func peek() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        if isEmpty { return nil }
        return priority == nil ? waiting[taken].item : waiting[0].item
    }

    // MARK: Storage (guarded by `condition`)

    private func insert(_ item: Item) {
        let entry = (item: item, priority: priority?(item) ?? 0, sequence: appended)
        appended += 1
        waiting.append(entry)
        guard priority != nil else { return }
        var child = waiting.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(child, parent) else { break }
            waiting.swapAt(child, parent)
            child = parent
        }
    }

    private func removeFirst() -> Item {
        guard priority != nil else {
            taken += 1
            let item = waiting[taken - 1].item
            // Drop what was taken once it is most of the array, so a long scan does not keep
            // every item it ever queued.
            if taken >= 1024 && taken * 2 >= waiting.count {
                waiting.removeFirst(taken)
                taken = 0
            }
            return item
        }
        let first = waiting[0].item
        let last = waiting.removeLast()
        if !waiting.isEmpty {
            waiting[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var best = parent
                if left < waiting.count && precedes(left, best) { best = left }
                if right < waiting.count && precedes(right, best) { best = right }
                if best == parent { break }
                waiting.swapAt(parent, best)
                parent = best
            }
        }
        return first
    }

    /// Whether the entry at `a` is taken before the one at `b`.
    private func precedes(_ a: Int, _ b: Int) -> Bool {
        let (x, y) = (waiting[a], waiting[b])
        return x.priority != y.priority ? x.priority > y.priority : x.sequence < y.sequence
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
