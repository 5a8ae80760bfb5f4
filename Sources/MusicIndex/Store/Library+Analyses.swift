import Foundation
internal import GRDB

/// A genre model's verdict on one audio payload, as the scan hands it to the writer and as
/// it is stored.
public struct GenreAnalysis: Sendable, Equatable {
    /// The model's identity and its labels, in output order.
    public var model: ModelIdentity
    /// The track's genre distribution: the mean of its segments' probability vectors.
    public var probabilities: [Float]
    /// Each segment's probabilities, in time order (the genre timeline).
    public var timeline: [[Float]]
    /// The mean of the segments' embeddings (the model's penultimate layer).
    public var embedding: [Float]

    /// The most probable label and its probability.
    public var top: (label: String, probability: Float) {
        let index = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
        return (model.labels.indices.contains(index) ? model.labels[index] : "", probabilities.isEmpty ? 0 : probabilities[index])
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.model == b.model && a.probabilities == b.probabilities && a.timeline == b.timeline && a.embedding == b.embedding
    }
}

/// Which model produced an analysis.
public struct ModelIdentity: Sendable, Hashable, Codable {
    public var name: String
    public var version: String
    public var labels: [String]
    /// The model file's metadata, verbatim.
    public var metadata: [String: String]

    public init(name: String, version: String, labels: [String], metadata: [String: String]) {
        self.name = name
        self.version = version
        self.labels = labels
        self.metadata = metadata
    }
}

extension Library {
    /// Audio hashes already analysed by the given model version.
    func analysedHashes(model: ModelIdentity) throws(MusicIndexError) -> Set<String> {
        try read { db in
            Set(try String.fetchAll(db, sql: """
                SELECT a.audio_hash FROM analyses a JOIN models m ON m.id = a.model_id
                WHERE m.name = ? AND m.version = ?
                """, arguments: [model.name, model.version]))
        }
    }

    /// The stored analysis of an audio payload by the newest-added model that has one.
    public func genreAnalysis(audioHash: String) throws(MusicIndexError) -> GenreAnalysis? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT m.name, m.version, m.labels, m.metadata, a.probabilities, a.segments, a.timeline, a.embedding
                FROM analyses a JOIN models m ON m.id = a.model_id
                WHERE a.audio_hash = ? ORDER BY m.id DESC LIMIT 1
                """, arguments: [audioHash]) else { return nil }
            let labels = (try? JSONDecoder().decode([String].self, from: Data((row[2] as String).utf8))) ?? []
            let metadata = (try? JSONDecoder().decode([String: String].self, from: Data((row[3] as String).utf8))) ?? [:]
            let probabilities = Self.floats(row[4])
            let segments: Int = row[5]
            let flat = Self.floats(row[6])
            let width = max(1, labels.count)
            let timeline = (0..<segments).map { Array(flat[min(flat.count, $0 * width)..<min(flat.count, ($0 + 1) * width)]) }
            return GenreAnalysis(model: ModelIdentity(name: row[0], version: row[1], labels: labels, metadata: metadata),
                                 probabilities: probabilities, timeline: timeline, embedding: Self.floats(row[7]))
        }
    }

    /// Stores an analysis (inside a write transaction), registering its model when new.
    static func storeAnalysis(_ analysis: GenreAnalysis, audioHash: String, at time: String, db: Database) throws {
        let model = analysis.model
        let labels = String(decoding: try JSONEncoder().encode(model.labels), as: UTF8.self)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let metadata = String(decoding: try encoder.encode(model.metadata), as: UTF8.self)
        try db.cachedStatement(sql: """
            INSERT INTO models (name, version, labels, metadata, added_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (name, version) DO NOTHING
            """).execute(arguments: [model.name, model.version, labels, metadata, time])
        let modelID = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM models WHERE name = ? AND version = ?"),
                                         arguments: [model.name, model.version])!
        let top = analysis.top
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO analyses (audio_hash, model_id, top_label, top_probability, probabilities,
                segments, timeline, embedding, analysed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [audioHash, modelID, top.label, Double(top.probability),
                                     blob(analysis.probabilities), analysis.timeline.count,
                                     blob(analysis.timeline.flatMap { $0 }), blob(analysis.embedding), time])
    }

    /// Removes analyses no track refers to any more; returns how many went.
    @discardableResult
    func removeOrphanedAnalyses() throws(MusicIndexError) -> Int {
        try write { db in
            try db.execute(sql: "DELETE FROM analyses WHERE audio_hash NOT IN (SELECT audio_hash FROM tracks)")
            return db.changesCount
        }
    }

    /// Little-endian float32 bytes.
    static func blob(_ values: [Float]) -> Data {
        var data = Data(capacity: values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    static func floats(_ data: Data?) -> [Float] {
        guard let data else { return [] }
        return stride(from: 0, to: data.count - data.count % 4, by: 4).map { offset in
            var bits: UInt32 = 0
            for byte in 0..<4 { bits |= UInt32(data[data.startIndex + offset + byte]) << (8 * byte) }
            return Float(bitPattern: bits)
        }
    }
}

extension ModelIdentity {
    /// The identity and the descriptive metadata of a loaded model.
    init(_ model: GenreModel) {
        let m = model.metadata
        var metadata: [String: String] = [
            "training_data": m.trainingData,
            "segment_frames": String(m.segmentFrames),
            "normalization": "{\"mean\": \(m.normalizationMean), \"std\": \(m.normalizationStd)}",
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        if let features = try? encoder.encode(m.features) { metadata["features"] = String(decoding: features, as: UTF8.self) }
        if let metrics = m.metrics { metadata["metrics"] = metrics }
        if let created = m.created { metadata["created"] = created }
        self.init(name: m.name, version: m.version, labels: m.labels, metadata: metadata)
    }
}
