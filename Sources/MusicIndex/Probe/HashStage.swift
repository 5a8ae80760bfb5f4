/// Fingerprints the audio payload that `ProbeStage` located (see `AudioHasher`): the key
/// under which a track's analysis is stored.
///
/// Analysis scans hash every file they read. A tags-only scan needs no key for new files, so
/// it skips the 64 KiB of scattered reads per file; it still hashes a file that had a key
/// before (a re-tagged or replaced file), so the file stays linked to its analysis. Files
/// left without a key get one from the next analysis scan, which reads them anyway.
struct HashStage: ScanStage {
    enum Policy: Sendable {
        /// Every file (analysis scans).
        case always
        /// Only files that had a key before (tags-only scans).
        case whereKnown
    }

    let policy: Policy

    func run(_ draft: inout TrackDraft, file: ReadOnlyFile, profile: inout StageProfile) throws(StageFailure) {
        try profile.measure(.probe) { () throws(StageFailure) in try hash(&draft, file: file) }
    }

    private func hash(_ draft: inout TrackDraft, file: ReadOnlyFile) throws(StageFailure) {
        guard let format = draft.format, let payload = draft.payload else {
            throw StageFailure(.probe, "no audio payload was located")
        }
        if policy == .whereKnown && (draft.previousAudioHash ?? "").isEmpty { return }
        do {
            draft.audioHash = try AudioHasher.hash(of: file, format: format, payload: payload)
        } catch {
            throw StageFailure(.open, "read error: \(error.message)")
        }
    }
}
