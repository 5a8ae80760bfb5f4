/// Reads tags and stream properties with TagLib.
struct TagStage: ScanStage {
    func run(_ draft: inout TrackDraft, file: ReadOnlyFile, profile: inout StageProfile) throws(StageFailure) {
        try profile.measure(.tags) { () throws(StageFailure) in try readTags(&draft, file: file) }
    }

    private func readTags(_ draft: inout TrackDraft, file: ReadOnlyFile) throws(StageFailure) {
        guard let format = draft.format else { throw StageFailure(.tags, "no format was detected") }
        switch TagReader.read(file: file, format: format) {
        case .failure(.cannotOpen(let message)):
            throw StageFailure(.open, message)
        case .failure(.unsupported(let message)):
            throw StageFailure(.tags, "unsupported \(format.displayName) file: \(message)")
        case .failure(.invalid):
            throw StageFailure(.tags, "corrupt \(format.displayName) file: TagLib could not parse its stream headers")
        case .success(let raw):
            draft.tags = TrackTags(raw: raw)
            draft.audio = AudioProperties(
                codec: raw.codec,
                duration: raw.durationMilliseconds > 0 ? Double(raw.durationMilliseconds) / 1000 : nil,
                bitrateKbps: raw.bitrateKbps > 0 ? raw.bitrateKbps : nil,
                sampleRate: raw.sampleRate > 0 ? raw.sampleRate : nil,
                channels: raw.channels > 0 ? raw.channels : nil,
                bitsPerSample: raw.bitsPerSample > 0 ? raw.bitsPerSample : nil)
            if raw.sampleRate <= 0 || raw.channels <= 0 {
                throw StageFailure(.tags, "corrupt \(format.displayName) file: no valid audio stream (sample rate \(raw.sampleRate), channels \(raw.channels))")
            }
        }
    }
}
