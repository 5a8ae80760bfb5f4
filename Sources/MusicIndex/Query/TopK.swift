/// The `capacity` best (score, id) pairs offered so far: partial selection by a bounded
/// min-heap whose root is the worst pair kept, O(n log k) for n offers.
///
/// Order: a higher score is better; equal scores rank the smaller id first, so results never
/// depend on the order rows are stored or offered in. A NaN score ranks as -infinity (it can
/// only arise from overflow in an unnormalised index), so no NaN is ever kept.
struct TopK {
    /// How many pairs are kept (at least 0).
    let capacity: Int
    private var scores: [Float] = []
    private var ids: [Int64] = []

    init(capacity: Int) {
        self.capacity = max(0, capacity)
        scores.reserveCapacity(self.capacity)
        ids.reserveCapacity(self.capacity)
    }

    /// Whether (score a, id a) ranks before (score b, id b).
    @inline(__always)
    static func ranksBefore(_ scoreA: Float, _ idA: Int64, _ scoreB: Float, _ idB: Int64) -> Bool {
        scoreA > scoreB || (scoreA == scoreB && idA < idB)
    }

    /// Offers `scores[i]` for `ids[i]`, for every i; a row whose id `accepts` rejects is skipped.
    ///
    /// The common case (a full heap and a score below the worst kept) costs one comparison;
    /// `accepts` runs only for rows that would enter, so exclusions and filters cost nothing
    /// for the bulk of the rows.
    mutating func offer(scores candidates: UnsafeBufferPointer<Float>, ids candidateIDs: UnsafeBufferPointer<Int64>,
                        accepts: ((Int64) -> Bool)?) {
        precondition(candidates.count == candidateIDs.count, "TopK.offer: one id per score")
        guard capacity > 0 else { return }
        var worst = scores.count == capacity ? scores[0] : -Float.infinity
        for index in 0..<candidates.count {
            let raw = candidates[index]
            // Full heap: skip anything strictly below the worst kept (NaN falls through).
            if scores.count == capacity && raw < worst { continue }
            let score = raw.isNaN ? -Float.infinity : raw
            let id = candidateIDs[index]
            if scores.count == capacity && !Self.ranksBefore(score, id, worst, ids[0]) { continue }
            if let accepts, !accepts(id) { continue }
            insert(score, id)
            if scores.count == capacity { worst = scores[0] }
        }
    }

    /// Adds a pair that ranks before the root (or fills a free slot).
    private mutating func insert(_ score: Float, _ id: Int64) {
        if scores.count < capacity {
            scores.append(score)
            ids.append(id)
            siftUp(scores.count - 1)
        } else {
            scores[0] = score
            ids[0] = id
            siftDown(0)
        }
    }

    /// The heap keeps the worst pair at the root: a parent never ranks before its children.
    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.ranksBefore(scores[parent], ids[parent], scores[child], ids[child]) else { return }
            scores.swapAt(parent, child)
            ids.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            var worst = parent
            let left = 2 * parent + 1, right = left + 1
            if left < scores.count && Self.ranksBefore(scores[worst], ids[worst], scores[left], ids[left]) { worst = left }
            if right < scores.count && Self.ranksBefore(scores[worst], ids[worst], scores[right], ids[right]) { worst = right }
            guard worst != parent else { return }
            scores.swapAt(parent, worst)
            ids.swapAt(parent, worst)
            parent = worst
        }
    }

    /// The kept pairs, best first.
    func sorted() -> [(id: Int64, score: Float)] {
        zip(ids, scores).map { (id: $0, score: $1) }
            .sorted { Self.ranksBefore($0.score, $0.id, $1.score, $1.id) }
    }
}
