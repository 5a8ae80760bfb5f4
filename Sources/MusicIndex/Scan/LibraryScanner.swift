import Foundation
import Synchronization

/// What a scan does and how.
public struct ScanOptions: Sendable {
    /// Folders (or single files) to scan; normalised to absolute paths.
    public var roots: [String]
    /// Files read in parallel.
    public var jobs: Int
    /// Walk into hidden folders and index hidden files.
    public var includeHidden: Bool
    /// Read tags only; leave audio analysis alone.
    public var tagsOnly: Bool
    /// Analyse whole tracks instead of the default windows (see `AnalysisWindows`).
    public var full: Bool
    /// The genre model file; nil scans without genre classification.
    public var modelPath: String?
    /// How folders are listed (tests substitute failures here).
    public var lister: any DirectoryLister
    /// Time every stage (`ScanSummary.profile`).
    public var profile: Bool

    public init(
        roots: [String], jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
        includeHidden: Bool = false, tagsOnly: Bool = false, full: Bool = false, modelPath: String? = nil,
        profile: Bool = false, lister: any DirectoryLister = SystemDirectoryLister()
    ) {
        self.profile = profile
        self.roots = roots.map { PathNormalizer.absolute($0) }
        self.jobs = jobs
        self.includeHidden = includeHidden
        self.tagsOnly = tagsOnly
        self.full = full
        self.modelPath = modelPath
        self.lister = lister
    }
}

/// Indexes folders into a library: walks them, skips files whose size and modification
/// time are unchanged, runs the per-file stages on the rest in parallel, and stores the
/// results through one writer in batched transactions. A file that fails is recorded with
/// its reason and never stops the scan; files that disappeared are removed.
public struct LibraryScanner: Sendable {
    public let library: Library
    public let options: ScanOptions

    /// Results are committed at least this often, so an interrupted scan keeps its work.
    static let batchSize = 256
    static let batchInterval = 1.0

    public init(library: Library, options: ScanOptions) throws(MusicIndexError) {
        guard options.jobs >= 1 else { throw .invalidArgument("--jobs must be at least 1 (got \(options.jobs))") }
        guard !options.roots.isEmpty else { throw .invalidArgument("give at least one folder to scan") }
        self.library = library
        self.options = options
    }

    /// The per-file stages, in order.
    func stages(analyzer: TrackAnalyzer, analysedFeatures: [String: String?], classifier: GenreClassifier?,
                analysedByModel: Set<String>) -> [any ScanStage] {
        if options.tagsOnly { return [ProbeStage(), TagStage(), HashStage(policy: .whereKnown)] }
        return [ProbeStage(), TagStage(), HashStage(policy: .always),
                AnalysisStage(analyzer: analyzer, analysedFeatures: analysedFeatures, classifier: classifier,
                              model: classifier.map { ModelIdentity($0.model) }, analysedByModel: analysedByModel)]
    }

    /// Loads the genre model, if one was given, and the front end that matches it.
    func loadAnalysis() throws(MusicIndexError) -> (TrackAnalyzer, GenreClassifier?) {
        guard !options.tagsOnly, let path = options.modelPath else {
            return (try TrackAnalyzer(windows: AnalysisWindows(full: options.full)), nil)
        }
        if let reason = BLAS.unavailableReason { throw .missingLibrary(reason) }
        let model = try GenreModel.load(path: path)
        do {
            let analyzer = try TrackAnalyzer(parameters: model.features,
                                             windows: AnalysisWindows(segmentFrames: model.segmentFrames, full: options.full))
            return (analyzer, try GenreClassifier(model: model, frontEnd: analyzer.parameters))
        } catch let error as MusicIndexError {
            throw error
        } catch {
            throw .invalidArgument("model file \(path): \(error)")
        }
    }

    public func run(
        isCancelled: @escaping @Sendable () -> Bool = { false },
        progress: @escaping @Sendable (ScanProgress) -> Void = { _ in }
    ) async throws(MusicIndexError) -> ScanSummary {
        let clock = ContinuousClock.now
        var summary = ScanSummary()
        // Scans recorded as running while no scan holds the lock were killed.
        let lock = ScanLock(libraryPath: library.path)
        defer { withExtendedLifetime(lock) {} }
        if lock != nil { try library.markAbandonedScans() }
        let walker = LibraryWalker(includeHidden: options.includeHidden, lister: options.lister)
        try walker.validate(roots: options.roots)
        let known = try library.knownFiles(under: options.roots)
        let (analyzer, classifier) = try loadAnalysis()
        let analysed: [String: String?] = options.tagsOnly ? [:] : try library.analysedHashes(frontEnd: analyzer.frontEndIdentity, full: options.full)
        var analysedByModel: Set<String> = []
        if let classifier { analysedByModel = try library.analysedHashes(model: ModelIdentity(classifier.model)) }
        let scanID = try library.beginScan(roots: options.roots, at: Timestamp.now())

        // The walk runs on its own thread and hands the workers each new or changed file as
        // soon as it finds it, so reading starts with the first folder.
        // Largest files first: the last files a worker takes are then the short ones, so the
        // workers finish close together instead of one waiting out another's long file.
        let pending = WorkQueue<PendingFile>(priority: { $0.file.size })
        let walked = WalkHandOver()
        let (roots, tagsOnly, hasClassifier) = (options.roots, options.tagsOnly, classifier != nil)
        let modelHashes = analysedByModel
        let walkThread = Thread {
            var report = WalkReport()
            do throws(MusicIndexError) {
                report.result = try walker.walk(roots: roots, isCancelled: isCancelled) { file in
                    guard report.seen.insert(file.path).inserted else { return }  // reached through two roots
                    let entry = known[file.path]
                    if let entry, entry.size == file.size, entry.mtimeNanoseconds == file.mtimeNanoseconds,
                       tagsOnly || entry.isFailure || entry.audioHash.map({ hash in
                           analysed[hash] != nil && (!hasClassifier || modelHashes.contains(hash))
                       }) ?? false {
                        // Unchanged, and analysed already (or analysis is not wanted).
                        if entry.isFailure { report.stillFailing += 1 } else { report.unchanged += 1 }
                    } else {
                        pending.append(PendingFile(file: file, previousAudioHash: entry?.audioHash))
                    }
                }
            } catch {
                report.error = error
            }
            walked.finish(report)
            pending.close()
        }
        walkThread.stackSize = 8 << 20  // the walk recurses once per folder level
        walkThread.start()

        let stages = self.stages(analyzer: analyzer, analysedFeatures: analysed, classifier: classifier,
                                 analysedByModel: analysedByModel)
        let profiling = options.profile
        // A full analysis reads every file front to back: each worker starts the kernel
        // reading its file and the one after it in the queue, so that on a cold cache the
        // disk works while the cores decode. (A windowed analysis reads parts of a file only.)
        let prefetch = options.full && !options.tagsOnly
        let outcomes = runConcurrently(pending, jobs: options.jobs, isCancelled: isCancelled) { item in
            if prefetch {
                ReadOnlyFile.prefetch(path: item.file.path)
                if let next = pending.peek() { ReadOnlyFile.prefetch(path: next.file.path) }
            }
            var profile = StageProfile(enabled: profiling)
            let outcome = Self.process(item.file, previousAudioHash: item.previousAudioHash, stages: stages, profile: &profile)
            return (outcome, profile)
        }
        var profile = StageProfile(enabled: profiling)
        var batch: [FileOutcome] = []
        var lastFlush = ContinuousClock.now
        var done = 0
        for await group in outcomes {
            for (outcome, fileProfile) in group {
                done += 1
                tally(outcome, known: known, into: &summary)
                batch.append(outcome)
                profile.merge(fileProfile)
            }
            if batch.count >= Self.batchSize || lastFlush.duration(to: .now) > .seconds(Self.batchInterval) {
                try profile.measure(.store) { () throws(MusicIndexError) in
                    try library.record(batch, known: known, scannedAt: Timestamp.now())
                }
                batch.removeAll(keepingCapacity: true)
                lastFlush = .now
            }
            progress(ScanProgress(done: done, total: pending.count, elapsedSeconds: clock.duration(to: .now).seconds,
                                  walking: !walked.isFinished))
        }
        try profile.measure(.store) { () throws(MusicIndexError) in
            try library.record(batch, known: known, scannedAt: Timestamp.now())
        }

        // The stream ends early when the scan is stopped; the walk stops at its next folder.
        let walk = walked.wait()
        summary.warnings.insert(contentsOf: walk.result.unreadableFolders.map { "cannot read folder \($0.path): \($0.reason)" }, at: 0)
        if let error = walk.error {
            // A root that disappeared during the walk.
            summary.interrupted = true
            summary.elapsedSeconds = clock.duration(to: .now).seconds
            try library.finishScan(id: scanID, summary: summary, at: Timestamp.now())
            throw error
        }
        if walk.result.cancelled {
            // Stopped while listing folders: nothing is removed, since a file the walk did not
            // reach is not gone; what was read before is kept.
            summary.interrupted = true
        } else {
            summary.unchanged += walk.unchanged
            summary.stillFailing += walk.stillFailing
            // Files that are gone, except under folders that could not be read this time.
            let unreadable = walk.result.unreadableFolders.map { $0.path + "/" }
            let gone = known.keys.filter { path in
                !walk.seen.contains(path) && !unreadable.contains { path.hasPrefix($0) }
            }.sorted()
            summary.removed += try library.removeFiles(gone)
        }

        summary.interrupted = summary.interrupted || done < pending.count
        // A tags-only scan leaves analysis alone: files it read without hashing (new or moved
        // ones) may still own stored analyses, which the next analysis scan links again.
        if !summary.interrupted && !options.tagsOnly {
            try library.removeOrphanedFeatures()
            try library.removeOrphanedAnalyses()
        }
        summary.failures.sort { $0.path < $1.path }
        summary.elapsedSeconds = clock.duration(to: .now).seconds
        if profiling {
            summary.profile = ScanProfile(stages: profile, workers: min(options.jobs, max(1, pending.count)),
                                          elapsedSeconds: summary.elapsedSeconds,
                                          processCPUSeconds: StageProfile.processCPUSeconds(),
                                          blasKernels: options.tagsOnly || options.modelPath == nil ? nil : BLAS.kernels,
                                          productKernel: options.tagsOnly || options.modelPath == nil ? nil : GenreModel.productKernel)
        }
        try library.finishScan(id: scanID, summary: summary, at: Timestamp.now())
        return summary
    }

    private func tally(_ outcome: FileOutcome, known: [String: KnownFile], into summary: inout ScanSummary) {
        switch outcome {
        case .indexed(let draft):
            if let entry = known[draft.file.path], !entry.isFailure { summary.updated += 1 } else { summary.new += 1 }
            if let warning = draft.warning { summary.warnings.append("\(draft.file.path): \(warning)") }
        case .failed(let file, let failure):
            summary.failed += 1
            summary.failures.append(FailureRecord(path: file.path, stage: failure.stage.rawValue, reason: failure.reason, at: Timestamp.now()))
        case .vanished(let file):
            if let entry = known[file.path], !entry.isFailure { summary.removed += 1 }
        case .ignored:
            break
        }
    }

    /// Runs the stages on one file. Never throws: every problem becomes an outcome.
    static func process(_ file: WalkedFile, previousAudioHash: String? = nil, stages: [any ScanStage],
                        profile: inout StageProfile) -> FileOutcome {
        let handle: ReadOnlyFile
        do {
            handle = try profile.measure(.probe) { () throws(FileOpenError) in try ReadOnlyFile(path: file.path) }
        } catch {
            if error.vanished { return .vanished(file) }
            return .failed(file, StageFailure(.open, "cannot open: \(error.message)"))
        }
        var draft = TrackDraft(file: file, previousAudioHash: previousAudioHash)
        for stage in stages {
            do {
                try stage.run(&draft, file: handle, profile: &profile)
            } catch {
                if error.ignorable { return .ignored(file) }
                // Later stages open the path again (the decoders): a file deleted or moved
                // away while it was being read has vanished; it did not fail.
                if !Self.stillExists(file.path) { return .vanished(file) }
                return .failed(file, error)
            }
        }
        // The stages that read through the open file (the probe, TagLib) succeed on a file
        // deleted meanwhile: it has vanished all the same.
        if handle.isDeleted { return .vanished(file) }
        draft.row = TrackRow(draft)
        return .indexed(draft)
    }

    /// Whether a path still names something (a dangling or vanished path does not).
    static func stillExists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 || (errno != ENOENT && errno != ENOTDIR)
    }
}

/// A file the walk found new or changed, for the workers.
struct PendingFile: Sendable {
    let file: WalkedFile
    /// The audio key the library held for the path, if any.
    let previousAudioHash: String?
}

/// What the walk found besides the files it handed to the workers.
struct WalkReport: Sendable {
    var result = LibraryWalker.Result()
    var error: MusicIndexError?
    /// Every path found, once.
    var seen = Set<String>()
    /// Files found unchanged (and analysed, where analysis is wanted): not read again.
    var unchanged = 0
    var stillFailing = 0
}

/// Hands the walk's report from its thread to the scan.
final class WalkHandOver: Sendable {
    private let report = Mutex<WalkReport?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    var isFinished: Bool { report.withLock { $0 != nil } }

    func finish(_ walk: WalkReport) {
        report.withLock { $0 = walk }
        finished.signal()
    }

    /// The report, once the walk has ended.
    func wait() -> WalkReport {
        finished.wait()
        finished.signal()
        return report.withLock { $0! }
    }
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
