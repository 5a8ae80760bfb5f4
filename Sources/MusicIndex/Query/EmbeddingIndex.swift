/// Exact nearest-neighbour search over track embeddings: cosine similarity (or a plain inner
/// product) against every stored vector, the best k kept by partial selection.
///
/// Memory layout: one contiguous row-major Float matrix [count, dimension] (row i is the
/// `dimension` floats at offset i * dimension) beside an [Int64] of ids, row i's id at index i,
/// and an id -> row dictionary. 1,000,000 vectors of 500 take 2 GB of floats plus about 30 MB
/// for the ids. The matrix is loaded once per process and never copied by a search.
///
/// Scores: with `normalize` (the default) every row is scaled to unit L2 norm when the index
/// is built and every query when it is searched, so a score is the cosine similarity in
/// [-1, 1]; a zero vector (row or query) stays zero and scores 0 against everything, never
/// NaN. Without `normalize` rows and queries are used as given and a score is their inner
/// product. Scores are computed in Float by OpenBLAS (`sgemv` for one query, `sgemm` for a
/// batch), so they agree with a Double computation to about 1e-6 for unit vectors.
///
/// Results: the k best rows, best first; equal scores rank the smaller id first. Rows whose
/// id is in `excluding` or rejected by `filter` are skipped while selecting, so a result still
/// holds k rows when enough others qualify. k larger than the index returns every qualifying
/// row; k = 0 returns none.
///
/// Thread safety: the index is an immutable value (`Sendable`); any number of threads may
/// search it at once, each search allocating its own score buffer. Each search makes BLAS
/// calls that use OpenBLAS's process-wide thread count (`GenreModel.setBLASThreads(_:)` or
/// `OPENBLAS_NUM_THREADS`; OpenBLAS's own default is one thread per core, and loading a genre
/// model sets 1). `filter` runs on the searching thread, only for rows that would enter the
/// top k.
public struct EmbeddingIndex: Sendable {
    /// One search result: a stored id and its score (cosine similarity with `normalize`).
    public struct Neighbor: Sendable, Hashable {
        public var id: Int64
        public var score: Float

        public init(id: Int64, score: Float) {
            self.id = id
            self.score = score
        }
    }

    /// Floats per vector (at least 1).
    public let dimension: Int
    /// Whether rows and queries are scaled to unit length (cosine similarity).
    public let normalizes: Bool
    /// Row i's id.
    let ids: [Int64]
    /// Row-major [count, dimension].
    let vectors: [Float]
    /// Each id's row.
    let rows: [Int64: Int]

    /// How many scores a batch search holds at once (16 MB): a batch of q queries scores
    /// blocks of 2^22 / q rows, so memory stays bounded however large the index.
    static let batchScoreBudget = 1 << 22

    /// The number of stored vectors.
    public var count: Int { ids.count }

    /// An index over `vectors` (row-major [ids.count, dimension], row i for ids[i]).
    ///
    /// Pass an array nothing else holds (a temporary, or a variable at its last use) and the
    /// rows are normalised in place, without a copy. Throws `MusicIndexError.invalidArgument`
    /// when `dimension` < 1, the sizes disagree, an id repeats, or a value is NaN or infinite.
    public init(ids: [Int64], rowMajor vectors: consuming [Float], dimension: Int, normalize: Bool = true) throws {
        guard dimension >= 1 else { throw Self.error("dimension must be at least 1; got \(dimension)") }
        guard vectors.count == ids.count * dimension else {
            throw Self.error("\(ids.count) ids need \(ids.count * dimension) floats of dimension \(dimension); got \(vectors.count)")
        }
        var rows: [Int64: Int] = [:]
        rows.reserveCapacity(ids.count)
        for (row, id) in ids.enumerated() {
            if let first = rows.updateValue(row, forKey: id) {
                throw Self.error("id \(id) appears twice (rows \(first) and \(row))")
            }
        }
        var storage = vectors
        let bad = storage.withUnsafeMutableBufferPointer { matrix in
            (0..<ids.count).first { row in
                let slice = UnsafeMutableBufferPointer(rebasing: matrix[(row * dimension)..<((row + 1) * dimension)])
                return !(normalize ? Self.normalizeInPlace(slice) : Self.isFinite(UnsafeBufferPointer(slice)))
            }
        }
        if let bad { throw Self.error("vector \(bad) (id \(ids[bad])) has a NaN or infinite value") }
        self.dimension = dimension
        self.normalizes = normalize
        self.ids = ids
        self.vectors = storage
        self.rows = rows
    }

    /// An index over one vector per id. `dimension` is needed only when `vectors` is empty
    /// (otherwise it is the first vector's length); every vector must have that length.
    public init(ids: [Int64], vectors: [[Float]], dimension: Int? = nil, normalize: Bool = true) throws {
        guard ids.count == vectors.count else {
            throw Self.error("\(ids.count) ids but \(vectors.count) vectors")
        }
        guard let width = dimension ?? vectors.first?.count else {
            throw Self.error("an empty index needs its dimension")
        }
        if let row = vectors.firstIndex(where: { $0.count != width }) {
            throw Self.error("vector \(row) (id \(ids[row])) has \(vectors[row].count) values; expected \(width)")
        }
        try self.init(ids: ids, rowMajor: Array(vectors.joined()), dimension: width, normalize: normalize)
    }

    /// Whether `id` is stored.
    public func contains(_ id: Int64) -> Bool { rows[id] != nil }

    /// The stored vector of `id` (unit length with `normalize`), or nil when it is not stored.
    public func vector(for id: Int64) -> [Float]? {
        guard let row = rows[id] else { return nil }
        return Array(vectors[(row * dimension)..<((row + 1) * dimension)])
    }

    // MARK: Search

    /// The k stored vectors most similar to `query`, best first (see the type's notes).
    ///
    /// Throws `MusicIndexError.invalidArgument` when k < 0, or when the query's length is not
    /// `dimension` or it holds a NaN or infinity.
    public func search(_ query: [Float], k: Int, excluding: Set<Int64> = [],
                       filter: ((Int64) -> Bool)? = nil) throws -> [Neighbor] {
        try Self.check(k: k)
        let prepared = try prepare([query])
        guard k > 0, count > 0 else { return [] }
        // One score per row: y = V q (sgemv), then one selection pass over y.
        let scores = [Float](unsafeUninitializedCapacity: count) { y, initialized in
            vectors.withUnsafeBufferPointer { v in
                prepared.withUnsafeBufferPointer { x in
                    BLAS.gemv(m: count, n: dimension, a: v.baseAddress!, lda: dimension, x: x.baseAddress!, y: y.baseAddress!)
                }
            }
            initialized = count
        }
        var top = TopK(capacity: min(k, count))
        let accepts = Self.acceptance(excluding: excluding, filter: filter)
        scores.withUnsafeBufferPointer { s in
            ids.withUnsafeBufferPointer { top.offer(scores: s, ids: $0, accepts: accepts) }
        }
        return top.sorted().map { Neighbor(id: $0.id, score: $0.score) }
    }

    /// `search(_:k:excluding:filter:)` for each of `queries`, scored together by `sgemm`
    /// in blocks of rows (faster than one search per query for more than a few queries).
    /// Every query is checked before any work starts.
    public func search(batch queries: [[Float]], k: Int, excluding: Set<Int64> = [],
                       filter: ((Int64) -> Bool)? = nil) throws -> [[Neighbor]] {
        try Self.check(k: k)
        let prepared = try prepare(queries)
        guard k > 0, count > 0, !queries.isEmpty else { return queries.map { _ in [] } }
        let blockRows = max(1, min(count, Self.batchScoreBudget / queries.count))
        var tops = queries.map { _ in TopK(capacity: min(k, count)) }
        var scores = [Float](repeating: 0, count: queries.count * blockRows)
        let accepts = Self.acceptance(excluding: excluding, filter: filter)
        vectors.withUnsafeBufferPointer { v in
            prepared.withUnsafeBufferPointer { q in
                ids.withUnsafeBufferPointer { allIDs in
                    scores.withUnsafeMutableBufferPointer { s in
                        for start in stride(from: 0, to: count, by: blockRows) {
                            let rows = min(blockRows, count - start)
                            // S [queries, rows] = Q [queries, dimension] x V[start..<start+rows]^T.
                            BLAS.gemm(transposeB: true, m: queries.count, n: rows, k: dimension,
                                      a: q.baseAddress!, lda: dimension, b: v.baseAddress! + start * dimension,
                                      ldb: dimension, c: s.baseAddress!, ldc: rows)
                            let blockIDs = UnsafeBufferPointer(rebasing: allIDs[start..<(start + rows)])
                            for query in tops.indices {
                                let row = UnsafeBufferPointer(rebasing: s[(query * rows)..<((query + 1) * rows)])
                                tops[query].offer(scores: row, ids: blockIDs, accepts: accepts)
                            }
                        }
                    }
                }
            }
        }
        return tops.map { $0.sorted().map { Neighbor(id: $0.id, score: $0.score) } }
    }

    // MARK: Group queries

    /// The query for "more like these": the mean of the seeds' unit vectors (zero vectors
    /// contribute nothing), renormalised to unit length; all zero seeds give the zero vector.
    /// Computed in Double. Throws when `seeds` is empty, their lengths differ, or a value is
    /// NaN or infinite.
    public static func groupQuery(_ seeds: [[Float]]) throws -> [Float] {
        guard let width = seeds.first?.count else { throw error("a group query needs at least one seed") }
        guard width >= 1 else { throw error("group seeds must have at least one value") }
        var mean = [Double](repeating: 0, count: width)
        for (index, seed) in seeds.enumerated() {
            guard seed.count == width else {
                throw error("group seed \(index) has \(seed.count) values; seed 0 has \(width)")
            }
            let norm = seed.withUnsafeBufferPointer { VectorMath.dotDouble($0.baseAddress!, $0.baseAddress!, count: width) }
                .squareRoot()
            guard norm.isFinite else { throw error("group seed \(index) has a NaN or infinite value") }
            guard norm > 0 else { continue }
            for i in 0..<width { mean[i] += Double(seed[i]) / norm / Double(seeds.count) }
        }
        let length = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return mean.map { length > 0 ? Float($0 / length) : 0 }
    }

    /// `groupQuery(_:)` of the stored vectors of `seeds`; throws when a seed is not stored.
    public func groupQuery(seeds: [Int64]) throws -> [Float] {
        try Self.groupQuery(seeds.map { seed in
            guard let vector = vector(for: seed) else { throw Self.error("group seed id \(seed) is not in the index") }
            return vector
        })
    }

    /// The k stored vectors most like the group `seeds` (`groupQuery(seeds:)`), best first;
    /// the seeds themselves are never returned.
    public func search(seeds: [Int64], k: Int, excluding: Set<Int64> = [],
                       filter: ((Int64) -> Bool)? = nil) throws -> [Neighbor] {
        try search(groupQuery(seeds: seeds), k: k, excluding: excluding.union(seeds), filter: filter)
    }

    // MARK: Helpers

    /// The queries as one row-major [queries, dimension] matrix, normalised with `normalizes`.
    private func prepare(_ queries: [[Float]]) throws -> [Float] {
        var matrix = [Float]()
        matrix.reserveCapacity(queries.count * dimension)
        for (index, query) in queries.enumerated() {
            let name = queries.count == 1 ? "the query" : "query \(index)"
            guard query.count == dimension else {
                throw Self.error("\(name) has \(query.count) values; the index's vectors have \(dimension)")
            }
            matrix.append(contentsOf: query)
        }
        let bad = matrix.withUnsafeMutableBufferPointer { all in
            queries.indices.first { index in
                let row = UnsafeMutableBufferPointer(rebasing: all[(index * dimension)..<((index + 1) * dimension)])
                return !(normalizes ? Self.normalizeInPlace(row) : Self.isFinite(UnsafeBufferPointer(row)))
            }
        }
        if let bad { throw Self.error("\(queries.count == 1 ? "the query" : "query \(bad)") has a NaN or infinite value") }
        return matrix
    }

    /// Scales `row` to unit L2 norm (a zero row stays zero); false, leaving it unchanged, when
    /// it holds a NaN or an infinity. The norm is summed in Double, so tiny and huge rows
    /// neither underflow nor overflow.
    static func normalizeInPlace(_ row: UnsafeMutableBufferPointer<Float>) -> Bool {
        let squares = VectorMath.dotDouble(row.baseAddress!, row.baseAddress!, count: row.count)
        guard squares.isFinite else { return false }
        guard squares > 0 else { return true }
        let norm = squares.squareRoot()
        if norm >= 1e-30 {
            let scale = Float(1 / norm)
            for i in row.indices { row[i] *= scale }
        } else {
            // 1 / norm would overflow Float: divide each value in Double.
            for i in row.indices { row[i] = Float(Double(row[i]) / norm) }
        }
        return true
    }

    /// Whether every value of `row` is finite.
    static func isFinite(_ row: UnsafeBufferPointer<Float>) -> Bool {
        VectorMath.dotDouble(row.baseAddress!, row.baseAddress!, count: row.count).isFinite
    }

    static func check(k: Int) throws {
        guard k >= 0 else { throw error("k must be at least 0; got \(k)") }
    }

    /// One predicate for `excluding` and `filter`, or nil when neither rejects anything.
    static func acceptance(excluding: Set<Int64>, filter: ((Int64) -> Bool)?) -> ((Int64) -> Bool)? {
        switch (excluding.isEmpty, filter) {
        case (true, nil): nil
        case (true, let filter?): filter
        case (false, nil): { !excluding.contains($0) }
        case (false, let filter?): { !excluding.contains($0) && filter($0) }
        }
    }

    static func error(_ detail: String) -> MusicIndexError {
        .invalidArgument("embedding index: \(detail)")
    }
}
