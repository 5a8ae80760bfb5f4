import Foundation
import Testing
@testable import MusicIndex

@Suite struct ScanTests {
    @Test func scanIndexesGoodFilesAndRecordsBadOnes() async throws {
        let folder = try TestSupport.copyOfTagFixtures()
        let (library, summary) = try await TestSupport.scan([folder], db: folder + ".sqlite")
        #expect(summary.new == 9)
        #expect(summary.failed == 3)
        #expect(summary.failures.map { ($0.path as NSString).lastPathComponent } == ["empty.mp3", "image.mp3", "text.mp3"])
        let tracks = try library.allTracks()
        #expect(tracks.count == 9)
        #expect(tracks.allSatisfy { $0.audioHash.hasPrefix("v1:") && $0.audioHash.count == 35 && $0.audio.duration != nil })
        let failures = try library.allFailures()
        #expect(failures.count == 3)
        #expect(failures.allSatisfy { $0.reason.count > 12 && $0.stage == "probe" })
        let stats = try library.stats()
        #expect(stats.tracks == 9 && stats.failures == 3)
        #expect(stats.byGenreTag.first == LibraryStats.Count(name: "Rock", count: 2))
    }

    @Test func scanNeverModifiesMusicFiles() async throws {
        let folder = try TestSupport.copyOfTagFixtures()
        let before = try TestSupport.checksums(under: folder)
        _ = try await TestSupport.scan([folder], db: folder + ".sqlite")
        TestSupport.setModificationTime(folder + "/id3v23.mp3", seconds: 1_000_000)
        _ = try await TestSupport.scan([folder], db: folder + ".sqlite")
        #expect(try TestSupport.checksums(under: folder) == before)
    }

    /// A second scan opens nothing: files whose size and mtime are unchanged are not read,
    /// which is shown by replacing their content (same size, same mtime) with garbage.
    @Test func unchangedFilesAreNotOpenedAgain() async throws {
        let folder = try TestSupport.copyOfTagFixtures()
        let db = folder + ".sqlite"
        let (library, _) = try await TestSupport.scan([folder], db: db)
        let tracksBefore = try library.allTracks()
        for name in ["id3v23.mp3", "vorbis.flac", "aac.m4a"] {
            let path = folder + "/" + name
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
            var info = stat()
            stat(path, &info)
            try Data(repeating: 0x41, count: size).write(to: URL(fileURLWithPath: path))
            var times = [info.st_atim, info.st_mtim]
            utimensat(AT_FDCWD, path, &times, 0)
        }
        let (_, second) = try await TestSupport.scan([folder], db: db)
        #expect(second.unchanged == 9)
        #expect(second.stillFailing == 3)
        #expect(second.new + second.updated + second.failed + second.removed == 0)
        #expect(try library.allTracks() == tracksBefore)
    }

    @Test func touchedFileIsReadAgainAndDeletedFileDisappears() async throws {
        let folder = try TestSupport.copyOfTagFixtures()
        let db = folder + ".sqlite"
        let (library, _) = try await TestSupport.scan([folder], db: db)
        let idBefore = try #require(try library.track(path: folder + "/vorbis.flac")?.id)
        TestSupport.setModificationTime(folder + "/vorbis.flac", seconds: 1_500_000_000)
        try FileManager.default.removeItem(atPath: folder + "/opus.opus")
        try FileManager.default.removeItem(atPath: folder + "/text.mp3")
        let (_, second) = try await TestSupport.scan([folder], db: db)
        #expect(second.updated == 1)
        #expect(second.removed == 1)
        #expect(second.unchanged == 7)
        #expect(try library.track(path: folder + "/opus.opus") == nil)
        #expect(try library.failure(path: folder + "/text.mp3") == nil)
        let flac = try #require(try library.track(path: folder + "/vorbis.flac"))
        #expect(flac.id == idBefore)
        #expect(flac.mtimeNanoseconds == 1_500_000_000 * 1_000_000_000)
    }

    /// The audio hash survives a tag edit and a move; the scan sees the edit.
    @Test func tagEditAndMoveKeepTheAudioHash() async throws {
        let folder = try TestSupport.copyOfTagFixtures()
        let db = folder + ".sqlite"
        let (library, _) = try await TestSupport.scan([folder], db: db)
        let before = try #require(try library.track(path: folder + "/vorbis.flac"))
        // Edit the title in place (same length) and move the file to a new folder.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/vorbis.flac")))
        let needle = Array("Windowlicker".utf8)
        let position = try #require((0...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) })
        bytes.replaceSubrange(position..<(position + needle.count), with: Array("Doorlicker!!".utf8))
        try FileManager.default.createDirectory(atPath: folder + "/moved", withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/moved/renamed.flac"))
        try FileManager.default.removeItem(atPath: folder + "/vorbis.flac")
        let (_, second) = try await TestSupport.scan([folder], db: db)
        #expect(second.new == 1 && second.removed == 1)
        let after = try #require(try library.track(path: folder + "/moved/renamed.flac"))
        #expect(after.tags.title == "Doorlicker!! Fixture")
        #expect(after.audioHash == before.audioHash)
    }

    /// A tags-only scan does not hash new files; it re-hashes a file that had a key, so a
    /// re-tagged file stays linked to its analysis; it deletes no analysis, so a file moved
    /// meanwhile finds its analysis again at the next analysis scan, without a new decode.
    @Test func tagsOnlyScanKeysOnlyWhatWasKeyedAndKeepsAnalyses() async throws {
        let folder = try TestSupport.copyOfTagFixtures()
        let db = folder + ".sqlite"
        let library = try Library(path: db)
        let tagsOnly = ScanOptions(roots: [folder], jobs: 2, tagsOnly: true)
        _ = try await LibraryScanner(library: library, options: tagsOnly).run()
        #expect(try library.track(path: folder + "/vorbis.flac")?.audioHash == "")

        _ = try await TestSupport.scan([folder], db: db)
        let flac = try #require(try library.track(path: folder + "/vorbis.flac"))
        let mp3 = try #require(try library.track(path: folder + "/id3v23.mp3"))
        #expect(flac.audioHash.hasPrefix("v1:") && mp3.audioHash.hasPrefix("v1:"))
        let flacFeatures = try #require(try library.features(audioHash: flac.audioHash))
        let mp3Features = try #require(try library.features(audioHash: mp3.audioHash))

        // Re-tag the FLAC in place (same length) and move the MP3, then a tags-only scan.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/vorbis.flac")))
        let needle = Array("Windowlicker".utf8)
        let position = try #require((0...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) })
        bytes.replaceSubrange(position..<(position + needle.count), with: Array("Doorlicker!!".utf8))
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/vorbis.flac"))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_600_000_000)],
                                              ofItemAtPath: folder + "/vorbis.flac")
        try FileManager.default.createDirectory(atPath: folder + "/moved", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: folder + "/id3v23.mp3", toPath: folder + "/moved/renamed.mp3")
        let retagged = try await LibraryScanner(library: library, options: tagsOnly).run()
        #expect(retagged.updated == 1 && retagged.new == 1 && retagged.removed == 1)
        let edited = try #require(try library.track(path: folder + "/vorbis.flac"))
        #expect(edited.tags.title == "Doorlicker!! Fixture" && edited.audioHash == flac.audioHash)
        #expect(try library.features(audioHash: flac.audioHash) == flacFeatures)
        #expect(try library.track(path: folder + "/moved/renamed.mp3")?.audioHash == "")
        #expect(try library.features(audioHash: mp3.audioHash) == mp3Features)

        // The analysis scan keys the moved file and finds its stored analysis.
        _ = try await TestSupport.scan([folder], db: db)
        #expect(try library.track(path: folder + "/moved/renamed.mp3")?.audioHash == mp3.audioHash)
        #expect(try library.features(audioHash: mp3.audioHash) == mp3Features)
    }

    @Test func scanningASubfolderLeavesTheRestAlone() async throws {
        let folder = try TestSupport.temporaryFolder()
        for sub in ["a", "ab"] {
            try FileManager.default.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: TestSupport.tagFixtures.appendingPathComponent("id3v23.mp3").path, toPath: folder + "/\(sub)/x.mp3")
        }
        let db = folder + "/lib.sqlite"
        let (library, _) = try await TestSupport.scan([folder], db: db)
        try FileManager.default.removeItem(atPath: folder + "/a/x.mp3")
        let (_, second) = try await TestSupport.scan([folder + "/a"], db: db)
        #expect(second.removed == 1)
        #expect(try library.track(path: folder + "/ab/x.mp3") != nil)
    }
}

/// Deletes the file it is given, standing in for a file removed while the scan reads it.
private struct DeletingStage: ScanStage {
    func run(_ draft: inout TrackDraft, file: ReadOnlyFile, profile: inout StageProfile) throws(StageFailure) {
        try? FileManager.default.removeItem(atPath: file.path)
    }
}

@Suite struct VanishingFileTests {
    /// The tag reader and the decoders open the path again; a file gone by then has
    /// vanished (it leaves the library), it has not failed.
    @Test func fileDeletedBetweenStagesHasVanished() throws {
        let folder = try TestSupport.copyOfTagFixtures()
        let path = folder + "/id3v23.mp3"
        let file = WalkedFile(path: path, size: 0, mtimeNanoseconds: 0)
        var profile = StageProfile.disabled
        let outcome = LibraryScanner.process(file, stages: [ProbeStage(), DeletingStage(), TagStage()], profile: &profile)
        guard case .vanished(let gone) = outcome else { Issue.record("expected vanished, got \(outcome)"); return }
        #expect(gone.path == path)
        // A failure of a file that is still there stays a failure.
        let text = WalkedFile(path: folder + "/text.mp3", size: 0, mtimeNanoseconds: 0)
        guard case .failed(_, let failure) = LibraryScanner.process(text, stages: [ProbeStage(), TagStage()], profile: &profile) else {
            Issue.record("expected a failure"); return
        }
        #expect(failure.reason.contains("plain text"))
    }
}

@Suite struct PropertiesJSONTests {
    @Test func awkwardValuesRoundTrip() throws {
        let properties = [
            TrackTags.Property(key: "COMMENT", value: "quote \" backslash \\ newline \n tab \t bell \u{7} end"),
            TrackTags.Property(key: "ARTIST", value: "Björk 東京 🎵"),
            TrackTags.Property(key: "COMMENT", value: "second"),
        ]
        let json = Library.propertiesJSON(properties)
        let decoded = try JSONDecoder().decode([String: [String]].self, from: Data(json.utf8))
        #expect(decoded == ["ARTIST": ["Björk 東京 🎵"], "COMMENT": [properties[0].value, "second"]])
    }
}

@Suite struct TimestampTests {
    @Test func timestampsAreISO8601WithMilliseconds() throws {
        #expect(Timestamp.format(seconds: 0, milliseconds: 5) == "1970-01-01T00:00:00.005Z")
        #expect(Timestamp.format(seconds: 1_767_225_599, milliseconds: 999) == "2025-12-31T23:59:59.999Z")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let now = Timestamp.now()
        #expect(now.count == 24)
        let parsed = try #require(formatter.date(from: now))
        #expect(abs(parsed.timeIntervalSinceNow) < 5)
    }
}
