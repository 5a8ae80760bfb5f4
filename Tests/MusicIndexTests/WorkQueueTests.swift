import Foundation
import Testing
@testable import MusicIndex

/// The scan's work queue: appended order without a priority, highest priority first with
/// one (ties in appended order), items appended while others are taken, and the end of the
/// queue once it is closed.
struct WorkQueueTests {
    private static func drain<Item>(_ queue: WorkQueue<Item>) -> [Item] {
        var out: [Item] = []
        while let item = queue.next(isCancelled: { false }, poll: 0.01) { out.append(item) }
        return out
    }

    @Test func takesItemsInAppendedOrderWithoutPriority() {
        let queue = WorkQueue<Int>()
        let items = (0..<5000).map { ($0 * 7919) % 5003 }
        queue.append(contentsOf: Array(items[..<10]))
        #expect(queue.next(isCancelled: { false }, poll: 0.01) == items[0])
        for item in items[10...] { queue.append(item) }
        queue.close()
        #expect(Self.drain(queue) == Array(items[1...]))
        #expect(queue.count == items.count)
        #expect(queue.isClosedAndEmpty)
    }

    @Test func takesHighestPriorityFirstWithTiesInAppendedOrder() {
        struct Job: Sendable, Equatable { let size: Int64, id: Int }
        let queue = WorkQueue<Job>(priority: { $0.size })
        var generator = SeededGenerator(seed: 7)
        let jobs = (0..<2000).map { Job(size: Int64.random(in: 0..<300, using: &generator), id: $0) }
        queue.append(contentsOf: Array(jobs[..<1000]))
        // Taken while more arrive: the largest waiting one each time.
        var waiting = Array(jobs[..<1000])
        var taken: [Job] = []
        for (index, job) in jobs[1000...].enumerated() {
            queue.append(job)
            waiting.append(job)
            if index % 3 == 0 {
                let next = queue.next(isCancelled: { false }, poll: 0.01)!
                let expected = waiting.max { a, b in a.size != b.size ? a.size < b.size : a.id > b.id }!
                #expect(next == expected)
                waiting.removeAll { $0 == expected }
                taken.append(next)
            }
        }
        queue.close()
        let rest = Self.drain(queue)
        #expect(rest == waiting.sorted { a, b in a.size != b.size ? a.size > b.size : a.id < b.id })
        #expect(Set((taken + rest).map(\.id)) == Set(jobs.map(\.id)))
        #expect(queue.count == jobs.count)
        #expect(queue.isClosedAndEmpty)
    }

    @Test func peekShowsTheItemTakenNextAndLeavesIt() {
        let fifo = WorkQueue<Int>()
        #expect(fifo.peek() == nil)
        fifo.append(contentsOf: [4, 9, 2])
        #expect(fifo.peek() == 4)
        #expect(fifo.next(isCancelled: { false }, poll: 0.01) == 4)
        #expect(fifo.peek() == 9)
        let ranked = WorkQueue<Int>(priority: { Int64($0) })
        ranked.append(contentsOf: [4, 9, 2, 9])
        var order: [Int] = []
        while let next = ranked.peek() {
            #expect(ranked.next(isCancelled: { false }, poll: 0.01) == next)
            order.append(next)
        }
        #expect(order == [9, 9, 4, 2])
        ranked.close()
        #expect(ranked.isClosedAndEmpty)
    }

    @Test func waitsForItemsUntilClosedAndStopsWhenCancelled() {
        let queue = WorkQueue<Int>(priority: { Int64($0) })
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) {
            queue.append(3)
            queue.close()
        }
        #expect(queue.next(isCancelled: { false }, poll: 0.01) == 3)
        #expect(queue.next(isCancelled: { false }, poll: 0.01) == nil)
        let open = WorkQueue<Int>()
        open.append(1)
        #expect(open.next(isCancelled: { true }, poll: 0.01) == nil)
    }
}
