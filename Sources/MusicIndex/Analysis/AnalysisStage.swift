/// Decodes the track once and computes what the library lacks for its audio payload: the
/// engineered features (see `TrackAnalyzer`) and the genre model's verdict (see
/// `GenreClassifier`). Whatever is already stored for the same payload, front end and model
/// version is not recomputed: a moved, copied or re-tagged file is not decoded again.
struct AnalysisStage: ScanStage {
    let analyzer: TrackAnalyzer
    /// Audio hashes whose features are stored for this front end.
    let analysedFeatures: Set<String>
    /// The genre model, when the scan has one, and the hashes it already analysed.
    let classifier: GenreClassifier?
    let model: ModelIdentity?
    let analysedByModel: Set<String>

    func run(_ draft: inout TrackDraft, file: ReadOnlyFile, profile: inout StageProfile) throws(StageFailure) {
        let hash = draft.audioHash
        let needFeatures = hash.map { !analysedFeatures.contains($0) } ?? true
        let needModel = classifier != nil && (hash.map { !analysedByModel.contains($0) } ?? true)
        guard needFeatures || needModel else { return }
        let analysis = try analyzer.analyse(path: file.path, features: needFeatures, profile: &profile)
        if analysis.skippedFrames > 0 {
            draft.warning = "\(analysis.skippedFrames) damaged or missing audio frames skipped by \(analysis.backend)"
        }
        if needFeatures, let features = analysis.features {
            draft.features = AnalysedFeatures(features: features, frontEnd: analyzer.frontEndIdentity,
                                              full: analyzer.windows.full)
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
}
