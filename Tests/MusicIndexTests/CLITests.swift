import Foundation
import Testing
@testable import MusicIndex

/// Runs the built `musicindex` binary as a user would.
@Suite struct CLITests {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var binary: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("musicindex").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return TestSupport.packageRoot.appendingPathComponent(".build/debug/musicindex").path
    }

    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:], executable: String = binary) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "MUSICINDEX_DB")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func scanJSONSummaryAndQuietPipe() throws {
        let folder = try TestSupport.copyOfTagFixtures()
        let result = try Self.run(["scan", "--db", folder + ".sqlite", "--json", folder])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty, "progress must not be drawn into a pipe")
        let summary = try Self.json(result.stdout)
        #expect(summary["new"] as? Int == 9)
        #expect(summary["failed"] as? Int == 3)
        #expect(summary["status"] as? String == "completed")
        let failures = try #require(summary["failures"] as? [[String: Any]])
        #expect(failures.map { ($0["path"] as! NSString).lastPathComponent } == ["empty.mp3", "image.mp3", "text.mp3"])
        #expect(failures.allSatisfy { ($0["reason"] as? String)?.isEmpty == false && $0["stage"] as? String == "probe" })
    }

    /// On a terminal the scan draws a progress bar on stderr (run under a pseudo-terminal
    /// with util-linux's `script`).
    @Test func progressBarOnATerminal() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return }
        let folder = try TestSupport.copyOfTagFixtures()
        let command = "'\(Self.binary)' scan --db '\(folder).sqlite' '\(folder)'"
        let result = try Self.run(["-qec", command, "/dev/null"], executable: "/usr/bin/script")
        #expect(result.status == 0)
        #expect(result.stdout.contains("12/12 files"), "\(result.stdout)")
        #expect(result.stdout.contains("files/s  ETA 0:00"))
    }

    @Test func textSummaryNamesFailures() throws {
        let folder = try TestSupport.copyOfTagFixtures()
        let result = try Self.run(["scan", "--db", folder + ".sqlite", folder])
        #expect(result.status == 0)
        #expect(result.stdout.contains("9 new, 0 updated, 0 unchanged, 0 removed, 3 failed."))
        #expect(result.stdout.contains("text.mp3: not an audio file: the content is plain text"))
    }

    @Test func infoByPathAndIdAndStats() throws {
        let folder = try TestSupport.copyOfTagFixtures()
        let db = folder + ".sqlite"
        try Self.run(["scan", "--db", db, folder])
        let info = try Self.run(["info", "--db", db, "--json", folder + "/id3v24.mp3"])
        #expect(info.status == 0)
        let track = try Self.json(info.stdout)
        let tags = try #require(track["tags"] as? [String: Any])
        #expect(tags["artist"] as? String == "Björk")
        #expect(tags["genres"] as? [String] == ["Rock", "Pop"])
        let id = try #require(track["id"] as? Int)
        let byID = try Self.run(["info", "--db", db, String(id)])
        #expect(byID.stdout.contains("title            Jóga — “Homogenic” 東京"))
        let stats = try Self.json(try Self.run(["stats", "--db", db, "--json"]).stdout)
        #expect((stats["stats"] as? [String: Any])?["tracks"] as? Int == 9)
        let failed = try Self.run(["info", "--db", db, folder + "/text.mp3"])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("is not indexed: not an audio file"))
    }

    @Test func databaseLocationFromEnvironment() throws {
        let folder = try TestSupport.copyOfTagFixtures()
        let data = try TestSupport.temporaryFolder("xdg")
        #expect(try Self.run(["scan", folder], environment: ["XDG_DATA_HOME": data]).status == 0)
        #expect(FileManager.default.fileExists(atPath: data + "/musicindex/library.sqlite"))
        let explicit = data + "/env.sqlite"
        #expect(try Self.run(["scan", folder], environment: ["MUSICINDEX_DB": explicit]).status == 0)
        #expect(FileManager.default.fileExists(atPath: explicit))
    }

    @Test func fatalProblemsExitNonZeroWithAClearMessage() throws {
        let folder = try TestSupport.temporaryFolder()
        let missing = try Self.run(["scan", "--db", folder + "/lib.sqlite", folder + "/nope"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no such folder: \(folder)/nope"))
        let notes = folder + "/notes.sqlite"
        try Data("my notes".utf8).write(to: URL(fileURLWithPath: notes))
        let foreign = try Self.run(["scan", "--db", notes, folder])
        #expect(foreign.status != 0)
        #expect(foreign.stderr.contains("is not a musicindex library"))
        #expect(try String(contentsOfFile: notes, encoding: .utf8) == "my notes")
        let badJobs = try Self.run(["scan", "--db", folder + "/lib.sqlite", "--jobs", "0", folder])
        #expect(badJobs.status != 0)
        #expect(badJobs.stderr.contains("--jobs must be at least 1"))
        let noLibrary = try Self.run(["stats", "--db", folder + "/none.sqlite"])
        #expect(noLibrary.status != 0)
        #expect(noLibrary.stderr.contains("no library at"))
    }

    /// A folder the user cannot read is a warning, not an abort. Root reads everything, so
    /// as root the scan runs as `nobody` through setpriv.
    @Test func unreadableFolderIsAWarning() throws {
        let folder = try TestSupport.temporaryFolder()
        let music = folder + "/music"
        try FileManager.default.createDirectory(atPath: music + "/locked", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestSupport.tagFixtures.appendingPathComponent("id3v23.mp3").path, toPath: music + "/ok.mp3")
        try FileManager.default.copyItem(atPath: TestSupport.tagFixtures.appendingPathComponent("id3v1.mp3").path, toPath: music + "/locked/hidden.mp3")
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: music + "/locked")
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: music + "/locked") }
        var arguments = ["scan", "--db", folder + "/lib.sqlite", "--json", music]
        var executable = Self.binary
        if getuid() == 0 {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return }
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: folder)
            // nobody must be able to reach the binary and the folder.
            var path = folder
            while path != "/" {
                path = (path as NSString).deletingLastPathComponent
                let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
                if mode & 0o001 == 0 { return }
            }
            arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", Self.binary] + arguments
            executable = "/usr/bin/setpriv"
        }
        let result = try Self.run(arguments, environment: ["HOME": folder], executable: executable)
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try Self.json(result.stdout)
        #expect(summary["new"] as? Int == 1)
        let warnings = try #require(summary["warnings"] as? [String])
        #expect(warnings == ["cannot read folder \(music)/locked: Permission denied"])
    }
}
