import Foundation
import GRDB
import Synchronization
import Testing
@testable import MusicIndex

/// The hostile library of `scripts/make-hostile-corpus.sh`, generated once per test run and
/// scanned with the shipped genre model: every valid file indexed, every bad file one
/// specific failure, partly damaged files analysed and flagged, nothing modified.
@Suite(.serialized) struct HostileLibraryTests {
    /// Awkward file names, all in `ok/names/`.
    static let names = ["with spaces.mp3", "quotes \"double\" 'single'.mp3", "-leading-dash.mp3", "--help.mp3",
                        "Björk – 東京 Ünïcødé.mp3", "emoji 🎵🎸.mp3", "new\nline.mp3"]
    static let deep = "ok/deep/" + (1...40).map { String(format: "level-%02d", $0) }.joined(separator: "/") + "/deep.mp3"
    /// Files (relative to the corpus) that must be indexed without a warning.
    static let valid: Set<String> = Set(
        ["ok/tone.mp3", "ok/tone.flac", "ok/short.mp3", "ok/long.mp3", "ok/cover.mp3", "ok/tag-utf8.mp3",
         "ok/tag-utf16.mp3", "ok/tag-huge.mp3", "ok/loop/inside.mp3", deep] + names.map { "ok/names/" + $0 })
    /// Partly damaged files: indexed and analysed, with a warning holding these words.
    static let damaged: [String: [String]] = [
        "damaged/mp3-truncated-50.mp3": ["damaged or missing audio frames skipped by libmpg123",
                                         "truncated or damaged: 30.0 s of its declared 60.0 s can be decoded"],
        "damaged/flac-truncated-50.flac": ["truncated or damaged: 32.3 s of its declared 60.0 s can be decoded"],
        "damaged/mp3-corrupt-middle.mp3": ["damaged or missing audio frames skipped by libmpg123",
                                           "of its declared 60.0 s can be decoded"],
        "damaged/mp3-garbage-appended.mp3": ["damaged or missing audio frames skipped by libmpg123"],
    ]
    /// Files that must each have one stored failure: its stage and the words of its reason.
    static let bad: [String: (stage: String, reason: String)] = [
        "bad/empty.mp3": ("probe", "empty file (0 bytes)"),
        "bad/text.mp3": ("probe", "not an audio file: the content is plain text"),
        "bad/jpeg.flac": ("probe", "not an audio file: the content is a JPEG image"),
        "bad/tag-size.mp3": ("probe", "corrupt ID3v2 tag: its size field says the tags end at byte 200000010"),
        "bad/mp3-truncated-1.mp3": ("decode", "truncated or damaged: only 0.5 s of its declared 60.0 s can be decoded"),
        "bad/flac-truncated-1.flac": ("decode", "truncated or damaged: only 0.2 s of its declared 60.0 s can be decoded"),
    ]

    /// The corpus and its library after one scan, made once for the suite.
    struct Scanned: Sendable {
        let root: String
        let db: String
        let summary: ScanSummary
        /// The content of every file before the scan (the one that vanished left out).
        let before: [String: Data]
    }

    static let scanned = Task { () throws -> Scanned in
        let root = try makeCorpus()
        let before = try TestSupport.checksums(under: root).filter { $0.key != "ephemeral.mp3" }
        let db = root + ".sqlite"
        let summary = try await scan(root, db: db)
        return Scanned(root: root, db: db, summary: summary, before: before)
    }

    /// Runs the committed generator into a new temporary folder.
    static func makeCorpus() throws -> String {
        let root = try TestSupport.temporaryFolder("hostile") + "/library"
        let script = TestSupport.packageRoot.appendingPathComponent("scripts/make-hostile-corpus.sh").path
        let run = try CLITests.run([script, root], executable: "/bin/bash")
        guard run.status == 0 else { throw CorpusError(message: run.stderr) }
        return root
    }

    struct CorpusError: Error { let message: String }

    /// A copy of the scanned library, for tests that write to it (the others read the
    /// library as the first scan left it, in whatever order they run).
    static func copyOfLibrary(_ scanned: Scanned, _ name: String = #function) async throws -> String {
        let db = try TestSupport.temporaryFolder(name) + "/library.sqlite"
        let source = try DatabaseQueue(path: scanned.db)
        try await source.writeWithoutTransaction { try $0.execute(sql: "VACUUM INTO ?", arguments: [db]) }
        try source.close()
        return db
    }

    /// Scans with the shipped model. `ephemeral.mp3` is deleted after the walk has seen it
    /// (it sorts before `ok/`, whose listing deletes it), so it disappears during the scan.
    /// Root reads folders of mode 000, so as root the unreadable folder is reported by the
    /// lister instead, with the message opendir gives everyone else.
    static func scan(_ root: String, db: String) async throws -> ScanSummary {
        struct HostileLister: DirectoryLister {
            let root: String
            func names(in path: String) -> Result<[String], DirectoryListingError> {
                if path == root + "/ok" { try? FileManager.default.removeItem(atPath: root + "/ephemeral.mp3") }
                if path == root + "/unreadable" && getuid() == 0 {
                    return .failure(DirectoryListingError(message: String(cString: strerror(EACCES))))
                }
                return SystemDirectoryLister().names(in: path)
            }
        }
        let model = try #require(DefaultModel.shippedModelPath)
        let library = try Library(path: db)
        let options = ScanOptions(roots: [root], jobs: 2, modelPath: model, lister: HostileLister(root: root))
        return try await LibraryScanner(library: library, options: options).run()
    }

    static func relative(_ path: String, _ root: String) -> String { String(path.dropFirst(root.count + 1)) }

    @Test("the scan completes; exactly the valid and damaged files are indexed; every bad file has one specific failure")
    func outcomes() async throws {
        let scanned = try await Self.scanned.value
        let (root, summary) = (scanned.root, scanned.summary)
        let library = try Library(path: scanned.db, readOnly: true)
        #expect(!summary.interrupted)

        let tracks = try library.allTracks()
        #expect(Set(tracks.map { Self.relative($0.path, root) }) == Self.valid.union(Self.damaged.keys))
        let failures = try library.allFailures()
        #expect(failures.map { Self.relative($0.path, root) }.sorted() == Self.bad.keys.sorted())
        for failure in failures {
            let expected = try #require(Self.bad[Self.relative(failure.path, root)])
            #expect(failure.stage == expected.stage, "\(failure.path)")
            #expect(failure.reason.hasPrefix(expected.reason), "\(failure.path): \(failure.reason)")
        }

        // The summary's counts are the store's rows.
        #expect(summary.new == tracks.count && summary.failed == failures.count)
        #expect(summary.updated == 0 && summary.unchanged == 0 && summary.removed == 0 && summary.stillFailing == 0)
        #expect(summary.failures.map(\.path) == failures.map(\.path))
        let stats = try library.stats()
        #expect(stats.tracks == summary.new && stats.failures == summary.failed)
        let record = try #require(stats.lastScan)
        #expect(record.status == "completed" && record.new == summary.new && record.failed == summary.failed)

        // Warnings: the unreadable folder, and each damaged file once; nothing else.
        #expect(summary.warnings.contains("cannot read folder \(root)/unreadable: Permission denied"))
        #expect(summary.warnings.count == 1 + Self.damaged.count, "\(summary.warnings)")
        for (file, words) in Self.damaged {
            let warnings = summary.warnings.filter { $0.hasPrefix(root + "/" + file + ": ") }
            #expect(warnings.count == 1, "\(file)")
            for word in words { #expect(warnings.first?.contains(word) == true, "\(file): \(warnings)") }
        }

        // Every indexed file, damaged ones included, was analysed by the front end and the
        // model; the damage is stored with the features, as the warning said it.
        for track in tracks {
            let features = try #require(try library.features(audioHash: track.audioHash), "\(track.path)")
            #expect(try library.genreAnalysis(audioHash: track.audioHash) != nil, "\(track.path)")
            let relative = Self.relative(track.path, root)
            #expect(features.damage == Self.damaged[relative].flatMap { _ in
                summary.warnings.first { $0.hasPrefix(track.path + ": ") }.map { String($0.dropFirst(track.path.count + 2)) }
            }, "\(relative)")
        }
        let info = try CLITests.run(["info", "--db", scanned.db, "--json", root + "/damaged/mp3-corrupt-middle.mp3"])
        #expect((try CLITests.json(info.stdout)["damage"] as? String)?.contains("damaged or missing audio frames skipped") == true)
        #expect(try library.track(path: root + "/ephemeral.mp3") == nil && library.failure(path: root + "/ephemeral.mp3") == nil)
    }

    @Test("hostile tags and sizes are stored as far as they can be read")
    func tagsAndSizes() async throws {
        let scanned = try await Self.scanned.value
        let library = try Library(path: scanned.db, readOnly: true)
        func track(_ name: String) throws -> Track { try #require(try library.track(path: scanned.root + "/" + name)) }
        let long = try track("ok/long.mp3")
        #expect(abs((long.audio.duration ?? 0) - 1218) < 2)
        #expect(try track("ok/cover.mp3").tags.hasCover)
        #expect(try track("ok/cover.mp3").tags.title == "Big Cover")
        let huge = try track("ok/tag-huge.mp3")
        #expect(huge.tags.title?.count == 1024 * 1024)
        #expect(huge.tags.genres.count == 10_000 && huge.tags.genres.last == "Genre 9999")
        // TagLib drops a text frame it cannot decode; the rest of the tag survives.
        #expect(try track("ok/tag-utf8.mp3").tags.artist == "Artist é")
        #expect(try track("ok/tag-utf16.mp3").tags.artist == "Artist")
        #expect(try track("ok/short.mp3").audio.duration.map { abs($0 - 0.5) < 0.05 } == true)
    }

    @Test("awkward names round-trip through the store and `musicindex info`")
    func names() async throws {
        let scanned = try await Self.scanned.value
        let library = try Library(path: scanned.db, readOnly: true)
        for name in Self.names {
            let path = scanned.root + "/ok/names/" + name
            let track = try #require(try library.track(path: path), "\(name)")
            #expect(track.path == path)
            let info = try CLITests.run(["info", "--db", scanned.db, "--json", path])
            #expect(info.status == 0, "\(name): \(info.stderr)")
            #expect(try CLITests.json(info.stdout)["path"] as? String == path)
        }
        let deep = scanned.root + "/" + Self.deep
        #expect(try CLITests.run(["info", "--db", scanned.db, deep]).stdout.contains(deep))

        // Text output shows a newline in a name as an escape, on one line.
        let newline = scanned.root + "/ok/names/new\nline.mp3"
        let text = try CLITests.run(["info", "--db", scanned.db, newline]).stdout
        #expect(text.contains("path             \(scanned.root)/ok/names/new\\nline.mp3\n"), "\(text)")
        let folder = try TestSupport.temporaryFolder("newline-failure")
        try Data("not music".utf8).write(to: URL(fileURLWithPath: folder + "/bad\nname.mp3"))
        let scan = try CLITests.run(["scan", "--db", folder + ".sqlite", folder])
        #expect(scan.stdout.contains("  \(folder)/bad\\nname.mp3: not an audio file: the content is plain text\n"), "\(scan.stdout)")
        let stats = try CLITests.run(["stats", "--db", folder + ".sqlite", "--failures"])
        #expect(stats.stdout.contains("  \(folder)/bad\\nname.mp3 [probe]: not an audio file"), "\(stats.stdout)")
    }

    @Test("every playlist entry names an indexed file, the one with a newline as a file:// URL")
    func playlists() async throws {
        let scanned = try await Self.scanned.value
        let out = try TestSupport.temporaryFolder("hostile-playlists")
        let run = try CLITests.run(["playlists", "--db", scanned.db, "--out-dir", out])
        #expect(run.status == 0, "\(run.stderr)")
        var entries: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: out) {
            let text = try String(contentsOfFile: out + "/" + file, encoding: .utf8)
            entries += text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
                line.hasPrefix("file://") ? URL(string: String(line))!.path : String(line)
            }
        }
        let library = try Library(path: scanned.db, readOnly: true)
        #expect(Set(entries) == Set(try library.allTracks().map(\.path)))
        #expect(entries.contains(scanned.root + "/ok/names/new\nline.mp3"))
    }

    @Test("no music file is modified by scans; a rescan opens nothing; files read again keep one row each")
    func readOnlyAndIncremental() async throws {
        let scanned = try await Self.scanned.value
        #expect(try TestSupport.checksums(under: scanned.root) == scanned.before)
        let db = try await Self.copyOfLibrary(scanned)
        let second = try await Self.scan(scanned.root, db: db)
        #expect(second.unchanged == Self.valid.count + Self.damaged.count)
        #expect(second.stillFailing == Self.bad.count)
        #expect(second.new + second.updated + second.failed + second.removed == 0)
        #expect(try TestSupport.checksums(under: scanned.root) == scanned.before)

        // Touched bad files and a damaged one are read again: the same outcomes, no duplicates.
        let touched = Array(Self.bad.keys) + ["damaged/flac-truncated-50.flac"]
        for file in touched { TestSupport.setModificationTime(scanned.root + "/" + file, seconds: 1_600_000_000) }
        let third = try await Self.scan(scanned.root, db: db)
        #expect(third.updated == 1 && third.failed == Self.bad.count && third.new == 0 && third.removed == 0)
        #expect(third.warnings.contains { $0.hasPrefix(scanned.root + "/damaged/flac-truncated-50.flac: truncated or damaged") })
        let library = try Library(path: db, readOnly: true)
        #expect(try library.allFailures().count == Self.bad.count)
        #expect(try library.allTracks().count == Self.valid.count + Self.damaged.count)
        #expect(try TestSupport.checksums(under: scanned.root) == scanned.before)
    }

    /// The readers of playlist, similar and info, in this process and as separate programs,
    /// run again and again while scans write hundreds of rows; none may fail (WAL, a busy
    /// timeout and short write transactions keep "database is locked" away).
    @Test("playlist, similar and info read while scans write, without lock errors")
    func readersDuringScans() async throws {
        let scanned = try await Self.scanned.value
        let db = try await Self.copyOfLibrary(scanned)
        let folder = (db as NSString).deletingLastPathComponent
        let library = try Library(path: db)
        let music = folder + "/music"
        let short = scanned.root + "/ok/short.mp3"
        for index in 0..<300 {
            let sub = music + "/album-\(index / 30)"
            try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: short, toPath: sub + "/track-\(index).mp3")
        }
        let seed = try #require(try Library(path: db, readOnly: true).track(path: scanned.root + "/ok/tone.mp3"))

        let state = ReaderState()
        let inProcess = Thread {
            while !state.done.load(ordering: .relaxed) {
                state.record {
                    let library = try Library(path: db, readOnly: true)
                    _ = try GenrePlaylists(library: library).playlist("rock", source: .both)
                    _ = try SimilarTracks(library: library).similar(to: [seed], count: 5)
                    _ = try library.track(path: seed.path)
                    _ = try library.stats()
                }
            }
        }
        let programs = Thread {
            while !state.done.load(ordering: .relaxed) {
                for arguments in [["info", "--json", seed.path], ["similar", seed.path, "-n", "3"], ["playlist", "rock", "--source", "both"]] {
                    state.record {
                        let run = try CLITests.run(arguments + ["--db", db])
                        if run.status != 0 { throw CorpusError(message: "\(arguments[0]): \(run.stderr)") }
                    }
                }
            }
        }
        inProcess.start()
        programs.start()

        // Scans that add, update and remove 300 tracks, until the readers have had their turns.
        let options = ScanOptions(roots: [music], jobs: 2, tagsOnly: true)
        var rounds = 0
        let clock = ContinuousClock.now
        while rounds < 3 || (state.reads.load(ordering: .relaxed) < 12 && clock.duration(to: .now) < .seconds(30)) {
            rounds += 1
            let summary = try await LibraryScanner(library: library, options: options).run()
            #expect(summary.failed == 0)
            for index in stride(from: rounds % 2, to: 300, by: 2) {
                TestSupport.setModificationTime(music + "/album-\(index / 30)/track-\(index).mp3", seconds: 1_000_000 + rounds)
            }
        }
        state.done.store(true, ordering: .relaxed)
        while !inProcess.isFinished || !programs.isFinished { try await Task.sleep(for: .milliseconds(20)) }
        #expect(state.errors.withLock { $0 } == [])
        #expect(state.reads.load(ordering: .relaxed) >= 12)
        #expect(try library.stats().tracks == Self.valid.count + Self.damaged.count + 300)
    }
}

/// What the reader threads of `readersDuringScans` share.
private final class ReaderState: Sendable {
    let done = Atomic<Bool>(false)
    let reads = Atomic<Int>(0)
    let errors = Mutex<[String]>([])

    /// Runs one read, keeping any error it throws.
    func record(_ body: () throws -> Void) {
        do { try body() } catch { errors.withLock { $0.append("\(error)") } }
        reads.add(1, ordering: .relaxed)
    }
}
