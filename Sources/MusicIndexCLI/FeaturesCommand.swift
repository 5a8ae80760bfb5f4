import ArgumentParser
import Foundation
import MusicIndex

/// `musicindex features FILE...`: the audio front end on single files, without a library.
/// The training pipeline reads its model inputs through this command.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Write a file's model-input mel-spectrogram segments (.npy) and print its engineered features.",
        discussion: """
            Each file's segments are written as a float32 array of shape [segments, mels, frames] \
            (mel-spectrogram in dB, librosa-exact) to OUT/<name>.npy when --out is given. The \
            analysed spans follow the windows policy (three windows at 25/50/75 % of the track, \
            the whole track when it is under a minute); --full analyses the whole track.
            """)

    @Argument(help: ArgumentHelp("Audio files.", valueName: "file"))
    var files: [String]

    @Option(help: ArgumentHelp("Folder for the segment arrays (created if missing).", valueName: "dir"))
    var out: String?

    @Flag(help: "Analyse the whole track in consecutive segments.")
    var full = false

    @Flag(help: "Compute the segments only (no engineered features).")
    var segmentsOnly = false

    @Flag(help: "With --full: write the whole track's mel-spectrogram [mels, frames] instead of its segments (for training with random crops).")
    var spectrogram = false

    @Flag(help: "Print one JSON object per file (one per line).")
    var json = false

    @Option(help: "Files analysed in parallel.")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1 (got \(jobs))") }
        guard !files.isEmpty else { throw ValidationError("give at least one audio file") }
        guard !spectrogram || full else { throw ValidationError("--spectrogram needs --full (one span per track)") }
    }

    func run() throws {
        let analyzer: TrackAnalyzer
        do {
            analyzer = try TrackAnalyzer(windows: AnalysisWindows(full: full))
        } catch {
            throw CLIError(String(describing: error))
        }
        if let out {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        }
        let outputs = Self.outputNames(files)
        let wantFeatures = !segmentsOnly
        var failed = 0
        ParallelMap.run(count: files.count, jobs: jobs) { index in
            Result { () throws(StageFailure) -> TrackAnalysis in
                try analyzer.analyse(path: files[index], features: wantFeatures, keepSpectrograms: spectrogram)
            }
        } consume: { index, result in
            let path = files[index]
            switch result {
            case .failure(let failure):
                failed += 1
                FileHandle.standardError.write(Data("musicindex: \(path): \(failure.reason) (\(failure.stage.rawValue))\n".utf8))
            case .success(let analysis):
                var written: String?
                if let out {
                    let target = (out as NSString).appendingPathComponent(outputs[index])
                    do {
                        if spectrogram, let whole = analysis.spectrograms.first {
                            try SegmentArray.write(matrix: whole, to: target)
                        } else {
                            try SegmentArray.write(analysis.segments, to: target)
                        }
                        written = target
                    } catch {
                        failed += 1
                        FileHandle.standardError.write(Data("musicindex: cannot write \(target): \(error.localizedDescription)\n".utf8))
                        return
                    }
                }
                if !quiet { report(path: path, analysis: analysis, segmentsFile: written) }
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }

    private func report(path: String, analysis: TrackAnalysis, segmentsFile: String?) {
        let shape = spectrogram
            ? analysis.spectrograms.first.map { [$0.rows, $0.columns] } ?? [0]
            : analysis.segments.first.map { [analysis.segments.count, $0.rows, $0.columns] } ?? [0]
        if json {
            let record = FeaturesRecord(path: path, duration: analysis.duration, declaredDuration: analysis.declaredDuration,
                                        backend: analysis.backend, skippedFrames: analysis.skippedFrames, segmentsShape: shape,
                                        segmentsFile: segmentsFile, spans: analysis.spans, features: analysis.features)
            print((try? JSONOutput.string(record, pretty: false)) ?? "{}")
            return
        }
        print(path)
        func line(_ name: String, _ value: String?) {
            guard let value else { return }
            print("  \(name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(value)")
        }
        line("decoder", analysis.backend)
        if analysis.skippedFrames > 0 { line("damaged frames", "\(analysis.skippedFrames) skipped") }
        line("duration", analysis.duration.map { String(format: "%.2f s", $0) })
        if let readable = analysis.duration, let declared = analysis.declaredDuration, declared - readable >= 0.5 {
            line("declared duration", String(format: "%.2f s (the rest is missing or damaged)", declared))
        }
        line("segments", shape.map(String.init).joined(separator: " x ") + (segmentsFile.map { " -> \($0)" } ?? ""))
        guard let f = analysis.features else { return }
        func number(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "n/a" }
        line("analysed", String(format: "%.1f s", f.analysedSeconds))
        line("tempo", number(f.tempo, "%.1f BPM"))
        line("beat strength", number(f.beatStrength, "%.2f"))
        line("onset rate", number(f.onsetRate, "%.2f /s"))
        line("loudness", number(f.loudness, "%.1f LUFS"))
        line("loudness range", number(f.loudnessRange, "%.1f LU"))
        line("rms", number(f.rms, "%.4f"))
        line("spectral centroid", number(f.spectralCentroid, "%.0f Hz"))
        line("spectral bandwidth", number(f.spectralBandwidth, "%.0f Hz"))
        line("spectral rolloff", number(f.spectralRolloff, "%.0f Hz"))
        line("spectral flatness", number(f.spectralFlatness, "%.4f"))
        line("zero-crossing rate", number(f.zeroCrossingRate, "%.4f"))
        line("key", f.key.map { "\($0) \(f.mode ?? "") (confidence \(number(f.keyConfidence, "%.2f")))" } ?? "n/a")
        line("energy", number(f.energy, "%.2f"))
        line("danceability", number(f.danceability, "%.2f"))
        line("acousticness", number(f.acousticness, "%.2f"))
        line("instrumentalness", number(f.instrumentalness, "%.2f"))
        line("mfcc mean", f.mfccMean.map { String(format: "%.1f", $0) }.joined(separator: " "))
        line("chroma mean", f.chromaMean.map { String(format: "%.2f", $0) }.joined(separator: " "))
    }

    /// `<name>.npy` per file, numbered `<name>-2.npy`, ... when names repeat.
    static func outputNames(_ files: [String]) -> [String] {
        var used: [String: Int] = [:]
        return files.map { file in
            let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            let count = (used[stem] ?? 0) + 1
            used[stem] = count
            return count == 1 ? stem + ".npy" : "\(stem)-\(count).npy"
        }
    }
}

/// One line of `features --json`.
struct FeaturesRecord: Encodable {
    let path: String
    /// Seconds that can be decoded, and the length the file's headers declare.
    let duration: Double?
    let declaredDuration: Double?
    let backend: String
    let skippedFrames: Int
    let segmentsShape: [Int]
    let segmentsFile: String?
    let spans: [AnalysisWindows.Span]
    let features: TrackFeatures?
}
