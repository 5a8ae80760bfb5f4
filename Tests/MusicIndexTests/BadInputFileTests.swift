import Foundation
import Testing
@testable import MusicIndex

/// Database and model files that are not what the program expects: each gives a clear
/// message and exit status 1, and none is ever written to.
@Suite struct BadInputFileTests {
    /// A library of the tag fixtures (tags only), then `damage` applied to its bytes (page
    /// size 4096).
    static func damagedLibrary(_ damage: (inout [UInt8]) -> Void) async throws -> (db: String, music: String) {
        let music = try TestSupport.copyOfTagFixtures("damaged-library")
        let db = music + ".sqlite"
        _ = try await LibraryScanner(library: Library(path: db), options: ScanOptions(roots: [music], tagsOnly: true)).run()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: db)))
        #expect(bytes.count > 3 * 4096)
        damage(&bytes)
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        try Data(bytes).write(to: URL(fileURLWithPath: db))
        return (db, music)
    }

    static func garbage(_ range: Range<Int>, in bytes: inout [UInt8]) {
        var generator = SeededGenerator(seed: 7)
        for index in range { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
    }

    /// Every command that opens the library refuses it with `message`, exit status 1, and
    /// leaves its bytes alone.
    static func expectRefused(_ db: String, music: String, message: String) throws {
        let before = try TestSupport.checksum(db)
        for arguments in [["scan", music], ["stats"], ["info", music + "/id3v23.mp3"], ["playlist", "rock", "--source", "tags"]] {
            let run = try CLITests.run(arguments + ["--db", db])
            #expect(run.status == 1, "\(arguments[0])")
            #expect(run.stderr.contains(message), "\(arguments[0]): \(run.stderr)")
            #expect(try TestSupport.checksum(db) == before, "\(arguments[0]) changed the file")
        }
    }

    @Test("a library whose pages are garbage (valid header) is reported damaged and left alone")
    func garbagePages() async throws {
        let (db, music) = try await Self.damagedLibrary { Self.garbage(4096..<$0.count, in: &$0) }
        try Self.expectRefused(db, music: music, message: "\(db) is a damaged musicindex library (SQLite: ")
        try Self.expectRefused(db, music: music, message: "it was left untouched")
        #expect(throws: MusicIndexError.self) { _ = try Library(path: db, readOnly: true).allTracks() }
    }

    @Test("a library whose schema page is garbage is refused when opened")
    func garbageSchemaPage() async throws {
        let (db, music) = try await Self.damagedLibrary { Self.garbage(100..<4096, in: &$0) }
        #expect {
            _ = try Library(path: db)
        } throws: { error in
            guard case MusicIndexError.corruptLibrary(let path, _) = error else { return false }
            return path == db
        }
        try Self.expectRefused(db, music: music, message: "is a damaged musicindex library")
    }

    @Test("a newer schema and another program's database are refused by every command")
    func newerAndForeign() async throws {
        let (newer, music) = try await Self.damagedLibrary { bytes in
            bytes.replaceSubrange(60..<64, with: [0, 0, 3, 0xE7])  // user_version 999
        }
        try Self.expectRefused(newer, music: music, message: "was written by a newer musicindex (schema version 999")
        let (foreign, _) = try await Self.damagedLibrary { bytes in
            bytes.replaceSubrange(68..<72, with: [0, 0, 0, 1])  // application_id 1
        }
        try Self.expectRefused(foreign, music: music, message: "is not a musicindex library (an SQLite database of another application)")
    }

    @Test("a missing or malformed model file stops the scan before a library is created")
    func badModelFiles() throws {
        let folder = try TestSupport.copyOfTagFixtures()
        let tiny = try Data(contentsOf: TestSupport.fixtures.appendingPathComponent("model/tiny.safetensors"))
        let cut = folder + ".cut.safetensors", text = folder + ".text.safetensors"
        try tiny.prefix(tiny.count / 2).write(to: URL(fileURLWithPath: cut))
        try Data("{\"not\": \"a model\"}".utf8).write(to: URL(fileURLWithPath: text))
        let cases: [(arguments: [String], environment: [String: String], message: String)] = [
            (["--model", "/nonexistent/model.safetensors"], [:],
             "model file /nonexistent/model.safetensors does not exist; name another with --model or MUSICINDEX_MODEL, or scan with --no-model"),
            ([], ["MUSICINDEX_MODEL": "/nonexistent/env.safetensors"], "model file /nonexistent/env.safetensors does not exist"),
            (["--model", cut], [:], "model file \(cut) is not a usable musicindex model: "),
            (["--model", text], [:], "model file \(text) is not a usable musicindex model: model file header length"),
        ]
        for (index, item) in cases.enumerated() {
            let db = folder + "-\(index).sqlite"
            let run = try CLITests.run(["scan", "--db", db] + item.arguments + [folder], environment: item.environment)
            #expect(run.status == 1)
            #expect(run.stderr.contains(item.message), "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: db), "a library was created")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: cut)) == tiny.prefix(tiny.count / 2))
    }
}
