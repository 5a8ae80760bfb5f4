import Foundation
import Testing
@testable import MusicIndex

/// The nearest-neighbour engine (`EmbeddingIndex`): exactness against a brute-force Double
/// reference, the tie order, exclusions and filters, zero vectors, normalisation, group
/// queries, batches across block boundaries, and every invalid input refused with its message.
@Suite("Query: embedding index search")
struct QuerySearchTests {
    /// Random vectors in [-1, 1] and distinct random ids (not row order), from a fixed seed.
    static func randomData(count: Int, dimension: Int, seed: UInt64) -> (ids: [Int64], vectors: [[Float]]) {
        var random = SeededGenerator(seed: seed)
        var ids = Set<Int64>()
        while ids.count < count { ids.insert(Int64.random(in: -1_000_000...1_000_000, using: &random)) }
        let vectors = (0..<count).map { _ in (0..<dimension).map { _ in random.uniform(-1...1) } }
        return (ids.sorted().shuffled(using: &random), vectors)
    }

    /// Cosine similarity in Double; 0 when either vector is zero.
    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let norms = (a.reduce(0.0) { $0 + Double($1) * Double($1) } * b.reduce(0.0) { $0 + Double($1) * Double($1) }).squareRoot()
        return norms > 0 ? dot / norms : 0
    }

    /// The brute-force answer: every qualifying row scored in Double, sorted by score then id.
    static func reference(ids: [Int64], vectors: [[Float]], query: [Float], k: Int,
                          qualifies: (Int64) -> Bool = { _ in true }) -> [(id: Int64, score: Double)] {
        let scored = zip(ids, vectors).filter { qualifies($0.0) }.map { (id: $0.0, score: cosine($0.1, query)) }
        return Array(scored.sorted { $0.score > $1.score || ($0.score == $1.score && $0.id < $1.id) }.prefix(k))
    }

    /// `result` is the reference answer: the same ids in the same order, scores within 1e-5.
    static func expectMatches(_ result: [EmbeddingIndex.Neighbor], _ expected: [(id: Int64, score: Double)],
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.map(\.id) == expected.map(\.id), sourceLocation: sourceLocation)
        for (neighbor, reference) in zip(result, expected) {
            #expect(abs(Double(neighbor.score) - reference.score) < 1e-5, sourceLocation: sourceLocation)
        }
    }

    /// The message of the error `body` throws, nil when it does not throw.
    static func errorMessage(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    // MARK: Exactness

    @Test("results equal a brute-force Double reference for k = 0, 1, 7, 20, count, and more than count",
          arguments: [0, 1, 7, 20, 300, 1000])
    func exactAgainstReference(k: Int) throws {
        let (ids, vectors) = Self.randomData(count: 300, dimension: 24, seed: 1)
        let index = try EmbeddingIndex(ids: ids, vectors: vectors)
        var random = SeededGenerator(seed: 2)
        for _ in 0..<5 {
            let query = (0..<24).map { _ in random.uniform(-1...1) }
            let result = try index.search(query, k: k)
            #expect(result.count == min(k, 300))
            Self.expectMatches(result, Self.reference(ids: ids, vectors: vectors, query: query, k: k))
        }
    }

    @Test("a batch search equals one search per query, across row blocks")
    func batchEqualsSingle() throws {
        // 64 queries x 70,000 rows exceed the batch score budget: several sgemm blocks.
        let (ids, vectors) = Self.randomData(count: 70_000, dimension: 8, seed: 3)
        let index = try EmbeddingIndex(ids: ids, vectors: vectors)
        #expect(EmbeddingIndex.batchScoreBudget / 64 < index.count)
        var random = SeededGenerator(seed: 4)
        let queries = (0..<64).map { _ in (0..<8).map { _ in random.uniform(-1...1) } }
        let excluded = Set(ids.prefix(50))
        let batch = try index.search(batch: queries, k: 10, excluding: excluded, filter: { $0 % 3 != 0 })
        #expect(batch.count == 64)
        for (query, answer) in zip(queries, batch) {
            let single = try index.search(query, k: 10, excluding: excluded, filter: { $0 % 3 != 0 })
            #expect(answer.map(\.id) == single.map(\.id))
            for (a, b) in zip(answer, single) { #expect(abs(a.score - b.score) < 1e-6) }
        }
        Self.expectMatches(batch[0], Self.reference(ids: ids, vectors: vectors, query: queries[0], k: 10) {
            !excluded.contains($0) && $0 % 3 != 0
        })
        #expect(try index.search(batch: [], k: 5).isEmpty)
        #expect(try index.search(batch: queries.prefix(2).map { $0 }, k: 0) == [[], []])
    }

    // MARK: Order, exclusions, filters

    @Test("equal scores rank the smaller id first, whatever the row order; k cuts a tie by id")
    func tiesOrderedById() throws {
        let ids: [Int64] = [42, 7, 19, 3, 100, 8]
        let vectors: [[Float]] = [[1, 0], [2, 0], [0, 1], [0.5, 0], [1, 1], [0, 3]]
        let query: [Float] = [1, 0]
        for order in [Array(0..<6), [5, 4, 3, 2, 1, 0], [2, 0, 5, 3, 1, 4]] {
            let index = try EmbeddingIndex(ids: order.map { ids[$0] }, vectors: order.map { vectors[$0] })
            let all = try index.search(query, k: 10)
            #expect(all.map(\.id) == [3, 7, 42, 100, 8, 19])
            #expect(all.map(\.score).prefix(3) == [1, 1, 1])
            #expect(try index.search(query, k: 2).map(\.id) == [3, 7])
            #expect(try index.search(query, k: 5).map(\.id) == [3, 7, 42, 100, 8])
        }
    }

    @Test("excluded and filtered ids are skipped during selection: k results remain when enough qualify")
    func exclusionAndFilter() throws {
        let (ids, vectors) = Self.randomData(count: 200, dimension: 12, seed: 5)
        let index = try EmbeddingIndex(ids: ids, vectors: vectors)
        let query = vectors[17]
        let best = try index.search(query, k: 5)
        #expect(best.first?.id == ids[17])
        let excluded = Set(best.map(\.id))
        let rest = try index.search(query, k: 5, excluding: excluded)
        #expect(rest.count == 5 && Set(rest.map(\.id)).isDisjoint(with: excluded))
        Self.expectMatches(rest, Self.reference(ids: ids, vectors: vectors, query: query, k: 5) { !excluded.contains($0) })
        let even = try index.search(query, k: 8, excluding: excluded, filter: { $0 % 2 == 0 })
        #expect(even.count == 8 && even.allSatisfy { $0.id % 2 == 0 && !excluded.contains($0.id) })
        Self.expectMatches(even, Self.reference(ids: ids, vectors: vectors, query: query, k: 8) {
            $0 % 2 == 0 && !excluded.contains($0)
        })
        // k beyond what qualifies returns exactly the qualifying rows.
        let few = Set(ids.prefix(3))
        #expect(Set(try index.search(query, k: 50, filter: { few.contains($0) }).map(\.id)) == few)
        #expect(try index.search(query, k: 50, excluding: Set(ids)).isEmpty)
        #expect(try index.search(query, k: 50, filter: { _ in false }).isEmpty)
    }

    // MARK: Zero vectors and normalisation

    @Test("zero rows and a zero query score 0, never NaN; a zero query ranks by id")
    func zeroVectors() throws {
        let ids: [Int64] = [5, 2, 9, 1]
        let vectors: [[Float]] = [[0, 0, 0], [1, 2, 3], [0, 0, 0], [-1, 0, 0]]
        for normalize in [true, false] {
            let index = try EmbeddingIndex(ids: ids, vectors: vectors, normalize: normalize)
            let result = try index.search([1, 0, 0], k: 4)
            #expect(result.allSatisfy { !$0.score.isNaN })
            #expect(result.map(\.id) == [2, 5, 9, 1])
            #expect(result.filter { [5, 9].contains($0.id) }.map(\.score) == [0, 0])
            let zeroQuery = try index.search([0, 0, 0], k: 4)
            #expect(zeroQuery.map(\.id) == [1, 2, 5, 9])
            #expect(zeroQuery.map(\.score) == [0, 0, 0, 0])
            #expect(index.vector(for: 5) == [0, 0, 0])
        }
        #expect(try EmbeddingIndex.groupQuery([[0, 0], [0, 0]]) == [0, 0])
    }

    @Test("rows are stored at unit length; scaling a row or the query changes no result")
    func normalisation() throws {
        let (ids, vectors) = Self.randomData(count: 50, dimension: 16, seed: 6)
        // Tiny (subnormal-scale), huge and ordinary rows all normalise to unit length.
        let scales: [Float] = [1e-40, 1e-20, 1, 1e20, 1e30]
        let scaled = vectors.enumerated().map { row, vector in vector.map { $0 * scales[row % scales.count] } }
        let index = try EmbeddingIndex(ids: ids, vectors: scaled)
        for id in ids {
            let vector = try #require(index.vector(for: id))
            let norm = vector.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-5, "id \(id): norm \(norm)")
        }
        let plain = try EmbeddingIndex(ids: ids, vectors: vectors)
        let query = vectors[3]
        let expected = try plain.search(query, k: 10)
        #expect(try index.search(query.map { $0 * 1e-3 }, k: 10).map(\.id) == expected.map(\.id))
        #expect(expected.first.map { abs($0.score - 1) < 1e-5 } == true)
        #expect(index.normalizes && plain.normalizes)
    }

    @Test("without normalize, scores are raw inner products of the rows as given")
    func innerProductWithoutNormalize() throws {
        let index = try EmbeddingIndex(ids: [1, 2, 3], vectors: [[2, 0], [0, 3], [1, 1]], normalize: false)
        #expect(!index.normalizes)
        let result = try index.search([1, 2], k: 3)
        #expect(result == [.init(id: 2, score: 6), .init(id: 3, score: 3), .init(id: 1, score: 2)])
        #expect(index.vector(for: 1) == [2, 0])
    }

    @Test("the flat row-major initialiser equals the one taking one vector per id")
    func flatInitialiser() throws {
        let (ids, vectors) = Self.randomData(count: 40, dimension: 5, seed: 7)
        let flat = try EmbeddingIndex(ids: ids, rowMajor: Array(vectors.joined()), dimension: 5)
        let nested = try EmbeddingIndex(ids: ids, vectors: vectors)
        #expect(flat.count == 40 && flat.dimension == 5)
        #expect(try flat.search(vectors[0], k: 40) == nested.search(vectors[0], k: 40))
        #expect(flat.contains(ids[0]) && !flat.contains(Int64.max))
        #expect(flat.vector(for: Int64.max) == nil)
    }

    @Test("an empty index returns no results")
    func emptyIndex() throws {
        let index = try EmbeddingIndex(ids: [], vectors: [], dimension: 3)
        #expect(index.count == 0 && index.dimension == 3)
        #expect(try index.search([1, 2, 3], k: 5).isEmpty)
        #expect(try index.search(batch: [[1, 2, 3]], k: 5) == [[]])
        let flat = try EmbeddingIndex(ids: [], rowMajor: [], dimension: 3)
        #expect(try flat.search([1, 2, 3], k: 5).isEmpty)
    }

    // MARK: Group queries

    @Test("a group query is the renormalised mean of the seeds' unit vectors; its search skips the seeds")
    func groupQuery() throws {
        let seeds: [[Float]] = [[3, 4, 0], [0, 0, 10], [0, 0, 0]]
        // Unit vectors [0.6, 0.8, 0] and [0, 0, 1] (the zero seed adds nothing); mean renormalised.
        let expected: [Double] = [0.6, 0.8, 1].map { $0 / 2.0.squareRoot() }
        let query = try EmbeddingIndex.groupQuery(seeds)
        for (value, reference) in zip(query, expected) { #expect(abs(Double(value) - reference) < 1e-6) }

        let (ids, vectors) = Self.randomData(count: 120, dimension: 10, seed: 8)
        let index = try EmbeddingIndex(ids: ids, vectors: vectors)
        let group = [ids[4], ids[9], ids[30]]
        let fromIDs = try index.groupQuery(seeds: group)
        let fromVectors = try EmbeddingIndex.groupQuery([vectors[4], vectors[9], vectors[30]])
        for (a, b) in zip(fromIDs, fromVectors) { #expect(abs(a - b) < 1e-6) }
        let result = try index.search(seeds: group, k: 10, excluding: [ids[0]])
        #expect(result.count == 10 && result.allSatisfy { !group.contains($0.id) && $0.id != ids[0] })
        let excluded = Set(group + [ids[0]])
        Self.expectMatches(result, Self.reference(ids: ids, vectors: vectors, query: fromVectors, k: 10) {
            !excluded.contains($0)
        })
    }

    @Test("group queries refuse no seeds, unknown seeds, mixed lengths and NaN")
    func groupQueryErrors() throws {
        let index = try EmbeddingIndex(ids: [1, 2], vectors: [[1, 0], [0, 1]])
        #expect(Self.errorMessage { _ = try EmbeddingIndex.groupQuery([]) } ==
                "embedding index: a group query needs at least one seed")
        #expect(Self.errorMessage { _ = try index.groupQuery(seeds: [1, 77]) } ==
                "embedding index: group seed id 77 is not in the index")
        #expect(Self.errorMessage { _ = try index.search(seeds: [], k: 3) } ==
                "embedding index: a group query needs at least one seed")
        #expect(Self.errorMessage { _ = try EmbeddingIndex.groupQuery([[1, 2], [1, 2, 3]]) } ==
                "embedding index: group seed 1 has 3 values; seed 0 has 2")
        #expect(Self.errorMessage { _ = try EmbeddingIndex.groupQuery([[1, .nan]]) } ==
                "embedding index: group seed 0 has a NaN or infinite value")
    }

    // MARK: Invalid input

    @Test("a query of the wrong dimension is refused with a message naming both sizes")
    func dimensionMismatch() throws {
        let index = try EmbeddingIndex(ids: [1, 2], vectors: [[1, 0, 0, 0], [0, 1, 0, 0]])
        #expect(throws: MusicIndexError.invalidArgument("embedding index: the query has 3 values; the index's vectors have 4")) {
            try index.search([1, 2, 3], k: 1)
        }
        #expect(Self.errorMessage { _ = try index.search(batch: [[1, 0, 0, 0], [1, 0]], k: 1) } ==
                "embedding index: query 1 has 2 values; the index's vectors have 4")
        #expect(Self.errorMessage { _ = try index.search([], k: 1) } ==
                "embedding index: the query has 0 values; the index's vectors have 4")
    }

    @Test("building refuses ragged rows, size mismatches, dimension 0, repeated ids and NaN")
    func invalidBuild() {
        #expect(Self.errorMessage { _ = try EmbeddingIndex(ids: [1, 2], vectors: [[1, 2, 3], [1, 2]]) } ==
                "embedding index: vector 1 (id 2) has 2 values; expected 3")
        #expect(Self.errorMessage { _ = try EmbeddingIndex(ids: [1, 2], vectors: [[1, 2]], dimension: 2) } ==
                "embedding index: 2 ids but 1 vectors")
        #expect(Self.errorMessage { _ = try EmbeddingIndex(ids: [1], vectors: [[1, 2]], dimension: 3) } ==
                "embedding index: vector 0 (id 1) has 2 values; expected 3")
        #expect(Self.errorMessage { _ = try EmbeddingIndex(ids: [], vectors: []) } ==
                "embedding index: an empty index needs its dimension")
        #expect(Self.errorMessage { _ = try EmbeddingIndex(ids: [1, 2], rowMajor: [1, 2, 3], dimension: 2) } ==
                "embedding index: 2 ids need 4 floats of dimension 2; got 3")
        #expect(Self.errorMessage { _ = try EmbeddingIndex(ids: [], rowMajor: [], dimension: 0) } ==
                "embedding index: dimension must be at least 1; got 0")
        #expect(Self.errorMessage { _ = try EmbeddingIndex(ids: [4, 5, 4], vectors: [[1], [2], [3]]) } ==
                "embedding index: id 4 appears twice (rows 0 and 2)")
        for normalize in [true, false] {
            #expect(Self.errorMessage { _ = try EmbeddingIndex(ids: [1, 2], vectors: [[1, 2], [.infinity, 0]], normalize: normalize) } ==
                    "embedding index: vector 1 (id 2) has a NaN or infinite value")
            #expect(Self.errorMessage { _ = try EmbeddingIndex(ids: [1], vectors: [[.nan, 0]], normalize: normalize) } ==
                    "embedding index: vector 0 (id 1) has a NaN or infinite value")
        }
    }

    @Test("searching refuses k < 0 and a NaN or infinite query")
    func invalidSearch() throws {
        let index = try EmbeddingIndex(ids: [1, 2], vectors: [[1, 0], [0, 1]])
        #expect(Self.errorMessage { _ = try index.search([1, 0], k: -1) } == "embedding index: k must be at least 0; got -1")
        #expect(Self.errorMessage { _ = try index.search(batch: [[1, 0]], k: -3) } == "embedding index: k must be at least 0; got -3")
        #expect(Self.errorMessage { _ = try index.search([.nan, 0], k: 1) } == "embedding index: the query has a NaN or infinite value")
        #expect(Self.errorMessage { _ = try index.search(batch: [[1, 0], [0, -.infinity]], k: 1) } ==
                "embedding index: query 1 has a NaN or infinite value")
    }

    // MARK: Selection

    @Test("TopK keeps the best pairs of any offer order and never keeps NaN")
    func topKSelection() {
        let scores: [Float] = [0.5, .nan, 0.9, 0.5, -1, 0.9, .infinity, 0.1]
        let ids: [Int64] = [10, 11, 12, 13, 14, 15, 16, 17]
        var random = SeededGenerator(seed: 9)
        for _ in 0..<20 {
            let order = Array(0..<scores.count).shuffled(using: &random)
            for capacity in [0, 1, 3, 8, 20] {
                var top = TopK(capacity: capacity)
                order.map { scores[$0] }.withUnsafeBufferPointer { s in
                    order.map { ids[$0] }.withUnsafeBufferPointer { top.offer(scores: s, ids: $0, accepts: nil) }
                }
                let expected: [Int64] = [16, 12, 15, 10, 13, 17, 14, 11]
                #expect(top.sorted().map(\.id) == Array(expected.prefix(capacity)))
                #expect(top.sorted().allSatisfy { !$0.score.isNaN })
            }
        }
    }
}

/// The Swift side of benchmarks/search.sh, run only when `MUSICINDEX_BENCH_SEARCH` names a
/// folder written by `benchmarks/search_faiss.py make` (the package has no benchmark
/// executable, and the CLI gets no hidden command).
///
/// Folder: base.f32 (raw float32 LE [rows, dimension]), queries.f32 ([queries, dimension]),
/// the dimension is MUSICINDEX_BENCH_SEARCH_DIM (default 500).
/// Environment: MUSICINDEX_BENCH_SEARCH_SIZES (comma-separated row counts, each a prefix of
/// base.f32; default 100000), MUSICINDEX_BENCH_SEARCH_THREADS (OpenBLAS threads, default 1),
/// MUSICINDEX_BENCH_SEARCH_K (default 20). For each size, after 5 warm-up queries, times
/// every query alone and prints `rows=N p50_ms= p99_ms= batch_ms=` (batch: all queries in one
/// `search(batch:)` call), and writes the result ids as int64 [queries, k] to
/// swift_ids_N_threadsT.i64 for the agreement check against faiss.
@Suite("Query: search benchmark")
struct QuerySearchBenchmarkTests {
    static let environment = ProcessInfo.processInfo.environment

    @Test("exact search latency (MUSICINDEX_BENCH_SEARCH)", .enabled(if: environment["MUSICINDEX_BENCH_SEARCH"] != nil))
    func latency() throws {
        let folder = Self.environment["MUSICINDEX_BENCH_SEARCH"]!
        let dimension = Int(Self.environment["MUSICINDEX_BENCH_SEARCH_DIM"] ?? "500") ?? 500
        let sizes = (Self.environment["MUSICINDEX_BENCH_SEARCH_SIZES"] ?? "100000").split(separator: ",").compactMap { Int($0) }
        let threads = Int(Self.environment["MUSICINDEX_BENCH_SEARCH_THREADS"] ?? "1") ?? 1
        let k = Int(Self.environment["MUSICINDEX_BENCH_SEARCH_K"] ?? "20") ?? 20
        BLAS.setThreads(threads)
        let flatQueries = try Self.floats(folder + "/queries.f32", count: nil)
        let queries = stride(from: 0, to: flatQueries.count, by: dimension).map { Array(flatQueries[$0..<($0 + dimension)]) }
        for rows in sizes {
            let index = try EmbeddingIndex(ids: (0..<Int64(rows)).map { $0 },
                                           rowMajor: Self.floats(folder + "/base.f32", count: rows * dimension),
                                           dimension: dimension)
            for query in queries.prefix(5) { _ = try index.search(query, k: k) }
            var milliseconds: [Double] = []
            var ids: [Int64] = []
            for query in queries {
                let start = ContinuousClock.now
                let result = try index.search(query, k: k)
                milliseconds.append(Self.milliseconds(start.duration(to: .now)))
                ids += result.map(\.id)
            }
            let start = ContinuousClock.now
            _ = try index.search(batch: queries, k: k)
            let batch = Self.milliseconds(start.duration(to: .now))
            try ids.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: folder + "/swift_ids_\(rows)_threads\(threads).i64")) }
            print(String(format: "rows=%d p50_ms=%.3f p99_ms=%.3f batch_ms=%.1f", rows,
                         Self.percentile(milliseconds, 50), Self.percentile(milliseconds, 99), batch))
        }
    }

    /// The nearest-rank percentile (as benchmarks/search_faiss.py computes it).
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1)]
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) * 1e-15
    }

    /// The first `count` floats of a raw little-endian float32 file (all when nil), read
    /// straight into the array (the 1,000,000-row file is 2 GB).
    static func floats(_ path: String, count: Int?) throws -> [Float] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let total = try count ?? Int(handle.seekToEnd()) / 4
        try handle.seek(toOffset: 0)
        return try [Float](unsafeUninitializedCapacity: total) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            var filled = 0
            while filled < raw.count {
                let got = read(handle.fileDescriptor, raw.baseAddress! + filled, min(raw.count - filled, 1 << 26))
                guard got > 0 else { throw MusicIndexError.invalidArgument("\(path): short read at byte \(filled)") }
                filled += got
            }
            initialized = total
        }
    }
}
