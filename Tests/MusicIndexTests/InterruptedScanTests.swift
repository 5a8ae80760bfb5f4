import Foundation
import GRDB
import Synchronization
import Testing
@testable import MusicIndex

/// Stopping a real `musicindex scan` (the built binary) part-way: Ctrl-C keeps and reports
/// what is done and the next scan does only the rest; SIGKILL at any moment leaves a sound
/// database that a rescan completes to exactly the content of one uninterrupted scan. Music
/// files are compared byte for byte before and after.
@Suite(.serialized) struct InterruptedScanTests {
    /// A running scan, its output going to files (a pipe could fill up and stall it).
    final class ScanProcess {
        let process = Process()
        let stdoutPath: String

        init(folder: String, db: String, output: String, jobs: Int = 2) throws {
            process.executableURL = URL(fileURLWithPath: CLITests.binary)
            process.arguments = ["scan", "--db", db, "--json", "--quiet", "--jobs", String(jobs), folder]
            var environment = ProcessInfo.processInfo.environment
            environment.removeValue(forKey: "MUSICINDEX_DB")
            environment.removeValue(forKey: "MUSICINDEX_MODEL")
            process.environment = environment
            stdoutPath = output + ".out"
            FileManager.default.createFile(atPath: stdoutPath, contents: nil)
            FileManager.default.createFile(atPath: output + ".err", contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: output + ".err"))
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        /// Waits for the process to end, at most `timeout` seconds; returns the seconds waited.
        @discardableResult
        func wait(timeout: Double) -> Double? {
            let start = ContinuousClock.now
            while process.isRunning {
                if start.duration(to: .now) > .seconds(timeout) { return nil }
                Thread.sleep(forTimeInterval: 0.005)
            }
            process.waitUntilExit()
            return start.duration(to: .now).seconds
        }

        func summary() throws -> [String: Any] {
            try CLITests.json(String(decoding: try Data(contentsOf: URL(fileURLWithPath: stdoutPath)), as: UTF8.self))
        }
    }

    /// `count` distinct short WAV files (22050 Hz mono, 16-bit) in folders of 25, plus a
    /// copy of the tag fixtures (tagged MP3, FLAC, Ogg, Opus, M4A, and three files that fail).
    /// Each generated file has its own audio, so each has its own features and analysis.
    static func makeCorpus(count: Int, seconds: Double, name: String = #function) throws -> (folder: String, files: Int) {
        let folder = try TestSupport.copyOfTagFixtures(name)
        let rate = 22050
        var generator = SeededGenerator(seed: 7)
        for index in 0..<count {
            let album = folder + "/album\(index / 25)"
            try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
            let pitch = 110 * pow(2, Double(index % 48) / 12)
            let beat = 60 / Double(80 + (index * 7) % 90)
            var samples = [Int16](repeating: 0, count: Int(seconds * Double(rate)))
            for n in samples.indices {
                let t = Double(n) / Double(rate)
                let sinceBeat = t.truncatingRemainder(dividingBy: beat)
                let tone = 0.3 * sin(2 * .pi * pitch * t) + 0.15 * sin(2 * .pi * pitch * 1.5 * t)
                let click = sinceBeat < 0.03 ? 0.4 * Double.random(in: -1...1, using: &generator) : 0
                samples[n] = Int16((tone + click) * 20000)
            }
            try wav(samples, rate: rate).write(to: URL(fileURLWithPath: album + "/track\(index).wav"))
        }
        return (folder, count + 12)
    }

    /// A RIFF/WAVE file of 16-bit mono PCM.
    static func wav(_ samples: [Int16], rate: Int) -> Data {
        var data = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        let bytes = samples.count * 2
        data.append(contentsOf: Array("RIFF".utf8)); append(UInt32(36 + bytes)); data.append(contentsOf: Array("WAVE".utf8))
        data.append(contentsOf: Array("fmt ".utf8)); append(UInt32(16)); append(UInt16(1)); append(UInt16(1))
        append(UInt32(rate)); append(UInt32(rate * 2)); append(UInt16(2)); append(UInt16(16))
        data.append(contentsOf: Array("data".utf8)); append(UInt32(bytes))
        for sample in samples { append(sample) }
        return data
    }

    /// Rows committed so far (tracks and failures), or nil while the database is not ready.
    static func committedRows(_ db: String) -> Int? {
        guard FileManager.default.fileExists(atPath: db) else { return nil }
        var configuration = Configuration()
        configuration.readonly = true
        return try? DatabaseQueue(path: db, configuration: configuration).read { db in
            try Int.fetchOne(db, sql: "SELECT (SELECT count(*) FROM tracks) + (SELECT count(*) FROM failures)")
        } ?? nil
    }

    /// Ctrl-C: the scan exits with 130 within two seconds, reports what it did, the database
    /// holds exactly that, and the next scan reads only the rest.
    @Test func sigintSavesWorkAndTheNextScanDoesTheRest() throws {
        let (folder, total) = try Self.makeCorpus(count: 24, seconds: 1)
        let before = try TestSupport.checksums(under: folder)
        let db = folder + ".sqlite"

        // One job, so that files are left after the first commit on a fast machine too.
        let first = try ScanProcess(folder: folder, db: db, output: folder + ".first", jobs: 1)
        // Interrupt once the scan has committed its first batch (after about a second).
        let start = ContinuousClock.now
        while (Self.committedRows(db) ?? 0) == 0 && first.process.isRunning && start.duration(to: .now) < .seconds(60) {
            Thread.sleep(forTimeInterval: 0.02)
        }
        try #require(first.process.isRunning, "the scan ended before it could be interrupted; the corpus is too small")
        first.process.interrupt()
        let stopped = try #require(first.wait(timeout: 10), "the scan did not stop after SIGINT")
        #expect(stopped < 2, "the scan took \(stopped) s to stop after SIGINT")
        #expect(first.process.terminationReason == .exit && first.process.terminationStatus == 130)

        let summary = try first.summary()
        #expect(summary["status"] as? String == "interrupted")
        let new = try #require(summary["new"] as? Int), failed = try #require(summary["failed"] as? Int)
        #expect(new > 0 && new + failed < total, "done \(new + failed) of \(total)")
        let stored = try DatabaseQueue(path: db).read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM tracks")!, try Int.fetchOne(db, sql: "SELECT count(*) FROM failures")!,
             try String.fetchOne(db, sql: "SELECT status FROM scans ORDER BY id DESC LIMIT 1"))
        }
        #expect(stored.0 == new && stored.1 == failed, "the database must hold exactly what the summary reports")
        #expect(stored.2 == "interrupted")

        let second = try ScanProcess(folder: folder, db: db, output: folder + ".second")
        try #require(second.wait(timeout: 120) != nil)
        #expect(second.process.terminationStatus == 0)
        let rest = try second.summary()
        #expect(rest["status"] as? String == "completed")
        #expect(rest["unchanged"] as? Int == new)
        #expect(rest["still_failing"] as? Int == failed)
        #expect((rest["new"] as? Int ?? 0) + (rest["failed"] as? Int ?? 0) == total - new - failed)
        #expect(rest["updated"] as? Int == 0)
        #expect(try TestSupport.checksums(under: folder) == before, "a music file changed")
    }

    /// SIGKILL at seeded random moments of successive scans: after each kill the database
    /// passes SQLite's integrity and foreign-key checks; a final scan completes it to exactly
    /// the content of one uninterrupted scan (`LibraryDump`); no music file changes.
    @Test func sigkillAtRandomMomentsThenRescanEqualsOneScan() throws {
        let (folder, total) = try Self.makeCorpus(count: 24, seconds: 1)
        let before = try TestSupport.checksums(under: folder)

        let reference = folder + ".reference.sqlite"
        let clock = ContinuousClock.now
        let whole = try ScanProcess(folder: folder, db: reference, output: folder + ".reference")
        try #require(whole.wait(timeout: 120) != nil)
        let duration = clock.duration(to: .now).seconds
        #expect(whole.process.terminationStatus == 0)
        #expect(try whole.summary()["new"] as? Int == total - 3)

        let db = folder + ".killed.sqlite"
        var generator = SeededGenerator(seed: 2024)
        var killed = 0, keptByAKilledRun = false, committed = 0
        for round in 0..<5 {
            // One job, so each run commits several batches on a fast machine too; successive
            // runs resume, so some may finish before their kill.
            let delay = Double.random(in: 0.05...(1.2 * duration), using: &generator)
            let scan = try ScanProcess(folder: folder, db: db, output: folder + ".kill\(round)", jobs: 1)
            Thread.sleep(forTimeInterval: delay)
            kill(scan.process.processIdentifier, SIGKILL)
            try #require(scan.wait(timeout: 10) != nil)
            guard FileManager.default.fileExists(atPath: db) else { continue }
            #expect(try LibraryDump.integrity(db) == "ok", "after a kill at \(delay) s")
            let rows = Self.committedRows(db) ?? 0
            if scan.process.terminationReason == .uncaughtSignal {
                killed += 1
                if rows > committed { keptByAKilledRun = true }
            }
            committed = rows
        }
        #expect(killed >= 2, "\(killed) of 5 kills landed while the scan ran")
        #expect(keptByAKilledRun, "no kill landed after a commit of its run")

        let rescan = try ScanProcess(folder: folder, db: db, output: folder + ".rescan")
        try #require(rescan.wait(timeout: 120) != nil)
        #expect(rescan.process.terminationStatus == 0)
        let summary = try rescan.summary()
        #expect((summary["unchanged"] as? Int ?? 0) > 0, "the kills kept no work")
        #expect(summary["updated"] as? Int == 0)
        #expect(try LibraryDump.integrity(db) == "ok")
        let statuses = try DatabaseQueue(path: db).read { db in try String.fetchAll(db, sql: "SELECT status FROM scans ORDER BY id") }
        #expect(statuses.last == "completed" && !statuses.contains("running"), "\(statuses)")

        let expected = try LibraryDump.dump(reference), actual = try LibraryDump.dump(db)
        for (table, rows) in expected {
            #expect(actual[table] == rows, "table \(table) differs: \(rows.count) rows expected, \(actual[table]?.count ?? 0) found")
        }
        #expect(expected["tracks"]?.count == total - 3 && expected["failures"]?.count == 3)
        #expect((expected["features"]?.count ?? 0) >= total - 12 && expected["analyses"]?.count == expected["features"]?.count)
        #expect(try TestSupport.checksums(under: folder) == before, "a music file changed")
    }

    /// Lists folders and counts how many it listed.
    final class CountingLister: DirectoryLister {
        let listed = Atomic<Int>(0)
        func names(in path: String) -> Result<[String], DirectoryListingError> {
            listed.add(1, ordering: .relaxed)
            return SystemDirectoryLister().names(in: path)
        }
    }

    /// A scan stopped while it lists folders reads nothing and removes nothing: a track the
    /// walk did not reach is not gone.
    @Test func scanStoppedDuringTheWalkRemovesNothing() async throws {
        let folder = try TestSupport.copyOfTagFixtures()
        for (index, file) in try FileManager.default.contentsOfDirectory(atPath: folder).sorted().enumerated() {
            let album = folder + "/album\(index % 3)"
            try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
            try FileManager.default.moveItem(atPath: folder + "/" + file, toPath: album + "/" + file)
        }
        let library = try Library(path: folder + ".sqlite")
        let options = ScanOptions(roots: [folder], jobs: 2, tagsOnly: true)
        let first = try await LibraryScanner(library: library, options: options).run()
        #expect(first.new == 9 && first.failed == 3 && !first.interrupted)

        let lister = CountingLister()
        var stopping = options
        stopping.lister = lister
        let stopped = try await LibraryScanner(library: library, options: stopping).run(isCancelled: {
            lister.listed.load(ordering: .relaxed) >= 2
        })
        #expect(stopped.interrupted)
        #expect(lister.listed.load(ordering: .relaxed) == 2, "the walk must stop at the next folder")
        #expect(stopped.removed == 0 && stopped.new == 0 && stopped.unchanged == 0)
        let rows = try await DatabaseQueue(path: library.path).read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM tracks")!, try Int.fetchOne(db, sql: "SELECT count(*) FROM failures")!,
             try String.fetchAll(db, sql: "SELECT status FROM scans ORDER BY id"))
        }
        #expect(rows.0 == 9 && rows.1 == 3)
        #expect(rows.2 == ["completed", "interrupted"])
    }

    /// A scan recorded as running while no scan holds the library's scan lock was killed:
    /// the next scan marks it interrupted. A scan that holds the lock is left alone.
    @Test func killedScanIsMarkedInterruptedByTheNext() async throws {
        let folder = try TestSupport.copyOfTagFixtures()
        let library = try Library(path: folder + ".sqlite")
        let killed = try library.beginScan(roots: [folder], at: Timestamp.now())
        let options = ScanOptions(roots: [folder], jobs: 2, tagsOnly: true)

        var live = ScanLock(libraryPath: library.path)
        #expect(live != nil)
        #expect(ScanLock(libraryPath: library.path) == nil, "the lock is exclusive")
        _ = try await LibraryScanner(library: library, options: options).run()
        func statuses() async throws -> [String] {
            try await DatabaseQueue(path: library.path).read { db in try String.fetchAll(db, sql: "SELECT status FROM scans ORDER BY id") }
        }
        #expect(try await statuses() == ["running", "completed"], "a scan that cannot take the lock must not touch running scans")
        live = nil  // the live scan ends

        _ = try await LibraryScanner(library: library, options: options).run()
        #expect(try await statuses() == ["interrupted", "completed", "completed"])
        #expect(killed == 1)
    }

    final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    /// Once cancelled, the worker pool's stream ends without waiting for a long item in
    /// progress; results finished before are delivered.
    @Test func workerPoolStopsWithoutWaitingForItemsInProgress() async throws {
        let cancelled = Flag()
        let outcomes = runConcurrently(Array(0..<4), jobs: 2, isCancelled: { cancelled.value.load(ordering: .relaxed) }) { item in
            if item == 1 { Thread.sleep(forTimeInterval: 5) }
            return item
        }
        try await Task.sleep(for: .milliseconds(300))
        cancelled.value.store(true, ordering: .relaxed)
        let start = ContinuousClock.now
        var delivered: [Int] = []
        for await group in outcomes { delivered += group }
        let waited = start.duration(to: .now)
        #expect(waited < .seconds(1), "the stream ended \(waited) after cancellation")
        #expect(delivered.sorted() == [0, 2, 3])
    }

    @Test func walkerStopsWhenCancelled() throws {
        let folder = try TestSupport.copyOfTagFixtures()
        let walker = LibraryWalker()
        let whole = try walker.walk(roots: [folder])
        #expect(!whole.cancelled && whole.files.count == 12)
        let none = try walker.walk(roots: [folder], isCancelled: { true })
        #expect(none.cancelled && none.files.isEmpty)
    }
}
