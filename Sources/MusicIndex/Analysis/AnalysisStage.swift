/// Decodes the track and computes its engineered features (see `TrackAnalyzer`), unless
/// features for the same audio payload and front end are already stored: a moved, copied
/// or re-tagged file is not decoded again.
struct AnalysisStage: ScanStage {
    let analyzer: TrackAnalyzer
    /// Audio hashes already analysed with this front end.
    let analysed: Set<String>

    func run(_ draft: inout TrackDraft, file: ReadOnlyFile) throws(StageFailure) {
        if let hash = draft.audioHash, analysed.contains(hash) { return }
        let analysis = try analyzer.analyse(path: file.path, features: true)
        if analysis.skippedFrames > 0 {
            draft.warning = "\(analysis.skippedFrames) damaged or missing audio frames skipped by \(analysis.backend)"
        }
        guard let features = analysis.features else { return }
        draft.features = AnalysedFeatures(features: features, frontEnd: analyzer.frontEndIdentity,
                                          full: analyzer.windows.full)
    }
}
