/// Decodes the track once and computes what the library lacks for its audio payload: the
/// engineered features (see `TrackAnalyzer`) and the genre model's verdict (see
/// `GenreClassifier`). Whatever is already stored for the same payload, front end and model
/// version is not recomputed: a moved, copied or re-tagged file is not decoded again (the
/// damage stored with its features is reported again instead).
struct AnalysisStage: ScanStage {
    let analyzer: TrackAnalyzer
    /// Audio hashes whose features are stored for this front end, with the damage decoding
    /// found then (nil when none).
    let analysedFeatures: [String: String?]
    /// The genre model, when the scan has one, and the hashes it already analysed.
    let classifier: GenreClassifier?
    let model: ModelIdentity?
    let analysedByModel: Set<String>

    func run(_ draft: inout TrackDraft, file: ReadOnlyFile, profile: inout StageProfile) throws(StageFailure) {
        let hash = draft.audioHash
        let needFeatures = hash.map { analysedFeatures[$0] == nil } ?? true
        let needModel = classifier != nil && (hash.map { !analysedByModel.contains($0) } ?? true)
        guard needFeatures || needModel else {
            if let hash, let damage = analysedFeatures[hash] ?? nil { draft.warning = damage }
            return
        }
        let analysis = try analyzer.analyse(path: file.path, features: needFeatures, profile: &profile)
        draft.warning = Self.damageWarning(analysis)
        if needFeatures, let features = analysis.features {
            draft.features = AnalysedFeatures(features: features, frontEnd: analyzer.frontEndIdentity,
                                              full: analyzer.windows.full, damage: draft.warning)
        }
        if needModel, let classifier, let model {
            let prediction: TrackPrediction
            do {
                prediction = try profile.measure(.model) { () throws(ModelInputError) in
                    try classifier.classify(analysis.segments)
                }
            } catch {
                throw StageFailure(.analysis, "genre model: \(error)")
            }
            draft.genres = GenreAnalysis(model: model, probabilities: prediction.probabilities,
                                         timeline: prediction.timeline, embedding: prediction.embedding)
        }
    }

    /// What the user should know about a track that decoded only in part, or nil.
    static func damageWarning(_ analysis: TrackAnalysis) -> String? {
        var parts: [String] = []
        if analysis.skippedFrames > 0 {
            parts.append("\(analysis.skippedFrames) damaged or missing audio frames skipped by \(analysis.backend)")
        }
        if let readable = analysis.duration, let declared = analysis.declaredDuration, declared - readable >= 0.5 {
            parts.append(String(format: "truncated or damaged: %.1f s of its declared %.1f s can be decoded; analysed from those",
                                readable, declared))
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
